from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import WebURLField, cap_length

from .kinds import config_settings_for
from .models import Channel

CONFIG_FIELD_PREFIX = "config_"

TONE_FIELDS = [
    "char_limit",
    "formality",
    "guidance",
    "max_hashtags",
    "emoji_allowed",
    "link_expected",
    "gulpease_target",
]
GUIDANCE_MAX_LENGTH = 2_000


# How long a held post may still go out by itself (see publishing.services.claim_due).
PUBLISHING_FIELDS = ["late_tolerance_minutes", "reconnect_grace_minutes"]


class ChannelForm(forms.ModelForm):
    """Name, kind and tone guidance. Credentials are managed on the publishing pages."""

    reset_to_defaults = forms.BooleanField(
        label=_("Ripristina le impostazioni predefinite del tipo di canale"),
        required=False,
        help_text=_("Limite, formalità, indicazioni e regole tornano quelli consigliati."),
    )

    class Meta:
        model = Channel
        fields = [
            "name",
            "kind",
            "active",
            *TONE_FIELDS,
            "late_tolerance_minutes",
            "reconnect_grace_minutes",
            "preferred_times",
        ]
        widgets = {
            "guidance": forms.Textarea(attrs={"rows": 4}),
            "emoji_allowed": forms.NullBooleanSelect,
            "link_expected": forms.NullBooleanSelect,
        }
        # "Registro" already names the audit log: the tone's level is its formality.
        labels = {"formality": _("Formalità")}
        help_texts = {
            "char_limit": _("Vuoto: il limite del tipo di canale."),
            "gulpease_target": _("Da 0 a 100; 60 è adatto a un avviso pubblico."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["char_limit"].required = False
        self.fields["formality"].required = False
        self.fields["late_tolerance_minutes"].required = False
        self.fields["reconnect_grace_minutes"].required = False
        cap_length(self.fields["guidance"], GUIDANCE_MAX_LENGTH)
        kind = self.data.get("kind") if self.is_bound else self.instance.kind
        config = self.instance.config or {}
        self.config_settings = config_settings_for(kind or "")
        for setting in self.config_settings:
            field_class = WebURLField if setting.is_url else forms.CharField
            self.fields[CONFIG_FIELD_PREFIX + setting.key] = field_class(
                label=setting.label,
                help_text=setting.help_text,
                required=False,
                max_length=500,
                initial=config.get(setting.key, ""),
            )

    def config_fields(self):
        return [self[CONFIG_FIELD_PREFIX + setting.key] for setting in self.config_settings]

    def cleaned_config(self) -> dict:
        """The channel's config with this kind's settings as typed (other keys kept)."""
        config = dict(self.instance.config or {})
        for setting in self.config_settings:
            value = (self.cleaned_data.get(CONFIG_FIELD_PREFIX + setting.key) or "").strip()
            if value:
                config[setting.key] = value
            else:
                config.pop(setting.key, None)
        return config

    def _minutes(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None:
            return Channel._meta.get_field(name).default
        if value > 24 * 60:
            raise forms.ValidationError(_("Al massimo 1440 minuti (un giorno)."))
        return value

    def clean_late_tolerance_minutes(self):
        return self._minutes("late_tolerance_minutes")

    def clean_reconnect_grace_minutes(self):
        return self._minutes("reconnect_grace_minutes")

    def clean_gulpease_target(self):
        value = self.cleaned_data.get("gulpease_target")
        if value is not None and value > 100:
            raise forms.ValidationError(_("L'indice Gulpease va da 0 a 100."))
        return value

    def clean_char_limit(self):
        value = self.cleaned_data.get("char_limit")
        if value == 0:
            raise forms.ValidationError(_("Il limite deve essere almeno 1 carattere."))
        return value


class BlueskyConnectForm(forms.Form):
    """Bluesky: the account's handle and an app password (never the account's own password)."""

    handle = forms.CharField(
        label=_("Nome dell'account"),
        max_length=253,
        help_text=_("Es. comune.bsky.social, oppure il dominio del Comune se lo usa come nome."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    app_password = forms.CharField(
        label=_("Password per le app"),
        max_length=200,
        strip=True,
        help_text=_(
            "Creala su Bluesky in Impostazioni → Privacy e sicurezza → Password per le app. "
            "Si usa una volta sola per aprire la sessione e non viene conservata."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    service = WebURLField(
        label=_("Server dell'account"),
        required=False,
        max_length=200,
        help_text=_(
            "Vuoto per https://bsky.social; un altro indirizzo solo se l'account vive su un "
            "server proprio."
        ),
    )
