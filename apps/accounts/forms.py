"""Account forms: Django's own password forms with the shared accessible markup, MFA codes."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


class OtpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Codice"),
        max_length=16,
        help_text=_(
            "Le 6 cifre mostrate dall'app di autenticazione, oppure uno dei codici di recupero."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split())


class EnrolCodeForm(OtpCodeForm):
    code = forms.CharField(
        label=_("Codice di verifica"),
        max_length=6,
        min_length=6,
        help_text=_("Le 6 cifre che l'app mostra ora per PA Planner."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _italian_new_password_fields(form) -> None:
    """Django's own Italian catalogue lacks these labels: give them here."""
    form.fields["new_password1"].label = _("Nuova password")
    form.fields["new_password2"].label = _("Conferma nuova password")
    form.fields["new_password2"].help_text = _("Scrivi di nuovo la nuova password.")
    form.error_messages = {
        **form.error_messages,
        "password_mismatch": _("Le due password non coincidono."),
    }


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _italian_new_password_fields(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _italian_new_password_fields(self)
        self.fields["old_password"].label = _("Password attuale")
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("La password attuale non è corretta: scrivila di nuovo."),
        }


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email")
