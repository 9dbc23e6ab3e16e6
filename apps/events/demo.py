"""Demo public events of the Comune di Esempio for the next four weeks (idempotent)."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.roles import Role
from apps.media_library.models import Asset, EventAsset
from apps.media_library.services import set_event_asset

from .models import Event, EventCategory
from .services import cancel_event, create_event, postpone_event


def _day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def _at(offset: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(_day(offset), time(hour, minute)))


def _next_weekday(weekday: int) -> int:
    """Days from today to the next given weekday (0 = Monday), at least 1."""
    return (weekday - timezone.localdate().weekday() - 1) % 7 + 1


def _events() -> list[dict]:
    saturday, sunday, friday = _next_weekday(5), _next_weekday(6), _next_weekday(4)
    return [
        {
            "title": "Mercato settimanale del sabato",
            "category": "mercati",
            "starts_at": _at(saturday, 8),
            "ends_at": _at(saturday, 13),
            "rrule": "FREQ=WEEKLY",
            "location_name": "Piazza del Mercato",
            "address": "Piazza del Mercato, 00100 Esempio",
            "organiser": "Ufficio Commercio",
            "description": (
                "Frutta, verdura, formaggi e prodotti del territorio: ogni sabato mattina "
                "più di quaranta banchi. In caso di pioggia il mercato si tiene sotto i portici."
            ),
        },
        {
            "title": "Fiera d'autunno: artigianato e sapori",
            "category": "mercati",
            "all_day": True,
            "starts_at": _at(saturday + 7, 0),
            "ends_at": _at(saturday + 10, 0),  # Saturday to Monday
            "location_name": "Centro storico",
            "address": "Corso Italia e piazze del centro",
            "organiser": "Pro Loco di Esempio",
            "description": (
                "Tre giorni di fiera con oltre cento espositori, laboratori per bambini "
                "e degustazioni. Il centro storico è chiuso al traffico per tutta la durata."
            ),
        },
        {
            "title": "Concerto della Banda musicale cittadina",
            "category": "cultura",
            "starts_at": _at(friday, 21),
            "ends_at": _at(friday, 23),
            "location_name": "Teatro comunale",
            "address": "Via Roma 12",
            "organiser": "Banda musicale cittadina",
            "description": "Ingresso libero fino a esaurimento dei posti.",
        },
        {
            "title": "Mostra fotografica «Esempio, com'era»",
            "category": "cultura",
            "all_day": True,
            "starts_at": _at(3, 0),
            "ends_at": _at(17, 0),
            "location_name": "Sala espositiva del Municipio",
            "address": "Piazza del Municipio 1",
            "description": (
                "Cento fotografie del paese dal 1900 al 1970, prestate dalle famiglie. "
                "Aperta tutti i giorni dalle 10 alle 19."
            ),
        },
        {
            "title": "Presentazione del libro «Storie di quartiere»",
            "category": "cultura",
            "starts_at": _at(9, 18),
            "ends_at": _at(9, 19, 30),
            "location_name": "Biblioteca civica",
            "address": "Via Garibaldi 4",
        },
        {
            "title": "Corsa podistica «Giro delle mura»",
            "category": "sport",
            "starts_at": _at(sunday + 7, 9, 30),
            "ends_at": _at(sunday + 7, 12, 30),
            "location_name": "Partenza da Piazza del Municipio",
            "organiser": "A.S.D. Podisti di Esempio",
            "link": "https://www.comune.esempio.it/sport/giro-delle-mura",
            "description": "Percorso di 10 km; camminata non competitiva di 4 km per famiglie.",
        },
        {
            "title": "Torneo giovanile di pallavolo",
            "category": "sport",
            "starts_at": _at(sunday, 15),
            "ends_at": _at(sunday, 19),
            "location_name": "Palazzetto dello sport",
            "address": "Via dello Sport 2",
            "_cancel": True,
        },
        {
            "title": "Scadenza TARI: seconda rata",
            "category": "scadenze",
            "all_day": True,
            "starts_at": _at(16, 0),
            "ends_at": _at(17, 0),
            "description": (
                "Ultimo giorno per pagare la seconda rata della tassa sui rifiuti con il "
                "modello PagoPA ricevuto a casa. Informazioni all'Ufficio Tributi."
            ),
        },
        {
            "title": "Iscrizioni al servizio mensa: ultimo giorno",
            "category": "scadenze",
            "all_day": True,
            "starts_at": _at(24, 0),
            "ends_at": _at(25, 0),
            "link": "https://www.comune.esempio.it/servizi/mensa",
        },
        {
            "title": "Sportello SPID in biblioteca",
            "category": "servizi",
            "starts_at": _at(_next_weekday(2), 15),
            "ends_at": _at(_next_weekday(2), 18),
            "rrule": "FREQ=WEEKLY",
            "repeat_until": _day(_next_weekday(2) + 21),
            "location_name": "Biblioteca civica",
            "address": "Via Garibaldi 4",
            "description": "Aiuto gratuito per attivare SPID e usare l'app IO. Porta un documento.",
        },
        {
            "title": "Apertura straordinaria dell'isola ecologica",
            "category": "servizi",
            "starts_at": _at(saturday + 14, 14),
            "ends_at": _at(saturday + 14, 18),
            "location_name": "Isola ecologica comunale",
            "address": "Via dell'Industria 8",
        },
        {
            "title": "Cinema per ragazzi all'auditorium",
            "category": "cultura",
            "starts_at": _at(12, 16),
            "ends_at": _at(12, 18),
            "location_name": "Auditorium",
            "_postpone": True,
        },
        {
            "title": "Capodanno in piazza (in preparazione)",
            "category": "cultura",
            "starts_at": _at(27, 22),
            "ends_at": _at(28, 1),
            "published": False,
        },
    ]


def load(ctx: dict) -> None:
    users = ctx.get("users") or {}
    author = users.get(Role.EDITOR) or get_user_model().objects.filter(username="redattore").first()
    categories = {c.slug: c for c in EventCategory.objects.all()}
    events = {}
    for spec in _events():
        spec = dict(spec)
        existing = Event.objects.filter(title=spec["title"]).first()
        if existing is not None:
            events[existing.title] = existing
            continue
        cancel, postpone = spec.pop("_cancel", False), spec.pop("_postpone", False)
        spec["category"] = categories[spec["category"]]
        spec.setdefault("published", True)
        event = create_event(by=author, **spec)
        if cancel:
            cancel_event(event=event, by=author)
        if postpone:
            postpone_event(event=event, by=author)
        events[event.title] = event
    ctx["events"] = events
    # The autumn fair shows a picture of the media library (its alt text on the public page).
    fair = events.get("Fiera d'autunno: artigianato e sapori")
    picture = Asset.objects.filter(caption="Piazza della sagra").first()
    if fair is not None and picture is not None and not EventAsset.objects.filter(event=fair):
        set_event_asset(event=fair, asset_id=picture.pk, by=author)
