from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bucket(models.TextChoices):
    """When a delivery's figures are read, counted from the moment it was sent."""

    HOUR = "1h", _("dopo 1 ora")
    DAY = "24h", _("dopo 24 ore")
    WEEK = "7d", _("dopo 7 giorni")
    MONTH = "30d", _("dopo 30 giorni")


BUCKETS = (Bucket.HOUR, Bucket.DAY, Bucket.WEEK, Bucket.MONTH)
OFFSET = {
    Bucket.HOUR: timedelta(hours=1),
    Bucket.DAY: timedelta(hours=24),
    Bucket.WEEK: timedelta(days=7),
    Bucket.MONTH: timedelta(days=30),
}
# Each reading is spread over a window after its moment, the same for the same delivery, so
# a morning's 200 posts are not all read in the same minute a day later.
JITTER = {
    Bucket.HOUR: timedelta(minutes=10),
    Bucket.DAY: timedelta(hours=2),
    Bucket.WEEK: timedelta(hours=6),
    Bucket.MONTH: timedelta(hours=12),
}


class SnapshotState(models.TextChoices):
    DUE = "due", _("Da leggere")
    TAKEN = "taken", _("Letto")
    GONE = "gone", _("Post rimosso dal canale")
    NONE = "none", _("Il canale non fornisce numeri")
    FAILED = "failed", _("Lettura non riuscita")


# The figures every snapshot may carry, in the order the reports show them.
FIGURES = ("reach", "impressions", "reactions", "comments", "shares", "link_clicks", "video_views")
FIGURE_LABELS = {
    "reach": _("Persone raggiunte"),
    "impressions": _("Visualizzazioni"),
    "reactions": _("Reazioni"),
    "comments": _("Commenti"),
    "shares": _("Condivisioni"),
    "link_clicks": _("Clic sul link"),
    "video_views": _("Visualizzazioni video"),
    "engagement": _("Interazioni"),
}
