from django import template

from apps.audit.labels import action_label

register = template.Library()


def _short(value, limit: int) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@register.filter
def audit_values(value, limit: int = 80) -> str:
    """A before/after dict as "name: value; …" (each value shortened), for people to read."""
    if value in (None, "", {}):
        return "—"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_short(item, limit)}" for key, item in value.items())
    return _short(value, limit)


@register.filter(name="action_label")
def action_label_filter(code: str) -> str:
    return action_label(code)
