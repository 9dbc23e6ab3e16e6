"""Login lockout page, MFA (verify, enrol, recovery codes), re-authentication, passwords."""

from urllib.parse import urlsplit

from axes.helpers import get_cool_off, get_failure_limit
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from apps.core import ratelimit
from apps.core.http import safe_next

from . import mfa, security
from .client_ip import client_ip
from .forms import (
    EnrolCodeForm,
    OtpCodeForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from .mail import remember_language


def locked_out(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: why the login is refused and how to get back in."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_timedelta": cool_off,
        "address_locked": getattr(request, "pa_address_locked_out", False),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)


# --- MFA ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    """The second step of every login for whoever has a device."""
    if request.user.is_verified():
        return redirect(safe_next(request, reverse("home")))
    form = OtpCodeForm(request.POST or None)
    status = 200
    # for_verify locks the devices (SELECT … FOR UPDATE) so a code cannot be spent twice by
    # two requests at once: that needs a transaction on PostgreSQL.
    with transaction.atomic():
        devices = list(devices_for_user(request.user, for_verify=True))
        if not devices:
            security.remember_devices(request, request.user)
            return redirect(safe_next(request, reverse("home")))
        if request.method == "POST" and form.is_valid():
            code = form.cleaned_data["code"]
            for device in devices:
                allowed, _info = device.verify_is_allowed()
                if allowed and device.verify_token(code):
                    otp_login(request, device)
                    security.mark_identity_confirmed(request)
                    return redirect(safe_next(request, reverse("home")))
            form.add_error(
                "code",
                _("Codice non valido o scaduto. Dopo vari errori i tentativi vengono rallentati."),
            )
            status = 400
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": safe_next(request)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@security.require_recent_auth
def mfa_setup(request):
    """Enrol an authenticator app. Someone with a device must first prove they hold it, and
    everyone must have typed their password in the last minutes (ASVS 7.5.1)."""
    if request.session.get(security.HAS_DEVICE) and not request.user.is_verified():
        return redirect("accounts:mfa_verify")
    device = mfa.pending_totp_device(request.user)
    form = EnrolCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            codes = mfa.confirm_enrolment(device)
            otp_login(request, device)
            security.mark_identity_confirmed(request)
            request.session[security.HAS_DEVICE] = True
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": True}
            )
        form.add_error(
            "code",
            _("Il codice non corrisponde: controlla l'ora del telefono.")
            if allowed
            else _("Troppi codici sbagliati di fila: aspetta qualche secondo e riprova."),
        )
        status = 400
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_code": mfa.qr_code_data_uri(device),
            "secret": mfa.base32_secret(device),
            "required": mfa.mfa_required_for(request.user),
        },
        status=status,
    )


@login_required
def account_security(request):
    """The person's own security page: password, MFA status, recovery codes."""
    return render(
        request,
        "accounts/security.html",
        {
            "has_totp": mfa.has_totp(request.user),
            "codes_left": mfa.recovery_codes_left(request.user),
            "required": mfa.mfa_required_for(request.user),
        },
    )


@login_required
@require_POST
@security.require_recent_auth
def recovery_codes(request):
    if not mfa.has_totp(request.user):
        return redirect("accounts:mfa_setup")
    codes = mfa.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": False})


@login_required
@require_http_methods(["GET", "POST"])
def reauth(request):
    """Confirm the password (or an MFA code) again, then go back where the user was."""
    next_url = safe_next(request, reverse("home"))
    if request.method == "POST":
        if security.confirm_identity(
            request,
            password=request.POST.get("reauth_password", ""),
            code=request.POST.get("reauth_code", ""),
        ):
            security.mark_identity_confirmed(request)
            return redirect(next_url)
        return security.reauth_page(request, next_url=next_url, failed=True, status=403)
    return security.reauth_page(request, next_url=next_url)


# --- Passwords (Django's own views) -------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        security.mark_identity_confirmed(self.request)
        return response


RESET_LIMIT = 5  # reset emails asked for per client address and window
RESET_WINDOW_SECONDS = 900


def allow_reset_request(ip_address: str | None) -> bool:
    """The reset form sends email: it must not become a way to flood the staff's mailboxes."""
    return ratelimit.allow(
        f"accounts:password-reset:{ip_address or 'unknown'}",
        limit=RESET_LIMIT,
        window_seconds=RESET_WINDOW_SECONDS,
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not allow_reset_request(client_ip(self.request)):
            form.add_error(
                None, _("Troppe richieste da questa connessione: riprova tra qualche minuto.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        # Absolute links from SITE_URL, not from whatever Host header the request carried.
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"site_url": settings.SITE_URL}
        self.domain_override = site.netloc
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password is the way back in after a lockout: clear the failed attempts.
        axes_reset(username=form.user.get_username())
        return response


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


def password_reset_complete(request):
    return render(request, "accounts/password_reset_complete.html")


def password_change_done(request):
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return render(request, "accounts/password_change_done.html")


def set_language(request):
    """Django's language switch; a person who is logged in also gets their emails in it."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(request.user, language)
    return response
