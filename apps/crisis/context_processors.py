from apps.accounts.roles import can
from apps.core.templatetags.pa_layout import shows_staff_banners

from .models import Crisis


def crisis(request):
    """The red banner on every staff page: the open crisis, if any (one indexed query).

    Only office staff see it, and never on a public page: the reason and who declared it are
    internal information.
    """
    user = getattr(request, "user", None)
    if user is None or not can(user, "plan") or not shows_staff_banners(request):
        return {}
    return {
        "crisis": Crisis.objects.filter(ended_at__isnull=True).select_related("declared_by").first()
    }
