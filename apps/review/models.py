from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role


class Comment(models.Model):
    post = models.ForeignKey("planning.Post", on_delete=models.CASCADE, related_name="comments")
    # A colleague, or (through a magic link) an approver outside the office.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    external_author = models.ForeignKey(
        "review.ExternalApprover",
        on_delete=models.PROTECT,
        related_name="comments",
        null=True,
        blank=True,
    )
    body = models.TextField(_("commento"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("commento")
        verbose_name_plural = _("commenti")
        # Search (planning.search via review.selectors.COMMENT_TEXT): "comment_search_gin" on
        # search_document("body"), PostgreSQL only (migration 0003, AddIndexOnPostgreSQL).

    def __str__(self):
        return f"{self.author or self.external_author}: {self.body[:40]}"

    @property
    def author_name(self) -> str:
        if self.external_author_id:
            return str(self.external_author)
        return self.author.get_full_name() or self.author.get_username()


class OfficeSettings(models.Model):
    """Settings of the office that change who may do what (one row)."""

    allow_self_approval = models.BooleanField(
        _("consenti l'auto-approvazione"),
        default=False,
        help_text=_("Solo per uffici di una persona: ogni uso resta nel registro."),
    )

    class Meta:
        verbose_name = _("impostazioni dell'ufficio")
        verbose_name_plural = _("impostazioni dell'ufficio")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "OfficeSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


# --- Approval routes ------------------------------------------------------------------------


class ExternalApprover(models.Model):
    """A person with no staff account who approves some posts (the portavoce, an assessore)
    through a signed, expiring link sent by email."""

    name = models.CharField(_("nome e cognome"), max_length=200)
    email = models.EmailField(_("email"), unique=True)
    position = models.CharField(
        _("incarico"),
        max_length=200,
        blank=True,
        help_text=_("Per esempio: Portavoce del Sindaco."),
    )
    active = models.BooleanField(_("attivo"), default=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("approvatore esterno")
        verbose_name_plural = _("approvatori esterni")

    def __str__(self):
        return f"{self.name} ({self.position})" if self.position else self.name


class ApprovalRoute(models.Model):
    """Ordered steps a post goes through before it is approved, chosen by category, channel
    and whether it is a crisis (emergency) communication. A post no route matches follows the
    default route: one step, any approver (``routes.DEFAULT_ROUTE``)."""

    name = models.CharField(_("nome"), max_length=200)
    priority = models.PositiveSmallIntegerField(
        _("priorità"),
        default=100,
        help_text=_("Se più percorsi valgono per un post, vale quello con il numero più basso."),
    )
    active = models.BooleanField(_("attivo"), default=True)
    categories = models.ManyToManyField(
        "planning.ContentCategory",
        verbose_name=_("categorie"),
        blank=True,
        related_name="+",
        help_text=_("Vuoto: tutte le categorie."),
    )
    channels = models.ManyToManyField(
        "channels.Channel",
        verbose_name=_("canali"),
        blank=True,
        related_name="+",
        help_text=_("Vuoto: tutti i canali. Altrimenti basta che il post esca su uno di questi."),
    )
    crisis_only = models.BooleanField(
        _("solo comunicazioni di emergenza"),
        default=False,
        help_text=_(
            "Vale solo per i post segnati come comunicazione di crisi. Durante una crisi "
            "dichiarata resta la procedura rapida: un solo approvatore."
        ),
    )

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("percorso di approvazione")
        verbose_name_plural = _("percorsi di approvazione")

    def __str__(self):
        return self.name


class StepMode(models.TextChoices):
    ANY = "any", _("Uno qualsiasi del gruppo")
    ALL = "all", _("Tutti i membri del gruppo")


class ApprovalStep(models.Model):
    """One step of a route. Its group: the members of ``role``, the named colleagues and the
    approvers outside the office; ``mode`` says whether one of them or all of them approve."""

    route = models.ForeignKey(ApprovalRoute, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("ordine"), default=1)
    name = models.CharField(
        _("nome del passo"), max_length=200, help_text=_("Per esempio: Portavoce.")
    )
    role = models.CharField(
        _("ruolo"),
        max_length=40,
        blank=True,
        choices=[(r.value, r.label) for r in (Role.APPROVER, Role.ADMIN)],
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleghi"),
        blank=True,
        related_name="+",
        help_text=_("Approvatori o amministratori indicati per nome."),
    )
    external_approvers = models.ManyToManyField(
        ExternalApprover,
        verbose_name=_("approvatori esterni"),
        blank=True,
        related_name="steps",
        help_text=_(
            "Ricevono per email un link personale, valido per quel post e quella versione."
        ),
    )
    mode = models.CharField(
        _("chi approva"), max_length=3, choices=StepMode.choices, default=StepMode.ANY
    )

    class Meta:
        ordering = ["route", "position", "id"]
        verbose_name = _("passo di approvazione")
        verbose_name_plural = _("passi di approvazione")

    def __str__(self):
        return f"{self.position}. {self.name}"


class StepApproval(models.Model):
    """One approval of one step of a post's route, for exactly one version of the post.

    Approvals of an older version no longer count: an edit sends the post back to the first
    step. ``step`` is empty for the default route's one step."""

    post = models.ForeignKey(
        "planning.Post", on_delete=models.CASCADE, related_name="step_approvals"
    )
    step = models.ForeignKey(
        ApprovalStep, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    version = models.PositiveIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external = models.ForeignKey(
        ExternalApprover, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("approvazione di un passo")
        verbose_name_plural = _("approvazioni dei passi")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) ^ models.Q(external__isnull=True),
                name="step_approval_one_person",
            )
        ]

    def __str__(self):
        return f"{self.post_id} v{self.version}: {self.approved_by or self.external}"


class ExternalLink(models.Model):
    """A magic link: one external approver, one post, one version, one step. Only the hash of
    its random token is stored; it stops working once used, expired, revoked or outdated."""

    post = models.ForeignKey(
        "planning.Post", on_delete=models.CASCADE, related_name="external_links"
    )
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="links")
    approver = models.ForeignKey(ExternalApprover, on_delete=models.PROTECT, related_name="links")
    version = models.PositiveIntegerField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("link per approvatore esterno")
        verbose_name_plural = _("link per approvatori esterni")

    def __str__(self):
        return f"{self.approver} · post {self.post_id} v{self.version}"
