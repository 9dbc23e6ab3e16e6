"""A complete website Notizia, for tests about something else."""

from apps.planning.news import NewsFields, field_name

NEWS_COLUMNS = {
    "news_summary": "Il ponte di via Roma riapre lunedì dopo i lavori.",
    "news_topics": ["Mobilità", "Lavori pubblici"],
    "news_type": "avviso",
    "news_office": "Ufficio Lavori pubblici",
}

COMPLETE_NEWS = NewsFields(
    summary=NEWS_COLUMNS["news_summary"],
    topics=tuple(NEWS_COLUMNS["news_topics"]),
    news_type=NEWS_COLUMNS["news_type"],
    office=NEWS_COLUMNS["news_office"],
)


def news_form_data(channel) -> dict:
    """The editor's Notizia fields for ``channel``, filled in (nothing for other kinds)."""
    if not channel.has_news_fields:
        return {}
    return {
        field_name("summary", channel.pk): NEWS_COLUMNS["news_summary"],
        field_name("topics", channel.pk): ", ".join(NEWS_COLUMNS["news_topics"]),
        field_name("type", channel.pk): NEWS_COLUMNS["news_type"],
        field_name("office", channel.pk): NEWS_COLUMNS["news_office"],
    }
