"""A lively inbox for the demo: questions on TARI, a road complaint, an insult to hide, a
private message for the Anagrafe office, some overdue, some answered in past weeks (for the
response-time report). Idempotent: messages are stored once by their network ids."""

from datetime import timedelta

from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind as K

from . import services, transitions
from .collectors.base import Incoming
from .enums import ConversationKind as C
from .enums import ConversationStatus, Direction
from .models import (
    CannedAnswer,
    Conversation,
    Handover,
    Message,
    ResponseTarget,
    ResponseTime,
)
from .targets import office_calendar

# (channel kind, kind, network id, thread, parent, author, handle, text, hours ago)
WAITING = [
    (
        K.FACEBOOK,
        C.COMMENT,
        "demo-fb-1",
        "demo-fb-1",
        "",
        "Lucia Ferri",
        "",
        "Quando scade la seconda rata della TARI? Non mi è arrivato l'avviso.",
        24 * 7,
    ),
    (
        K.FACEBOOK,
        C.COMMENT,
        "demo-fb-2",
        "demo-fb-1",
        "demo-fb-1",
        "Giorgio Sala",
        "",
        "Anche a me non è arrivato niente, è normale?",
        24 * 7 - 2,
    ),
    (
        K.FACEBOOK,
        C.COMMENT,
        "demo-fb-3",
        "demo-fb-3",
        "",
        "Carla Neri",
        "",
        "La TARI si può pagare con pagoPA anche dall'app IO?",
        20,
    ),
    (
        K.FACEBOOK,
        C.COMMENT,
        "demo-fb-4",
        "demo-fb-4",
        "",
        "Paolo Greco",
        "",
        "Come viene calcolata la TARI per chi vive da solo in un bilocale?",
        6,
    ),
    (
        K.FACEBOOK,
        C.COMMENT,
        "demo-fb-5",
        "demo-fb-5",
        "",
        "Utente Anonimo",
        "",
        "Siete solo dei ladri e degli incapaci, vergognatevi tutti.",
        3,
    ),
    (
        K.FACEBOOK,
        C.PRIVATE,
        "demo-fb-dm-1",
        "dm:demo-1",
        "",
        "Roberta Conti",
        "",
        "Buongiorno, devo rinnovare la carta d'identità di mio figlio ma non trovo appuntamenti: "
        "parte per l'Erasmus tra dieci giorni. Come posso fare?",
        24 * 4,
    ),
    (
        K.INSTAGRAM,
        C.COMMENT,
        "demo-ig-1",
        "demo-ig-1",
        "",
        "",
        "@marta.viaggia",
        "Che bella foto del lungolago al tramonto!",
        10,
    ),
    (
        K.INSTAGRAM,
        C.PRIVATE,
        "demo-ig-dm-1",
        "dm:demo-2",
        "",
        "",
        "@francesco_b",
        "Salve, l'ufficio anagrafe è aperto anche il sabato mattina?",
        26,
    ),
    (
        K.INSTAGRAM,
        C.MENTION,
        "demo-ig-2",
        "demo-ig-2",
        "",
        "",
        "@sara.m",
        "Buca enorme in via Garibaldi angolo via Mazzini, qualcuno si farà male.",
        4,
    ),
    (
        K.X,
        C.MENTION,
        "demo-x-1",
        "demo-x-1",
        "",
        "Andrea Fontana",
        "@andreaf",
        "@ComuneEsempio in via Roma c'è una buca profonda davanti al civico 12, segnalata da "
        "settimane. Quando intervenite?",
        24 * 8,
    ),
    (
        K.X,
        C.COMMENT,
        "demo-x-2",
        "demo-x-2",
        "",
        "Elena Riva",
        "@elenariva",
        "@ComuneEsempio la ZTL è attiva anche la domenica pomeriggio?",
        2,
    ),
    (
        K.X,
        C.MENTION,
        "demo-x-3",
        "demo-x-3",
        "",
        "Marco Villa",
        "@mvilla",
        "@ComuneEsempio grazie per l'aggiornamento sul cantiere di piazza Dante!",
        1,
    ),
    (
        K.TELEGRAM,
        C.PRIVATE,
        "demo-tg-1",
        "chat:demo-1",
        "",
        "Sergio Marchi",
        "",
        "Buongiorno, come chiedo il rimborso della TARI per un immobile venduto a giugno?",
        24 * 5,
    ),
    (
        K.TELEGRAM,
        C.COMMENT,
        "demo-tg-2",
        "demo-tg-2",
        "",
        "Ilaria",
        "",
        "Il mercato di sabato si fa anche se piove?",
        5,
    ),
    (
        K.TELEGRAM,
        C.PRIVATE,
        "demo-tg-3",
        "chat:demo-2",
        "",
        "Davide Rota",
        "",
        "Si può avere il certificato di residenza online o devo venire allo sportello?",
        8,
    ),
    (
        K.MASTODON,
        C.MENTION,
        "demo-md-1",
        "demo-md-1",
        "",
        "Biblioteca Amici",
        "@amici@social.it",
        "@comune quando riapre la biblioteca civica dopo i lavori?",
        28,
    ),
    (
        K.MASTODON,
        C.PRIVATE,
        "demo-md-2",
        "dm:demo-3",
        "",
        "Luca Bassi",
        "@lbassi@mastodon.uno",
        "Ciao, c'è una riduzione TARI per chi fa il compostaggio domestico?",
        7,
    ),
    (
        K.MASTODON,
        C.COMMENT,
        "demo-md-3",
        "demo-md-3",
        "",
        "Giovanna",
        "@giovanna@social.it",
        "Ottima iniziativa la raccolta dei RAEE in piazza sabato!",
        12,
    ),
]

# Answered in past weeks: (kind, channel kind, question, answer, hours ago, working hours taken)
ANSWERED = [
    (
        C.COMMENT,
        K.FACEBOOK,
        "Fino a quando si presenta la dichiarazione TARI?",
        "Buongiorno, entro il 30 giugno dell'anno dopo l'inizio del possesso.",
        24 * 35,
        3,
    ),
    (
        C.PRIVATE,
        K.FACEBOOK,
        "Posso pagare la TARI a rate?",
        "Sì, in tre rate: maggio, settembre e dicembre.",
        24 * 28,
        5,
    ),
    (
        C.COMMENT,
        K.X,
        "Quando riaprono via Manzoni?",
        "I lavori finiscono venerdì 14: la strada riapre alle 18.",
        24 * 27,
        30,
    ),
    (
        C.MENTION,
        K.INSTAGRAM,
        "Orari dell'ecocentro in inverno?",
        "Dal martedì al sabato, 8-12 e 14-17.",
        24 * 21,
        2,
    ),
    (
        C.PRIVATE,
        K.TELEGRAM,
        "Come prenoto la sala civica?",
        "Con il modulo sul sito, sezione Servizi: le rispondiamo entro 3 giorni.",
        24 * 20,
        7,
    ),
    (
        C.COMMENT,
        K.MASTODON,
        "Il bus 5 passa ancora da via Verdi?",
        "Da lunedì la fermata è spostata in via Rossini.",
        24 * 14,
        26,
    ),
    (
        C.PRIVATE,
        K.INSTAGRAM,
        "Servono documenti per l'iscrizione alla mensa?",
        "Solo l'ISEE, se chiedete la riduzione.",
        24 * 13,
        4,
    ),
    (
        C.COMMENT,
        K.FACEBOOK,
        "Quando si paga l'IMU?",
        "Acconto il 16 giugno, saldo il 16 dicembre.",
        24 * 7,
        1,
    ),
    (
        C.MENTION,
        K.X,
        "Raccolta ingombranti a domicilio?",
        "Sì, gratuita: si prenota al numero verde.",
        24 * 6,
        12,
    ),
    (
        C.PRIVATE,
        K.FACEBOOK,
        "Come cambio la residenza?",
        "Online con ANPR, oppure allo sportello su appuntamento.",
        24 * 5,
        9,
    ),
]

# Newsletter replies (by email, with a subject) and LinkedIn comments:
# (channel kind, network id, thread, author, address or member, subject, text, hours ago)
MORE_WAITING = [
    (
        K.NEWSLETTER,
        "demo-mail-1@example.org",
        "mail:paola.greco@example.org",
        "Paola Greco",
        "paola.greco@example.org",
        "Re: Newsletter settimanale",
        "Buongiorno, nella newsletter si parla del nuovo centro di raccolta: è aperto anche la "
        "domenica mattina?",
        5,
    ),
    (
        K.LINKEDIN,
        "urn:li:comment:(urn:li:share:7000000000000000001,7000000000000000101)",
        "urn:li:comment:(urn:li:share:7000000000000000001,7000000000000000101)",
        "",
        "urn:li:person:demoA1",
        "",
        "Ci sono posti per tirocini in Comune quest'anno? Come ci si candida?",
        30,
    ),
]

CANNED = [
    (
        "Scadenze TARI",
        "TARI",
        None,
        "Buongiorno {nome}, le rate della TARI scadono il 16 maggio, il 16 settembre e il 16 "
        "dicembre. Trova l'avviso e il modello F24 su {link}.",
    ),
    (
        "Orari degli uffici",
        "Uffici",
        None,
        "Buongiorno {nome}, gli uffici comunali ricevono {orari}. Per l'anagrafe serve "
        "l'appuntamento: {link}",
    ),
    (
        "Segnalazione strade",
        "Strade",
        None,
        "Grazie della segnalazione, {nome}: l'abbiamo girata all'ufficio Lavori pubblici, che "
        "interviene nei prossimi giorni.",
    ),
    (
        "Crisi: aggiornamenti",
        "Crisi",
        None,
        "Seguiamo la situazione minuto per minuto: gli aggiornamenti ufficiali sono su {link}. "
        "Per emergenze chiami il 112.",
    ),
]


def load(ctx: dict) -> None:
    channels = ctx.get("channels") or {}
    users = ctx.get("users") or {}
    editor = users.get(Role.EDITOR)
    for title, topic, channel, text in CANNED:
        CannedAnswer.objects.get_or_create(
            title=title,
            defaults={
                "topic": topic,
                "channel": channel,
                "text": text,
                "for_crisis": topic == "Crisi",
            },
        )
    for kind, hours in ((C.PRIVATE, 8), (C.COMMENT, 24), (C.MENTION, 24)):
        ResponseTarget.objects.get_or_create(channel=None, kind=kind, defaults={"hours": hours})
    now = timezone.now()
    for kind_of_channel, kind, network_id, thread, parent, name, handle, text, hours in WAITING:
        channel = channels.get(kind_of_channel)
        if channel is None:
            continue
        services.ingest(
            channel=channel,
            items=[
                Incoming(
                    network_id=network_id,
                    kind=kind,
                    thread_key=thread,
                    text=text,
                    received_at=now - timedelta(hours=hours),
                    author_id=f"{network_id}-author",
                    author_name=name,
                    author_handle=handle,
                    parent_id=parent,
                )
            ],
        )
    for kind_of_channel, network_id, thread, name, who, subject, text, hours in MORE_WAITING:
        channel = channels.get(kind_of_channel)
        if channel is None:
            continue
        services.ingest(
            channel=channel,
            items=[
                Incoming(
                    network_id=network_id,
                    kind=C.PRIVATE if kind_of_channel == K.NEWSLETTER else C.COMMENT,
                    thread_key=thread,
                    text=text,
                    subject=subject,
                    received_at=now - timedelta(hours=hours),
                    author_id=who,
                    author_name=name,
                    author_handle=who if "@" in who else "",
                )
            ],
        )
    _assign_and_hand_over(editor)
    _answered(channels, editor, now)


def _assign_and_hand_over(editor) -> None:
    road = Conversation.objects.filter(messages__network_id="demo-x-1").first()
    if road is not None and editor is not None and road.status == ConversationStatus.NEW:
        transitions.move(road, ConversationStatus.ASSIGNED, by=editor, assignee=editor)
    anagrafe = Conversation.objects.filter(messages__network_id="demo-fb-dm-1").first()
    if anagrafe is not None and not Handover.objects.filter(conversation=anagrafe).exists():
        services.hand_over(
            conversation=anagrafe,
            office="Anagrafe",
            email="anagrafe@comune.esempio.it",
            note="Urgente: il ragazzo parte tra dieci giorni.",
            by=editor,
        )


def _answered(channels, editor, now) -> None:
    calendar = office_calendar()
    for n, (kind, channel_kind, question, answer, hours_ago, took) in enumerate(ANSWERED):
        channel = channels.get(channel_kind)
        network_id = f"demo-answered-{n}"
        if (
            channel is None
            or Message.objects.filter(channel=channel, network_id=network_id).exists()
        ):
            continue
        asked = now - timedelta(hours=hours_ago)
        services.ingest(
            channel=channel,
            items=[
                Incoming(
                    network_id=network_id,
                    kind=kind,
                    thread_key=network_id,
                    text=question,
                    received_at=asked,
                    author_id=f"{network_id}-author",
                    author_name="Cittadino di Esempio",
                )
            ],
        )
        conversation = Conversation.objects.get(channel=channel, messages__network_id=network_id)
        answered_at = calendar.add_working_seconds(asked, took * 3600)
        Message.objects.create(
            conversation=conversation,
            channel=channel,
            network_id=f"{network_id}-reply",
            direction=Direction.OUT,
            text=answer,
            received_at=answered_at,
            sent_by=editor,
        )
        hours = 8 if kind == C.PRIVATE else 24
        ResponseTime.objects.create(
            channel=channel,
            kind=kind,
            conversation=conversation,
            waited_from=asked,
            answered_at=answered_at,
            working_seconds=calendar.working_seconds(asked, answered_at),
            target_seconds=hours * 3600,
        )
        transitions.move(
            conversation,
            ConversationStatus.ANSWERED,
            by=editor,
            waiting_since=None,
            due_at=None,
            unread=False,
        )
