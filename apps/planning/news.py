"""The website *Notizia* of the Designers Italia "sito comunale" model, on a variant.

A Comune's website news item needs, besides its public title and text, a short description
(at most 255 characters), its topics (*argomenti*), its type (*comunicato stampa*, *avviso*,
*notizia*) and the office responsible (*a cura di*). The editor, the live checks, the approval
gate, the feed and the adapters read them through this module.
"""

from dataclasses import dataclass

from .enums import NewsType

NEWS_FIELD_NAMES = ("summary", "topics", "type", "office")


@dataclass(frozen=True)
class NewsFields:
    summary: str = ""
    topics: tuple[str, ...] = ()
    news_type: str = ""
    office: str = ""

    @classmethod
    def of(cls, variant) -> "NewsFields":
        return cls(
            summary=variant.news_summary,
            topics=tuple(variant.news_topics or ()),
            news_type=variant.news_type,
            office=variant.news_office,
        )

    @property
    def type_label(self) -> str:
        return str(NewsType(self.news_type).label) if self.news_type in NewsType.values else ""

    def as_payload(self) -> dict:
        """What the feed, the webhook and the WordPress adapter carry."""
        return {
            "summary": self.summary,
            "topics": list(self.topics),
            "type": self.news_type,
            "office": self.office,
        }


def split_topics(text: str) -> list[str]:
    """ "Ambiente, Mobilità,  ambiente" -> ["Ambiente", "Mobilità"]: trimmed, de-duplicated
    without regard to case, in the order typed (one pass over the text)."""
    seen, topics = set(), []
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            topics.append(name)
    return topics


def topics_text(topics) -> str:
    return ", ".join(topics or ())


def field_name(kind: str, channel_id: int) -> str:
    """The editor's field for one of the Notizia fields ("summary", "topics", "type",
    "office") of a channel: ``news_summary_3``."""
    return f"news_{kind}_{channel_id}"


# The field a finding belongs to in the editor.
FINDING_FIELDS = {
    "news_summary_missing": "summary",
    "news_summary_long": "summary",
    "news_topics_missing": "topics",
    "news_topics_too_many": "topics",
    "news_topic_long": "topics",
    "news_type_missing": "type",
    "news_office_missing": "office",
    "news_office_long": "office",
}
