from apps.accounts.roles import can

from .models import Crisis

# Pages citizens see (and staff preview "as citizens will see them"): never internal crisis
# information on them, whoever is logged in.
PUBLIC_URL_NAMES = frozenset(
    {"events:public_list", "events:public_detail", "events:subscribe", "login", "logout"}
)


def _is_public_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in PUBLIC_URL_NAMES


def crisis(request):
    """The red banner on every staff page: the open crisis, if any (one indexed query).

    Only office staff see it, and never on a public page: the reason and who declared it are
    internal information.
    """
    user = getattr(request, "user", None)
    if user is None or not can(user, "plan") or _is_public_page(request):
        return {}
    return {
        "crisis": Crisis.objects.filter(ended_at__isnull=True).select_related("declared_by").first()
    }
