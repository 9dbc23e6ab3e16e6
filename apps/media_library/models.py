"""The office's images and videos, owned once and reused by posts."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .enums import AssetKind, CaptionLanguage, Licence

TEXT_MAX = 1000


class Tag(models.Model):
    name = models.CharField(_("nome"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("etichetta")
        verbose_name_plural = _("etichette")

    def __str__(self):
        return self.name


class Collection(models.Model):
    """A folder of assets, e.g. "Sagra d'autunno 2026"."""

    name = models.CharField(_("nome"), max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("raccolta")
        verbose_name_plural = _("raccolte")

    def __str__(self):
        return self.name


class Asset(models.Model):
    """One image or video. The stored file holds pixels (or a remuxed video) only: never the
    uploader's name, EXIF, GPS or container metadata (``services.add_asset``)."""

    kind = models.CharField(_("tipo"), max_length=10, choices=AssetKind.choices)
    file = models.FileField(_("file"), max_length=300)
    poster = models.FileField(_("fotogramma di anteprima"), max_length=300, blank=True)
    # The upload as it came (EXIF, GPS and all), in the private storage "media_originals":
    # only when settings.MEDIA_KEEP_ORIGINALS is on (services.add_asset); "" otherwise.
    original_name = models.CharField(max_length=300, blank=True, editable=False)
    content_hash = models.CharField(
        _("impronta del contenuto"), max_length=64, unique=True, editable=False
    )
    size_bytes = models.PositiveBigIntegerField(_("dimensione in byte"), default=0)
    width = models.PositiveIntegerField(_("larghezza"), default=0)
    height = models.PositiveIntegerField(_("altezza"), default=0)
    duration = models.FloatField(_("durata in secondi"), null=True, blank=True)
    codec = models.CharField(_("codec"), max_length=40, blank=True)
    alt_text = models.CharField(
        _("testo alternativo"),
        max_length=500,
        blank=True,
        help_text=_("Obbligatorio prima di usare il file in un post: descrive ciò che si vede."),
    )
    caption = models.CharField(_("didascalia"), max_length=300, blank=True)
    credits = models.CharField(_("crediti (autore)"), max_length=200, blank=True)
    licence = models.CharField(
        _("licenza"), max_length=20, choices=Licence.choices, default=Licence.COMUNE
    )
    licence_other = models.CharField(
        _("altra licenza"),
        max_length=200,
        blank=True,
        help_text=_("Solo se la licenza è «Altra»: il testo della licenza o dell'accordo."),
    )
    rights_expire_on = models.DateField(
        _("diritti d'uso validi fino al"),
        null=True,
        blank=True,
        help_text=_("Dopo questa data il file non si può più allegare ai post."),
    )
    people_release = models.BooleanField(
        _("persone riconoscibili: liberatoria acquisita"), default=False
    )
    tags = models.ManyToManyField(
        Tag, verbose_name=_("etichette"), blank=True, related_name="assets"
    )
    collection = models.ForeignKey(
        Collection,
        verbose_name=_("raccolta"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assets",
    )
    focal_x = models.FloatField(_("punto focale orizzontale"), default=0.5)
    focal_y = models.FloatField(_("punto focale verticale"), default=0.5)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caricato da"),
        on_delete=models.PROTECT,
        related_name="media_assets",
    )
    uploaded_at = models.DateTimeField(_("caricato il"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("file multimediale")
        verbose_name_plural = _("file multimediali")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="media_focal_point_inside",
            )
        ]

    def __str__(self):
        return self.alt_text or self.caption or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("media_library:detail", kwargs={"pk": self.pk})

    @property
    def is_image(self) -> bool:
        return self.kind == AssetKind.IMAGE

    @property
    def preview(self):
        """The file a thumbnail shows: the image itself, or a video's poster frame."""
        return self.file if self.is_image else self.poster

    @property
    def licence_text(self) -> str:
        if self.licence == Licence.OTHER:
            return self.licence_other
        return str(self.get_licence_display())

    def rights_expired_on(self, day: datetime.date) -> bool:
        return self.rights_expire_on is not None and day > self.rights_expire_on


class Rendition(models.Model):
    """The copy of an image made for one network (``tasks.make_renditions``)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    network = models.CharField(_("rete"), max_length=20)
    file = models.FileField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField()
    source_hash = models.CharField(max_length=64)
    focal_x = models.FloatField()
    focal_y = models.FloatField()

    class Meta:
        ordering = ["network"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "network"], name="one_rendition_per_network")
        ]

    def __str__(self):
        return f"{self.asset_id} · {self.network}"


class Caption(models.Model):
    """A video's captions in one language, stored as WebVTT (what the site's ``<track>`` plays)
    whatever was uploaded (SRT or WebVTT, checked by ``services.add_caption``)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="captions")
    language = models.CharField(_("lingua"), max_length=5, choices=CaptionLanguage.choices)
    file = models.FileField(_("file dei sottotitoli"), max_length=300)
    cue_count = models.PositiveIntegerField(_("battute"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("caricato il"), auto_now_add=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("sottotitoli")
        verbose_name_plural = _("sottotitoli")
        constraints = [
            models.UniqueConstraint(fields=["asset", "language"], name="one_caption_per_language")
        ]

    def __str__(self):
        return f"{self.asset_id} · {self.language}"


class PostAsset(models.Model):
    """A post uses an asset. PROTECT: an asset in use cannot disappear under a post."""

    post = models.ForeignKey("planning.Post", on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="uses")
    position = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "asset"], name="one_use_per_post_and_asset")
        ]

    def __str__(self):
        return f"{self.post_id} · {self.asset_id}"


class EventAsset(models.Model):
    """A public event shows a library image. One image per event; PROTECT: an asset an event
    shows cannot disappear under it. The event's own ``image``/``image_alt`` mirror the asset
    (kept in step by ``services.set_event_asset`` and the asset's changes), so the public page,
    the iCal feeds and the structured data, which live below the library, read them as before."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="library_image"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="event_uses")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event__starts_at", "event_id"]

    def __str__(self):
        return f"{self.event_id} · {self.asset_id}"
