"""Demo posts of the Comune di Esempio: three weeks of plan, in the three categories.

Idempotent: a post whose title exists is left alone. Some posts are sent to review through the
state machine, the others stay drafts.
"""

import io
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind as K
from apps.channels.models import Channel

from .enums import NewsType, PostStatus
from .models import Campaign, ContentCategory, Post
from .news import NewsFields
from .services import create_post, tags_named
from .transitions import transition

LINK = "https://www.comune.esempio.it"

# (days from today, time, title, category slug, review?, base text, {kind: variant text})
DEMO_POSTS = [
    (
        1,
        time(9, 0),
        "Anagrafe: apertura straordinaria del sabato",
        "informativo",
        True,
        "Sabato l'ufficio anagrafe è aperto dalle 9 alle 12 per il rinnovo della carta "
        "d'identità. Prenota sul sito del Comune.",
        {
            K.FACEBOOK: "Ti scade la carta d'identità? 🪪 Sabato mattina l'anagrafe ti aspetta "
            "dalle 9 alle 12. Prenota il tuo appuntamento sul sito: ci vogliono due minuti!",
            K.X: f"Sabato anagrafe aperta 9-12 per le carte d'identità. Prenota: {LINK}/anagrafe",
            K.TELEGRAM: "Anagrafe aperta sabato dalle 9 alle 12, solo su appuntamento. "
            f"Prenota qui: {LINK}/anagrafe",
        },
    ),
    (
        2,
        time(10, 0),
        "Come si calcola la TARI",
        "come-fare",
        True,
        "La TARI dipende dai metri quadri della casa e da quante persone ci vivono. "
        "Sul sito trovi il simulatore per calcolare la tua rata.",
        {
            K.FACEBOOK: "Ti sei mai chiesto come si calcola la TARI? 🤔 Conta quanto è grande "
            "la casa e quante persone ci vivono. Con il nostro simulatore scopri la tua rata!",
            K.INSTAGRAM: "Metri quadri + persone in casa = la tua TARI. Prova il simulatore "
            "sul sito del Comune (link in bio). #TARI #ComuneInforma",
            K.LINKEDIN: "TARI 2026: la tariffa è composta da una quota fissa, legata alla "
            "superficie dell'immobile, e da una quota variabile, legata al numero degli "
            f"occupanti. Il simulatore è disponibile su {LINK}/tari",
        },
    ),
    (
        3,
        time(12, 0),
        "Lavori in via Roma: senso unico alternato",
        "informativo",
        False,
        "Da lunedì a venerdì, dalle 8 alle 17, in via Roma c'è il senso unico alternato per "
        "lavori alla rete idrica.",
        {
            K.X: "Via Roma: senso unico alternato lun-ven 8-17 per lavori alla rete idrica. "
            f"Percorsi alternativi: {LINK}/viabilita",
            K.TELEGRAM: "🚧 Via Roma, lavori alla rete idrica: senso unico alternato da lunedì "
            f"a venerdì, 8-17. Dettagli: {LINK}/viabilita",
            K.WEBSITE: "Da lunedì a venerdì, dalle 8 alle 17, via Roma è a senso unico "
            "alternato per lavori alla rete idrica. Consigliamo di usare via Garibaldi.",
        },
    ),
    (
        4,
        time(17, 30),
        "Mercatino dei prodotti locali in piazza",
        "territorio",
        False,
        "Domenica in piazza del Municipio torna il mercatino dei produttori locali, dalle 9 "
        "alle 19.",
        {
            K.FACEBOOK: "Domenica si fa festa in piazza! 🧀🍯 Tornano i produttori del nostro "
            "territorio: formaggi, miele, ortaggi di stagione. Ti aspettiamo dalle 9 alle 19!",
            K.INSTAGRAM: "Formaggi, miele e verdure di stagione: domenica in piazza del "
            "Municipio torna il mercatino. #ProdottiLocali #VivereEsempio",
        },
    ),
    (
        5,
        time(9, 30),
        "Raccolta differenziata: dove va il vetro",
        "come-fare",
        False,
        "Il vetro va nel contenitore verde, senza tappi e senza sacchetti. Ceramica e "
        "specchi vanno all'isola ecologica.",
        {
            K.FACEBOOK: "Bottiglie e vasetti? Nel contenitore verde ♻️ Togli prima i tappi e "
            "non usare sacchetti. Specchi e ceramica invece vanno all'isola ecologica.",
            K.TELEGRAM: "Vetro: contenitore verde, senza tappi né sacchetti. Ceramica e specchi: "
            f"isola ecologica. Guida completa: {LINK}/rifiuti",
            K.MASTODON: "Il vetro va nel contenitore verde, senza tappi né sacchetti. Ceramica e "
            f"specchi all'isola ecologica. {LINK}/rifiuti #RaccoltaDifferenziata",
        },
    ),
    (
        7,
        time(11, 0),
        "Bando contributi per le associazioni sportive",
        "informativo",
        True,
        "Fino al 15 del mese prossimo le associazioni sportive possono chiedere un contributo "
        "per le attività dei giovani.",
        {
            K.LINKEDIN: "È aperto il bando per i contributi alle associazioni sportive "
            "dilettantistiche del territorio, destinati alle attività giovanili. Le domande "
            f"si presentano entro il 15 del mese prossimo. Avviso e moduli: {LINK}/bandi",
            K.FACEBOOK: "Sei in un'associazione sportiva? 🏃 Fino al 15 del mese prossimo puoi "
            "chiedere un contributo per le attività dei ragazzi. Trovi tutto sul sito.",
            K.NEWSLETTER: "Bando per le associazioni sportive: contributi per le attività "
            f"dei giovani. Domande entro il 15 del mese prossimo. Avviso e moduli: {LINK}/bandi",
        },
    ),
    (
        8,
        time(18, 0),
        "Il tramonto dal belvedere",
        "territorio",
        False,
        "Una passeggiata al belvedere al tramonto: il sentiero parte dalla chiesa e si fa in "
        "venti minuti.",
        {
            K.INSTAGRAM: "Venti minuti a piedi dalla chiesa e il paese è tutto lì, sotto di te. "
            "Il tramonto dal belvedere 🌅 #VivereEsempio #Tramonto",
            K.FACEBOOK: "Hai mai visto il tramonto dal belvedere? 🌅 Il sentiero parte dalla "
            "chiesa e in venti minuti sei in cima. Mandaci le tue foto!",
        },
    ),
    (
        9,
        time(9, 0),
        "Iscrizioni al servizio mensa scolastica",
        "informativo",
        False,
        "Le iscrizioni alla mensa scolastica si fanno online fino alla fine del mese, con "
        "SPID o CIE.",
        {
            K.WEBSITE: "Le iscrizioni al servizio di mensa scolastica sono aperte fino alla fine "
            "del mese. La domanda si presenta online, con SPID o CIE.",
            K.TELEGRAM: f"Mensa scolastica: iscrizioni online con SPID o CIE entro fine mese. "
            f"{LINK}/scuola",
            K.NEWSLETTER: "Mensa scolastica: iscrizioni online entro la fine del mese, con SPID "
            f"o CIE. Tutte le informazioni su {LINK}/scuola",
        },
    ),
    (
        10,
        time(10, 30),
        "Come prenotare un appuntamento allo sportello",
        "come-fare",
        True,
        "Per prenotare un appuntamento allo sportello entri nel sito, scegli il servizio, il "
        "giorno e l'ora. Ricevi una mail di conferma.",
        {
            K.FACEBOOK: "Basta code allo sportello! Prenoti in tre passi: scegli il servizio, "
            "il giorno e l'ora. Ti arriva subito una mail di conferma 📧",
            K.X: f"Sportello su appuntamento: servizio, giorno, ora. Prenota su {LINK}/prenota",
            K.MASTODON: "Prenotare allo sportello è semplice: scegli servizio, giorno e ora sul "
            f"sito del Comune e ricevi la conferma via mail. {LINK}/prenota",
        },
    ),
    (
        11,
        time(16, 0),
        "Festa della castagna: il programma",
        "territorio",
        False,
        "Sabato e domenica la festa della castagna in centro: stand, musica e laboratori per "
        "bambini.",
        {
            K.FACEBOOK: "Profumo di caldarroste in centro! 🌰 Sabato e domenica festa della "
            "castagna con stand, musica e laboratori per i più piccoli. Vi aspettiamo!",
            K.INSTAGRAM: "Caldarroste, musica e laboratori: il weekend è della castagna. "
            "#FestaDellaCastagna #VivereEsempio",
            K.TELEGRAM: "Festa della castagna sabato e domenica in centro. "
            f"Programma: {LINK}/eventi",
        },
    ),
    (
        14,
        time(9, 0),
        "Scadenza acconto IMU",
        "informativo",
        False,
        "Il 16 del mese scade l'acconto IMU. Puoi pagare con il modello F24 o con pagoPA.",
        {
            K.X: f"Il 16 scade l'acconto IMU: paga con F24 o pagoPA. Info: {LINK}/imu",
            K.LINKEDIN: "Si ricorda che il 16 del mese scade il termine per il versamento "
            "dell'acconto IMU. Il pagamento si effettua con modello F24 o tramite pagoPA. "
            f"Aliquote e istruzioni: {LINK}/imu",
            K.NEWSLETTER: f"Il 16 scade l'acconto IMU. Si paga con F24 o pagoPA. {LINK}/imu",
        },
    ),
    (
        15,
        time(11, 0),
        "Come si usa il fascicolo del cittadino",
        "come-fare",
        False,
        "Nel fascicolo del cittadino trovi i tuoi certificati, i pagamenti e le pratiche. "
        "Entri con SPID o CIE.",
        {
            K.WEBSITE: "Il fascicolo del cittadino raccoglie in un unico posto certificati, "
            "pagamenti e pratiche. Si accede con SPID o CIE dal sito del Comune.",
            K.FACEBOOK: "Certificati, pagamenti, pratiche: tutto in un posto solo 📂 Entra nel "
            "fascicolo del cittadino con SPID o CIE e tieni tutto sotto controllo.",
        },
    ),
    (
        16,
        time(17, 0),
        "Biblioteca: letture per bambini il mercoledì",
        "territorio",
        False,
        "Ogni mercoledì alle 17 in biblioteca letture ad alta voce per bambini dai 3 ai 6 anni.",
        {
            K.FACEBOOK: "Mercoledì alle 17 c'è una storia che aspetta i vostri bimbi 📚 In "
            "biblioteca letture ad alta voce per bambini dai 3 ai 6 anni. Ingresso libero!",
            K.TELEGRAM: "Letture per bambini (3-6 anni) ogni mercoledì alle 17 in biblioteca. "
            "Ingresso libero.",
        },
    ),
    (
        18,
        time(9, 0),
        "Chiusura uffici per la festa patronale",
        "informativo",
        True,
        "Il giorno della festa patronale gli uffici comunali sono chiusi. Resta attivo il "
        "numero della Polizia locale.",
        {
            K.WEBSITE: "In occasione della festa patronale gli uffici comunali restano chiusi. "
            "Per le urgenze è attivo il numero della Polizia locale.",
            K.X: f"Festa patronale: uffici comunali chiusi. Urgenze: Polizia locale. {LINK}",
            K.TELEGRAM: "Uffici comunali chiusi per la festa patronale. Per le urgenze chiama la "
            f"Polizia locale. {LINK}/contatti",
        },
    ),
    (
        20,
        time(10, 0),
        "Compostaggio domestico: come iniziare",
        "come-fare",
        False,
        "Con la compostiera in giardino riduci i rifiuti e paghi meno TARI. Il Comune la dà "
        "in comodato gratuito.",
        {
            K.FACEBOOK: "Hai un giardino? 🌱 Con la compostiera riduci i rifiuti e risparmi "
            "sulla TARI. Il Comune te la dà in comodato gratuito: chiedila allo sportello!",
            K.MASTODON: "Compostiera in comodato gratuito per chi ha un giardino: meno rifiuti "
            f"e uno sconto sulla TARI. {LINK}/compostaggio #Compostaggio",
        },
    ),
]


# Instagram cannot publish without an image: these posts get one, with its alt text.
IMAGE_ALT = {
    "Come si calcola la TARI": "Schema: metri quadri della casa più numero di persone danno "
    "la rata della TARI.",
    "Mercatino dei prodotti locali in piazza": "Banchi di formaggi e miele sotto i portici della "
    "piazza del Municipio.",
    "Il tramonto dal belvedere": "Il paese visto dal belvedere al tramonto, con le colline sullo "
    "sfondo.",
    "Festa della castagna: il programma": "Caldarroste in un braciere durante la festa in centro.",
}


def _demo_image(colour: str, title: str) -> ContentFile:
    """A plain square in the category colour: a stand-in for the office's photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), colour).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name=f"{slugify(title)[:40]}.png")


def _editor(ctx: dict):
    users = ctx.get("users") or {}
    return users.get(Role.EDITOR) or get_user_model().objects.filter(username="redattore").first()


def load(ctx: dict) -> None:
    author = _editor(ctx)
    if author is None:
        return
    by_kind = dict(ctx.get("channels") or {})
    for channel in Channel.objects.filter(active=True).order_by("pk"):
        by_kind.setdefault(channel.kind, channel)
    categories = {c.slug: c for c in ContentCategory.objects.all()}
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    for days, at, title, slug, to_review, base_text, variants in DEMO_POSTS:
        if Post.objects.filter(title=title).exists() or slug not in categories:
            continue
        channels = [by_kind[kind] for kind in variants if kind in by_kind]
        if not channels:
            continue
        post = create_post(
            author=author,
            title=title,
            category=categories[slug],
            planned_at=datetime.combine(today + timedelta(days=days), at, tzinfo=zone),
            channels=channels,
            base_text=base_text,
            link=LINK,
            variant_texts={by_kind[k].pk: text for k, text in variants.items() if k in by_kind},
            # The demo's titles are written as headlines: where a channel shows one (website
            # news, newsletter subject, LinkedIn link card), the office wrote the same words.
            public_titles={c.pk: title for c in channels if c.has_public_title},
            # The website Notizia: the opening of the text as its short description.
            news={
                c.pk: NewsFields(
                    summary=_demo_summary(base_text),
                    topics=tuple(DEMO_TOPICS.get(slug, ("Vita amministrativa",))),
                    news_type=NewsType.NOTICE,
                    office=DEMO_OFFICE,
                )
                for c in channels
                if c.has_news_fields
            },
            images=[
                {
                    "image": _demo_image(categories[slug].colour, title),
                    "alt_text": IMAGE_ALT[title],
                }
            ]
            if title in IMAGE_ALT
            else None,
        )
        if to_review:
            transition(post, PostStatus.IN_REVIEW, by=author, note="Pronto per la revisione.")
    _load_campaigns_and_tags(author, today)


# The Notizia's topics (argomenti, from the "sito comunale" vocabulary) per category.
DEMO_TOPICS = {
    "informativo": ("Comunicazione istituzionale",),
    "come-fare": ("Servizi", "Anagrafe e stato civile"),
    "territorio": ("Territorio", "Mobilità"),
}
DEMO_OFFICE = "Ufficio comunicazione"


def _demo_summary(text: str) -> str:
    """The first sentence of ``text``, cut to the Notizia's 255 characters."""
    first = text.split(". ", 1)[0].strip()
    return first if len(first) <= 255 else first[:254].rstrip() + "…"


# (name, days from today to its start and end, goal, notes, titles of its demo posts)
DEMO_CAMPAIGNS = [
    (
        "TARI 2027",
        (0, 60),
        "Far pagare la prima rata entro la scadenza, spiegando come si calcola.",
        "Coinvolgere l'ufficio tributi per le domande più frequenti.",
        ["Come si calcola la TARI", "Scadenza acconto IMU"],
    ),
    (
        "Sagra d'autunno",
        (3, 25),
        "Portare in piazza le famiglie del territorio per le feste d'autunno.",
        "Il programma definitivo arriva dalla Pro Loco.",
        ["Mercatino dei prodotti locali in piazza", "Festa della castagna: il programma"],
    ),
]
# {title of a demo post: its tags}
DEMO_TAGS = {
    "Come si calcola la TARI": ["tributi", "scadenze"],
    "Scadenza acconto IMU": ["tributi", "scadenze"],
    "Iscrizioni al servizio mensa scolastica": ["scuola", "scadenze"],
    "Biblioteca: letture per bambini il mercoledì": ["famiglie"],
    "Festa della castagna: il programma": ["famiglie", "eventi"],
    "Mercatino dei prodotti locali in piazza": ["eventi"],
}


def _load_campaigns_and_tags(author, today) -> None:
    """Two campaigns with their posts, and a few tags: idempotent, like the posts."""
    for name, (start, end), goal, notes, titles in DEMO_CAMPAIGNS:
        campaign, _created = Campaign.objects.get_or_create(
            name=name,
            defaults={
                "starts_on": today + timedelta(days=start),
                "ends_on": today + timedelta(days=end),
                "goal": goal,
                "notes": notes,
            },
        )
        Post.objects.filter(title__in=titles, campaign=None).update(campaign=campaign)
    for title, names in DEMO_TAGS.items():
        post = Post.objects.filter(title=title).first()
        if post is not None and not post.tags.exists():
            post.tags.set(tags_named(names, by=author))
