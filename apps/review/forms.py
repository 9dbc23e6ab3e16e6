import re

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.notifications.forms import MENTION_HELP, mention_attrs
from apps.planning.checks import analyse_variant
from apps.planning.enums import NewsType
from apps.planning.forms import MAX_TEXT_LENGTH, check_plan_date
from apps.planning.models import (
    NEWS_OFFICE_MAX_LENGTH,
    NEWS_SUMMARY_MAX_LENGTH,
    NEWS_TOPIC_MAX_LENGTH,
    NEWS_TOPICS_MAX,
    PUBLIC_TITLE_MAX_LENGTH,
    Campaign,
    ContentCategory,
    Post,
)
from apps.planning.news import (
    FINDING_FIELDS,
    NEWS_FIELD_NAMES,
    NewsFields,
    split_topics,
    topics_text,
)
from apps.planning.news import field_name as news_field_name
from apps.planning.services import TAG_NAME_MAX_LENGTH

from .bulk import MAX_DAYS, MAX_POSTS, BulkAction, BulkParams
from .models import OfficeSettings
from .services import COMMENT_MAX_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Aggiungi un commento"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **mention_attrs()}),
        help_text=MENTION_HELP,
    )

    @classmethod
    def for_post(cls, post, data=None) -> "CommentForm":
        """The comment form of one post: its ids name the post, since a page (the review
        queue) can show the history of several posts."""
        return cls(data, auto_id=f"comment-{post.pk}-%s")


class RequestChangesForm(forms.Form):
    """What the approver asks the author to change. The rule (a comment is required) is the
    service's (``services.request_changes``); this form only draws the field, keeping what was
    typed and the service's refusal tied to it."""

    comment = forms.CharField(
        label=_("Cosa va cambiato"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, **mention_attrs()}),
        help_text=_("L'autore riceve il commento per email e lo trova nella discussione del post."),
    )

    @classmethod
    def for_post(cls, post, *, typed: str = "", error: str = "") -> "RequestChangesForm":
        form = cls(initial={"comment": typed}, auto_id=f"changes-{post.pk}-%s")
        if error:
            form.errors["comment"] = form.error_class([error])
        return form


class DiffForm(forms.Form):
    """Two saved versions of a post to compare (``versions``: ``selectors.versions_of``)."""

    da = forms.TypedChoiceField(label=_("Dalla versione"), coerce=int)
    a = forms.TypedChoiceField(label=_("Alla versione"), coerce=int)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(version.number, version.label) for version in versions]
        self.fields["da"].choices = self.fields["a"].choices = choices

    @classmethod
    def showing(cls, post, versions, *, old, new, prefix_ids: bool) -> "DiffForm":
        """The form as drawn, with the pair compared selected; ``prefix_ids`` gives the ids the
        post's number, for pages that show the history of several posts."""
        auto_id = f"diff-{post.pk}-%s" if prefix_ids else "diff-%s"
        return cls(versions=versions, initial={"da": old, "a": new}, auto_id=auto_id)


class OfficeSettingsForm(forms.ModelForm):
    class Meta:
        model = OfficeSettings
        fields = ["allow_self_approval"]


_POST_ID = re.compile(r"[0-9]{1,18}")


class BulkActionForm(forms.Form):
    """What to do with the selected posts. The posts are the ``post`` checkboxes of the page
    (tied to this form by their ``form`` attribute); each action reads only its own fields."""

    action = forms.ChoiceField(label=_("Azione"), choices=BulkAction.choices)
    days = forms.IntegerField(
        label=_("Di quanti giorni"),
        required=False,
        min_value=-MAX_DAYS,
        max_value=MAX_DAYS,
        help_text=_("Per «Sposta»: positivo in avanti, negativo indietro. L'ora resta la stessa."),
    )
    category = forms.ModelChoiceField(
        label=_("Categoria"),
        queryset=ContentCategory.objects.filter(active=True),
        required=False,
        empty_label=_("Scegli…"),
    )
    tag = forms.CharField(
        label=_("Etichetta"),
        required=False,
        max_length=TAG_NAME_MAX_LENGTH,
        help_text=_("Se non esiste viene creata."),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campagna"),
        queryset=Campaign.objects.all(),
        required=False,
        empty_label=_("Nessuna (togli dalla campagna)"),
    )
    week = forms.DateField(
        label=_("Settimana della copia"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Un giorno qualsiasi della settimana: ogni copia tiene giorno e ora."),
    )
    reason = forms.CharField(
        label=_("Motivo dell'annullamento"), required=False, max_length=COMMENT_MAX_LENGTH
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needs = {
            BulkAction.MOVE: ("days", _("Indica di quanti giorni spostare i post.")),
            BulkAction.CATEGORY: ("category", _("Scegli la categoria.")),
            BulkAction.TAG: ("tag", _("Scrivi l'etichetta da aggiungere.")),
            BulkAction.DUPLICATE: ("week", _("Scegli la settimana delle copie.")),
        }
        if action in needs:
            name, message = needs[action]
            if name not in self.errors and data.get(name) in (None, "", 0):
                self.add_error(name, message)
        if data.get("week") and "week" not in self.errors:
            try:
                check_plan_date(data["week"])
            except forms.ValidationError as exc:
                self.add_error("week", exc)
        data["tag"] = " ".join((data.get("tag") or "").split())
        return data

    def params(self) -> BulkParams:
        data = self.cleaned_data
        return BulkParams(
            days=data.get("days") or 0,
            category=data.get("category"),
            tag=data.get("tag") or "",
            campaign=data.get("campaign"),
            week=data.get("week"),
            reason=data.get("reason") or "",
        )

    @staticmethod
    def post_ids(data) -> list[int]:
        """The ids of the ticked posts (digits only, at most ``MAX_POSTS``)."""
        ids = [int(raw) for raw in data.getlist("post")[: MAX_POSTS * 2] if _POST_ID.fullmatch(raw)]
        return [pk for pk in dict.fromkeys(ids) if 0 < pk < 2**63][:MAX_POSTS]


class CorrectionForm(forms.Form):
    """A correction of a post already sent: its texts and, on the channels with the website
    Notizia, the public title, body and Notizia fields, prefilled with what is published.
    The blocking editor checks apply as in the editor (``planning.checks``)."""

    title = forms.CharField(
        label=_("Titolo interno"), max_length=Post._meta.get_field("title").max_length
    )
    base_text = forms.CharField(
        label=_("Testo base"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, data=None, files=None, *, post, variants, texts: dict):
        initial = {
            "title": texts["title"],
            "base_text": texts["base_text"],
            "expected_version": post.version,
        }
        self.post, self.variants = post, variants
        super().__init__(data, files, initial=initial)
        for variant in variants:
            cid = variant.channel_id
            current = texts["variants"].get(str(cid), {})
            names = {"channel": variant.channel.name}
            self.fields[f"public_title_{cid}"] = forms.CharField(
                label=_("Titolo pubblico per %(channel)s") % names,
                required=False,
                max_length=PUBLIC_TITLE_MAX_LENGTH,
                initial=current.get("public_title", ""),
            )
            self.fields[f"text_{cid}"] = forms.CharField(
                label=_("Testo per %(channel)s") % names,
                required=False,
                max_length=MAX_TEXT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 8}),
                initial=current.get("text", ""),
                help_text=_("Vuoto: si usa il testo base."),
            )
            self.fields[news_field_name("summary", cid)] = forms.CharField(
                label=_("Descrizione breve per %(channel)s") % names,
                required=False,
                max_length=NEWS_SUMMARY_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.get("news_summary", ""),
                help_text=_("Il sommario della notizia sul sito: fino a %(n)d caratteri.")
                % {"n": NEWS_SUMMARY_MAX_LENGTH},
            )
            self.fields[news_field_name("topics", cid)] = forms.CharField(
                label=_("Argomenti per %(channel)s") % names,
                required=False,
                max_length=NEWS_TOPICS_MAX * (NEWS_TOPIC_MAX_LENGTH + 2),
                initial=topics_text(current.get("news_topics")),
                help_text=_("Separati da virgole, per esempio «Mobilità, Lavori pubblici»."),
            )
            self.fields[news_field_name("type", cid)] = forms.ChoiceField(
                label=_("Tipo di notizia per %(channel)s") % names,
                required=False,
                choices=[("", _("— scegli —")), *NewsType.choices],
                initial=current.get("news_type", ""),
            )
            self.fields[news_field_name("office", cid)] = forms.CharField(
                label=_("A cura di (ufficio) per %(channel)s") % names,
                required=False,
                max_length=NEWS_OFFICE_MAX_LENGTH,
                initial=current.get("news_office", ""),
            )

    def channel_fields(self) -> list[tuple]:
        """(variant, its bound fields) for the page, one fieldset per channel."""
        return [
            (
                variant,
                [
                    self[name]
                    for name in (
                        f"public_title_{variant.channel_id}",
                        f"text_{variant.channel_id}",
                        *(news_field_name(k, variant.channel_id) for k in NEWS_FIELD_NAMES),
                    )
                ],
            )
            for variant in self.variants
        ]

    def clean(self):
        data = super().clean()
        base_text = data.get("base_text", "")
        variants = {}
        has_images = self.post.images.exists()
        for variant in self.variants:
            cid = variant.channel_id
            news = NewsFields(
                summary=(data.get(news_field_name("summary", cid)) or "").strip(),
                topics=tuple(split_topics(data.get(news_field_name("topics", cid)) or "")),
                news_type=data.get(news_field_name("type", cid)) or "",
                office=(data.get(news_field_name("office", cid)) or "").strip(),
            )
            title = (data.get(f"public_title_{cid}") or "").strip()
            text = data.get(f"text_{cid}") or ""
            variants[str(cid)] = {
                "public_title": title,
                "text": text,
                "news_summary": news.summary,
                "news_topics": list(news.topics),
                "news_type": news.news_type,
                "news_office": news.office,
            }
            report = analyse_variant(
                text or base_text,
                variant.channel,
                link=self.post.link,
                public_title=title,
                has_images=has_images,
                news=news,
            )
            for finding in report.findings:
                if not finding.blocking:
                    continue
                if finding.code in FINDING_FIELDS:
                    name = news_field_name(FINDING_FIELDS[finding.code], cid)
                elif finding.code.startswith("public_title"):
                    name = f"public_title_{cid}"
                else:
                    name = f"text_{cid}" if text else "base_text"
                if name not in self.errors:
                    self.add_error(name, finding.message)
        data["after"] = {
            "title": (data.get("title") or "").strip(),
            "base_text": base_text,
            "variants": variants,
        }
        return data


class CorrectionDecisionForm(forms.Form):
    """Approve or reject a correction; the comment is required to reject (the service's
    rule, ``corrections.reject_correction``: this form keeps what was typed)."""

    decision = forms.ChoiceField(
        label=_("Decisione"),
        choices=[("approve", _("Approva la correzione")), ("reject", _("Respingi"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Commento"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obbligatorio per respingere: l'autore della correzione lo riceve."),
    )
