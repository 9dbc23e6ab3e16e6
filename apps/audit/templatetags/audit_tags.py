from django import template

from apps.audit.details import describe
from apps.audit.labels import action_label

register = template.Library()


@register.filter(name="action_label")
def action_label_filter(code: str) -> str:
    return action_label(code)


@register.simple_tag
def with_changes(entries) -> list:
    """The entries as a list, each with ``.changes``: its labelled before/after values
    (apps/audit/details.py), named with one query per related model for the whole list."""
    entries = list(entries)
    changes = describe(entries)
    for entry in entries:
        entry.changes = changes.get(entry.pk, [])
    return entries
