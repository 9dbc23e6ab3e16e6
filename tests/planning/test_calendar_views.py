"""The calendar: month, week and list views, filters, navigation, moving posts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory
from tests.factories import CategoryFactory, ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
CALENDAR = reverse("planning:calendar")


def _future_day(days=10) -> datetime:
    """A day well in the future at 10:30 Rome time (moves into the past are refused)."""
    base = timezone.localtime(timezone.now() + timedelta(days=days))
    return base.replace(hour=10, minute=30, second=0, microsecond=0)


def _month_query(at: datetime, **extra) -> str:
    query = {"vista": "mese", "data": at.strftime("%Y-%m-%d"), **extra}
    return "?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytest.fixture
def facebook():
    return ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)


@pytest.fixture
def x_channel():
    return ChannelFactory(name="X · Comune", kind=ChannelKind.X)


def test_the_month_view_shows_each_post_with_time_category_name_status_and_channels(
    editor_client, editor, facebook
):
    when = _future_day()
    informativo = ContentCategory.objects.get(slug="informativo")
    PostFactory(
        title="Anagrafe chiusa",
        author=editor,
        planned_at=when,
        channels=[facebook],
        category=informativo,
    )
    body = editor_client.get(CALENDAR + _month_query(when)).content.decode()
    assert "Anagrafe chiusa" in body
    assert '<time datetime="' in body and ">10:30</time>" in body
    assert f'class="badge cat-{informativo.pk}">Informativo</span>' in body
    assert "Bozza" in body
    assert 'aria-label="Facebook · Comune"' in body
    assert "Lunedì</th>" in body and body.index("Lunedì</th>") < body.index("Domenica</th>")


def test_today_is_highlighted_in_words_not_only_colour(editor_client):
    body = editor_client.get(CALENDAR).content.decode()
    assert 'aria-current="date"' in body
    assert ">oggi</span>" in body


def test_the_month_title_is_in_italian(editor_client):
    body = editor_client.get(CALENDAR + "?vista=mese&data=2030-03-15").content.decode()
    assert "Marzo 2030" in body


def test_posts_outside_the_period_are_not_shown(editor_client, editor, facebook):
    when = _future_day()
    PostFactory(
        title="Fuori periodo",
        author=editor,
        planned_at=when + timedelta(days=70),
        channels=[facebook],
    )
    assert "Fuori periodo" not in editor_client.get(CALENDAR + _month_query(when)).content.decode()


def test_filters_by_channel_category_status_and_author(
    editor_client, editor, other_editor, facebook, x_channel
):
    when = _future_day()
    territorio = ContentCategory.objects.get(slug="territorio")
    PostFactory(title="Su Facebook", author=editor, planned_at=when, channels=[facebook])
    PostFactory(
        title="Su X",
        author=other_editor,
        planned_at=when,
        channels=[x_channel],
        category=territorio,
        status=PostStatus.APPROVED,
    )

    def titles(**filters):
        body = editor_client.get(CALENDAR + _month_query(when, **filters)).content.decode()
        return [t for t in ("Su Facebook", "Su X") if t in body]

    assert titles() == ["Su Facebook", "Su X"]
    assert titles(canale=facebook.pk) == ["Su Facebook"]
    assert titles(categoria=territorio.pk) == ["Su X"]
    assert titles(stato="approved") == ["Su X"]
    assert titles(autore=editor.pk) == ["Su Facebook"]
    assert titles(canale="nonsense", stato="<b>") == ["Su Facebook", "Su X"]


def test_navigation_links_keep_the_filters(editor_client, facebook):
    body = editor_client.get(
        CALENDAR + f"?vista=settimana&data=2030-03-13&canale={facebook.pk}"
    ).content.decode()
    assert f"?vista=settimana&amp;data=2030-03-04&amp;canale={facebook.pk}" in body  # previous
    assert f"?vista=settimana&amp;data=2030-03-18&amp;canale={facebook.pk}" in body  # next


def test_the_week_view_starts_on_monday_and_places_posts_by_hour(editor_client, editor, facebook):
    at = datetime(2030, 3, 13, 15, 45, tzinfo=ROME)  # a Wednesday
    PostFactory(title="Pomeriggio", author=editor, planned_at=at, channels=[facebook])
    body = editor_client.get(CALENDAR + "?vista=settimana&data=2030-03-13").content.decode()
    assert "Settimana dal 11 marzo al 17 marzo 2030" in body
    assert "Pomeriggio" in body
    assert body.index(">15:00</th>") < body.index("Pomeriggio") < body.index(">16:00</th>")
    assert "data=2030-03-13&amp;ora=15:00" in body  # create a post at that hour


def test_the_list_view_shows_only_days_with_posts(editor_client, editor, facebook):
    at = datetime(2030, 3, 14, 9, 0, tzinfo=ROME)
    PostFactory(title="In elenco", author=editor, planned_at=at, channels=[facebook])
    body = editor_client.get(CALENDAR + "?vista=elenco&data=2030-03-10").content.decode()
    assert "Giovedì 14 marzo 2030" in body and "In elenco" in body
    assert "Venerdì 15 marzo 2030" not in body


@pytest.mark.parametrize("value", ["2026-02-30", "3000-01-01", "abc", "<script>alert(1)</script>"])
def test_an_invalid_date_falls_back_to_today(editor_client, value):
    response = editor_client.get(CALENDAR + f"?data={value}&vista=boh")
    today = timezone.localdate()
    assert response.status_code == 200
    assert today.strftime("%Y") in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_htmx_navigation_returns_only_the_calendar_body(editor_client):
    response = editor_client.get(CALENDAR + "?vista=mese&data=2030-03-01", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar-body"')
    assert "<html" not in body


def test_going_back_to_a_pushed_calendar_url_without_htmx_cache_gets_the_whole_page(
    editor_client,
):
    response = editor_client.get(
        CALENDAR + "?vista=mese&data=2030-03-01",
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    body = response.content.decode()
    assert body.lstrip().lower().startswith("<!doctype html>")
    assert '<div id="calendar-body"' in body
    assert response["Vary"].startswith("HX-Request, HX-Boosted, HX-History-Restore-Request")


def test_open_slot_occurrences_are_shown_as_placeholders(editor_client, editor):
    from tests.slots.factories import SlotFactory

    SlotFactory(owner=editor, name="Eventi del weekend")  # every Friday at 12:00
    body = editor_client.get(CALENDAR + "?vista=settimana&data=2030-03-13").content.decode()
    assert body.count('class="slot-placeholder"') == 1
    assert "Eventi del weekend" in body and "da riempire" in body


def test_a_status_filter_hides_open_slot_occurrences(editor_client, editor):
    from tests.slots.factories import SlotFactory

    SlotFactory(owner=editor, name="Eventi del weekend")
    body = editor_client.get(
        CALENDAR + "?vista=settimana&data=2030-03-13&stato=draft"
    ).content.decode()
    assert 'class="slot-placeholder"' not in body


def test_the_category_balance_counts_the_week_against_the_target(editor_client, editor, facebook):
    at = datetime(2030, 3, 12, 9, 0, tzinfo=ROME)
    informativo = ContentCategory.objects.get(slug="informativo")
    territorio = ContentCategory.objects.get(slug="territorio")
    for category in (informativo, informativo, informativo, territorio):
        PostFactory(author=editor, planned_at=at, channels=[facebook], category=category)
    response = editor_client.get(CALENDAR + "?vista=settimana&data=2030-03-12")
    week = response.context["balance"][0]
    shares = {row.category.slug: (row.count, row.share, row.target) for row in week.rows}
    assert week.total == 4
    assert shares["informativo"] == (3, 75, 40)
    assert shares["territorio"] == (1, 25, 30)
    assert shares["come-fare"] == (0, 0, 30)
    assert "Equilibrio dei contenuti" in response.content.decode()


def _queries_for(client, posts: int, channels, view: str = "mese") -> int:
    when = datetime(2030, 3, 12, 9, 0, tzinfo=ROME)
    for n in range(posts):
        PostFactory(
            planned_at=when + timedelta(hours=n % 200),
            channels=channels,
            category=CategoryFactory(slug=f"c{n % 3}"),
        )
    cache.clear()  # both measurements cold: the stall banner's check is cached for 15 s
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(CALENDAR + f"?vista={view}&data=2030-03-12").status_code == 200
    return len(ctx.captured_queries)


def test_the_calendar_query_count_does_not_grow_with_the_posts(
    editor_client, facebook, x_channel, django_assert_max_num_queries
):
    one = _queries_for(editor_client, 1, [facebook])
    many = _queries_for(editor_client, 30, [facebook, x_channel])
    assert many == one
    assert one <= 20
    # The list view adds two for its bulk actions' choices (categories, campaigns).
    for view, most in (("mese", one), ("settimana", one), ("elenco", one + 2)):
        with django_assert_max_num_queries(most):
            editor_client.get(CALENDAR + f"?vista={view}&data=2030-03-12")


def test_the_month_view_runs_sixteen_queries_for_one_post_or_three(
    editor_client, facebook, x_channel
):
    # Session, user, groups; posts, (post, channel) pairs, channels, counts; slots, blackouts,
    # categories, the crisis banner; the filter form's channels, categories, authors, campaigns
    # and tags. (The
    # stall banner's check adds one when its cached answer has expired: _queries_for.)
    def warm_month_queries() -> int:
        url = CALENDAR + "?vista=mese&data=2030-03-12"
        editor_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert editor_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _queries_for(editor_client, 1, [facebook])
    assert warm_month_queries() == 16
    _queries_for(editor_client, 2, [facebook, x_channel])
    assert warm_month_queries() == 16


@pytest.mark.parametrize("view", ["settimana", "elenco"])
def test_the_week_and_list_query_counts_do_not_grow_with_the_posts(
    editor_client, facebook, x_channel, view
):
    one = _queries_for(editor_client, 1, [facebook], view)
    many = _queries_for(editor_client, 30, [facebook, x_channel], view)
    assert many == one


# --- Moving posts ---------------------------------------------------------------------------


def test_the_move_form_reschedules_a_post_and_returns_to_the_calendar(
    editor_client, editor, facebook
):
    when = _future_day()
    post = PostFactory(author=editor, planned_at=when, channels=[facebook])
    target = when + timedelta(days=2)
    next_url = CALENDAR + "?vista=settimana"
    response = editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {"data": target.strftime("%Y-%m-%d"), "ora": "16:15", "version": 1, "next": next_url},
    )
    post.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == next_url
    assert timezone.localtime(post.planned_at).strftime("%Y-%m-%d %H:%M") == (
        target.strftime("%Y-%m-%d") + " 16:15"
    )
    assert post.version == 2


def test_dragging_a_post_updates_the_calendar_in_place(editor_client, editor, facebook):
    when = _future_day()
    post = PostFactory(author=editor, planned_at=when, channels=[facebook], title="Trascinato")
    target = when + timedelta(days=1)
    response = editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {
            "data": target.strftime("%Y-%m-%d"),
            "ora": "10:30",
            "version": 1,
            "next": CALENDAR + _month_query(when),
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar-body"')
    assert "spostato a" in body and "Trascinato" in body
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).date() == target.date()


def test_moving_an_approved_post_sends_it_back_to_review_for_the_time_only(
    editor_client, editor, facebook
):
    when = _future_day()
    post = PostFactory(
        author=editor, planned_at=when, channels=[facebook], status=PostStatus.APPROVED
    )
    editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {"data": when.strftime("%Y-%m-%d"), "ora": "18:00", "version": 1},
    )
    post.refresh_from_db()
    assert (post.status, post.reschedule_only_pending) == (PostStatus.IN_REVIEW, True)


@pytest.mark.parametrize(
    "data",
    [
        {"data": "2026-02-30", "ora": "10:00", "version": 1},
        {"data": "2020-01-01", "ora": "10:00", "version": 1},
        {"data": "2030-01-01", "ora": "25:61", "version": 1},
        {"data": "2030-01-01", "ora": "10:00", "version": 7},
    ],
    ids=["nonexistent-date", "past", "bad-time", "stale-version"],
)
def test_a_bad_move_changes_nothing_and_says_so(editor_client, editor, facebook, data):
    when = _future_day()
    post = PostFactory(author=editor, planned_at=when, channels=[facebook])
    response = editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]), data, follow=True
    )
    post.refresh_from_db()
    assert post.planned_at == when and post.version == 1
    assert 'class="alert alert-danger"' in response.content.decode()


def test_another_editor_cannot_move_my_post(client, editor, other_editor, facebook):
    when = _future_day()
    post = PostFactory(author=editor, planned_at=when, channels=[facebook])
    client.force_login(other_editor)
    response = client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {"data": when.strftime("%Y-%m-%d"), "ora": "18:00", "version": 1},
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.planned_at == when


def test_the_category_stylesheet_gives_each_category_a_readable_colour(client):
    response = client.get(reverse("planning:category_css"))
    css = response.content.decode()
    informativo = ContentCategory.objects.get(slug="informativo")
    assert response["Content-Type"].startswith("text/css")
    assert f".cat-{informativo.pk}{{background-color:#0066CC;color:#ffffff}}" in css
    CategoryFactory(slug="giallo", colour="#FFD700")
    assert "color:#1a1a1a" in client.get(reverse("planning:category_css")).content.decode()


def test_a_crowded_day_shows_five_posts_and_links_to_the_others(editor_client, editor, facebook):
    at = datetime(2030, 3, 12, 9, 0, tzinfo=ROME)
    for n in range(7):
        PostFactory(
            title=f"Affollato {n}",
            author=editor,
            planned_at=at + timedelta(minutes=n),
            channels=[facebook],
        )
    response = editor_client.get(CALENDAR + "?vista=mese&data=2030-03-12")
    body = response.content.decode()
    assert [f"Affollato {n}" in body for n in range(7)] == [True] * 5 + [False] * 2
    assert "altri 2 post il 12 marzo" in body
    assert "?vista=elenco&amp;data=2030-03-12" in body
    weeks = {w.monday.isoformat(): w.total for w in response.context["balance"]}
    assert weeks["2030-03-11"] == 7


def test_blackout_days_are_marked_in_words(editor_client):
    from apps.crisis.models import Blackout

    Blackout.objects.create(
        kind="mourning",
        reason="Lutto cittadino",
        starts_at=datetime(2030, 3, 12, 0, 0, tzinfo=ROME),
        ends_at=datetime(2030, 3, 13, 0, 0, tzinfo=ROME),
    )
    body = editor_client.get(CALENDAR + "?vista=elenco&data=2030-03-10").content.decode()
    assert body.count("Silenzio:") == 1 and "Lutto cittadino" in body


def test_cancelled_posts_do_not_count_in_the_content_mix(editor_client, editor, facebook):
    at = datetime(2030, 3, 12, 9, 0, tzinfo=ROME)
    PostFactory(author=editor, planned_at=at, channels=[facebook])
    PostFactory(author=editor, planned_at=at, channels=[facebook], status=PostStatus.CANCELLED)
    response = editor_client.get(CALENDAR + "?vista=settimana&data=2030-03-12")
    assert response.context["balance"][0].total == 1


def test_past_open_slot_occurrences_are_not_offered(editor_client, editor):
    from tests.slots.factories import SlotFactory

    SlotFactory(owner=editor, name="Eventi del weekend")
    body = editor_client.get(CALENDAR + "?vista=settimana&data=2026-03-04").content.decode()
    assert 'class="slot-placeholder"' not in body


def test_past_days_offer_no_new_post_link(editor_client):
    body = editor_client.get(CALENDAR + "?vista=mese&data=2026-03-10").content.decode()
    assert "Nuovo post il" not in body
    body = editor_client.get(CALENDAR + "?vista=mese&data=2030-03-10").content.decode()
    assert "Nuovo post il 10 marzo" in body


def test_only_posts_i_may_edit_can_be_moved_from_the_calendar(client, editor, other_editor):
    when = _future_day()
    mine = PostFactory(author=other_editor, planned_at=when, title="Mio")
    theirs = PostFactory(author=editor, planned_at=when, title="Di una collega")
    client.force_login(other_editor)
    body = client.get(CALENDAR + _month_query(when)).content.decode()
    assert f'data-post-id="{mine.pk}"' in body
    assert f'data-post-id="{theirs.pk}"' not in body
    assert body.count("<summary>Sposta") == 1


def test_the_week_view_offers_new_posts_only_in_hours_still_ahead(
    editor_client, editor, monkeypatch
):
    # Half past ten today; logged in at that time, so the session is valid whatever the hour.
    now = timezone.localtime().replace(hour=10, minute=30)
    monkeypatch.setattr(timezone, "now", lambda: now)
    editor_client.force_login(editor)
    today, tomorrow, yesterday = (
        (now + timedelta(days=n)).strftime("%Y-%m-%d") for n in (0, 1, -1)
    )
    body = editor_client.get(CALENDAR + f"?vista=settimana&data={today}").content.decode()
    assert f"data={today}&amp;ora=09:00" not in body
    assert f"data={today}&amp;ora=10:00" not in body  # begun: already past
    assert f"data={today}&amp;ora=11:00" in body
    if now.weekday() < 6:
        assert f"data={tomorrow}&amp;ora=09:00" in body
    if now.weekday() > 0:
        assert f"data={yesterday}&amp;ora=18:00" not in body


def test_calendar_cards_link_to_the_post_and_its_move_address(editor_client, editor):
    from tests.factories import ChannelFactory, PostFactory

    post = PostFactory(author=editor, channels=[ChannelFactory(name="Telegram", kind="telegram")])
    day = timezone.localtime(post.planned_at).date().isoformat()

    body = editor_client.get(f"/calendario/?vista=mese&data={day}").content.decode()

    assert f'href="{post.get_absolute_url()}"' in body
    assert f'action="{reverse("planning:post_reschedule", args=[post.pk])}"' in body
    assert "sprites.svg#it-telegram" in body
