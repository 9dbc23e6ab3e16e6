import re
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedTextField

from .enums import ChannelKind, Formality
from .kinds import CONNECTABLE_KINDS, defaults_for, has_news_fields, has_public_title

PREFERRED_TIME_RE = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
MAX_PREFERRED_TIMES = 24


def parse_preferred_times(text: str) -> list[time]:
    """The times of "09:00, 12:30, 18:00" in order, without repeats; ValueError on a bad one."""
    found = set()
    parts = [p.strip() for p in re.split(r"[,;\s]+", text or "") if p.strip()]
    if len(parts) > MAX_PREFERRED_TIMES:
        raise ValueError(text)
    for part in parts:
        match = PREFERRED_TIME_RE.fullmatch(part)
        if match is None:
            raise ValueError(part)
        found.add(time(int(match.group(1)), int(match.group(2))))
    return sorted(found)


def validate_preferred_times(text: str) -> None:
    try:
        parse_preferred_times(text)
    except ValueError:
        raise ValidationError(
            _("Scrivi fino a %(max)s orari HH:MM separati da virgole, es. 09:00, 12:30, 18:00."),
            params={"max": MAX_PREFERRED_TIMES},
        ) from None


class Channel(models.Model):
    """One account the office publishes to, with the tone its writers must keep."""

    name = models.CharField(_("nome"), max_length=100, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=ChannelKind.choices)
    active = models.BooleanField(_("attivo"), default=True)
    char_limit = models.PositiveIntegerField(_("limite di caratteri"), blank=True)
    formality = models.CharField(
        _("formalità"), max_length=10, choices=Formality.choices, blank=True
    )
    guidance = models.TextField(_("indicazioni di tono"), blank=True)
    max_hashtags = models.PositiveSmallIntegerField(_("hashtag massimi"), null=True, blank=True)
    emoji_allowed = models.BooleanField(_("emoji ammesse"), null=True, blank=True)
    link_expected = models.BooleanField(_("link atteso"), null=True, blank=True)
    gulpease_target = models.PositiveSmallIntegerField(
        _("leggibilità minima (Gulpease)"), null=True, blank=True
    )
    # Non-secret per-channel settings: API base URL, page id, chat id, organisation URN…
    late_tolerance_minutes = models.PositiveSmallIntegerField(
        _("ritardo tollerato (minuti)"),
        default=15,
        help_text=_(
            "Un post trattenuto oltre questo ritardo (crisi, silenzio, guasto) non parte da "
            "solo: viene sospeso finché una persona decide."
        ),
    )
    reconnect_grace_minutes = models.PositiveSmallIntegerField(
        _("attesa per un canale da ricollegare (minuti)"),
        default=120,
        help_text=_(
            "Se il canale va ricollegato, i post previsti aspettano: escono al ricollegamento "
            "entro questo tempo, altrimenti vengono sospesi finché una persona decide."
        ),
    )
    config = models.JSONField(_("configurazione"), default=dict, blank=True)
    # The channel's queue ("Metti in coda", apps/slots/queueing.py): every day at these times.
    preferred_times = models.CharField(
        _("orari preferiti di pubblicazione"),
        max_length=200,
        blank=True,
        validators=[validate_preferred_times],
        help_text=_(
            "Orari HH:MM separati da virgole, es. 09:00, 12:30, 18:00: «Metti in coda» sposta "
            "un post al primo di questi orari ancora libero."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("canale")
        verbose_name_plural = _("canali")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.apply_kind_defaults()
        super().save(*args, **kwargs)

    def apply_kind_defaults(self):
        """Blank tone fields take the defaults of the channel's kind."""
        defaults = defaults_for(self.kind)
        for field in (
            "char_limit",
            "formality",
            "guidance",
            "max_hashtags",
            "emoji_allowed",
            "link_expected",
            "gulpease_target",
        ):
            if getattr(self, field) in (None, ""):
                setattr(self, field, getattr(defaults, field))

    @property
    def preferred_time_list(self) -> list[time]:
        """The preferred times, or none when the setting cannot be read (set by hand)."""
        try:
            return parse_preferred_times(self.preferred_times)
        except ValueError:
            return []

    @property
    def icon(self) -> str:
        return defaults_for(self.kind).icon

    @property
    def connects_in_app(self) -> bool:
        return self.kind in CONNECTABLE_KINDS

    @property
    def has_public_title(self) -> bool:
        return has_public_title(self.kind)

    @property
    def has_news_fields(self) -> bool:
        return has_news_fields(self.kind)

    @property
    def connection_or_none(self):
        """The login connection, if any (templates cannot catch DoesNotExist)."""
        return getattr(self, "connection", None)


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", _("Collegato")
    NEEDS_RECONNECT = "needs_reconnect", _("Da ricollegare")


class ChannelConnection(models.Model):
    """The account a person connected with the network's own login, and its tokens.

    Tokens are encrypted at rest and never shown, logged or audited; ``expires_at`` is when
    the access token lapses, which the refresh task watches.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="connection")
    provider = models.CharField(_("servizio"), max_length=20)
    status = models.CharField(
        _("stato"),
        max_length=20,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.CONNECTED,
    )
    account_id = models.CharField(_("id dell'account"), max_length=200, blank=True)
    account_name = models.CharField(_("account"), max_length=200, blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(_("il token scade"), null=True, blank=True)
    # When the refresh token itself lapses (LinkedIn's ``refresh_token_expires_in``, about a
    # year, not extended by refreshing): after it only a person can reconnect.
    refresh_expires_at = models.DateTimeField(_("il rinnovo scade"), null=True, blank=True)
    scope = models.CharField(max_length=500, blank=True)
    connected_at = models.DateTimeField(_("collegato il"))
    connected_by = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_refreshed_at = models.DateTimeField(_("ultimo rinnovo"), null=True, blank=True)
    # Held by the one worker refreshing the token (a conditional UPDATE claims it).
    refresh_claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("ultimo errore"), blank=True)
    # The smallest "days before expiry" warning already sent for this token (14, 3, 1); a new
    # token (reconnect) clears it. Claimed with a conditional UPDATE: each warning goes once.
    expiry_warned_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            # connections_to_refresh: status = connected AND expires_at < soon.
            models.Index(fields=["status", "expires_at"], name="connection_refresh_due"),
        ]
        verbose_name = _("collegamento del canale")
        verbose_name_plural = _("collegamenti dei canali")

    def __str__(self):
        return f"{self.channel} · {self.account_name or self.provider}"

    @property
    def lapses_at(self):
        """When the connection stops working unless a person reconnects: the refresh token's
        expiry when it has one (refreshing cannot go beyond it), otherwise the access token's
        when it cannot be refreshed; None when nothing lapses by itself."""
        if self.refresh_token:
            return self.refresh_expires_at
        return self.expires_at


class MastodonApp(models.Model):
    """PA Planner's own registration on one Mastodon instance (``POST /api/v1/apps``), made
    once per instance and reused by every channel there. The client secret is encrypted."""

    base_url = models.CharField(_("istanza"), max_length=200, unique=True)
    redirect_uri = models.CharField(max_length=500)
    client_id = EncryptedTextField()
    client_secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("app registrata su Mastodon")
        verbose_name_plural = _("app registrate su Mastodon")

    def __str__(self):
        return self.base_url
