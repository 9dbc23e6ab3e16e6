import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .enums import NewsType, PostStatus

# Caps on what people type: far above any real post, far below what would slow a page.
TEXT_MAX_LENGTH = 50_000
NOTES_MAX_LENGTH = 5_000
REASON_MAX_LENGTH = 1_000
PUBLIC_TITLE_MAX_LENGTH = 200
# The *Notizia* of the Designers Italia "sito comunale" model: its short description is at most
# 255 characters; the office responsible ("a cura di") and the topics ("argomenti") are names.
NEWS_SUMMARY_MAX_LENGTH = 255
NEWS_OFFICE_MAX_LENGTH = 200
NEWS_TOPIC_MAX_LENGTH = 60
NEWS_TOPICS_MAX = 10

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Usa un colore esadecimale, es. #0066CC."))


class ContentCategory(models.Model):
    """What kind of content a post is: informativo, come fare, territorio…"""

    name = models.CharField(_("nome"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("descrizione"), blank=True)
    colour = models.CharField(_("colore"), max_length=7, default="#0066CC", validators=[hex_colour])
    target_share = models.PositiveSmallIntegerField(
        _("quota obiettivo (%)"), default=0, help_text=_("Percentuale dei post della settimana.")
    )
    active = models.BooleanField(_("in uso"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("categoria di contenuto")
        verbose_name_plural = _("categorie di contenuto")

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """Posts of several categories and channels that serve one purpose ("TARI 2027")."""

    name = models.CharField(_("nome"), max_length=120, unique=True)
    starts_on = models.DateField(_("dal"))
    ends_on = models.DateField(_("al"))
    goal = models.TextField(_("obiettivo"), max_length=NOTES_MAX_LENGTH, blank=True)
    notes = models.TextField(_("note"), max_length=NOTES_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("creata il"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campagna")
        verbose_name_plural = _("campagne")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("planning:campaign_detail", args=[self.pk])


class PostTag(models.Model):
    """A free label on posts ("scuola", "scadenze"): a post has many, besides its category."""

    name = models.CharField(_("nome"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("etichetta")
        verbose_name_plural = _("etichette")

    def __str__(self):
        return self.name


# The full-text documents of a post and of a variant (``planning.search``): the GIN indexes
# below are built on exactly these expressions, so PostgreSQL uses them for the search.
SEARCH_CONFIG = "italian"
POST_SEARCH_FIELDS = ("title", "base_text", "notes")
VARIANT_SEARCH_FIELDS = ("text", "public_title")


def search_document(*fields: str) -> SearchVector:
    return SearchVector(*fields, config=SEARCH_CONFIG)


class Post(models.Model):
    """One piece of communication, planned at one time on one or more channels."""

    title = models.CharField(_("titolo interno"), max_length=200)
    category = models.ForeignKey(
        ContentCategory, verbose_name=_("categoria"), on_delete=models.PROTECT, related_name="posts"
    )
    planned_at = models.DateTimeField(_("data e ora previste"), db_index=True)
    channels = models.ManyToManyField(
        "channels.Channel", verbose_name=_("canali"), through="Variant", related_name="posts"
    )
    base_text = models.TextField(_("testo base"), max_length=TEXT_MAX_LENGTH, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("evento collegato"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    notes = models.TextField(_("note per i colleghi"), max_length=NOTES_MAX_LENGTH, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campagna"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    tags = models.ManyToManyField(
        PostTag, verbose_name=_("etichette"), blank=True, related_name="posts"
    )
    status = models.CharField(
        _("stato"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("autore"),
        on_delete=models.PROTECT,
        related_name="posts_authored",
    )
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ultima modifica di"),
        on_delete=models.PROTECT,
        related_name="posts_edited",
        null=True,
        blank=True,
    )
    # Bumped on every content change: approval is of an exact version.
    version = models.PositiveIntegerField(_("versione"), default=1)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approvato da"),
        on_delete=models.PROTECT,
        related_name="posts_approved",
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("approvato il"), null=True, blank=True)
    # Set when an approved post went back to review only because its time moved:
    # an approver may then approve it again in one click.
    reschedule_only_pending = models.BooleanField(default=False)
    is_crisis_communication = models.BooleanField(_("comunicazione di crisi"), default=False)
    is_indispensable = models.BooleanField(
        _("comunicazione indispensabile"),
        default=False,
        help_text=_("Impersonale e indispensabile: ammessa nei periodi di silenzio."),
    )
    indispensable_reason = models.TextField(
        _("motivazione"), max_length=REASON_MAX_LENGTH, blank=True
    )
    # Who changed reviewed content since the last approval (user ids, the author first):
    # none of them may approve this version. A list, not a relation, so the review queue
    # decides for every post without a query per post.
    content_editor_ids = models.JSONField(default=list, blank=True)
    # The crisis fast track is for posts born as crisis communication, not ticked later.
    created_as_crisis_communication = models.BooleanField(default=False)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["planned_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("post")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_indispensable=False) | ~models.Q(indispensable_reason=""),
                name="indispensable_post_has_reason",
            ),
        ]
        indexes = [
            # The dispatcher's and the calendar's "status in … and planned_at in range".
            models.Index(fields=["status", "planned_at"], name="post_status_planned"),
            # Search: "post_search_gin" on search_document(*POST_SEARCH_FIELDS), PostgreSQL
            # only (migration 0003, core.migration_operations.AddIndexOnPostgreSQL).
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("planning:post_detail", args=[self.pk])

    def get_full_url(self) -> str:
        """The post's page as a link in an email (``SITE_URL`` + its path)."""
        return settings.SITE_URL + self.get_absolute_url()


ALT_TEXT_MAX_LENGTH = 500


class Variant(models.Model):
    """The post's text on one channel, written in that channel's tone."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("canale"),
        on_delete=models.PROTECT,
        related_name="variants",
    )
    text = models.TextField(_("testo"), max_length=TEXT_MAX_LENGTH, blank=True)
    # The headline citizens see where the channel has one (website news, newsletter subject,
    # LinkedIn link card: ``apps.channels.kinds``). Empty until someone writes it; the post's
    # own title is internal and never published.
    public_title = models.CharField(
        _("titolo pubblico"), max_length=PUBLIC_TITLE_MAX_LENGTH, blank=True
    )
    # The website *Notizia* (Designers Italia "sito comunale"): short description, topics,
    # news type and office responsible, where the channel has them (``apps.channels.kinds``).
    news_summary = models.CharField(
        _("descrizione breve"), max_length=NEWS_SUMMARY_MAX_LENGTH, blank=True
    )
    news_topics = models.JSONField(_("argomenti"), default=list, blank=True)
    news_type = models.CharField(
        _("tipo di notizia"), max_length=20, choices=NewsType.choices, blank=True
    )
    news_office = models.CharField(_("a cura di"), max_length=NEWS_OFFICE_MAX_LENGTH, blank=True)
    # The alt text of a media-library image on this channel only, where it differs from the
    # asset's own: {"<asset id>": "text"}. Reviewed like the text (review_scope); an asset
    # without an entry sends its own alt text (media_library.selectors.library_images).
    alt_text_overrides = models.JSONField(
        _("testi alternativi per questo canale"), default=dict, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["channel__name"]
        verbose_name = _("variante")
        verbose_name_plural = _("varianti")
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="one_variant_per_channel")
        ]
        # Search: "variant_search_gin" on search_document(*VARIANT_SEARCH_FIELDS), PostgreSQL
        # only (migration 0003, core.migration_operations.AddIndexOnPostgreSQL).

    def __str__(self):
        return f"{self.post} · {self.channel}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("immagine"), upload_to="posts/%Y/%m/")
    alt_text = models.CharField(_("testo alternativo"), max_length=500)
    caption = models.CharField(_("didascalia"), max_length=300, blank=True)
    credit = models.CharField(_("crediti e licenza"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("immagine")
        verbose_name_plural = _("immagini")

    def __str__(self):
        return self.alt_text


class ImportBatch(models.Model):
    """A spreadsheet read for import, kept between its preview and its confirmation.

    Owned by the person who uploaded it (nobody else can see or confirm it); the rows are the
    cells as text, checked again on confirmation (``planning.importing``)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    filename = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.JSONField(default=list)
    notices = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("importazione")
        verbose_name_plural = _("importazioni")

    def __str__(self):
        return self.filename or str(self.key)
