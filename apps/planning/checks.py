"""Editor checks on a variant's text against its channel's rules.

Blocking findings (over the channel's hard limit, empty text, image without alt text) forbid
saving and approval; the others are advice shown next to the text while the writer types.
"""

import re
import unicodedata
from dataclasses import dataclass, field

import regex
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.channels.enums import ChannelKind
from apps.channels.kinds import (
    CAPTION_LIMIT,
    COUNTS_GRAPHEMES,
    LINK_APPENDED_WITH,
    LINK_APPENDED_WITH_IMAGES,
    MAX_IMAGES,
    URL_WEIGHT,
    has_news_fields,
    has_public_title,
    news_fields_required,
    public_title_required,
)

from .enums import NewsType
from .models import (
    NEWS_OFFICE_MAX_LENGTH,
    NEWS_SUMMARY_MAX_LENGTH,
    NEWS_TOPIC_MAX_LENGTH,
    NEWS_TOPICS_MAX,
)
from .news import NewsFields

# Plain-language guidance for titles (DOMAIN.md): up to 65 characters.
PUBLIC_TITLE_ADVISED_LENGTH = 65
# The live checks read at most this many characters (the editor's forms refuse longer texts).
MAX_CHECKED_LENGTH = 50_000
# Every pattern below runs in time linear in the text, however hostile: possessive quantifiers
# (``++``, ``*+``) never give back what they matched, and a run is only tried from its first
# character (the look-behinds), so no character is scanned more than a bounded number of times.
# tests/planning/test_checks_linear.py holds them to it.
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']++", re.IGNORECASE)
# A hashtag is a "#" (not inside a word or an HTML entity) and the whole word after it, when
# that word holds at least one letter (#2024 is not a hashtag).
HASHTAG_CANDIDATE_RE = re.compile(r"(?<![\w#&])#(\w++)")
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299]"
)
EMOJI_IN_WORD_RE = re.compile(r"[^\W\d_]" + EMOJI_RE.pattern + r"++[^\W\d_]")
WORD_RE = re.compile(r"[^\W_]++")  # elisions (l'ufficio) are two words
SENTENCE_END_RE = re.compile(r"(?<![.!?…;:])[.!?…;:]++(?=\s|$)|\n(?:[^\S\n]*+\n)++")
LETTER_RE = re.compile(r"[^\W\d_]")
# Three or more words in a row written in capitals (acronyms alone, such as TARI, are fine):
# words are whole runs of word characters; the gaps between them spaces and punctuation.
CAPITALS_WORD_RE = re.compile(r"\b(?<!\w)[^\W\d_a-zà-ÿ]{2,}+(?!\w)")
SHOUTING_GAP_RE = re.compile(r"[\s,.!?-]++")
SHOUTING_WORDS = 3


def hashtags(text: str) -> list[str]:
    """The hashtags of ``text``, without their "#"."""
    return [tag for tag in HASHTAG_CANDIDATE_RE.findall(text) if LETTER_RE.search(tag)]


def _band(score: int) -> str:
    """The usual reading of a Gulpease score (Lucisano & Piemontese)."""
    if score >= 80:
        return _("facile anche per chi ha la licenza elementare")
    if score >= 60:
        return _("difficile per chi ha la licenza elementare, facile dalla licenza media")
    if score >= 40:
        return _("difficile per chi ha la licenza media, adatto a chi ha un diploma superiore")
    return _("molto difficile: quasi incomprensibile anche con un diploma superiore")


@dataclass(frozen=True)
class Finding:
    code: str  # "too_long", "too_many_hashtags", …
    message: str
    blocking: bool = False  # blocking findings forbid saving and approval


@dataclass
class VariantReport:
    """What the editor shows next to a variant: counters, the readability score, findings."""

    length: int
    limit: int
    hashtags: int
    max_hashtags: int | None
    emoji: int
    emoji_allowed: bool | None
    gulpease: int | None
    gulpease_target: int | None
    findings: list[Finding] = field(default_factory=list)
    # The public title's own counters, on channels that have one (None elsewhere).
    title_length: int | None = None
    title_gulpease: int | None = None
    title_advised_length: int = PUBLIC_TITLE_ADVISED_LENGTH
    # The Notizia's short description, on channels that publish one (None elsewhere).
    summary_length: int | None = None
    summary_max_length: int = NEWS_SUMMARY_MAX_LENGTH

    @property
    def remaining(self) -> int:
        return self.limit - self.length

    @property
    def over_limit(self) -> bool:
        return self.length > self.limit

    @property
    def gulpease_band(self) -> str:
        return _band(self.gulpease) if self.gulpease is not None else ""

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)


# One extended grapheme cluster (UAX #29): what a reader sees as one character.
GRAPHEME_RE = regex.compile(r"\X")


def count_graphemes(text: str) -> int:
    """User-perceived characters: an emoji with its skin tone or a flag counts 1 (linear)."""
    return sum(1 for _match in GRAPHEME_RE.finditer(text))


# X's weighted count (twitter-text 3, config v3): code points in these ranges weigh 1 (Latin,
# Greek, Cyrillic, Hebrew, Arabic, Devanagari…, general punctuation), every other one 2 (CJK,
# Hangul…), a whole emoji (with its modifiers and joiners) 2, a link 23; at most 280.
X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# A grapheme that shows as an emoji: a pictograph beyond Latin-1, one with the emoji
# presentation selector, or a flag (regional indicators).
EMOJI_CLUSTER_RE = regex.compile(
    r"[\p{Extended_Pictographic}--[\x00-\xff]]|\uFE0F|\p{Regional_Indicator}", regex.V1
)


def _x_weight(code_point: int) -> int:
    for low, high in X_LIGHT_RANGES:
        if low <= code_point <= high:
            return 1
    return 2


def x_weighted_length(text: str) -> int:
    """The length X counts (twitter-text's ``weightedLength``), in one pass over the text."""
    text = unicodedata.normalize("NFC", text)
    total, at = 0, 0
    for link in URL_RE.finditer(text):
        total += _x_segment(text[at : link.start()]) + URL_WEIGHT[ChannelKind.X]
        at = link.end()
    return total + _x_segment(text[at:])


def _x_segment(text: str) -> int:
    if not text or max(text) < "\u1100":  # all light, and no emoji below U+1100 but ©/®
        return len(text)
    total = 0
    for cluster in GRAPHEME_RE.findall(text):
        if EMOJI_CLUSTER_RE.search(cluster):
            total += 2
        else:
            total += sum(_x_weight(ord(char)) for char in cluster)
    return total


def count_characters(text: str, kind: str = "") -> int:
    """Characters as the channel counts them: X weighs them (:func:`x_weighted_length`),
    Mastodon weighs every link 23, Bluesky counts graphemes."""
    if kind in COUNTS_GRAPHEMES:
        return count_graphemes(text)
    if kind == ChannelKind.X:
        return x_weighted_length(text)
    weight = URL_WEIGHT.get(kind)
    if weight is None:
        return len(text)
    return len(URL_RE.sub("x" * weight, text))


def text_as_sent(text: str, kind: str = "", link: str = "", *, has_images: bool = False) -> str:
    """The variant's text as the channel's adapter will send it (link appended where it is).

    The one rule: the adapters send this, and the editor, the review queue and the previews
    count and show it.
    """
    separators = LINK_APPENDED_WITH_IMAGES if has_images else LINK_APPENDED_WITH
    separator = separators.get(kind)
    if separator is not None and link and link not in text:
        return f"{text}{separator}{link}"
    return text


def limit_for(channel, *, has_images: bool = False) -> int:
    """The channel's limit on what is sent; a caption's when the post has images."""
    caption = CAPTION_LIMIT.get(channel.kind) if has_images else None
    return min(channel.char_limit, caption) if caption else channel.char_limit


def sent_length(text: str, kind: str = "", link: str = "", *, has_images: bool = False) -> int:
    """How many characters the channel counts in what is sent (links weighted on X and
    Mastodon): the number every page shows and the limit is checked against."""
    return count_characters(text_as_sent(text, kind, link, has_images=has_images), kind)


def gulpease(text: str) -> int | None:
    """Gulpease index, 0-100: 89 + (300 × sentences − 10 × letters) / words.

    Links are left out (they are not read); a text without a final full stop still counts as
    one sentence. None when there are no words.
    """
    plain = URL_RE.sub(" ", text).replace("#", " ")
    words = WORD_RE.findall(plain)
    if not words:
        return None
    letters = sum(len(LETTER_RE.findall(word)) for word in words)
    stripped = plain.strip()
    sentences = len(SENTENCE_END_RE.findall(stripped))
    if not stripped.endswith((".", "!", "?", "…", ";", ":")):
        sentences += 1
    score = 89 + (300 * sentences - 10 * letters) / len(words)
    return max(0, min(100, round(score)))


def analyse_public_title(title: str, channel, *, link: str = "") -> list[Finding]:
    """Findings on a variant's public title: missing where the channel needs one, too long,
    hard to read, in capitals."""
    title = (title or "").strip()
    if not title:
        if public_title_required(channel.kind, link=link):
            return [
                Finding(
                    "public_title_missing",
                    _(
                        "Manca il titolo pubblico: su %(channel)s è il titolo che leggono i "
                        "cittadini (il titolo interno non viene pubblicato)."
                    )
                    % {"channel": channel.name},
                    blocking=True,
                )
            ]
        return []
    found = []
    if len(title) > PUBLIC_TITLE_ADVISED_LENGTH:
        found.append(
            Finding(
                "public_title_long",
                _("Titolo pubblico lungo: %(n)s caratteri, meglio al massimo %(max)s.")
                % {"n": len(title), "max": PUBLIC_TITLE_ADVISED_LENGTH},
            )
        )
    if _is_shouting(title):
        found.append(
            Finding(
                "public_title_all_caps",
                _("Titolo pubblico in MAIUSCOLO: usa le maiuscole solo per le sigle."),
            )
        )
    score = gulpease(title)
    target = channel.gulpease_target or 0
    if score is not None and target and score < target:
        found.append(
            Finding(
                "public_title_hard_to_read",
                _(
                    "Leggibilità del titolo pubblico %(score)s (Gulpease), sotto l'obiettivo di "
                    "%(target)s: parole più comuni e più brevi."
                )
                % {"score": score, "target": target},
            )
        )
    return found


def analyse_variant(
    text: str,
    channel,
    *,
    link: str = "",
    public_title: str = "",
    has_images: bool = False,
    news: NewsFields | None = None,
) -> VariantReport:
    report = _analyse_text(text, channel, link=link, has_images=has_images)
    if has_public_title(channel.kind):
        title = (public_title or "").strip()
        report.title_length = len(title)
        report.title_gulpease = gulpease(title) if title else None
        report.findings[:0] = analyse_public_title(title, channel, link=link)
    if has_news_fields(channel.kind):
        news = news or NewsFields()
        report.summary_length = len(news.summary.strip())
        report.findings[:0] = analyse_news(news, channel)
    return report


def analyse_news(news: NewsFields, channel) -> list[Finding]:
    """Findings on a variant's Notizia fields: each missing one blocks where the channel
    publishes a Notizia; lengths and counts are checked wherever the fields exist."""
    if not has_news_fields(channel.kind):
        return []
    required = news_fields_required(channel.kind)
    found = []
    summary = news.summary.strip()
    if not summary and required:
        found.append(
            Finding(
                "news_summary_missing",
                _("Manca la descrizione breve della notizia (fino a %(n)s caratteri).")
                % {"n": NEWS_SUMMARY_MAX_LENGTH},
                blocking=True,
            )
        )
    elif len(summary) > NEWS_SUMMARY_MAX_LENGTH:
        found.append(
            Finding(
                "news_summary_long",
                _("Descrizione breve di %(n)s caratteri: al massimo %(max)s.")
                % {"n": len(summary), "max": NEWS_SUMMARY_MAX_LENGTH},
                blocking=True,
            )
        )
    if not news.topics and required:
        found.append(
            Finding(
                "news_topics_missing",
                _("Indica almeno un argomento della notizia."),
                blocking=True,
            )
        )
    elif len(news.topics) > NEWS_TOPICS_MAX:
        found.append(
            Finding(
                "news_topics_too_many",
                _("Troppi argomenti: al massimo %(n)s.") % {"n": NEWS_TOPICS_MAX},
                blocking=True,
            )
        )
    elif any(len(topic) > NEWS_TOPIC_MAX_LENGTH for topic in news.topics):
        found.append(
            Finding(
                "news_topic_long",
                _("Un argomento supera i %(n)s caratteri.") % {"n": NEWS_TOPIC_MAX_LENGTH},
                blocking=True,
            )
        )
    if news.news_type not in NewsType.values and required:
        found.append(
            Finding(
                "news_type_missing",
                _("Scegli il tipo di notizia: comunicato stampa, avviso o notizia."),
                blocking=True,
            )
        )
    office = news.office.strip()
    if not office and required:
        found.append(
            Finding(
                "news_office_missing",
                _("Indica l'ufficio che cura la notizia («a cura di»)."),
                blocking=True,
            )
        )
    elif len(office) > NEWS_OFFICE_MAX_LENGTH:
        found.append(
            Finding(
                "news_office_long",
                _("«A cura di» troppo lungo: al massimo %(n)s caratteri.")
                % {"n": NEWS_OFFICE_MAX_LENGTH},
                blocking=True,
            )
        )
    return found


def _analyse_text(text: str, channel, *, link: str, has_images: bool) -> VariantReport:
    text = text or ""
    sent = text_as_sent(text, channel.kind, link, has_images=has_images)
    length = count_characters(sent, channel.kind)
    limit = limit_for(channel, has_images=has_images)
    tags = hashtags(text)
    hashtag_count = len(tags)
    emoji = len(EMOJI_RE.findall(text))
    score = gulpease(text)
    report = VariantReport(
        length=length,
        limit=limit,
        hashtags=hashtag_count,
        max_hashtags=channel.max_hashtags,
        emoji=emoji,
        emoji_allowed=channel.emoji_allowed,
        gulpease=score,
        gulpease_target=channel.gulpease_target or None,
    )
    found = report.findings
    if not text.strip():
        found.append(Finding("empty", _("Il testo per questo canale è vuoto."), blocking=True))
        return report
    if length > limit:
        message = _("Testo troppo lungo: %(n)s caratteri su %(limit)s (%(over)s in più).") % {
            "n": length,
            "limit": limit,
            "over": length - limit,
        }
        if limit < channel.char_limit:
            message += " " + _("Con un'immagine il testo diventa una didascalia, più corta.")
        if sent != text:
            message += " " + _("Il conto comprende il link del post, aggiunto in fondo all'invio.")
        found.append(Finding("too_long", message, blocking=True))
    if channel.max_hashtags is not None and hashtag_count > channel.max_hashtags:
        found.append(
            Finding(
                "too_many_hashtags",
                ngettext(
                    "Troppi hashtag: %(n)s, questo canale ne consiglia al massimo %(max)s.",
                    "Troppi hashtag: %(n)s, questo canale ne consiglia al massimo %(max)s.",
                    hashtag_count,
                )
                % {"n": hashtag_count, "max": channel.max_hashtags},
            )
        )
    if emoji and channel.emoji_allowed is False:
        found.append(
            Finding(
                "emoji_not_allowed",
                ngettext(
                    "%(n)s emoji: su questo canale è meglio non usarle.",
                    "%(n)s emoji: su questo canale è meglio non usarle.",
                    emoji,
                )
                % {"n": emoji},
            )
        )
    flat = [tag for tag in tags if len(tag) >= 10 and tag.islower()]
    if flat:
        found.append(
            Finding(
                "hashtag_case",
                _(
                    "Scrivi gli hashtag in CamelCase (es. #RaccoltaDifferenziata): i lettori di "
                    "schermo li leggono parola per parola. Da rivedere: %(tags)s."
                )
                % {"tags": ", ".join(f"#{tag}" for tag in flat)},
            )
        )
    if EMOJI_IN_WORD_RE.search(text):
        found.append(
            Finding(
                "emoji_in_word",
                _("Un'emoji è in mezzo a una parola: i lettori di schermo spezzano la parola."),
            )
        )
    if channel.link_expected and not link and not URL_RE.search(text):
        found.append(
            Finding("link_missing", _("Manca un link: su questo canale è atteso un link."))
        )
    if _is_shouting(text):
        found.append(
            Finding(
                "all_caps",
                _(
                    "Testo in MAIUSCOLO: sui social equivale a urlare ed è più difficile da "
                    "leggere. Usa le maiuscole solo per le sigle."
                ),
            )
        )
    target = channel.gulpease_target or 0
    if score is not None and target and score < target:
        found.append(
            Finding(
                "hard_to_read",
                _(
                    "Leggibilità %(score)s (Gulpease), sotto l'obiettivo di %(target)s: %(band)s. "
                    "Prova frasi più brevi, parole comuni e verbi attivi."
                )
                % {"score": score, "target": target, "band": _band(score)},
            )
        )
    return report


@dataclass
class BaseTextReport:
    """Readability of the base text, before any channel: the plain-language advice."""

    length: int
    gulpease: int | None
    shouting: bool

    @property
    def gulpease_band(self) -> str:
        return _band(self.gulpease) if self.gulpease is not None else ""

    @property
    def too_long_to_check(self) -> bool:
        return self.length > MAX_CHECKED_LENGTH

    @property
    def too_long_to_check_message(self) -> str:
        return _oversized_finding().message if self.too_long_to_check else ""

    @property
    def below_public_notice(self) -> bool:
        """A public notice should score 60 or more (DOMAIN.md)."""
        return self.gulpease is not None and self.gulpease < 60


def analyse_base_text(text: str) -> BaseTextReport:
    text = text or ""
    return BaseTextReport(length=len(text), gulpease=gulpease(text), shouting=_is_shouting(text))


def _is_shouting(text: str) -> bool:
    if _capitals_in_a_row(URL_RE.sub(" ", text)) >= SHOUTING_WORDS:
        return True
    words = [w for w in WORD_RE.findall(text) if LETTER_RE.search(w)]
    if len(words) < 4:
        return False
    upper = [w for w in words if len(w) > 1 and w.isupper()]
    return len(upper) * 2 > len(words)


def _capitals_in_a_row(text: str) -> int:
    """The longest run of words in capitals separated only by spaces and punctuation."""
    longest = streak = 0
    previous_end = None
    for match in CAPITALS_WORD_RE.finditer(text):
        # The gap holds no word when it is only spaces and punctuation.
        if streak and SHOUTING_GAP_RE.fullmatch(text, previous_end, match.start()):
            streak += 1
        else:
            streak = 1
        longest = max(longest, streak)
        previous_end = match.end()
    return longest


def oversized_variant_report(length: int, channel) -> VariantReport:
    """What the live check answers for a text too long to be saved: no analysis, one finding."""
    return VariantReport(
        length=length,
        limit=channel.char_limit,
        hashtags=0,
        max_hashtags=channel.max_hashtags,
        emoji=0,
        emoji_allowed=channel.emoji_allowed,
        gulpease=None,
        gulpease_target=channel.gulpease_target or None,
        findings=[_oversized_finding()],
    )


def _oversized_finding() -> Finding:
    return Finding(
        "too_long_to_check",
        _("Testo oltre i %(max)s caratteri: non si può salvare. Accorcialo.")
        % {"max": f"{MAX_CHECKED_LENGTH:,}".replace(",", ".")},
        blocking=True,
    )


def check_variant(
    text: str,
    channel,
    *,
    link: str = "",
    public_title: str = "",
    has_images: bool = False,
    news: NewsFields | None = None,
) -> list[Finding]:
    return analyse_variant(
        text, channel, link=link, public_title=public_title, has_images=has_images, news=news
    ).findings


# Channels that cannot publish a post without an image (the adapter refuses it).
NEEDS_IMAGE = frozenset({ChannelKind.INSTAGRAM})


def post_level_findings(post, channel, *, library_images: int = 0) -> list[Finding]:
    """Findings that come from the post rather than the text: its images. ``library_images``:
    how many images the post also uses from the media library (counted by the layers above,
    ``media_library.rules.library_image_count``: planning does not know the library)."""
    images = list(post.images.all())
    found = []
    if any(not image.alt_text.strip() for image in images):
        found.append(
            Finding(
                "image_without_alt",
                _("Un'immagine non ha il testo alternativo."),
                blocking=True,
            )
        )
    limit = MAX_IMAGES.get(channel.kind)
    if limit and len(images) + library_images > limit:
        found.append(
            Finding(
                "too_many_images",
                ngettext(
                    "%(channel)s pubblica al massimo %(n)s immagine: le altre non usciranno.",
                    "%(channel)s pubblica al massimo %(n)s immagini: le altre non usciranno.",
                    limit,
                )
                % {"channel": channel.get_kind_display(), "n": limit},
            )
        )
    if channel.kind in NEEDS_IMAGE and not images and not library_images:
        found.append(
            Finding(
                "image_required",
                _("Su %(channel)s serve almeno un'immagine (con testo alternativo).")
                % {"channel": channel.get_kind_display()},
                blocking=True,
            )
        )
    return found


def check_post(post, *, library_images: int = 0) -> dict[int, list[Finding]]:
    """Findings per variant id: the text's, plus the post's own (images) on each variant."""
    has_images = bool(post.images.all()) or library_images > 0
    return {
        variant.id: check_variant(
            variant.text,
            variant.channel,
            link=post.link,
            public_title=variant.public_title,
            has_images=has_images,
            news=NewsFields.of(variant),
        )
        + post_level_findings(post, variant.channel, library_images=library_images)
        for variant in post.variants.all()
    }


def has_blocking_findings(post, *, library_images: int = 0) -> bool:
    return any(
        f.blocking
        for findings in check_post(post, library_images=library_images).values()
        for f in findings
    )
