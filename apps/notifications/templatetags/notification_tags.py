from django import template

from apps.notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """The header's count: one indexed query per page."""
    request = context.get("request")
    return selectors.unread_count(getattr(request, "user", None))
