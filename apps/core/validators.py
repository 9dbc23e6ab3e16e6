"""Input rules shared by every area.

URLs: one rule for every URL a person types (posts, events, channels, webhooks): http or https.
Anything else (javascript:, data:, mailto:, ftp:, vbscript:…) is refused with a clear message
before it is stored or rendered as a link."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")
WEB_URL_MESSAGE = _("Inserisci un indirizzo web completo che inizi con https:// o http://.")

_web_url = URLValidator(schemes=list(WEB_SCHEMES), message=WEB_URL_MESSAGE)


def validate_web_url(value: str) -> None:
    """An absolute http(s) URL with a host, and nothing invisible or control-like in it."""
    if any(not char.isprintable() or char.isspace() for char in value):
        raise ValidationError(WEB_URL_MESSAGE, code="invalid")
    _web_url(value)


class WebURLField(forms.URLField):
    """A form URLField that accepts only http and https ("www.x.it" becomes https://www.x.it)."""

    default_validators = [validate_web_url]
    default_error_messages = {"invalid": WEB_URL_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


def cap_length(field: forms.CharField, max_length: int) -> None:
    """Give a form field built from a model TextField (which has no limit) a maximum length:
    the validator with its message, and the browser's maxlength attribute."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs.update(field.widget_attrs(field.widget))
