"""Session rules: when the user last proved who they are, idle and absolute timeouts.

Three timestamps (epoch seconds) live in the session:

- ``LOGIN_AT``: the login; the session ends ``SESSION_ABSOLUTE_HOURS`` after it, whatever.
- ``SEEN_AT``: the last request; ``SESSION_IDLE_MINUTES`` without one ends the session.
- ``AUTH_AT``: the last password or MFA check; sensitive actions want it within
  ``REAUTH_MINUTES`` (see :func:`require_recent_auth`).
"""

import time
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from django_otp import devices_for_user, user_has_device

LOGIN_AT = "pa_login_at"
SEEN_AT = "pa_seen_at"
AUTH_AT = "pa_auth_at"
HAS_DEVICE = "pa_has_mfa_device"
# SEEN_AT is rewritten at most this often: a session save per request would cost a query.
SEEN_RESOLUTION_SECONDS = 60


def now() -> float:
    return time.time()


def mark_identity_confirmed(request) -> None:
    request.session[AUTH_AT] = now()


def remember_devices(request, user) -> bool:
    has = user_has_device(user, confirmed=True)
    request.session[HAS_DEVICE] = has
    return has


def stamp_new_session(session) -> None:
    """What a password login writes into its session (the browser tests' shortcut too)."""
    stamp = now()
    session[LOGIN_AT] = stamp
    session[SEEN_AT] = stamp
    session[AUTH_AT] = stamp


@receiver(user_logged_in, dispatch_uid="accounts_session_started")
def session_started(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    stamp_new_session(request.session)
    remember_devices(request, user)


def session_expiry_reason(session, at: float) -> str | None:
    """``"idle"``, ``"absolute"`` or None for a session still valid at ``at``."""
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is not None and at - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
        return "absolute"
    if seen_at is not None and at - seen_at > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


def identity_recently_confirmed(request) -> bool:
    confirmed_at = request.session.get(AUTH_AT)
    return confirmed_at is not None and now() - confirmed_at <= settings.REAUTH_MINUTES * 60


def confirm_identity(request, *, password: str = "", code: str = "") -> bool:
    """Check the password (through django-axes, which counts failures) or an MFA code."""
    user = request.user
    if code:
        # for_verify locks the devices (SELECT … FOR UPDATE) so a code cannot be spent twice
        # by two requests at once: that needs a transaction on PostgreSQL.
        with transaction.atomic():
            for device in devices_for_user(user, for_verify=True):
                if device.verify_is_allowed()[0] and device.verify_token(code.strip()):
                    return True
        return False
    if password:
        return authenticate(request, username=user.get_username(), password=password) == user
    return False


REAUTH_FIELDS = ("reauth_password", "reauth_code")


def require_recent_auth(view):
    """Sensitive actions ask again for the password (or an MFA code) after REAUTH_MINUTES.

    A GET shows the confirmation page, which returns to the same page. A POST whose
    confirmation is stale is answered with the same page carrying the submitted fields, so
    that confirming resubmits them: nothing typed is lost.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated or identity_recently_confirmed(request):
            return view(request, *args, **kwargs)
        failed = False
        if request.method == "POST" and any(name in request.POST for name in REAUTH_FIELDS):
            if confirm_identity(
                request,
                password=request.POST.get("reauth_password", ""),
                code=request.POST.get("reauth_code", ""),
            ):
                mark_identity_confirmed(request)
                return view(request, *args, **kwargs)
            failed = True
        if getattr(request, "htmx", False):
            # Never swap a full page into a widget: confirm on its own page, then come back.
            back = request.get_full_path()
            if request.method == "POST":
                back = urlsplit(request.htmx.current_url or "").path or reverse("home")
            return HttpResponseClientRedirect(
                reverse("accounts:reauth") + "?" + urlencode({"next": back})
            )
        if request.method != "POST":
            return reauth_page(request, next_url=request.get_full_path())
        replay = QueryDict(mutable=True)
        for key, values in request.POST.lists():
            if key not in REAUTH_FIELDS and key != "csrfmiddlewaretoken":
                replay.setlist(key, values)
        return reauth_page(
            request,
            action=request.get_full_path(),
            replay=list(replay.lists()),
            failed=failed,
            status=403 if failed else 200,
        )

    wrapped.requires_recent_auth = True
    return wrapped


def reauth_page(request, *, action=None, next_url="", replay=(), failed=False, status=200):
    return render(
        request,
        "accounts/reauth.html",
        {
            "failed": failed,
            "has_device": user_has_device(request.user, confirmed=True),
            "action": action or reverse("accounts:reauth"),
            "next": next_url,
            "replay": replay,
            "minutes": settings.REAUTH_MINUTES,
        },
        status=status,
    )
