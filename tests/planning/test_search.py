"""Search across posts: titles, every variant's text, notes and comments, with filters and the
match highlighted (escaped). These run on SQLite, the fallback; the PostgreSQL full-text path
is measured by bench/bench_search.py."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.planning.models import Campaign, Variant
from apps.planning.search import clean_query, search_posts, snippets, terms_of
from apps.review.models import Comment
from apps.review.selectors import COMMENT_TEXT
from tests.factories import CategoryFactory, ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("planning:search")


def _at(day: int):
    return timezone.make_aware(datetime(2030, 3, day, 10, 0))


@pytest.fixture
def posts(editor):
    facebook = ChannelFactory(name="Facebook")
    a = PostFactory(title="Iscrizioni scuola", base_text="Aperte le iscrizioni.", planned_at=_at(2))
    b = PostFactory(title="Mercato", base_text="Il mercato si sposta.", planned_at=_at(3))
    Variant.objects.create(post=b, channel=facebook, text="Il mercato del sabato in piazza Roma")
    c = PostFactory(title="Strade", notes="Chiedere all'ufficio tecnico", planned_at=_at(4))
    d = PostFactory(title="Biblioteca", planned_at=_at(5))
    Comment.objects.create(post=d, author=editor, body="Manca l'orario della biblioteca ragazzi")
    return {"a": a, "b": b, "c": c, "d": d}


def _found(q, **filters):
    return list(search_posts(q=q, sources=(COMMENT_TEXT,), **filters))


def test_search_finds_titles_variant_texts_notes_and_comments(posts):
    assert _found("scuola") == [posts["a"]]
    assert _found("piazza roma") == [posts["b"]]
    assert _found("ufficio tecnico") == [posts["c"]]
    assert _found("ragazzi") == [posts["d"]]


def test_search_ignores_case_and_needs_every_word(posts):
    assert _found("MERCATO sabato") == [posts["b"]]
    assert _found("mercato biblioteca") == []


def test_search_lists_the_latest_first(posts):
    PostFactory(title="Mercato di Natale", planned_at=_at(20))

    assert [p.title for p in _found("mercato")] == ["Mercato di Natale", "Mercato"]


def test_search_filters_by_status_category_campaign_channel_author_and_dates(posts, editor):
    category = CategoryFactory(slug="eventi")
    campaign = Campaign.objects.create(
        name="Sagra d'autunno", starts_on=_at(1).date(), ends_on=_at(30).date()
    )
    e = PostFactory(
        title="Mercato della sagra",
        planned_at=_at(10),
        category=category,
        campaign=campaign,
        author=editor,
        status=PostStatus.APPROVED,
    )

    assert _found("mercato", category=category) == [e]
    assert _found("mercato", campaign=campaign) == [e]
    assert _found("mercato", status=PostStatus.APPROVED) == [e]
    assert _found("mercato", author=editor) == [e]
    assert _found("mercato", channel=ChannelFactory(name="Facebook")) == [posts["b"]]
    assert _found("mercato", start=_at(5), end=_at(11)) == [e]
    assert _found("", campaign=campaign) == [e]


def test_the_match_is_highlighted_and_the_text_escaped(posts, editor):
    evil = PostFactory(
        title="Avviso",
        base_text='<script>alert(1)</script> mercato & fiera "<img src=x onerror=alert(1)>"',
    )

    found = snippets([evil], q="mercato", sources=(COMMENT_TEXT,))

    html = str(found[evil.pk][0].html)
    assert "<mark>mercato</mark>" in html
    assert "&amp; fiera" in html
    # The only markup left is the highlight (PostgreSQL's headline also drops the tags).
    bare = html.replace("<mark>", "").replace("</mark>", "")
    assert not {"<", ">", '"'} & set(bare)


def test_a_comment_match_is_shown_with_its_label(posts):
    found = snippets([posts["d"]], q="ragazzi", sources=(COMMENT_TEXT,))

    assert [(s.label, str(s.html)) for s in found[posts["d"].pk]] == [
        ("Commento", "Manca l&#x27;orario della biblioteca <mark>ragazzi</mark>")
    ]


def test_a_long_query_is_cut_and_its_words_capped():
    q = clean_query("parola " * 100)

    assert len(q) <= 200
    assert len(terms_of(" ".join(f"w{n}" for n in range(50)))) == 8


def test_the_search_page_shows_results_with_highlights(editor_client, posts):
    response = editor_client.get(SEARCH, {"q": "piazza"})

    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [posts["b"].pk]
    assert "<mark>piazza</mark>" in response.content.decode()


def test_the_search_page_without_criteria_lists_nothing(editor_client, posts):
    response = editor_client.get(SEARCH)

    assert response.status_code == 200
    assert response.context["page"] is None


def test_the_search_page_reports_a_backwards_date_range(editor_client, posts):
    response = editor_client.get(SEARCH, {"q": "mercato", "dal": "2030-03-10", "al": "2030-03-01"})

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "La fine viene prima dell" in response.content.decode()


def test_search_syntax_people_type_is_never_an_error(editor_client, posts):
    for q in ['"mercato', "mercato)", "-", "'", "a & b | !c", "%", "_"]:
        assert editor_client.get(SEARCH, {"q": q}).status_code == 200
