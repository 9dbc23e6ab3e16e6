import logging

from django.core.cache import cache

from apps.accounts.roles import can
from apps.core.templatetags.pa_layout import shows_staff_banners

from . import health
from .enums import DeliveryState
from .models import Delivery

logger = logging.getLogger(__name__)

STALL_CACHE_KEY = "publishing:stall"
# Pages load often; the check runs a few queries. Each process keeps its answer this long
# (a read cache: the local-memory default is enough, nothing is shared through it).
STALL_CACHE_SECONDS = 15


def _stall_banner() -> dict:
    # Nothing waiting to go out: nothing is stalled for the office (/healthz still says
    # whether beat and the workers run).
    if not Delivery.objects.filter(
        state__in=(DeliveryState.WAITING, DeliveryState.QUEUED)
    ).exists():
        return {}
    report = health.watch()
    return {} if report.ok else {"text": health.banner_text(report)}


def publishing_stall(request):
    """The banner on every staff page when publishing has stopped (beat or workers down, or a
    post overdue). Only office staff see it, never on a public page."""
    user = getattr(request, "user", None)
    if user is None or not can(user, "plan") or not shows_staff_banners(request):
        return {}
    stall = cache.get(STALL_CACHE_KEY)
    if stall is None:
        try:
            stall = _stall_banner()
        except Exception:  # a page must render even when the check cannot
            logger.exception("Publishing health check failed")
            stall = {}
        cache.set(STALL_CACHE_KEY, stall, STALL_CACHE_SECONDS)
    return {"publishing_stall": stall or None}
