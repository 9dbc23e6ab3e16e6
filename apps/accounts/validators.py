"""Django's password validators with their messages in Italian (Django's own Italian
catalogue lacks some of them); the rules are Django's, unchanged."""

from django.contrib.auth import password_validation as django_validators
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Questa password è troppo breve: deve avere almeno %(min_length)d carattere.",
            "Questa password è troppo breve: deve avere almeno %(min_length)d caratteri.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "Almeno %(min_length)d carattere.",
            "Almeno %(min_length)d caratteri.",
            self.min_length,
        ) % {"min_length": self.min_length}


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("La password somiglia troppo al tuo %(verbose_name)s.")

    def get_help_text(self):
        return _("Non deve somigliare ai tuoi dati personali (nome, nome utente, email).")


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    """Django's list of 20,000 common passwords."""

    def get_error_message(self):
        return _("Questa password è troppo comune.")

    def get_help_text(self):
        return _("Non deve essere una password di uso comune.")


class NumericPasswordValidator(django_validators.NumericPasswordValidator):
    def get_error_message(self):
        return _("Questa password è interamente numerica.")

    def get_help_text(self):
        return _("Non può essere composta solo da cifre.")
