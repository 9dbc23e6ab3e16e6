"""Finding posts by their words: titles, base texts, notes, every variant's text, and whatever
related text a caller adds (the review app adds comments: ``review.selectors.COMMENT_TEXT``).

On PostgreSQL it is full-text search with the Italian configuration ("scuole" finds "scuola"),
each table's document matched through its own GIN index (``models.search_document``, migration
0006) and the post ids of every source joined in one UNION; the highlights come from
``ts_headline``. On SQLite (development, tests) every word typed must appear, ignoring case,
in some text of the post, and the highlighting is done here.

Highlights are escaped first and marked after: the only HTML that reaches the page is
``<mark>``.
"""

import operator
import re
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, Model, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import (
    POST_SEARCH_FIELDS,
    SEARCH_CONFIG,
    VARIANT_SEARCH_FIELDS,
    Post,
    Variant,
    search_document,
)

# What people type in a search box: longer input is cut, more words are ignored.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SNIPPET_LENGTH = 180
# Markers ts_headline puts around a match; replaced by <mark> after the text is escaped.
_START, _STOP = "\u27e6", "\u27e7"


@dataclass(frozen=True)
class TextSource:
    """Text that finds a post: columns of ``model``, whose ``post_field`` points at the post
    (``"pk"`` for the post itself). ``fields`` must be the ones its GIN index is built on."""

    model: type[Model]
    fields: tuple[str, ...]
    label: str
    post_field: str = "post_id"


POST_TEXT = TextSource(Post, POST_SEARCH_FIELDS, _("Post"), post_field="pk")
VARIANT_TEXT = TextSource(Variant, VARIANT_SEARCH_FIELDS, _("Testo per canale"))


@dataclass(frozen=True)
class Snippet:
    label: str
    html: SafeString


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "")[:MAX_QUERY_LENGTH].split())


def terms_of(q: str) -> list[str]:
    """The words of the query, each at most once, at most ``MAX_TERMS``."""
    words = [w.strip("\"'()") for w in q.split()]
    return list(dict.fromkeys(w for w in words if w))[:MAX_TERMS]


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _query(q: str) -> SearchQuery:
    # websearch: what people type in a search box ("tari scadenza", "-scuola", "\"a b\"")
    # never raises a syntax error.
    return SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")


def _matching_ids(source: TextSource, q: str) -> QuerySet:
    rows = source.model.objects.order_by()
    if _on_postgresql():
        rows = rows.annotate(document=search_document(*source.fields)).filter(document=_query(q))
    else:
        for term in terms_of(q):
            rows = rows.filter(
                reduce(operator.or_, (Q(**{f"{f}__icontains": term}) for f in source.fields))
            )
    return rows.values(source.post_field)


def search_posts(
    *,
    q: str = "",
    sources: tuple[TextSource, ...] = (),
    status: str = "",
    channel=None,
    category=None,
    campaign=None,
    author=None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Post]:
    """Posts whose text matches ``q`` in the post itself, its variants or ``sources``, with the
    filters, the latest planned first. An empty ``q`` filters only.

    On SQLite each word must appear in one source (not necessarily the same one for every
    word when sources differ: each source is searched for all the words)."""
    posts = Post.objects.all()
    q = clean_query(q)
    if q and terms_of(q):
        every = (POST_TEXT, VARIANT_TEXT, *sources)
        ids = _matching_ids(every[0], q).union(*(_matching_ids(s, q) for s in every[1:]))
        posts = posts.filter(pk__in=ids)
    if status:
        posts = posts.filter(status=status)
    if channel is not None:
        posts = posts.filter(pk__in=Variant.objects.filter(channel=channel).values("post_id"))
    if category is not None:
        posts = posts.filter(category=category)
    if campaign is not None:
        posts = posts.filter(campaign=campaign)
    if author is not None:
        posts = posts.filter(author=author)
    if start is not None:
        posts = posts.filter(planned_at__gte=start)
    if end is not None:
        posts = posts.filter(planned_at__lt=end)
    return posts.order_by("-planned_at", "-id")


# A search that matches more posts than this says "more than" and pages through these.
MAX_RESULTS = 1_000


def search_page(*, number, size: int, **criteria) -> Page:
    """One page of :func:`search_posts` (``criteria``): the matching ids, in order, come from
    one query (counting and paging them is then free), the page's posts from a second."""
    ids = list(search_posts(**criteria).values_list("pk", flat=True)[:MAX_RESULTS])
    page = Paginator(ids, size).get_page(number)
    posts = Post.objects.select_related("category", "author", "campaign").in_bulk(
        list(page.object_list)
    )
    page.object_list = [posts[pk] for pk in page.object_list if pk in posts]
    page.capped = len(ids) == MAX_RESULTS
    return page


def snippets(
    posts: list[Post], *, q: str, sources: tuple[TextSource, ...] = ()
) -> dict[int, list[Snippet]]:
    """{post id: the matching passages, highlighted}, for a page of results: one query per
    source whatever the number of posts."""
    q = clean_query(q)
    found: dict[int, list[Snippet]] = {post.pk: [] for post in posts}
    if not posts or not terms_of(q):
        return found
    for source in (POST_TEXT, VARIANT_TEXT, *sources):
        for post_id, html in _source_snippets(source, list(found), q):
            if len(found[post_id]) < 3:
                found[post_id].append(Snippet(label=str(source.label), html=html))
    return found


def _source_snippets(source: TextSource, post_ids: list[int], q: str):
    key = "pk" if source.post_field == "pk" else source.post_field
    rows = source.model.objects.filter(**{f"{key}__in": post_ids}).order_by(key)
    if _on_postgresql():
        text = (
            Concat(*_spaced(source.fields), output_field=TextField())
            if len(source.fields) > 1
            else F(source.fields[0])
        )
        # No match filter here: on a page's few rows a headline without a marker is a row that
        # did not match, and the planner never trades the primary key for a GIN scan.
        rows = rows.annotate(
            headline=SearchHeadline(
                text,
                _query(q),
                config=SEARCH_CONFIG,
                start_sel=_START,
                stop_sel=_STOP,
                max_words=30,
                min_words=12,
            )
        )
        seen = set()
        for post_id, headline in rows.values_list(key, "headline"):
            if post_id not in seen and _START in headline:
                seen.add(post_id)
                yield post_id, _marked(headline)
        return
    pattern = _pattern(terms_of(q))
    seen = set()
    for row in rows.values_list(key, *source.fields):
        post_id, texts = row[0], row[1:]
        if post_id in seen:
            continue
        for text in texts:
            if text and pattern.search(text):
                seen.add(post_id)
                yield post_id, highlight(text, pattern)
                break


def _spaced(fields):
    parts = []
    for name in fields:
        if parts:
            parts.append(Value(" \u2014 "))
        parts.append(name)
    return parts


def _marked(headline: str) -> SafeString:
    """Escape what PostgreSQL returned (the post's own text), then mark the matches."""
    html = escape(headline).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> added


def _pattern(terms: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern, *, length: int = SNIPPET_LENGTH) -> SafeString:
    """The passage of ``text`` around the first match, escaped, each match in ``<mark>``."""
    first = pattern.search(text)
    begin = max(0, first.start() - length // 3) if first else 0
    passage = text[begin : begin + length]
    parts = ["…" if begin else ""]
    last = 0
    for match in pattern.finditer(passage):
        parts.append(escape(passage[last : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    parts.append(escape(passage[last:]))
    if begin + length < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text escaped above
