"""What the API reads and writes, as typed schemas (they make the OpenAPI document).

Answers are plain pydantic models built from dicts (``serializers.py``): django-ninja's
``Schema`` would wrap every nested object to read Django models, which costs a third of a
list's time for nothing here."""

from datetime import date, datetime

from django.conf import settings
from ninja import Field, Schema
from pydantic import BaseModel

# --- Reads ----------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class CategoryOut(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    colour: str
    target_share: int
    active: bool


class CategoryRef(BaseModel):
    id: int
    slug: str
    name: str


class ChannelRef(BaseModel):
    id: int
    name: str
    kind: str


class DeliveryOut(BaseModel):
    state: str
    due_at: datetime
    sent_at: datetime | None
    attempts: int
    public_url: str = Field(description="Indirizzo pubblico del contenuto pubblicato, se noto")


class VariantOut(BaseModel):
    id: int
    channel: ChannelRef
    text: str
    delivery: DeliveryOut | None


class PostOut(BaseModel):
    id: int
    title: str
    status: str
    status_label: str
    version: int
    category: CategoryRef
    planned_at: datetime
    base_text: str
    link: str
    event_id: int | None
    notes: str
    author: str
    is_crisis_communication: bool
    is_indispensable: bool
    indispensable_reason: str
    variants: list[VariantOut]
    created_at: datetime
    updated_at: datetime
    url: str = Field(description="La pagina del post nell'applicazione")


class SlotOut(BaseModel):
    id: int
    name: str
    rrule: str
    time: str
    category: CategoryRef
    channels: list[ChannelRef]
    brief: str
    start_date: date
    end_date: date | None
    active: bool


class OccurrenceOut(BaseModel):
    slot_id: int
    slot_name: str
    at: datetime
    state: str = Field(description="filled, skipped oppure open")
    post_id: int | None
    skip_reason: str


class EventCategoryRef(BaseModel):
    id: int
    slug: str
    name: str


class EventOut(BaseModel):
    id: int
    uid: str
    title: str
    description: str
    all_day: bool
    starts_at: datetime
    ends_at: datetime
    location_name: str
    address: str
    category: EventCategoryRef
    organiser: str
    link: str
    status: str
    published: bool
    rrule: str
    repeat_until: date | None
    sequence: int
    updated_at: datetime
    url: str = Field(description="La pagina pubblica dell'evento (se pubblicato)")


class CrisisOut(BaseModel):
    active: bool
    reason: str
    all_channels: bool
    channels: list[ChannelRef]
    declared_at: datetime | None


class BlackoutOut(BaseModel):
    id: int
    kind: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    all_channels: bool
    channels: list[ChannelRef]
    allowed_categories: list[CategoryRef]


# --- Writes ---------------------------------------------------------------------------------


class NewsIn(Schema):
    """The website *Notizia* of a variant (Designers Italia "sito comunale")."""

    summary: str = Field(default="", description="descrizione breve, fino a 255 caratteri")
    topics: list[str] = Field(default_factory=list, description="argomenti")
    type: str = Field(default="", description="comunicato_stampa, avviso o notizia")
    office: str = Field(default="", description="a cura di: l'ufficio responsabile")


class PostIn(Schema):
    title: str
    category: int = Field(description="id della categoria di contenuto")
    planned_at: datetime = Field(description="ISO 8601 con fuso, es. 2026-03-02T10:00:00+01:00")
    channels: list[int] = Field(description="id dei canali: una variante per canale")
    base_text: str = ""
    variant_texts: dict[int, str] = Field(
        default_factory=dict, description="testo per canale (id → testo); vuoto: il testo base"
    )
    public_titles: dict[int, str] = Field(
        default_factory=dict,
        description="titolo pubblico per canale (id → titolo): sito, newsletter, LinkedIn con link",
    )
    news: dict[int, NewsIn] = Field(
        default_factory=dict,
        description="la notizia del sito per canale (id → campi): obbligatoria per il sito",
    )
    link: str = ""
    event: int | None = None
    notes: str = ""
    is_crisis_communication: bool = False
    is_indispensable: bool = False
    indispensable_reason: str = ""


class PostPatch(Schema):
    version: int = Field(description="la versione letta: se nel frattempo è cambiata, 409")
    title: str | None = None
    category: int | None = None
    planned_at: datetime | None = None
    channels: list[int] | None = None
    base_text: str | None = None
    variant_texts: dict[int, str] | None = None
    public_titles: dict[int, str] | None = None
    news: dict[int, NewsIn] | None = None
    link: str | None = None
    event: int | None = None
    notes: str | None = None
    is_crisis_communication: bool | None = None
    is_indispensable: bool | None = None
    indispensable_reason: str | None = None
    keeps_slot: bool | None = Field(
        default=None,
        description="per un post di rubrica spostato lontano dalla sua uscita: la riempie ancora?",
    )


class EventIn(Schema):
    title: str
    category: int = Field(description="id della categoria di eventi")
    description: str = ""
    all_day: bool = False
    starts_at: datetime | None = Field(default=None, description="inizio (eventi con orario)")
    ends_at: datetime | None = Field(default=None, description="fine (eventi con orario)")
    start_date: date | None = Field(default=None, description="primo giorno (tutto il giorno)")
    end_date: date | None = Field(default=None, description="ultimo giorno (tutto il giorno)")
    repeat_weekly: bool = False
    repeat_until: date | None = None
    location_name: str = ""
    address: str = ""
    organiser: str = ""
    link: str = ""
    published: bool = False


class EventPatch(Schema):
    title: str | None = None
    category: int | None = None
    description: str | None = None
    all_day: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    repeat_weekly: bool | None = None
    repeat_until: date | None = None
    location_name: str | None = None
    address: str | None = None
    organiser: str | None = None
    link: str | None = None
    published: bool | None = None


class ProblemOut(BaseModel):
    type: str
    title: str
    status: int
    detail: str = ""
    errors: dict[str, list[str]] = Field(default_factory=dict)
