"""The "Risultati" pages: totals and medians, best and worst, the heatmap, content mix,
followers; every chart with its data table and CSV; constant queries in the number of posts."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.insights.models import AccountFigure
from apps.insights.reports import Filters, Period, period_report
from tests.factories import CategoryFactory, PostFactory, UserFactory
from tests.insights.conftest import make_channel, reading, sent_delivery

pytestmark = pytest.mark.django_db
ZONE = timezone.get_current_timezone()
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0, tzinfo=ZONE)


@pytest.fixture
def editor(client):
    user = UserFactory(username="redattrice", role=Role.EDITOR)
    client.force_login(user)
    return user


def test_totals_add_up_the_latest_reading_and_medians_are_per_delivery():
    channel = make_channel()
    for n, reactions in enumerate((10, 20, 90)):
        delivery = sent_delivery(channel, sent_at=at(2 + n), external_id=n)
        reading(delivery, "1h", latest=False, reactions=1, comments=0, shares=0)
        reading(delivery, "24h", reactions=reactions, comments=2, shares=1, impressions=1000)

    report = period_report(MARCH)

    assert report.totals["reactions"] == 120
    assert report.totals["engagement"] == 120 + 6 + 3
    assert report.medians["engagement"] == 23
    assert report.totals["reach"] is None  # no network gave it: unknown, not zero
    assert [r.engagement for r in report.best] == [93, 23, 13]


def test_posts_outside_the_period_or_the_filters_do_not_count():
    mastodon, x = make_channel(), make_channel(ChannelKind.X)
    culture = CategoryFactory(name="Cultura", slug="cultura")
    reading(sent_delivery(mastodon, sent_at=at(5), category=culture), reactions=5)
    reading(sent_delivery(x, sent_at=at(6), external_id=2), reactions=7)
    reading(sent_delivery(x, sent_at=at(6) + timedelta(days=40), external_id=3), reactions=100)

    assert period_report(MARCH).totals["reactions"] == 12
    assert period_report(MARCH, Filters(channel=x.pk)).totals["reactions"] == 7
    assert period_report(MARCH, Filters(category=culture.pk)).totals["reactions"] == 5


def test_the_heatmap_puts_each_delivery_at_its_local_weekday_and_hour():
    channel = make_channel()
    # 2 March 2026 is a Monday; 18:00 in Rome.
    reading(sent_delivery(channel, sent_at=at(2, 18)), reactions=40, comments=2)

    report = period_report(MARCH)

    assert report.heat[0][18] == 42
    assert report.heat_counts[0][18] == 1
    assert sum(map(sum, report.heat_counts)) == 1


def test_followers_growth_is_last_minus_first_day_of_the_period():
    channel = make_channel()
    for day, followers in ((1, 1000), (15, 1040), (31, 1100)):
        AccountFigure.objects.create(channel=channel, day=date(2026, 3, day), followers=followers)
    AccountFigure.objects.create(channel=channel, day=date(2026, 4, 1), followers=5000)

    [row] = period_report(MARCH).followers

    assert (row["first"], row["last"], row["growth"]) == (1000, 1100, 100)


def test_the_page_shows_each_chart_with_its_table_and_csv(client, editor):
    channel = make_channel(name="Mastodon del Comune")
    reading(sent_delivery(channel, sent_at=at(3)), reactions=40, comments=2, impressions=900)

    response = client.get(reverse("insights:report"), {"periodo": "month", "giorno": "2026-03-10"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart') >= 2
    assert "<table" in html and "Mastodon del Comune" in html
    assert 'role="img"' in html and "style=" not in html.split("<main")[-1]
    assert reverse("insights:report_csv", args=["canali"]) in html


def test_a_telegram_channel_is_said_to_give_no_numbers(client, editor):
    sent_delivery(make_channel(ChannelKind.TELEGRAM, name="Telegram del Comune"), sent_at=at(3))
    from apps.insights.collecting import plan_new

    plan_new(now=at(3) + timedelta(minutes=1))

    response = client.get(reverse("insights:report"), {"periodo": "month", "giorno": "2026-03-10"})

    assert "non forniscono numeri" in response.content.decode()
    assert "Telegram del Comune" in response.content.decode()


def test_the_csv_has_the_same_rows_as_the_table_and_is_safe_in_a_spreadsheet(client, editor):
    channel = make_channel(name="=HYPERLINK(1)")
    reading(sent_delivery(channel, sent_at=at(3)), reactions=40, comments=2)

    response = client.get(
        reverse("insights:report_csv", args=["canali"]),
        {"periodo": "month", "giorno": "2026-03-10"},
    )

    lines = response.content.decode("utf-8-sig").splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("Canale;Invii")
    assert lines[1].startswith("'=HYPERLINK(1);1;")


def test_an_unknown_csv_is_not_found(client, editor):
    assert client.get(reverse("insights:report_csv", args=["nessuna"])).status_code == 404


def test_a_bad_period_keeps_what_was_typed_and_shows_the_month(client, editor):
    response = client.get(
        reverse("insights:report"), {"periodo": "custom", "dal": "2026-03-10", "al": "2026-01-01"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "La data di fine è prima della data di inizio." in html
    assert 'value="2026-03-10"' in html


def test_garbage_in_the_query_never_answers_500(client, editor):
    response = client.get(
        reverse("insights:report"),
        {"periodo": "x" * 500, "giorno": "99999-99-99", "canale": "abc", "autore": "-1"},
    )

    assert response.status_code == 200


def _busy_month(posts):
    channel, other = make_channel(), make_channel(ChannelKind.X)
    author = UserFactory(username="autore", role=Role.EDITOR)
    for n in range(posts):
        for ch in (channel, other):
            delivery = sent_delivery(
                ch, sent_at=at(1 + n % 28, 8 + n % 12), external_id=f"{ch.pk}-{n}", author=author
            )
            reading(delivery, reactions=n, comments=1, shares=1, impressions=100 + n)
        AccountFigure.objects.get_or_create(
            channel=channel, day=date(2026, 3, 1 + n % 28), defaults={"followers": 1000 + n}
        )


@pytest.mark.parametrize("posts", [3, 30])
def test_the_period_page_reads_the_same_number_of_queries_for_3_or_30_posts(
    client, editor, django_assert_max_num_queries, posts
):
    _busy_month(posts)

    with django_assert_max_num_queries(22):  # 21 + the header bell's unread count
        response = client.get(
            reverse("insights:report"), {"periodo": "month", "giorno": "2026-03-10"}
        )

    assert response.status_code == 200


@pytest.mark.parametrize("posts", [3, 30])
def test_the_yearly_report_reads_the_same_number_of_queries_for_3_or_30_posts(
    client, editor, django_assert_max_num_queries, posts
):
    _busy_month(posts)

    with django_assert_max_num_queries(27):
        response = client.get(reverse("insights:year", args=[2026]))

    assert response.status_code == 200
    assert "La comunicazione del Comune nel 2026" in response.content.decode()


def test_the_post_page_shows_each_channel_next_to_the_median_of_its_category(client, editor):
    from apps.insights.reports import post_curves

    channel = make_channel(name="Mastodon del Comune")
    category = CategoryFactory(name="Ambiente", slug="ambiente")
    days_ago = timezone.now() - timedelta(days=20)
    mine = sent_delivery(channel, sent_at=days_ago, category=category)
    reading(mine, "1h", latest=False, reactions=5)
    reading(mine, "24h", reactions=50)
    for n in range(3):
        peer = sent_delivery(
            channel, sent_at=days_ago + timedelta(days=n), category=category, external_id=10 + n
        )
        reading(peer, "24h", reactions=10 * (n + 1))
    other = sent_delivery(channel, sent_at=days_ago, external_id=99)  # another category
    reading(other, "24h", reactions=1000)

    [curve] = post_curves(mine.variant.post)

    assert curve.values["engagement"] == [5, 50, None, None]
    assert curve.medians["engagement"] == [None, 20, None, None]  # the others, not itself
    html = client.get(reverse("insights:post", args=[mine.variant.post_id])).content.decode()
    assert "Mastodon del Comune" in html
    assert "mediana della categoria" in html
    assert html.count('<svg class="chart') >= 1


def test_the_pdf_is_a_pdf(client, editor):
    reading(sent_delivery(make_channel(), sent_at=at(3)), reactions=40)

    response = client.get(reverse("insights:year_pdf", args=[2026]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_a_year_out_of_range_is_not_found(client, editor):
    assert client.get(reverse("insights:year", args=[1800])).status_code == 404


def test_clicks_counted_by_the_comunes_redirect_are_in_the_totals():
    from apps.publishing.models import LinkClickDay, ShortLink

    channel = make_channel()
    delivery = sent_delivery(channel, sent_at=at(3))
    link = ShortLink.objects.create(
        code="c1", url="https://comune.it/", post_id=delivery.variant.post_id, channel=channel
    )
    LinkClickDay.objects.create(link=link, day=date(2026, 3, 3), clicks=12)
    LinkClickDay.objects.create(link=link, day=date(2026, 4, 3), clicks=50)

    assert period_report(MARCH).site_clicks == 12
    assert period_report(MARCH, Filters(channel=channel.pk + 1)).site_clicks is None


def test_over_a_quarter_the_content_mix_is_shown_month_by_month(client, editor):
    from apps.planning.enums import PostStatus
    from tests.factories import PostFactory

    services = CategoryFactory(name="Servizi", slug="servizi")
    events = CategoryFactory(name="Eventi", slug="eventi")
    for day, category in ((5, services), (6, services), (7, events)):
        PostFactory(category=category, status=PostStatus.PUBLISHED, planned_at=at(day))
    PostFactory(
        category=events,
        status=PostStatus.PUBLISHED,
        planned_at=datetime(2026, 2, 10, 9, tzinfo=ZONE),
    )
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31), "quarter")

    months = period_report(quarter).mix_by_month

    assert [m["month"] for m in months] == [date(2026, 2, 1), date(2026, 3, 1)]
    assert months[0]["shares"] == {"Eventi": 100}
    assert months[1]["shares"] == {"Servizi": 67, "Eventi": 33}
    response = client.get(
        reverse("insights:report"), {"periodo": "quarter", "giorno": "2026-02-01"}
    )
    assert "Categorie mese per mese" in response.content.decode()


@pytest.mark.parametrize("peers", [2, 20])
def test_a_posts_page_reads_the_same_number_of_queries_whatever_its_category_holds(
    client, editor, django_assert_max_num_queries, peers
):
    channels = [make_channel(), make_channel(ChannelKind.X), make_channel(ChannelKind.TELEGRAM)]
    category = CategoryFactory(name="Ambiente", slug="ambiente")
    post = PostFactory(channels=channels, category=category)
    for n in range(peers):
        for channel in channels[:2]:
            peer = sent_delivery(channel, sent_at=at(1 + n % 28), category=category, external_id=n)
            reading(peer, "24h", reactions=n)

    with django_assert_max_num_queries(9):  # 8 + the header bell's unread count
        response = client.get(reverse("insights:post", args=[post.pk]))

    assert response.status_code == 200


def test_a_published_posts_page_links_to_its_results(client, editor):
    delivery = sent_delivery(make_channel(), sent_at=at(3))

    html = client.get(delivery.variant.post.get_absolute_url()).content.decode()

    assert reverse("insights:post", args=[delivery.variant.post_id]) in html
