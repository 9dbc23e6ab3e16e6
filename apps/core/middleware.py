"""Middleware of the UI kit."""

from django.shortcuts import render

from .http import is_same_site


def _same_site_referer(request) -> str:
    referer = request.headers.get("Referer", "")
    return referer if is_same_site(request, referer) else ""


class MethodNotAllowedPageMiddleware:
    """A GET on a URL that only takes POST (a button's address, bookmarked or shared) answers
    with a page that says what to do instead of Django's empty 405. The status and its
    ``Allow`` header stay: the URL still does nothing on GET."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 405
            or request.method not in ("GET", "HEAD")
            or getattr(response, "streaming", False)
            or response.content
        ):
            return response
        page = render(request, "405.html", {"back_url": _same_site_referer(request)}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
