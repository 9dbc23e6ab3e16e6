"""Request helpers every area's views share: where to go back to, page or htmx fragment."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

# The request headers that decide between a page and a fragment: a cache must key on them.
HTMX_VARY = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def is_same_site(request: HttpRequest, url: str) -> bool:
    """Whether ``url`` points to this site (a relative path, or our host; https when we are)."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The address a form asks to return to (``next``, posted or in the query), if it is on
    this site; otherwise ``default``. Never an open redirect to another host."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    return candidate if is_same_site(request, candidate) else default


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that swaps part of a page. A boosted link or a history restore without
    a cached copy asks for the whole page instead."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest,
    page: str,
    partial: str,
    context: dict,
    *,
    status: int | None = None,
) -> HttpResponse:
    """``partial`` (a ``{% partialdef %}`` of the page, ``"page.html#name"``, or an include)
    for an htmx swap, else the whole ``page``, from the same context; with ``Vary`` on the
    htmx headers so a cache never serves one for the other."""
    template = partial if wants_fragment(request) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, HTMX_VARY)
    return response
