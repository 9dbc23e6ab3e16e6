from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.core.forms import AccessibleFormMixin, date_input

from .enums import AssetKind, CaptionLanguage, Licence
from .models import Asset, Collection, Tag

LICENCE_FIELDS = ["licence", "licence_other"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/mp4,.mov"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else single(data, initial)


def check_licence(cleaned):
    """The library's rule on licences: «Altra» needs its text (every form asking for one)."""
    if cleaned.get("licence") == Licence.OTHER and not cleaned.get("licence_other", "").strip():
        raise forms.ValidationError(
            {"licence_other": _("Scrivi la licenza o l'accordo d'uso.")}, code="required"
        )


class UploadForm(AccessibleFormMixin, forms.Form):
    files = MultipleFileField(
        label=_("File da caricare"),
        help_text=_(
            "Immagini JPEG, PNG, GIF o WebP e video MP4 o MOV; puoi sceglierne più di uno. "
            "Il nome del file, la posizione GPS e gli altri dati della fotocamera non vengono "
            "conservati."
        ),
    )
    alt_text = forms.CharField(
        label=_("Testo alternativo"),
        max_length=500,
        required=False,
        help_text=_("Per tutti i file di questo caricamento; puoi completarlo poi su ciascuno."),
    )
    credits = forms.CharField(label=_("Crediti (autore)"), max_length=200, required=False)
    licence = forms.ChoiceField(label=_("Licenza"), choices=Licence.choices, initial=Licence.COMUNE)
    licence_other = forms.CharField(
        label=_("Altra licenza"),
        max_length=200,
        required=False,
        help_text=_("Solo se la licenza è «Altra»."),
    )
    tags = forms.CharField(
        label=_("Etichette"),
        max_length=500,
        required=False,
        help_text=_("Separate da virgole, ad esempio: piazza, estate"),
    )
    collection = forms.CharField(
        label=_("Raccolta"),
        max_length=120,
        required=False,
        help_text=_("Ad esempio «Sagra d'autunno 2026»: se non esiste viene creata."),
    )

    def __init__(self, *args, max_files: int, **kwargs):
        self.max_files = max_files
        super().__init__(*args, **kwargs)

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > self.max_files:
            raise forms.ValidationError(
                _("Al massimo %(n)s file per volta."), params={"n": self.max_files}
            )
        return files

    def clean(self):
        cleaned = super().clean()
        check_licence(cleaned)
        return cleaned


class AssetForm(AccessibleFormMixin, forms.ModelForm):
    tags_text = forms.CharField(
        label=_("Etichette"),
        max_length=500,
        required=False,
        help_text=_("Separate da virgole."),
    )
    collection_name = forms.CharField(
        label=_("Raccolta"),
        max_length=120,
        required=False,
        help_text=_("Se non esiste viene creata."),
    )

    class Meta:
        model = Asset
        fields = [
            "alt_text",
            "caption",
            "credits",
            "licence",
            "licence_other",
            "rights_expire_on",
            "people_release",
        ]
        widgets = {
            "alt_text": forms.Textarea(attrs={"rows": 2}),
            "rights_expire_on": date_input(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tags_text"] = ", ".join(t.name for t in self.instance.tags.all())
            self.initial["collection_name"] = (
                self.instance.collection.name if self.instance.collection else ""
            )

    def clean(self):
        cleaned = super().clean()
        check_licence(cleaned)
        return cleaned


class ReplaceForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Nuovo file"),
        help_text=_("Stesso tipo (immagine o video): i post che usano il file lo mantengono."),
    )


class CaptionForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File dei sottotitoli (SRT o WebVTT)"),
        help_text=_(
            "Testo in UTF-8; una lingua per file. Sostituisce i sottotitoli già caricati in "
            "quella lingua."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".srt,.vtt,text/vtt"}),
    )
    language = forms.ChoiceField(label=_("Lingua"), choices=CaptionLanguage.choices)


class FocalPointForm(AccessibleFormMixin, forms.Form):
    """The focal point in percent from the left and from the top (the page's keyboard and
    no-JavaScript way; a click on the image fills the same two fields)."""

    x = forms.IntegerField(label=_("Da sinistra (%)"), min_value=0, max_value=100)
    y = forms.IntegerField(label=_("Dall'alto (%)"), min_value=0, max_value=100)


VIEWS = [("griglia", _("Griglia")), ("elenco", _("Elenco"))]
USAGE = [("", _("Tutti")), ("used", _("In uso")), ("unused", _("Non usati"))]


class FilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(label=_("Cerca"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Tipo"), choices=[("", _("Tutti"))] + AssetKind.choices, required=False
    )
    tag = forms.ModelChoiceField(
        label=_("Etichetta"), queryset=Tag.objects.all(), required=False, empty_label=_("Tutte")
    )
    collection = forms.ModelChoiceField(
        label=_("Raccolta"),
        queryset=Collection.objects.all(),
        required=False,
        empty_label=_("Tutte"),
    )
    uploader = forms.ModelChoiceField(
        label=_("Caricato da"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Chiunque"),
    )
    dal = forms.DateField(label=_("Caricato dal"), required=False, widget=date_input())
    al = forms.DateField(label=_("Caricato fino al"), required=False, widget=date_input())
    usage = forms.ChoiceField(label=_("Uso"), choices=USAGE, required=False)
    vista = forms.ChoiceField(label=_("Vista"), choices=VIEWS, required=False)

    def __init__(self, *args, uploaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["uploader"].queryset = uploaders
        self.fields["uploader"].label_from_instance = lambda u: u.get_full_name() or u.username
