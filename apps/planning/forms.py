from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.channels.models import Channel
from apps.channels.selectors import connection_problem
from apps.core import images
from apps.core.forms import BoundedModelMultipleChoiceField
from apps.core.validators import WebURLField, cap_length
from apps.events.models import Event
from apps.media_library.networks import VIDEO_NETWORKS

from .checks import MAX_CHECKED_LENGTH, PUBLIC_TITLE_ADVISED_LENGTH, analyse_variant
from .enums import NewsType, PostStatus
from .exporting import ExportRefused, check_period
from .importing import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from .models import (
    ALT_TEXT_MAX_LENGTH,
    NEWS_OFFICE_MAX_LENGTH,
    NEWS_SUMMARY_MAX_LENGTH,
    NEWS_TOPIC_MAX_LENGTH,
    NEWS_TOPICS_MAX,
    NOTES_MAX_LENGTH,
    PUBLIC_TITLE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Campaign,
    ContentCategory,
    Post,
    PostTag,
    hex_colour,
)
from .news import FINDING_FIELDS, NEWS_FIELD_NAMES, NewsFields, split_topics, topics_text
from .news import field_name as news_field_name
from .search import MAX_QUERY_LENGTH
from .services import MAX_TAGS_PER_POST, TAG_NAME_MAX_LENGTH

ALLOWED_IMAGE_FORMATS = images.POST_FORMATS
# Far above any channel's limit (newsletter 20,000): a pasted book is an error, not a post.
MAX_TEXT_LENGTH = MAX_CHECKED_LENGTH
DESCRIPTION_MAX_LENGTH = 1_000


class ChannelsField(BoundedModelMultipleChoiceField):
    """The post's channels. One that cannot publish says so beside its name (it stays
    selectable: its posts wait until someone connects it)."""

    def label_from_instance(self, obj):
        problem = connection_problem(obj)
        return f"{obj} ({problem})" if problem else str(obj)


# 20 tags of 40 characters and their separators.
TAGS_INPUT_MAX_LENGTH = 1_000


def split_tags(raw: str) -> list[str]:
    """Tag names from what was typed ("scuola, scadenze"): trimmed, blanks dropped."""
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


def tags_text(post) -> str:
    return ", ".join(tag.name for tag in post.tags.all())


# Plans further ahead are typing slips (a year 9999 would also overflow later date arithmetic).
MAX_YEARS_AHEAD = 5


def check_plan_date(day) -> None:
    if day.year > timezone.localdate().year + MAX_YEARS_AHEAD:
        raise forms.ValidationError(
            _("Data troppo lontana: si pianifica al massimo %(n)s anni avanti.")
            % {"n": MAX_YEARS_AHEAD}
        )


def rome_datetime(day, at) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def variant_field_name(channel_id: int) -> str:
    return f"variant_{channel_id}"


def public_title_field_name(channel_id: int) -> str:
    return f"public_title_{channel_id}"


def alt_text_field_name(channel_id: int, asset_id: int) -> str:
    return f"alt_text_{channel_id}_{asset_id}"


class PostForm(forms.Form):
    title = forms.CharField(
        label=_("Titolo interno"),
        max_length=200,
        help_text=_("Per riconoscere il post in calendario: non viene pubblicato."),
    )
    category = forms.ModelChoiceField(
        label=_("Categoria"), queryset=ContentCategory.objects.none(), empty_label=None
    )
    planned_date = forms.DateField(
        label=_("Data"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    planned_time = forms.TimeField(
        label=_("Ora"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Ora italiana."),
    )
    channels = ChannelsField(
        label=_("Canali"),
        queryset=Channel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Scegli almeno un canale."),
            "invalid_choice": _("Canale sconosciuto (%(value)s): scegli tra quelli elencati."),
            "invalid_pk_value": _("Canale sconosciuto (%(pk)s): scegli tra quelli elencati."),
        },
    )
    base_text = forms.CharField(
        label=_("Testo base"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Il punto di partenza di ogni variante: chi, cosa, dove, quando, come."),
    )
    link = WebURLField(
        label=_("Link"),
        required=False,
        max_length=500,
        help_text=_("Pagina con i dettagli, es. sul sito del Comune."),
    )
    event = forms.ModelChoiceField(
        label=_("Evento collegato"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("Nessuno"),
    )
    notes = forms.CharField(
        label=_("Note per i colleghi"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campagna"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("Nessuna"),
    )
    tags = forms.CharField(
        label=_("Etichette"),
        required=False,
        max_length=TAGS_INPUT_MAX_LENGTH,
        help_text=_("Separate da virgole, es. scuola, scadenze. Quelle nuove vengono create."),
    )
    is_crisis_communication = forms.BooleanField(label=_("Comunicazione di crisi"), required=False)
    is_indispensable = forms.BooleanField(
        label=_("Comunicazione impersonale e indispensabile"),
        required=False,
        help_text=_(
            "Solo per ciò che serve al funzionamento dei servizi: è ammessa anche nei periodi "
            "di silenzio (L. 28/2000, art. 9). Serve una motivazione."
        ),
    )
    indispensable_reason = forms.CharField(
        label=_("Motivazione"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Shown only after a move far from the post's slot occurrence asked the question.
    keeps_slot = forms.ChoiceField(
        label=_("Il post riempie ancora l'uscita della rubrica?"),
        choices=[
            ("si", _("Sì, la riempie ancora")),
            ("no", _("No, scollegalo dalla rubrica")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args, post=None, can_set_flags=False, has_images=False, library_images=(), **kwargs
    ):
        self.post = post
        # The media-library images the post uses (chosen in the picker): each channel may
        # give one its own alt text. Without them (the API) the saved ones stay as they are.
        self.library_assets = list(library_images)  # videos too: the previews show them
        self.library_images = [a for a in self.library_assets if getattr(a, "is_image", True)]
        # The video a network that takes video gets instead of the images (the first one,
        # as ``media_library.selectors.video_to_send``): its alt text per channel too.
        self.library_video = next(
            (a for a in self.library_assets if not getattr(a, "is_image", True)), None
        )
        # Whether the post goes out with images: Facebook then puts the link in the text.
        self.has_images = has_images
        super().__init__(*args, **kwargs)
        if not can_set_flags:
            # Letting a post through a crisis or a blackout is an approver's decision: the
            # flags are shown, kept as they are, and explained.
            for name in ("is_crisis_communication", "is_indispensable", "indispensable_reason"):
                self.fields[name].disabled = True
            self.fields["is_crisis_communication"].help_text = _(
                "Lo segna un approvatore: chiedi a chi approva se serve."
            )
            self.fields["is_indispensable"].help_text = _(
                "Ammessa anche nei periodi di silenzio (L. 28/2000, art. 9): lo segna un "
                "approvatore, con la motivazione."
            )
        categories = ContentCategory.objects.filter(active=True)
        channels = Channel.objects.filter(active=True)
        events = Event.objects.filter(published=True, ends_at__gte=timezone.now())
        if post is not None:
            categories = ContentCategory.objects.filter(pk=post.category_id) | categories
            channels = Channel.objects.filter(pk__in=[v.channel_id for v in post.variants.all()])
            channels = channels | Channel.objects.filter(active=True)
            if post.event_id:
                events = Event.objects.filter(pk=post.event_id) | events
        self.fields["category"].queryset = categories.distinct()
        self.fields["channels"].queryset = (
            channels.distinct().select_related("connection", "credential").order_by("name")
        )
        self.fields["event"].queryset = events.distinct().order_by("starts_at")
        self.channel_list = list(self.fields["channels"].queryset)
        for channel in self.channel_list:
            self.fields[variant_field_name(channel.pk)] = forms.CharField(
                label=_("Testo per %(channel)s") % {"channel": channel.name},
                required=False,
                max_length=MAX_TEXT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 6, "data-variant-text": channel.pk}),
            )
            if channel.has_public_title:
                self.fields[public_title_field_name(channel.pk)] = forms.CharField(
                    label=_("Titolo pubblico per %(channel)s") % {"channel": channel.name},
                    required=False,
                    max_length=PUBLIC_TITLE_MAX_LENGTH,
                    help_text=_("Il titolo che leggono i cittadini. Fino a %(n)d caratteri.")
                    % {"n": PUBLIC_TITLE_ADVISED_LENGTH},
                )
            if channel.has_news_fields:
                self._add_news_fields(channel)
            for asset in self._alt_text_assets(channel):
                label = (
                    _("Testo alternativo su %(channel)s per «%(asset)s»")
                    if getattr(asset, "is_image", True)
                    else _("Descrizione su %(channel)s per il video «%(asset)s»")
                )
                self.fields[alt_text_field_name(channel.pk, asset.pk)] = forms.CharField(
                    label=label % {"channel": channel.name, "asset": asset.alt_text or asset.pk},
                    required=False,
                    max_length=ALT_TEXT_MAX_LENGTH,
                    help_text=_("Vuoto: si usa quello del file."),
                )

    def _alt_text_assets(self, channel) -> list:
        """The library files ``channel`` may give its own alt text: the images, and the
        video where the channel's network takes video (``VIDEO_NETWORKS``)."""
        if self.library_video is not None and channel.kind in VIDEO_NETWORKS:
            return [*self.library_images, self.library_video]
        return self.library_images

    def _add_news_fields(self, channel):
        """The website Notizia's fields for ``channel``: required where it publishes a
        Notizia, through the checks (so the live check and the form say the same)."""
        names = {"channel": channel.name}
        self.fields[news_field_name("summary", channel.pk)] = forms.CharField(
            label=_("Descrizione breve per %(channel)s") % names,
            required=False,
            max_length=NEWS_SUMMARY_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Il sommario della notizia sul sito: fino a %(n)d caratteri.")
            % {"n": NEWS_SUMMARY_MAX_LENGTH},
        )
        self.fields[news_field_name("topics", channel.pk)] = forms.CharField(
            label=_("Argomenti per %(channel)s") % names,
            required=False,
            max_length=NEWS_TOPICS_MAX * (NEWS_TOPIC_MAX_LENGTH + 2),
            help_text=_("Separati da virgole, per esempio «Mobilità, Lavori pubblici».")
            + " "
            + _("Al massimo %(n)d.") % {"n": NEWS_TOPICS_MAX},
        )
        self.fields[news_field_name("type", channel.pk)] = forms.ChoiceField(
            label=_("Tipo di notizia per %(channel)s") % names,
            required=False,
            choices=[("", _("— scegli —")), *NewsType.choices],
        )
        self.fields[news_field_name("office", channel.pk)] = forms.CharField(
            label=_("A cura di (ufficio) per %(channel)s") % names,
            required=False,
            max_length=NEWS_OFFICE_MAX_LENGTH,
            initial=(channel.config or {}).get("news_office", ""),
            help_text=_("L'ufficio responsabile della notizia."),
        )

    def news_fields(self, channel) -> list:
        """The bound Notizia fields of ``channel`` (summary, topics, type, office), or []."""
        names = [news_field_name(kind, channel.pk) for kind in NEWS_FIELD_NAMES]
        return [self[name] for name in names if name in self.fields]

    def _news_data(self, data, channel) -> NewsFields | None:
        if news_field_name("summary", channel.pk) not in self.fields:
            return None
        return NewsFields(
            summary=(data.get(news_field_name("summary", channel.pk)) or "").strip(),
            topics=tuple(split_topics(data.get(news_field_name("topics", channel.pk)) or "")),
            news_type=data.get(news_field_name("type", channel.pk)) or "",
            office=(data.get(news_field_name("office", channel.pk)) or "").strip(),
        )

    @classmethod
    def initial_for(cls, post) -> dict:
        local = timezone.localtime(post.planned_at)
        initial = {
            "title": post.title,
            "category": post.category_id,
            "planned_date": local.date(),
            "planned_time": local.time().replace(second=0, microsecond=0),
            "channels": [v.channel_id for v in post.variants.all()],
            "base_text": post.base_text,
            "link": post.link,
            "event": post.event_id,
            "notes": post.notes,
            "campaign": post.campaign_id,
            "tags": tags_text(post),
            "is_crisis_communication": post.is_crisis_communication,
            "is_indispensable": post.is_indispensable,
            "indispensable_reason": post.indispensable_reason,
            "version": post.version,
        }
        for variant in post.variants.all():
            initial[variant_field_name(variant.channel_id)] = variant.text
            initial[public_title_field_name(variant.channel_id)] = variant.public_title
            # (Harmless for channels without these fields: the form has none to fill.)
            cid = variant.channel_id
            initial[news_field_name("summary", cid)] = variant.news_summary
            initial[news_field_name("topics", cid)] = topics_text(variant.news_topics)
            initial[news_field_name("type", cid)] = variant.news_type
            initial[news_field_name("office", cid)] = variant.news_office
            for asset_id, text in (variant.alt_text_overrides or {}).items():
                initial[f"alt_text_{variant.channel_id}_{asset_id}"] = text
        return initial

    def alt_text_fields(self, channel) -> list:
        """(asset, bound alt-text field) of each library image (and video, where the
        channel takes one), for ``channel``'s row."""
        return [
            (asset, self[alt_text_field_name(channel.pk, asset.pk)])
            for asset in self._alt_text_assets(channel)
        ]

    def variant_rows(self):
        """(channel, bound text field) pairs, in channel order, for the side-by-side editor."""
        return [(c, self[variant_field_name(c.pk)]) for c in self.channel_list]

    def public_title_field(self, channel):
        """The bound public-title field of ``channel``, or None where the channel has none."""
        name = public_title_field_name(channel.pk)
        return self[name] if name in self.fields else None

    def clean_tags(self):
        names = split_tags(self.cleaned_data.get("tags", ""))
        if len({name.casefold() for name in names}) > MAX_TAGS_PER_POST:
            raise forms.ValidationError(
                _("Troppe etichette: al massimo %(n)s per post.") % {"n": MAX_TAGS_PER_POST}
            )
        for name in names:
            if len(name) > TAG_NAME_MAX_LENGTH:
                raise forms.ValidationError(
                    _("Etichetta troppo lunga («%(name)s…»): al massimo %(n)s caratteri.")
                    % {"name": name[:20], "n": TAG_NAME_MAX_LENGTH}
                )
        return names

    def clean_planned_date(self):
        day = self.cleaned_data["planned_date"]
        check_plan_date(day)
        return day

    def clean(self):
        data = super().clean()
        day, at = data.get("planned_date"), data.get("planned_time")
        if day and at:
            planned_at = rome_datetime(day, at)
            data["planned_at"] = planned_at
            moved = self.post is None or planned_at != self.post.planned_at
            if moved and planned_at < timezone.now():
                self.add_error("planned_date", _("Data e ora sono nel passato: scegli un futuro."))
        if data.get("is_indispensable") and not (data.get("indispensable_reason") or "").strip():
            self.add_error(
                "indispensable_reason",
                _("Spiega perché la comunicazione è indispensabile."),
            )
        if self.post is not None and data.get("version") is None:
            data["version"] = self.post.version
        base_text = data.get("base_text", "")
        texts, titles, news = {}, {}, {}
        for channel in data.get("channels") or []:
            name = variant_field_name(channel.pk)
            title_name = public_title_field_name(channel.pk)
            text = data.get(name) or base_text
            texts[channel.pk] = data.get(name, "")
            if title_name in self.fields:
                titles[channel.pk] = (data.get(title_name) or "").strip()
            channel_news = self._news_data(data, channel)
            if channel_news is not None:
                news[channel.pk] = channel_news
            if not text.strip():
                self.add_error(
                    name,
                    _("Scrivi il testo per %(channel)s o un testo base.")
                    % {"channel": channel.name},
                )
                continue
            report = analyse_variant(
                text,
                channel,
                link=data.get("link", ""),
                public_title=titles.get(channel.pk, ""),
                has_images=self.has_images,
                news=channel_news,
            )
            for finding in report.findings:
                if not finding.blocking:
                    continue
                if finding.code in FINDING_FIELDS:
                    news_name = news_field_name(FINDING_FIELDS[finding.code], channel.pk)
                    if news_name not in self.errors:
                        self.add_error(news_name, finding.message)
                elif finding.code.startswith("public_title"):
                    if title_name not in self.errors:
                        self.add_error(title_name, finding.message)
                else:
                    self.add_error(name if data.get(name) else "base_text", finding.message)
        data["variant_texts"] = texts
        data["public_titles"] = titles
        data["news"] = news
        data["alt_text_overrides"] = (
            {
                channel.pk: {
                    str(asset.pk): data.get(alt_text_field_name(channel.pk, asset.pk)) or ""
                    for asset in self._alt_text_assets(channel)
                }
                for channel in data.get("channels") or []
            }
            if self.library_images or self.library_video is not None
            else {}
        )
        data["keeps_slot"] = {"si": True, "no": False}.get(data.get("keeps_slot"))
        return data

    # What the form gives the planning services, for the pages and the API alike: a field
    # added here reaches both (the public title once reached only the pages).
    CONTENT_FIELDS = (
        "title",
        "category",
        "planned_at",
        "base_text",
        "link",
        "event",
        "notes",
        "variant_texts",
        "public_titles",
        "news",
        "alt_text_overrides",
        "is_crisis_communication",
        "is_indispensable",
        "indispensable_reason",
        "campaign",
        "tags",
    )

    def content_changes(self) -> dict:
        """The valid form as keyword arguments of ``create_post`` / ``update_post``."""
        data = self.cleaned_data
        return {
            **{name: data[name] for name in self.CONTENT_FIELDS},
            "channels": list(data["channels"]),
        }


def validate_image_upload(upload):
    """The file must really be an image (read by Pillow, not by its name) and small enough."""
    if upload.size > settings.MAX_IMAGE_BYTES:
        raise forms.ValidationError(
            _("Immagine troppo grande: %(size)s MB, il massimo è %(max)s MB.")
            % {
                "size": round(upload.size / 1024 / 1024, 1),
                "max": round(settings.MAX_IMAGE_BYTES / 1024 / 1024, 1),
            }
        )
    try:
        images.inspect(upload, images.POST_FORMATS)
    except images.ImageRefused as refused:
        raise forms.ValidationError(str(refused)) from None


class NewImageForm(forms.Form):
    image = forms.FileField(label=_("Immagine"), required=False)
    alt_text = forms.CharField(
        label=_("Testo alternativo"),
        max_length=500,
        required=False,
        help_text=_("Descrivi cosa mostra l'immagine a chi non la vede. Obbligatorio."),
    )
    caption = forms.CharField(label=_("Didascalia"), max_length=300, required=False)
    credit = forms.CharField(label=_("Crediti e licenza"), max_length=200, required=False)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            validate_image_upload(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("image") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", _("Scrivi il testo alternativo dell'immagine."))
        elif (
            not data.get("image")
            and "image" not in self.errors
            and ((data.get("alt_text") or "").strip())
        ):
            self.add_error(
                "image", _("Scegli il file dell'immagine (di nuovo, se c'era un errore).")
            )
        return data


class ExistingImageForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput)
    alt_text = forms.CharField(label=_("Testo alternativo"), max_length=500, required=False)
    caption = forms.CharField(label=_("Didascalia"), max_length=300, required=False)
    credit = forms.CharField(label=_("Crediti e licenza"), max_length=200, required=False)
    remove = forms.BooleanField(label=_("Rimuovi l'immagine"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("remove") and not (data.get("alt_text") or "").strip():
            self.add_error("alt_text", _("Il testo alternativo è obbligatorio."))
        return data


NewImageFormSet = forms.formset_factory(NewImageForm, extra=2, max_num=6)
ExistingImageFormSet = forms.formset_factory(ExistingImageForm, extra=0)


class RescheduleForm(forms.Form):
    """The keyboard way to move a post: a date and a time (drag and drop posts the same)."""

    data = forms.DateField(
        label=_("Nuova data"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ora = forms.TimeField(
        label=_("Nuova ora"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # The answer to "does this slot post still fill its occurrence?" (asked only when needed).
    rubrica = forms.ChoiceField(
        choices=[("si", _("Sì")), ("no", _("No"))], required=False, widget=forms.HiddenInput
    )

    def clean_data(self):
        day = self.cleaned_data["data"]
        check_plan_date(day)
        return day

    def planned_at(self) -> datetime:
        return rome_datetime(self.cleaned_data["data"], self.cleaned_data["ora"])

    def keeps_slot(self) -> bool | None:
        return {"si": True, "no": False}.get(self.cleaned_data.get("rubrica"))


class DuplicateForm(RescheduleForm):
    """Date and time of a copy (a copy has no version to check)."""

    version = None
    rubrica = None


class CalendarFilterForm(forms.Form):
    """The calendar's GET filters; invalid values are ignored, never an error page."""

    canale = forms.ModelChoiceField(
        label=_("Canale"), queryset=Channel.objects.all(), required=False, empty_label=_("Tutti")
    )
    categoria = forms.ModelChoiceField(
        label=_("Categoria"),
        queryset=ContentCategory.objects.all(),
        required=False,
        empty_label=_("Tutte"),
    )
    stato = forms.ChoiceField(
        label=_("Stato"), choices=[("", _("Tutti"))] + PostStatus.choices, required=False
    )
    autore = forms.ModelChoiceField(
        label=_("Autore"), queryset=None, required=False, empty_label=_("Tutti")
    )
    campagna = forms.ModelChoiceField(
        label=_("Campagna"), queryset=Campaign.objects.all(), required=False, empty_label=_("Tutte")
    )
    etichetta = forms.ModelChoiceField(
        label=_("Etichetta"), queryset=PostTag.objects.all(), required=False, empty_label=_("Tutte")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["autore"].queryset = (
            get_user_model()
            .objects.filter(posts_authored__isnull=False)
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["autore"].label_from_instance = lambda u: u.get_full_name() or u.username
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "channel": data.get("canale"),
            "category": data.get("categoria"),
            "status": data.get("stato") or "",
            "author": data.get("autore"),
            "campaign": data.get("campagna"),
            "tag": data.get("etichetta"),
        }


class CategoryForm(forms.ModelForm):
    colour = forms.CharField(
        label=_("Colore"),
        max_length=7,
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Il nome della categoria compare sempre accanto al colore."),
    )

    class Meta:
        model = ContentCategory
        fields = ["name", "slug", "description", "colour", "target_share", "active", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cap_length(self.fields["description"], DESCRIPTION_MAX_LENGTH)

    def clean_target_share(self):
        value = self.cleaned_data["target_share"]
        if value > 100:
            raise forms.ValidationError(_("La quota è una percentuale: da 0 a 100."))
        return value


class SearchForm(forms.Form):
    """The search page's GET form; invalid filters are reported beside their field."""

    q = forms.CharField(
        label=_("Cerca"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text=_("Titoli, testi di ogni canale, note e commenti."),
    )
    stato = forms.ChoiceField(
        label=_("Stato"), choices=[("", _("Tutti"))] + PostStatus.choices, required=False
    )
    canale = forms.ModelChoiceField(
        label=_("Canale"), queryset=Channel.objects.all(), required=False, empty_label=_("Tutti")
    )
    categoria = forms.ModelChoiceField(
        label=_("Categoria"),
        queryset=ContentCategory.objects.all(),
        required=False,
        empty_label=_("Tutte"),
    )
    campagna = forms.ModelChoiceField(
        label=_("Campagna"), queryset=Campaign.objects.all(), required=False, empty_label=_("Tutte")
    )
    autore = forms.ModelChoiceField(
        label=_("Autore"), queryset=None, required=False, empty_label=_("Tutti")
    )
    dal = forms.DateField(
        label=_("Dal"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    al = forms.DateField(
        label=_("Al (compreso)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # People who wrote a post: one index probe per person (a DISTINCT over the join would
        # read every post, 50,000 of them in a few years).
        self.fields["autore"].queryset = (
            get_user_model()
            .objects.filter(Exists(Post.objects.filter(author=OuterRef("pk"))))
            .order_by("first_name", "username")
        )
        self.fields["autore"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        data = super().clean()
        first, last = data.get("dal"), data.get("al")
        if first and last and last < first:
            self.add_error("al", _("La fine viene prima dell'inizio: controlla le date."))
        return data

    def filters(self) -> dict:
        """The valid filters as keyword arguments of ``search.search_posts``."""
        data = self.cleaned_data
        first, last = data.get("dal"), data.get("al")
        return {
            "q": data.get("q") or "",
            "status": data.get("stato") or "",
            "channel": data.get("canale"),
            "category": data.get("categoria"),
            "campaign": data.get("campagna"),
            "author": data.get("autore"),
            "start": rome_datetime(first, time(0, 0)) if first else None,
            "end": rome_datetime(last + timedelta(days=1), time(0, 0)) if last else None,
        }

    def has_criteria(self) -> bool:
        return any(v not in (None, "") for v in self.filters().values())


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "starts_on", "ends_on", "goal", "notes"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "goal": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "goal": _("Cosa deve ottenere la campagna, es. pagamenti entro la scadenza."),
        }

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("La fine viene prima dell'inizio: controlla le date."))
        for name in ("starts_on", "ends_on"):
            day = data.get(name)
            if day and name not in self.errors:
                try:
                    check_plan_date(day)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


def default_planned_at(day: str, at: str) -> tuple:
    """Initial date and time of a new post from the calendar's click (?data=&ora=)."""
    try:
        parsed_day = datetime.strptime(day, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        parsed_day = None
    try:
        parsed_time = datetime.strptime(at, "%H:%M").time()
    except (TypeError, ValueError):
        parsed_time = time(10, 0) if parsed_day else None
    return parsed_day, parsed_time


# --- Import, export, queue --------------------------------------------------------------------


class ImportUploadForm(forms.Form):
    """The spreadsheet to import (read by ``planning.importing``)."""

    file = forms.FileField(
        label=_("File CSV o XLSX"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: translated in the language of the request.
        self.fields["file"].help_text = _(
            "Al massimo %(rows)s righe di post e %(mb)s MB. Usa il modello qui sotto."
        ) % {"rows": MAX_IMPORT_ROWS, "mb": MAX_IMPORT_BYTES // (1024 * 1024)}


EXPORT_FORMATS = [
    ("stampa", _("Pagina da stampare")),
    ("csv", _("CSV (Excel, LibreOffice)")),
    ("xlsx", _("XLSX (Excel)")),
]


class ExportForm(forms.Form):
    """The period to export and how (GET: a link that can be shared)."""

    da = forms.DateField(
        label=_("Dal"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    a = forms.DateField(
        label=_("Al (compreso)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    formato = forms.ChoiceField(
        label=_("Formato"), choices=EXPORT_FORMATS, initial="stampa", widget=forms.RadioSelect
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("da"), data.get("a")
        if start and end:
            try:
                check_period(start, end)
            except ExportRefused as exc:
                raise forms.ValidationError(str(exc)) from None
        return data


class QueueForm(forms.Form):
    """ "Metti in coda": the rubrica or the channel's queue to put the post in."""

    coda = forms.ChoiceField(label=_("Coda"))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, slots=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {f"rubrica-{s.pk}": s for s in slots}
        self.channels = {f"canale-{c.pk}": c for c in channels}
        choices = []
        if self.slots:
            choices.append((_("Rubriche"), [(k, s.name) for k, s in self.slots.items()]))
        if self.channels:
            choices.append(
                (
                    _("Orari preferiti del canale"),
                    [(k, c.name) for k, c in self.channels.items()],
                )
            )
        self.fields["coda"].choices = choices

    @property
    def has_queues(self) -> bool:
        return bool(self.slots or self.channels)

    def target(self) -> dict:
        key = self.cleaned_data["coda"]
        if key in self.slots:
            return {"slot": self.slots[key]}
        return {"channel": self.channels[key]}
