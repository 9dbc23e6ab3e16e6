"""Response times to citizens (from the inbox) on the "Risultati" pages and in the yearly
report: median working hours and share within target, per channel and per week or month; the
queries stay the same whatever the number of answers."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.inbox.models import ResponseTime
from apps.insights.reports import Filters, Period, period_report
from tests.factories import UserFactory
from tests.insights.conftest import make_channel

pytestmark = pytest.mark.django_db
ZONE = timezone.get_current_timezone()
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")
HOUR = 3600


def answered(channel, when, *, hours, target_hours=8):
    """An answer the inbox recorded: ``hours`` working hours after the citizen wrote."""
    return ResponseTime.objects.create(
        channel=channel,
        kind="comment",
        waited_from=when - timedelta(hours=hours),
        answered_at=when,
        working_seconds=round(hours * HOUR),
        target_seconds=None if target_hours is None else target_hours * HOUR,
    )


def at(day, hour=10, month=3):
    return datetime(2026, month, day, hour, 0, tzinfo=ZONE)


@pytest.fixture
def editor(client):
    user = UserFactory(username="redattrice", role=Role.EDITOR)
    client.force_login(user)
    return user


def test_the_period_gives_each_channel_its_median_and_share_within_target():
    mastodon = make_channel(name="Mastodon del Comune")
    x = make_channel(ChannelKind.X, name="X del Comune")
    for hours in (1, 2, 12):
        answered(mastodon, at(3), hours=hours)
    answered(x, at(4), hours=30, target_hours=24)
    answered(mastodon, at(2, month=4), hours=1)  # April: not in March

    report = period_report(MARCH)

    figures = {f.channel_name: f for f in report.responses}
    assert figures["Mastodon del Comune"].answered == 3
    assert figures["Mastodon del Comune"].median_hours == 2.0
    assert figures["Mastodon del Comune"].share_within_target == pytest.approx(66.7)
    assert figures["X del Comune"].share_within_target == 0
    assert report.responses_by == "week"


def test_a_month_is_told_week_by_week_and_a_year_month_by_month():
    channel = make_channel()
    answered(channel, at(3), hours=1)  # Tuesday 3 March: week from Monday 2
    answered(channel, at(17), hours=5)
    answered(channel, at(2, month=5), hours=3)

    weeks = period_report(MARCH).responses_over_time
    months = period_report(Period(date(2026, 1, 1), date(2026, 12, 31), "year"))

    assert [f.week for f in weeks] == [date(2026, 3, 16), date(2026, 3, 2)]
    assert months.responses_by == "month"
    assert [(f.week, f.answered) for f in months.responses_over_time] == [
        (date(2026, 5, 1), 1),
        (date(2026, 3, 1), 2),
    ]


def test_all_channels_together_have_one_median_per_week():
    mastodon, x = make_channel(), make_channel(ChannelKind.X)
    answered(mastodon, at(3), hours=1)
    answered(x, at(4), hours=3)
    answered(x, at(5), hours=10, target_hours=8)

    [week] = period_report(MARCH).responses_all_channels

    assert (week.week, week.answered, week.median_hours) == (date(2026, 3, 2), 3, 3.0)
    assert week.share_within_target == pytest.approx(66.7)


def test_the_channel_filter_applies_to_response_times():
    mastodon, x = make_channel(), make_channel(ChannelKind.X)
    answered(mastodon, at(3), hours=1)
    answered(x, at(3), hours=4)

    [only] = period_report(MARCH, Filters(channel=x.pk)).responses

    assert only.channel_id == x.pk and only.median_hours == 4.0


def test_an_answer_without_target_counts_in_the_median_not_in_the_share():
    channel = make_channel()
    answered(channel, at(3), hours=2, target_hours=None)

    [figure] = period_report(MARCH).responses

    assert figure.answered == 1 and figure.share_within_target is None


def test_the_page_shows_response_times_with_table_chart_and_csv(client, editor):
    answered(make_channel(name="Mastodon del Comune"), at(3), hours=2)

    response = client.get(reverse("insights:report"), {"periodo": "month", "giorno": "2026-03-10"})

    html = response.content.decode()
    assert 'id="section-risposte"' in html
    assert "Tempi di risposta ai cittadini per canale" in html
    assert "Risposte entro l&#x27;obiettivo" in html or "Risposte entro l'obiettivo" in html
    assert reverse("insights:report_csv", args=["risposte"]) in html
    assert "arriveranno con la casella" not in html


def test_the_response_times_csv_has_one_row_per_channel_and_week(client, editor):
    channel = make_channel(name="Mastodon del Comune")
    answered(channel, at(3), hours=2)
    answered(channel, at(17), hours=6)

    response = client.get(
        reverse("insights:report_csv", args=["risposte_nel_tempo"]),
        {"periodo": "month", "giorno": "2026-03-10"},
    )

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Settimana dal;Canale;Risposte")
    assert lines[1:] == [
        "16/03/2026;Mastodon del Comune;1;6.0;100.0",
        "02/03/2026;Mastodon del Comune;1;2.0;100.0",
    ]


def test_the_yearly_report_has_the_response_times_month_by_month(client, editor):
    channel = make_channel(name="Mastodon del Comune")
    answered(channel, at(3), hours=2)
    answered(channel, at(5, month=6), hours=20)

    html = client.get(reverse("insights:year", args=[2026])).content.decode()

    assert "Le risposte ai cittadini" in html
    assert "Tempi di risposta mese per mese, tutti i canali" in html
    assert "06/2026" in html and "03/2026" in html
    assert "non sono ancora misurati" not in html


def test_the_inbox_page_links_to_the_response_times_in_the_results(client, editor):
    html = client.get(reverse("inbox:list")).content.decode()

    assert reverse("insights:report") + "#section-risposte" in html


def _many_answers(n):
    channels = [make_channel(), make_channel(ChannelKind.X)]
    for i in range(n):
        answered(channels[i % 2], at(1 + i % 28, 9 + i % 8), hours=i % 10)


@pytest.mark.parametrize("answers", [3, 30])
def test_the_period_page_reads_the_same_queries_for_3_or_30_answers(
    client, editor, django_assert_max_num_queries, answers
):
    _many_answers(answers)

    with django_assert_max_num_queries(22):  # 21 + the header bell's unread count
        response = client.get(
            reverse("insights:report"), {"periodo": "month", "giorno": "2026-03-10"}
        )

    assert response.status_code == 200


@pytest.mark.parametrize("answers", [3, 30])
def test_the_yearly_report_reads_the_same_queries_for_3_or_30_answers(
    client, editor, django_assert_max_num_queries, answers
):
    _many_answers(answers)

    with django_assert_max_num_queries(27):
        response = client.get(reverse("insights:year", args=[2026]))

    assert response.status_code == 200
