from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import AccessibleFormMixin

from .models import Channel

TONE_FIELDS = [
    "char_limit",
    "formality",
    "guidance",
    "max_hashtags",
    "emoji_allowed",
    "link_expected",
    "gulpease_target",
]


class ChannelForm(AccessibleFormMixin, forms.ModelForm):
    """Name, kind and tone guidance. Credentials are managed on the publishing pages."""

    reset_to_defaults = forms.BooleanField(
        label=_("Ripristina le impostazioni predefinite del tipo di canale"),
        required=False,
        help_text=_("Limite, formalità, indicazioni e regole tornano quelli consigliati."),
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "active", *TONE_FIELDS, "late_tolerance_minutes"]
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

    def clean_late_tolerance_minutes(self):
        value = self.cleaned_data.get("late_tolerance_minutes")
        if value is None:
            return Channel._meta.get_field("late_tolerance_minutes").default
        if value > 24 * 60:
            raise forms.ValidationError(_("Al massimo 1440 minuti (un giorno)."))
        return value

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
