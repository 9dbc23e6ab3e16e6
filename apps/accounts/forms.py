"""Account forms: Django's own password forms with the shared accessible markup, MFA codes."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import AccessibleFormMixin


class OtpCodeForm(AccessibleFormMixin, forms.Form):
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


class PasswordChangeForm(AccessibleFormMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(AccessibleFormMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(AccessibleFormMixin, auth_forms.SetPasswordForm):
    pass
