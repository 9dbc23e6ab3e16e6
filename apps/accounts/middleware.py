from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from . import mfa, security


class HtmxLoginRedirectMiddleware:
    """A login page must never be swapped into a widget: htmx gets a full-page redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response


class SessionTimeoutMiddleware:
    """Ends a session idle for SESSION_IDLE_MINUTES or older than SESSION_ABSOLUTE_HOURS.

    The request then goes on as anonymous: a protected view sends it to the login page
    (htmx included, see above) with a message saying why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            at = security.now()
            reason = security.session_expiry_reason(request.session, at)
            if reason is not None:
                logout(request)
                messages.info(
                    request,
                    _("La sessione è scaduta per inattività: accedi di nuovo.")
                    if reason == "idle"
                    else _("La sessione è durata troppo a lungo: accedi di nuovo."),
                )
            else:
                seen = request.session.get(security.SEEN_AT)
                if seen is None or at - seen >= security.SEEN_RESOLUTION_SECONDS:
                    request.session[security.SEEN_AT] = at
                if security.LOGIN_AT not in request.session:
                    request.session[security.LOGIN_AT] = at
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Whoever has a device passes it at every login; approvers and admins must enrol one.

    Until then the only pages open are the MFA steps, logout and the language switch.
    """

    OPEN_URL_NAMES = {
        "accounts:mfa_verify",
        "accounts:mfa_setup",
        "accounts:reauth",
        "logout",
        "set_language",
        "healthz",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        target = self._redirect_for(request)
        if target is not None:
            if request.path_info != target.split("?", 1)[0] and not self._is_open(request):
                url = target + "?" + urlencode({"next": request.get_full_path()})
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(url)
                return redirect(url)
        return self.get_response(request)

    def _redirect_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        has_device = request.session.get(security.HAS_DEVICE)
        if has_device is None:
            has_device = security.remember_devices(request, user)
        if has_device:
            return reverse("accounts:mfa_verify")
        if mfa.mfa_required_for(user):
            return reverse("accounts:mfa_setup")
        return None

    def _is_open(self, request) -> bool:
        if request.path_info.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in self.OPEN_URL_NAMES


class NoStoreForAuthenticatedMiddleware:
    """Pages for a logged-in person are never kept by the browser or a shared cache.

    Audit log and CSV, credentials and crisis pages show sensitive data; every authenticated
    page gets ``Cache-Control: no-store`` so none is forgotten (static files are served by
    WhiteNoise before this runs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
