"""``/api/v1/``: reads and writes through the same selectors, services and checks as the
web pages. Every write runs inside :func:`auth.writing`, so its audit entries name the
token."""

from datetime import datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import conditional_page
from ninja import File, Form, NinjaAPI, Query, Schema, Status, Swagger, UploadedFile
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BaseModel, Field

from apps.accounts.roles import can
from apps.crisis.selectors import blackouts_between, open_crisis
from apps.events.models import Event, EventStatus
from apps.media_library.models import PostAsset
from apps.media_library.services import AssetRefused, add_asset, set_post_assets
from apps.planning.access import can_manage_post
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory, Post, Variant
from apps.planning.services import PostEditError, StalePostError, create_post
from apps.publishing.corrections import CorrectionError, why_not_correctable
from apps.review.corrections import propose_correction
from apps.review.editing import SlotMoveQuestion, update_post
from apps.review.services import (
    ReviewError,
    approval_route,
    approve_post,
    request_changes,
    submit_post,
)
from apps.slots.selectors import occurrences_between, slots_for_list

from . import serializers, writes
from .auth import public_auth, require, token_auth, token_of, writing
from .enums import Scope
from .pagination import DEFAULT_PAGE_SIZE, PageMeta, paginate
from .problems import ApiProblem, conflict, forbidden, invalid, not_found, problem_response
from .schemas import (
    BlackoutOut,
    CategoryOut,
    CrisisOut,
    EventIn,
    EventOut,
    EventPatch,
    OccurrenceOut,
    PostIn,
    PostOut,
    PostPatch,
    ProblemOut,
    SlotOut,
)

# The longest date range one request may ask for (occurrences are computed, not stored).
MAX_RANGE = timedelta(days=366)

api = NinjaAPI(
    title="PA Planner API",
    version="1",
    description=gettext_lazy(
        "Il piano editoriale e gli eventi pubblici del Comune. Autenticazione con token "
        "(Authorization: Bearer pap_…); gli eventi pubblicati si leggono anche senza."
    ),
    urls_namespace="api",
    docs_url="/docs/",
    # Without deep links Swagger UI puts no link inside each operation's button (axe:
    # nested-interactive).
    docs=Swagger(settings={"deepLinking": False}),
    openapi_url="/openapi.json",
)

# Reads answer ETag (a hash of the body) and 304 to a matching If-None-Match:
# ``@decorate_view(conditional_page)`` on every GET route, Django's own ConditionalGetMiddleware.
ERRORS = {400: ProblemOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 429: ProblemOut}


@api.exception_handler(ApiProblem)
def _problem(request, exc: ApiProblem):
    return problem_response(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem_response(
        ApiProblem(
            401,
            _("Serve un token"),
            _("Manda «Authorization: Bearer <token>»: i token si creano nel proprio profilo."),
            headers={"WWW-Authenticate": "Bearer"},
        )
    )


# pydantic's messages are English only: the common ones in the client's language, by error type
# (https://docs.pydantic.dev/latest/errors/validation_errors/); others keep pydantic's words.
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("Campo obbligatorio."),
    "json_invalid": gettext_lazy("JSON non valido."),
    "model_attributes_type": gettext_lazy("Serve un oggetto JSON."),
    "model_type": gettext_lazy("Serve un oggetto JSON."),
    "dict_type": gettext_lazy("Serve un oggetto JSON."),
    "list_type": gettext_lazy("Serve una lista."),
    "string_type": gettext_lazy("Serve un testo."),
    "int_type": gettext_lazy("Serve un numero intero."),
    "int_parsing": gettext_lazy("Serve un numero intero."),
    "int_from_float": gettext_lazy("Serve un numero intero."),
    "bool_type": gettext_lazy("Serve true o false."),
    "bool_parsing": gettext_lazy("Serve true o false."),
    "datetime_type": gettext_lazy(
        "Serve data e ora ISO 8601 con fuso, es. 2030-03-02T10:00+01:00."
    ),
    "datetime_parsing": gettext_lazy(
        "Serve data e ora ISO 8601 con fuso, es. 2030-03-02T10:00+01:00."
    ),
    "datetime_from_date_parsing": gettext_lazy(
        "Serve data e ora ISO 8601 con fuso, es. 2030-03-02T10:00+01:00."
    ),
    "date_type": gettext_lazy("Serve una data ISO 8601, es. 2030-03-02."),
    "date_parsing": gettext_lazy("Serve una data ISO 8601, es. 2030-03-02."),
    "date_from_datetime_parsing": gettext_lazy("Serve una data ISO 8601, es. 2030-03-02."),
    "enum": gettext_lazy("Valore non ammesso."),
    "literal_error": gettext_lazy("Valore non ammesso."),
}


@api.exception_handler(NinjaValidationError)
def _validation(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        # ("query", "filters", "status", 0) -> "status.0": the names a client sent.
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload", "filters")
        ]
        message = VALIDATION_MESSAGES.get(error.get("type", ""), error.get("msg", ""))
        errors.setdefault(".".join(location) or "__all__", []).append(str(message))
    return problem_response(invalid(errors))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return problem_response(ApiProblem(exc.status_code, str(exc.message)))


# --- helpers --------------------------------------------------------------------------------


def _range(start: datetime | None, end: datetime | None, *, default_days: int = 31):
    start = start or timezone.now()
    end = end or start + timedelta(days=default_days)
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise invalid({"start": [_("Indica il fuso orario, es. +01:00 o Z.")]})
    if end <= start:
        raise invalid({"end": [_("La fine deve venire dopo l'inizio.")]})
    if end - start > MAX_RANGE:
        raise invalid({"end": [_("Al massimo un anno per richiesta.")]})
    return start, end


def _posts():
    return Post.objects.select_related("category", "author").prefetch_related(
        Prefetch(
            "variants",
            queryset=Variant.objects.select_related("channel", "delivery").order_by(
                "channel__name"
            ),
        )
    )


def _post_or_404(pk: int) -> Post:
    post = _posts().filter(pk=pk).first()
    if post is None:
        raise not_found()
    return post


# --- posts ----------------------------------------------------------------------------------


class PostPage(BaseModel):
    meta: PageMeta
    results: list[PostOut]


# A category's slug: letters, digits and dashes only (no control character reaches the database).
SLUG = Field(default=None, pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)


class PostFilters(Schema):
    start: datetime | None = None
    end: datetime | None = None
    status: list[PostStatus] = []
    category: str | None = SLUG
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


@api.get("/posts", response={200: PostPage, **ERRORS}, auth=token_auth, tags=["post"])
@decorate_view(conditional_page)
def list_posts(request, filters: Query[PostFilters]):
    """I post pianificati in un intervallo (di norma i prossimi 31 giorni), in ordine di ora."""
    require(request, Scope.READ, "plan")
    start, end = _range(filters.start, filters.end)
    posts = _posts().filter(planned_at__gte=start, planned_at__lt=end)
    if filters.status:
        posts = posts.filter(status__in=filters.status)
    if filters.category:
        posts = posts.filter(category__slug=filters.category)
    items, meta = paginate(
        posts.order_by("planned_at", "id"), page=filters.page, page_size=filters.page_size
    )
    return {"meta": meta, "results": [serializers.post(p) for p in items]}


@api.get("/posts/{int:post_id}", response={200: PostOut, **ERRORS}, auth=token_auth, tags=["post"])
@decorate_view(conditional_page)
def get_post(request, post_id: int):
    require(request, Scope.READ, "plan")
    return serializers.post(_post_or_404(post_id))


@api.post("/posts", response={201: PostOut, **ERRORS}, auth=token_auth, tags=["post"])
def create_post_route(request, payload: PostIn):
    """Una nuova bozza, con gli stessi controlli della pagina «Nuovo post»."""
    token = require(request, Scope.WRITE_POSTS, "plan")
    form = writes.post_form(payload.dict(), user=token.user)
    data = writes.valid_post_data(form)
    with writing(token):
        try:
            post = create_post(author=token.user, **data)
        except PostEditError as exc:
            raise invalid({}, str(exc)) from None
    return Status(201, serializers.post(_post_or_404(post.pk)))


@api.patch(
    "/posts/{int:post_id}",
    response={200: PostOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def update_post_route(request, post_id: int, payload: PostPatch):
    """Modifica un post come la pagina «Modifica»: un post approvato torna in revisione."""
    token = require(request, Scope.WRITE_POSTS, "plan")
    post = _post_or_404(post_id)
    if not can_manage_post(token.user, post):
        raise forbidden(_("Solo l'autore o un approvatore può modificare questo post."))
    changes = payload.dict(exclude_unset=True)
    form = writes.post_form(changes, user=token.user, post=post)
    data = writes.valid_post_data(form)
    with writing(token):
        try:
            update_post(
                post,
                by=token.user,
                expected_version=payload.version,
                keeps_slot=changes.get("keeps_slot"),
                **data,
            )
        except StalePostError as exc:
            raise conflict(str(exc)) from None
        except SlotMoveQuestion as exc:
            raise invalid({"keeps_slot": [str(exc)]}) from None
        except PostEditError as exc:
            raise invalid({}, str(exc)) from None
    return serializers.post(_post_or_404(post.pk))


@api.post(
    "/posts/{int:post_id}/submit",
    response={200: PostOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def submit_post_route(request, post_id: int):
    """Invia in revisione una bozza (o un post con modifiche richieste)."""
    token = require(request, Scope.WRITE_POSTS, "plan")
    post = _post_or_404(post_id)
    with writing(token):
        try:
            if not can_manage_post(token.user, post):
                raise forbidden(_("Solo l'autore del post o un approvatore può farlo."))
            submit_post(post, by=token.user)
        except ReviewError as exc:
            raise conflict(str(exc)) from None
    return serializers.post(_post_or_404(post.pk))


class CorrectionVariantIn(BaseModel):
    """A channel's corrected texts (channels with the website Notizia fields); a field left
    out keeps what was published."""

    public_title: str | None = None
    text: str | None = None
    news_summary: str | None = None
    news_topics: list[str] | None = None
    news_type: str | None = None
    news_office: str | None = None


class CorrectionIn(BaseModel):
    version: int = Field(description="La versione del post letta: se è cambiata, 409.")
    title: str | None = None
    base_text: str | None = None
    variants: dict[int, CorrectionVariantIn] = Field(
        default_factory=dict, description="Per id del canale: i testi corretti."
    )


class CorrectionOut(BaseModel):
    id: int
    post_id: int
    status: str
    url: str = Field(description="La pagina della correzione (per l'approvatore)")


@api.post(
    "/posts/{int:post_id}/corrections",
    response={201: CorrectionOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def propose_correction_route(request, post_id: int, payload: CorrectionIn):
    """Propone una correzione di un post già pubblicato, come «Correggi»: il post resta com'è
    finché un approvatore (non chi l'ha scritta) la approva; poi si aggiornano i canali che lo
    consentono (il sito comunale). Stessi controlli della pagina."""
    token = require(request, Scope.WRITE_POSTS, "plan")
    post = _post_or_404(post_id)
    if not can_manage_post(token.user, post):
        raise forbidden(_("Solo l'autore del post o un approvatore può correggerlo."))
    refusal = why_not_correctable(post)
    if refusal:
        raise conflict(refusal)
    form = writes.correction_form(payload.model_dump(), post=post)
    if not form.is_valid():
        raise invalid(writes.correction_errors(form))
    with writing(token):
        try:
            correction = propose_correction(
                post,
                by=token.user,
                expected_version=payload.version,
                after=form.cleaned_data["after"],
            )
        except CorrectionError as exc:
            raise conflict(str(exc)) from None
    return Status(
        201,
        {
            "id": correction.pk,
            "post_id": post.pk,
            "status": correction.status,
            "url": correction.get_absolute_url(),
        },
    )


class ApproveIn(BaseModel):
    version: int = Field(description="La versione letta e approvata: se è cambiata, 409.")


class ChangesIn(BaseModel):
    comment: str = Field(min_length=1, max_length=5000, description="Cosa va cambiato.")


class ImageOut(BaseModel):
    asset_id: int
    alt_text: str
    duplicate: bool = Field(description="Lo stesso file era già nella libreria")
    post: PostOut


def _reviewable(request, post_id: int) -> tuple:
    token = require(request, Scope.REVIEW, "review")
    return token, _post_or_404(post_id)


@api.post(
    "/posts/{int:post_id}/approve",
    response={200: PostOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def approve_post_route(request, post_id: int, payload: ApproveIn):
    """Approva esattamente la versione indicata (il passo corrente del percorso di
    approvazione), con le regole della pagina di revisione: chi ha scritto o modificato il
    contenuto non può approvarlo; una versione cambiata nel frattempo risponde 409."""
    token, post = _reviewable(request, post_id)
    if post.status == PostStatus.IN_REVIEW and not approval_route(post, token.user):
        raise forbidden(
            _(
                "Non puoi approvare un post di cui hai scritto o modificato il contenuto: "
                "serve un altro approvatore."
            )
        )
    with writing(token):
        try:
            approve_post(post, by=token.user, expected_version=payload.version)
        except ReviewError as exc:
            raise conflict(str(exc)) from None
    return serializers.post(_post_or_404(post.pk))


@api.post(
    "/posts/{int:post_id}/request-changes",
    response={200: PostOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def request_changes_route(request, post_id: int, payload: ChangesIn):
    """Rimanda all'autore un post in revisione, con un commento obbligatorio."""
    token, post = _reviewable(request, post_id)
    with writing(token):
        try:
            request_changes(post, by=token.user, comment=payload.comment)
        except ReviewError as exc:
            raise conflict(str(exc)) from None
    return serializers.post(_post_or_404(post.pk))


@api.post(
    "/posts/{int:post_id}/images",
    response={201: ImageOut, 409: ProblemOut, **ERRORS},
    auth=token_auth,
    tags=["post"],
)
def upload_image_route(
    request,
    post_id: int,
    file: File[UploadedFile],
    alt_text: Form[str],
    credits: Form[str] = "",
):
    """Carica un'immagine nella libreria e la aggiunge al post (multipart/form-data), con i
    controlli dell'editor: JPEG, PNG, GIF o WebP ricodificata senza dati della fotocamera,
    testo alternativo obbligatorio; un post approvato non cambia i suoi file."""
    token = require(request, Scope.WRITE_POSTS, "plan")
    post = _post_or_404(post_id)
    if not can_manage_post(token.user, post):
        raise forbidden(_("Solo l'autore o un approvatore può modificare questo post."))
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise invalid({"alt_text": [_("Il testo alternativo è obbligatorio.")]})
    if len(alt_text) > 500 or len(credits) > 200:
        raise invalid({"alt_text": [_("Al massimo 500 caratteri (crediti: 200).")]})
    if not (file.content_type or "").startswith("image/"):
        raise invalid({"file": [_("Solo immagini JPEG, PNG, GIF o WebP.")]})
    current = list(
        PostAsset.objects.filter(post=post)
        .order_by("position", "id")
        .values_list("asset_id", flat=True)
    )
    with writing(token):
        try:
            added = add_asset(upload=file, by=token.user, alt_text=alt_text, credits=credits)
            if not added.asset.is_image:
                raise AssetRefused(_("Solo immagini JPEG, PNG, GIF o WebP."))
            set_post_assets(post=post, asset_ids=[*current, added.asset.pk], by=token.user)
        except AssetRefused as exc:
            raise invalid({"file": [str(exc)]}) from None
    return Status(
        201,
        {
            "asset_id": added.asset.pk,
            "alt_text": added.asset.alt_text,
            "duplicate": added.duplicate,
            "post": serializers.post(_post_or_404(post.pk)),
        },
    )


# --- reference data -------------------------------------------------------------------------


@api.get(
    "/categories", response={200: list[CategoryOut], **ERRORS}, auth=token_auth, tags=["piano"]
)
@decorate_view(conditional_page)
def list_categories(request):
    require(request, Scope.READ, "plan")
    return [serializers.category(c) for c in ContentCategory.objects.all()]


@api.get("/slots", response={200: list[SlotOut], **ERRORS}, auth=token_auth, tags=["piano"])
@decorate_view(conditional_page)
def list_slots(request):
    """Le rubriche: appuntamenti fissi con la loro ricorrenza (RRULE, ora italiana)."""
    require(request, Scope.READ, "plan")
    return [serializers.slot(s) for s in slots_for_list()]


class RangeFilters(Schema):
    start: datetime | None = None
    end: datetime | None = None


@api.get(
    "/slots/occurrences",
    response={200: list[OccurrenceOut], **ERRORS},
    auth=token_auth,
    tags=["piano"],
)
@decorate_view(conditional_page)
def list_occurrences(request, filters: Query[RangeFilters]):
    """Le uscite delle rubriche attive in un intervallo: riempite, saltate o da riempire."""
    require(request, Scope.READ, "plan")
    start, end = _range(filters.start, filters.end, default_days=14)
    return [serializers.occurrence(o) for o in occurrences_between(start=start, end=end)]


@api.get("/crisis", response={200: CrisisOut, **ERRORS}, auth=token_auth, tags=["crisi"])
@decorate_view(conditional_page)
def crisis_state(request):
    """La crisi in corso (le pubblicazioni nel suo ambito sono sospese), o nessuna."""
    require(request, Scope.READ, "plan")
    return serializers.crisis(open_crisis())


@api.get("/blackouts", response={200: list[BlackoutOut], **ERRORS}, auth=token_auth, tags=["crisi"])
@decorate_view(conditional_page)
def list_blackouts(request, filters: Query[RangeFilters]):
    """Periodi di silenzio (elettorale, lutto cittadino) che toccano l'intervallo."""
    require(request, Scope.READ, "plan")
    start, end = _range(filters.start, filters.end, default_days=92)
    return [serializers.blackout(b) for b in blackouts_between(start, end)]


# --- events ---------------------------------------------------------------------------------


class EventPage(BaseModel):
    meta: PageMeta
    results: list[EventOut]


class EventFilters(Schema):
    start: datetime | None = None
    end: datetime | None = None
    category: str | None = SLUG
    status: EventStatus | None = None
    include_unpublished: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _staff_reader(request) -> bool:
    """A token that reads the plan sees unpublished events too; anyone else, a token without
    that scope or role included, sees what the public pages show."""
    token = token_of(request)
    return token is not None and Scope.READ in token.scopes and can(token.user, "plan")


@api.get("/events", response={200: EventPage, **ERRORS}, auth=public_auth, tags=["eventi"])
@decorate_view(conditional_page)
def list_events(request, filters: Query[EventFilters]):
    """Gli eventi che toccano l'intervallo (di norma dai prossimi 31 giorni). Senza token: solo
    quelli pubblicati, come i feed iCal."""
    staff = _staff_reader(request)
    start, end = _range(filters.start, filters.end)
    # Overlapping the range: a single event by its own span, a weekly series until its end.
    events = Event.objects.select_related("category").filter(
        Q(ends_at__gt=start)
        | Q(rrule__gt="", repeat_until__isnull=True)
        | Q(rrule__gt="", repeat_until__gte=timezone.localtime(start).date()),
        starts_at__lt=end,
    )
    if not (staff and filters.include_unpublished):
        events = events.filter(published=True)
    if filters.category:
        events = events.filter(category__slug=filters.category)
    if filters.status:
        events = events.filter(status=filters.status)
    items, meta = paginate(
        events.order_by("starts_at", "id"), page=filters.page, page_size=filters.page_size
    )
    return {"meta": meta, "results": [serializers.event(e) for e in items]}


@api.get(
    "/events/{int:event_id}", response={200: EventOut, **ERRORS}, auth=public_auth, tags=["eventi"]
)
@decorate_view(conditional_page)
def get_event(request, event_id: int):
    staff = _staff_reader(request)
    events = Event.objects.select_related("category")
    if not staff:
        events = events.filter(published=True)
    event = events.filter(pk=event_id).first()
    if event is None:
        raise not_found()
    return serializers.event(event)


@api.post("/events", response={201: EventOut, **ERRORS}, auth=token_auth, tags=["eventi"])
def create_event_route(request, payload: EventIn):
    """Un nuovo evento, con gli stessi controlli della pagina di gestione degli eventi."""
    token = require(request, Scope.WRITE_EVENTS, "plan")
    form = writes.event_form(payload.dict())
    with writing(token):
        event = writes.save_event(form, by=token.user)
    return Status(201, serializers.event(event))


@api.patch(
    "/events/{int:event_id}", response={200: EventOut, **ERRORS}, auth=token_auth, tags=["eventi"]
)
def update_event_route(request, event_id: int, payload: EventPatch):
    token = require(request, Scope.WRITE_EVENTS, "plan")
    event = Event.objects.select_related("category").filter(pk=event_id).first()
    if event is None:
        raise not_found()
    form = writes.event_form(payload.dict(exclude_unset=True), event=event)
    with writing(token):
        event = writes.save_event(form, by=token.user, event=event)
    return serializers.event(event)
