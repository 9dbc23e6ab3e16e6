from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def total_minutes(value):
    """A timedelta as whole minutes (rounded up), for messages like "riprova tra 15 minuti"."""
    if not isinstance(value, timedelta):
        return ""
    seconds = int(value.total_seconds())
    return max(1, -(-seconds // 60))
