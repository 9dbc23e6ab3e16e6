from django import template

from apps.channels.selectors import expiring_connections

register = template.Library()


@register.inclusion_tag("channels/includes/expiring_connections.html", takes_context=True)
def expiring_connections_panel(context):
    """Home page: tokens that cannot be refreshed and lapse soon (administrators only; one
    query, none for anyone else)."""
    if not context.get("can_configure"):
        return {"expiring": []}
    return {"expiring": expiring_connections(), "can_configure": True}
