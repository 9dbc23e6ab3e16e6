"""Demo: posts of the Comune di Esempio in every workflow state, each with its history.

Every state is reached through the real services (submit, edit, approve, request changes,
cancel), so each post has its versions, comments and audit entries. Idempotent: posts are
found by title and a second load changes nothing.
"""

from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth.models import User
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning import services as planning
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory, Post
from apps.planning.transitions import transition
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.publishing.transitions import move
from apps.review import editing

from . import services
from .models import ApprovalRoute, ApprovalStep, ExternalApprover

PREFIX = "[Demo revisione] "
EMERGENCY_ROUTE = "Informativo · emergenze"


@contextmanager
def _as_user(user):
    """Attribute history rows written outside a request to ``user`` (as the middleware does)."""
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del HistoricalRecords.context.request
        else:
            HistoricalRecords.context.request = previous


def _category(slug: str, name: str) -> ContentCategory:
    category, _created = ContentCategory.objects.get_or_create(slug=slug, defaults={"name": name})
    return category


def _channels(*kinds) -> list[Channel]:
    channels = []
    for kind in kinds:
        channel = Channel.objects.filter(kind=kind).order_by("id").first()
        if channel is None:
            channel = Channel.objects.create(name=f"{kind.label} (demo)", kind=kind)
        channels.append(channel)
    return channels


def _create(title, *, author, days, hour, category, kinds, text, **kwargs) -> Post:
    when = (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    with _as_user(author):
        return planning.create_post(
            author=author,
            title=PREFIX + title,
            category=category,
            planned_at=when,
            channels=_channels(*kinds),
            base_text=text,
            **kwargs,
        )


def _edit(post: Post, *, by, **changes) -> Post:
    with _as_user(by):
        editing.update_post(post, by=by, expected_version=post.version, **changes)
    post.refresh_from_db()
    return post


def _emergency_route(info: ContentCategory) -> ApprovalRoute:
    """Informativo on emergencies: the office's approvers, then the Mayor's spokesperson, who
    has no account and approves through a link sent by email."""
    route, created = ApprovalRoute.objects.get_or_create(
        name=EMERGENCY_ROUTE, defaults={"priority": 10, "crisis_only": True}
    )
    if created:
        route.categories.set([info])
        ApprovalStep.objects.create(
            route=route, position=1, name="Capo ufficio", role=Role.APPROVER.value
        )
        spokesperson, _created = ExternalApprover.objects.get_or_create(
            email="portavoce@comune-di-esempio.example",
            defaults={"name": "Paola Voce", "position": "Portavoce del Sindaco"},
        )
        step = ApprovalStep.objects.create(route=route, position=2, name="Portavoce")
        step.external_approvers.set([spokesperson])
    return route


def load(ctx: dict) -> None:
    users = ctx.get("users") or {}
    editor = users.get(Role.EDITOR) or User.objects.filter(groups__name=Role.EDITOR).first()
    approver = users.get(Role.APPROVER) or User.objects.filter(groups__name=Role.APPROVER).first()
    admin = users.get(Role.ADMIN) or User.objects.filter(is_superuser=True).first()
    if not (editor and approver and admin):
        return
    info = _category("informativo", "Informativo")
    _emergency_route(info)
    if Post.objects.filter(title__startswith=PREFIX).exists():
        return
    howto = _category("come-fare", "Come fare")
    territory = _category("territorio", "Territorio")
    social = (ChannelKind.FACEBOOK, ChannelKind.TELEGRAM)

    # Bozza, with a colleague's comment.
    draft = _create(
        "Orari estivi della biblioteca",
        author=editor,
        days=9,
        hour=10,
        category=info,
        kinds=social,
        text="Dal 1° luglio la Biblioteca civica apre dalle 9 alle 13, dal lunedì al sabato.",
    )
    services.add_comment(draft, by=approver, body="Aggiungiamo il link alla pagina orari?")

    # In revisione, after one edit by its author.
    in_review = _create(
        "Chiusura del ponte di via Roma",
        author=editor,
        days=3,
        hour=8,
        category=info,
        kinds=(*social, ChannelKind.X),
        text="Lavori sul ponte di via Roma: chiuso al traffico.",
    )
    detailed = (
        "Lavori sul ponte di via Roma: da lunedì 8 a venerdì 12 il ponte è chiuso al "
        "traffico dalle 8 alle 18. Percorso alternativo da via Garibaldi."
    )
    _edit(
        in_review,
        by=editor,
        base_text=detailed,
        variant_texts={v.channel_id: detailed for v in in_review.variants.all()},
    )
    services.submit_post(in_review, by=editor)

    # In revisione on the emergency route: the head of the office approved step 1, the
    # spokesperson (no account) is awaited at step 2.
    emergency = _create(
        "Allerta meteo: scuole chiuse domani",
        author=approver,  # only an approver marks a crisis communication
        days=1,
        hour=7,
        category=info,
        kinds=social,
        text="Allerta meteo arancione: domani le scuole comunali restano chiuse.",
        is_crisis_communication=True,
    )
    services.submit_post(emergency, by=approver)
    services.approve_post(emergency, by=admin, expected_version=emergency.version)

    # Modifiche richieste: sent back with a required comment.
    changes = _create(
        "TARI 2027: come si calcola",
        author=editor,
        days=6,
        hour=11,
        category=howto,
        kinds=social,
        text="La TARI si calcola in base ai metri quadri e al numero di componenti.",
    )
    services.submit_post(changes, by=editor)
    services.request_changes(
        changes,
        by=approver,
        comment="Spieghiamo anche le scadenze delle rate e dove trovare il simulatore.",
    )

    # Approvato, waiting for its time.
    approved = _create(
        "Mercatino dell'artigianato in piazza",
        author=editor,
        days=12,
        hour=9,
        category=territory,
        kinds=social,
        text="Domenica in piazza del Municipio torna il mercatino dell'artigianato locale.",
    )
    services.submit_post(approved, by=editor)
    services.approve_post(approved, by=approver, expected_version=approved.version)

    # Approvato, then moved: waiting for a one-click confirmation of the new time.
    moved = _create(
        "Open day delle scuole dell'infanzia",
        author=editor,
        days=10,
        hour=17,
        category=info,
        kinds=social,
        text="Open day nelle scuole dell'infanzia comunali: visite guidate e incontri.",
    )
    services.submit_post(moved, by=editor)
    services.approve_post(moved, by=approver, expected_version=moved.version)
    _edit(moved, by=editor, planned_at=moved.planned_at + timedelta(days=1))

    # Sospeso (as a crisis declaration does), approved before.
    paused = _create(
        "Sagra d'autunno: il programma",
        author=editor,
        days=14,
        hour=12,
        category=territory,
        kinds=social,
        text="Il programma della Sagra d'autunno: musica, stand e laboratori per bambini.",
    )
    services.submit_post(paused, by=editor)
    services.approve_post(paused, by=admin, expected_version=paused.version)
    transition(
        paused, PostStatus.PAUSED, by=approver, note="Sospeso in attesa di fine allerta meteo."
    )

    # Annullato.
    cancelled = _create(
        "Concerto in piazza",
        author=editor,
        days=5,
        hour=20,
        category=territory,
        kinds=social,
        text="Sabato sera concerto della banda cittadina in piazza.",
    )
    services.submit_post(cancelled, by=editor)
    services.cancel_post(cancelled, by=approver, reason="Concerto rinviato per maltempo.")

    # Pubblicato and Fallito: approved for a time already past, with their deliveries' outcome
    # written as the dispatcher would have (so that no worker sends them again).
    outcomes = (
        (
            "Raccolta differenziata: nuovo calendario",
            "È online il nuovo calendario della raccolta differenziata, quartiere per quartiere.",
            [DeliveryState.SENT, DeliveryState.SENT],
            PostStatus.PUBLISHED,
        ),
        (
            "Sportello anagrafe: apertura straordinaria",
            "Sabato mattina lo Sportello anagrafe è aperto per il rilascio della carta d'identità.",
            [DeliveryState.FAILED, DeliveryState.FAILED],
            PostStatus.FAILED,
        ),
        (
            "Consiglio comunale in diretta",
            "Giovedì alle 18 il Consiglio comunale si riunisce: segui la diretta sul sito.",
            [DeliveryState.SENT, DeliveryState.FAILED],
            PostStatus.PARTLY_FAILED,
        ),
    )
    for title, text, states, status in outcomes:
        post = _create(title, author=editor, days=0, hour=8, category=info, kinds=social, text=text)
        post.planned_at -= timedelta(days=2)
        Post.objects.filter(pk=post.pk).update(planned_at=post.planned_at)
        services.submit_post(post, by=editor)
        services.approve_post(post, by=approver, expected_version=post.version)
        deliveries = Delivery.objects.filter(variant__post=post).order_by("id")
        for delivery, state in zip(deliveries, states, strict=True):
            # The demo walks the real machine (publishing.transitions): claimed, sending, done.
            if state == DeliveryState.SENT:
                fields = {"attempts": 1, "sent_at": post.planned_at}
            else:
                fields = {"attempts": 5, "last_error": "Token del canale scaduto (demo)."}
            move(delivery, DeliveryState.WAITING, DeliveryState.QUEUED, action="delivery.queued")
            move(delivery, DeliveryState.QUEUED, DeliveryState.SENDING, action="delivery.sending")
            move(delivery, DeliveryState.SENDING, state, action=f"delivery.{state}", **fields)
        transition(post, status, by=None, note="Esito degli invii (dati dimostrativi).")
