"""What citizens saw and did, as the networks count it: one row per delivery and reading
moment (``MetricSnapshot``), one per channel and day (``AccountFigure``), one per day for the
newsletter (``NewsletterFigure``). Nothing here identifies a citizen."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Bucket, SnapshotState


class MetricSnapshot(models.Model):
    """A delivery's figures at one moment after sending (+1 h, +24 h, +7 d, +30 d).

    Created ``due`` (``phase``) for the four moments once the delivery is sent; the collector
    reads the network and fills it in (``taken``), or closes it (``gone``: deleted on the network;
    ``none``: the channel gives no numbers; ``failed``). Channel, post and time sent are
    copied from the delivery so the reports filter and group without joins through variants.
    ``is_latest`` marks the newest taken reading of each delivery: the one totals add up.
    """

    delivery = models.ForeignKey(
        "publishing.Delivery", on_delete=models.CASCADE, related_name="metric_snapshots"
    )
    bucket = models.CharField(_("momento"), max_length=3, choices=Bucket.choices)
    # Not "state": that name is the Delivery's, which only publishing/transitions.py sets.
    phase = models.CharField(
        _("stato"), max_length=8, choices=SnapshotState.choices, default=SnapshotState.DUE
    )
    due_at = models.DateTimeField(_("da leggere dal"))
    taken_at = models.DateTimeField(_("letto il"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("planning.Post", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("inviato il"))
    is_latest = models.BooleanField(default=False)
    reach = models.PositiveIntegerField(_("persone raggiunte"), null=True, blank=True)
    impressions = models.PositiveIntegerField(_("visualizzazioni"), null=True, blank=True)
    reactions = models.PositiveIntegerField(_("reazioni"), null=True, blank=True)
    comments = models.PositiveIntegerField(_("commenti"), null=True, blank=True)
    shares = models.PositiveIntegerField(_("condivisioni"), null=True, blank=True)
    link_clicks = models.PositiveIntegerField(_("clic sul link"), null=True, blank=True)
    video_views = models.PositiveIntegerField(_("visualizzazioni video"), null=True, blank=True)

    class Meta:
        verbose_name = _("rilevazione")
        verbose_name_plural = _("rilevazioni")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "bucket"], name="snapshot_once_per_bucket")
        ]
        indexes = [
            # The collector: what is due now.
            models.Index(fields=["phase", "due_at"], name="snapshot_phase_due"),
            # The reports: the newest reading of each delivery sent in a period.
            models.Index(fields=["is_latest", "sent_at"], name="snapshot_latest_sent"),
            # A post's page and the medians of its category and channel.
            models.Index(fields=["post", "bucket"], name="snapshot_post_bucket"),
            models.Index(fields=["channel", "bucket", "sent_at"], name="snapshot_channel_bucket"),
        ]

    def __str__(self):
        return f"{self.delivery_id} {self.bucket} [{self.phase}]"

    @property
    def engagement(self) -> int | None:
        values = [v for v in (self.reactions, self.comments, self.shares) if v is not None]
        return sum(values) if values else None


class AccountFigure(models.Model):
    """A channel's followers (subscribers) on a day, read once a day."""

    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.CASCADE, related_name="account_figures"
    )
    day = models.DateField(_("giorno"))
    followers = models.PositiveIntegerField(_("follower"))

    class Meta:
        verbose_name = _("follower del giorno")
        verbose_name_plural = _("follower per giorno")
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="account_figure_once_a_day")
        ]
        indexes = [models.Index(fields=["day", "channel"], name="account_figure_day")]

    def __str__(self):
        return f"{self.channel_id} {self.day}: {self.followers}"


class NewsletterFigure(models.Model):
    """The newsletter's subscribers on a day: confirmed (still subscribed) and unsubscribed."""

    day = models.DateField(_("giorno"), unique=True)
    confirmed = models.PositiveIntegerField(_("iscritti confermati"))
    unsubscribed = models.PositiveIntegerField(_("disiscritti"))

    class Meta:
        verbose_name = _("iscritti alla newsletter del giorno")
        verbose_name_plural = _("iscritti alla newsletter per giorno")

    def __str__(self):
        return f"{self.day}: {self.confirmed}"
