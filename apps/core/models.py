"""What the background processes say about themselves, for /healthz and the staff banner.

In the database, not in the cache: the embedded default cache is local memory, private to each
process, so beat's and the workers' heartbeats would never reach the web process. One row per
process (a few rows, rewritten every few seconds).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    class Role(models.TextChoices):
        BEAT = "beat", _("pianificatore")
        WORKER = "worker", _("esecutore")

    # "beat", or the worker's Celery hostname (e.g. "sends@host").
    name = models.CharField(max_length=200, unique=True)
    role = models.CharField(max_length=10, choices=Role.choices)
    # The queues a worker consumes, comma-separated: health asks for one per queue.
    queues = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("battito")
        verbose_name_plural = _("battiti")

    def __str__(self):
        return f"{self.name} ({self.seen_at:%Y-%m-%d %H:%M:%S})"


class PublishingIncident(models.Model):
    """A stretch of time in which publishing was stalled; administrators hear once per row."""

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    # "open" while the incident lasts, NULL once it ended: the unique constraint lets only one
    # process open an incident (and email about it) when several notice the stall at once.
    open_marker = models.CharField(max_length=4, null=True, blank=True, unique=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("blocco delle pubblicazioni")
        verbose_name_plural = _("blocchi delle pubblicazioni")

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"
