"""The crisis pages through the Django client."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.crisis import selectors
from apps.crisis.models import Blackout
from apps.crisis_response import services
from apps.planning.enums import PostStatus
from tests.crisis.factories import BlackoutFactory

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["home", "publishing:overview", "slots:list", "crisis:dashboard", "crisis:recovery"]


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_the_dashboard_offers_the_declare_form_when_no_crisis_is_open(approver_client):
    response = approver_client.get(reverse("crisis:dashboard"))

    assert response.status_code == 200
    assert "Attiva la modalità crisi" in response.content.decode()
    assert 'id="crisis-banner"' not in response.content.decode()


def test_declaring_from_the_page_pauses_posts_and_shows_the_red_banner_on_every_page(
    client, approver, editor, channels, make_post
):
    post = make_post(channels=channels)
    client.force_login(approver)

    response = client.post(
        reverse("crisis:declare"), {"reason": "Allerta meteo <rossa>", "scope": "all"}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED
    for user in (approver, editor):
        client.force_login(user)
        for name in STAFF_PAGES if user == approver else ["home", "publishing:overview"]:
            page = client.get(reverse(name)).content.decode()
            assert 'id="crisis-banner"' in page, name
            assert "Allerta meteo &lt;rossa&gt;" in page, name
            assert "approvatrice" in page


def test_declaring_without_a_reason_rerenders_the_form_with_the_error(approver_client, channels):
    response = approver_client.post(reverse("crisis:declare"), {"reason": "", "scope": "chosen"})

    assert response.status_code == 400
    assert selectors.open_crisis() is None
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert "Scegli almeno un canale" in body
    # The summary takes the focus and leads to the field to fix.
    assert "data-error-summary" in body and '<a href="#id_reason" data-error-link>' in body


def test_declaring_on_chosen_channels_from_the_page(approver_client, channels, make_post):
    facebook, telegram = channels
    approver_client.post(
        reverse("crisis:declare"),
        {"reason": "Incidente", "scope": "chosen", "channels": [facebook.pk]},
    )

    crisis = selectors.open_crisis()
    assert crisis is not None and not crisis.all_channels
    assert list(crisis.channels.all()) == [facebook]


def test_ending_needs_a_note_and_leads_to_the_recovery_screen(approver_client, approver):
    services.declare_crisis(by=approver, reason="Allerta")

    refused = approver_client.post(reverse("crisis:end"), {"note": ""})
    assert refused.status_code == 400
    assert selectors.open_crisis() is not None
    page = refused.content.decode()
    assert "data-error-summary" in page
    assert '<a href="#id_note" data-error-link>Nota di chiusura: ' in page
    assert 'aria-describedby="id_note_helptext id_note_error"' in page

    response = approver_client.post(reverse("crisis:end"), {"note": "Allerta rientrata"})
    assert response.status_code == 302
    assert response["Location"] == reverse("crisis:recovery")
    assert selectors.open_crisis() is None


def test_the_recovery_screen_lists_paused_posts_with_their_time_and_channel_tone(
    approver_client, approver, channels, make_post
):
    channels[0].guidance = "Tono sobrio e rassicurante."
    channels[0].save()
    future = make_post(channels=channels, title="Mercato del sabato", in_hours=4)
    past = make_post(channels=channels, title="Sagra d'autunno", in_hours=1)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    type(past).objects.filter(pk=past.pk).update(planned_at=timezone.now() - timedelta(hours=1))

    body = approver_client.get(reverse("crisis:recovery")).content.decode()

    assert "Mercato del sabato" in body and "Sagra d&#x27;autunno" in body
    assert "Tono sobrio e rassicurante." in body
    assert reverse("crisis:resume", args=[future.pk]) in body
    assert reverse("crisis:resume", args=[past.pk]) not in body  # its time passed
    assert "Orario passato: serve un nuovo orario" in body
    assert f'value="{future.pk}"' in body


def test_resume_reschedule_and_cancel_from_the_recovery_screen(
    approver_client, approver, channels, make_post
):
    a = make_post(channels=channels, in_hours=4)
    b = make_post(channels=channels, in_hours=4)
    c = make_post(channels=channels, in_hours=4)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    new_time = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    approver_client.post(reverse("crisis:resume", args=[a.pk]))
    approver_client.post(reverse("crisis:reschedule", args=[b.pk]), {"planned_at": _fmt(new_time)})
    approver_client.post(reverse("crisis:cancel", args=[c.pk]), {"reason": "Fuori luogo"})

    for post in (a, b, c):
        post.refresh_from_db()
    assert (a.status, b.status, c.status) == (
        PostStatus.APPROVED,
        PostStatus.APPROVED,
        PostStatus.CANCELLED,
    )
    assert b.planned_at == new_time


def test_a_bad_reschedule_date_is_a_message_not_a_500(
    approver_client, approver, channels, make_post
):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")

    response = approver_client.post(
        reverse("crisis:reschedule", args=[post.pk]), {"planned_at": "31/02/ieri"}, follow=True
    )

    assert response.status_code == 200
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED


def test_bulk_reschedule_moves_every_selected_post(approver_client, approver, channels, make_post):
    posts = [make_post(channels=channels, in_hours=-1 + i) for i in range(3)]
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    new_time = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)

    response = approver_client.post(
        reverse("crisis:bulk"),
        {"action": "reschedule", "posts": [p.pk for p in posts], "planned_at": _fmt(new_time)},
    )

    assert response.status_code == 302
    assert not selectors.paused_posts().exists()
    for post in posts:
        post.refresh_from_db()
        assert (post.status, post.planned_at) == (PostStatus.APPROVED, new_time)
    assert AuditEntry.objects.filter(action="crisis.post_rescheduled").count() == 3


def test_bulk_reschedule_without_a_time_is_refused_with_the_form(
    approver_client, approver, channels, make_post
):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")

    response = approver_client.post(
        reverse("crisis:bulk"), {"action": "reschedule", "posts": [post.pk]}
    )

    assert response.status_code == 400
    assert "Indica il nuovo orario" in response.content.decode()


def test_the_history_lists_past_crises_with_their_notes(approver_client, approver):
    services.declare_crisis(by=approver, reason="Nevicata eccezionale")
    services.end_crisis(by=approver, note="Strade riaperte")

    body = approver_client.get(reverse("crisis:history")).content.decode()

    assert "Nevicata eccezionale" in body and "Strade riaperte" in body


def test_an_administrator_creates_a_blackout_and_sees_the_posts_in_conflict(
    admin_client_, channels, make_post
):
    start = timezone.now() + timedelta(days=1)
    conflicting = make_post(channels=channels, in_hours=30, title="Festa della castagna")

    response = admin_client_.post(
        reverse("crisis:blackout_create"),
        {
            "kind": "electoral",
            "reason": "Elezioni comunali",
            "starts_at": _fmt(start),
            "ends_at": _fmt(start + timedelta(days=2)),
        },
    )

    blackout = Blackout.objects.get()
    assert response["Location"] == reverse("crisis:blackout_detail", args=[blackout.pk])
    assert blackout.all_channels
    detail = admin_client_.get(response["Location"]).content.decode()
    assert "Festa della castagna" in detail
    assert conflicting.pk
    assert AuditEntry.objects.filter(action="blackout.created").exists()


def test_a_blackout_ending_before_it_starts_is_refused_keeping_the_input(admin_client_):
    response = admin_client_.post(
        reverse("crisis:blackout_create"),
        {
            "kind": "mourning",
            "reason": "Lutto cittadino",
            "starts_at": "2030-05-02T00:00",
            "ends_at": "2030-05-01T00:00",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "La fine deve venire dopo l&#x27;inizio." in body
    assert 'value="Lutto cittadino"' in body
    assert not Blackout.objects.exists()


def test_deleting_a_blackout_is_audited(admin_client_):
    blackout = BlackoutFactory()

    admin_client_.post(reverse("crisis:blackout_delete", args=[blackout.pk]))

    assert not Blackout.objects.exists()
    assert AuditEntry.objects.filter(action="blackout.deleted").exists()


def test_narrowing_then_widening_the_scope_is_audited_and_pauses_newly_covered_posts(
    approver_client, approver, channels, make_post
):
    facebook, telegram = channels
    on_telegram = make_post(channels=[telegram])
    services.declare_crisis(by=approver, reason="Incidente", channels=[facebook])
    on_telegram.refresh_from_db()
    assert on_telegram.status == PostStatus.APPROVED

    response = approver_client.post(reverse("crisis:change_scope"), {"scope": "all"})

    assert response.status_code == 302
    on_telegram.refresh_from_db()
    assert on_telegram.status == PostStatus.PAUSED
    assert selectors.open_crisis().all_channels
    assert AuditEntry.objects.filter(action="crisis.scope_changed").exists()
    page = approver_client.get(reverse("crisis:dashboard")).content.decode()
    assert "Cambia i canali coinvolti" in page


def test_while_the_crisis_is_open_its_paused_posts_offer_no_resume(
    approver_client, approver, channels, make_post
):
    held = make_post(channels=channels[:1], in_hours=4, title="Mercato del sabato")
    free = make_post(channels=channels[1:2], in_hours=4, title="Festa patronale")
    services.declare_crisis(by=approver, reason="Allerta", channels=channels[1:2])
    services.change_scope(crisis=selectors.open_crisis(), by=approver, channels=channels[:1])

    body = approver_client.get(reverse("crisis:recovery")).content.decode()

    assert reverse("crisis:resume", args=[held.pk]) not in body
    assert "si potrà riprendere alla fine della crisi" in body
    assert reverse("crisis:resume", args=[free.pk]) in body  # its channel left the crisis


def test_the_history_shows_a_crisis_closed_without_a_recorded_person(approver_client, approver):
    from apps.crisis.models import Crisis

    now = timezone.now()
    Crisis.objects.create(
        reason="Esercitazione",
        declared_by=approver,
        declared_at=now - timedelta(hours=2),
        ended_at=now - timedelta(hours=1),  # ended_by may be empty: the schema allows it
    )
    response = approver_client.get(reverse("crisis:history"))
    assert response.status_code == 200
    assert "Esercitazione" in response.content.decode()


def test_the_recovery_screen_flags_a_paused_post_whose_time_is_now_in_a_blackout(
    approver_client, approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=3, title="Concerto in piazza")
    services.declare_crisis(by=approver, reason="Lutto")
    BlackoutFactory(kind="mourning", reason="Lutto cittadino")

    body = approver_client.get(reverse("crisis:recovery")).content.decode()

    assert "Nel periodo di silenzio" in body
    assert reverse("crisis:resume", args=[post.pk]) not in body


def test_the_dashboard_lists_mid_send_and_recent_posts_with_a_one_click_removal(
    approver_client, approver, channels, make_post
):
    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery

    sending_post = make_post(channels=channels[:1], in_hours=-0.1, title="Sagra in invio")
    published_post = make_post(channels=channels[:1], in_hours=-2, title="Festa già uscita")
    Delivery.objects.filter(variant__post=sending_post).update(state=DeliveryState.SENDING)
    published = Delivery.objects.get(variant__post=published_post)
    Delivery.objects.filter(pk=published.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now() - timedelta(hours=2), external_id="o-1"
    )
    services.declare_crisis(by=approver, reason="Incidente stradale")

    body = approver_client.get(reverse("crisis:dashboard")).content.decode()
    assert "Sagra in invio" in body and "Festa già uscita" in body
    removal = reverse("crisis:delete_delivery", args=[published.pk])
    assert removal in body  # the outbox channel supports deleting

    approver_client.post(removal)

    published.refresh_from_db()
    assert published.deleted_at is not None
    assert (
        "Festa già uscita" not in approver_client.get(reverse("crisis:dashboard")).content.decode()
    )


# --- Who sees the banner, and bad input ---------------------------------------------------

HUGE_ID = 10**19  # beyond a 64-bit integer


def test_the_banner_is_a_live_region_on_staff_pages_but_never_on_public_pages(
    client, approver, outsider
):
    services.declare_crisis(by=approver, reason="Frana sulla provinciale")
    client.force_login(approver)

    staff_page = client.get(reverse("home")).content.decode()
    public_page = client.get(reverse("events:public_list")).content.decode()

    assert 'id="crisis-banner"' in staff_page
    assert 'role="alert"' in staff_page
    assert "Frana sulla provinciale" not in public_page
    for visitor in (outsider, None):
        if visitor is None:
            client.logout()
        else:
            client.force_login(visitor)
        body = client.get(reverse("events:public_list")).content.decode()
        assert "Frana sulla provinciale" not in body
        assert 'id="crisis-banner"' not in body


@pytest.mark.parametrize(
    "public_url",
    ["website_feed:list", "newsletter:subscribe"],
)
def test_staff_do_not_see_the_banner_on_the_news_feed_or_the_newsletter_page(
    approver_client, approver, public_url
):
    services.declare_crisis(by=approver, reason="Frana sulla provinciale")

    staff_page = approver_client.get(reverse("planning:calendar")).content.decode()
    public_page = approver_client.get(reverse(public_url))

    assert 'id="crisis-banner"' in staff_page
    assert public_page.status_code == 200
    assert 'id="crisis-banner"' not in public_page.content.decode()
    assert "Frana sulla provinciale" not in public_page.content.decode()


def test_a_double_submit_of_declare_and_end_is_a_message_not_a_second_action(approver_client):
    for _ in range(2):
        response = approver_client.post(
            reverse("crisis:declare"), {"reason": "Allerta", "scope": "all"}
        )
        assert response.status_code == 302
    for _ in range(2):
        response = approver_client.post(reverse("crisis:end"), {"note": "Finita"})
        assert response.status_code == 302
    assert AuditEntry.objects.filter(action="crisis.declared").count() == 1
    assert AuditEntry.objects.filter(action="crisis.ended").count() == 1


def test_a_scope_of_chosen_channels_without_channels_is_summarised_above_the_form(
    approver_client, approver, channels
):
    services.declare_crisis(by=approver, reason="Allerta")

    response = approver_client.post(reverse("crisis:change_scope"), {"scope": "chosen"})

    page = response.content.decode()
    assert "data-error-summary" in page
    assert "Scegli almeno un canale" in page
    assert '<fieldset class="mb-3" aria-describedby="scope_channels_error">' in page
    assert '<a href="#scope_channels_0" data-error-link>' in page


def test_a_second_end_with_an_empty_note_does_not_rerender_a_closed_crisis(approver_client):
    response = approver_client.post(reverse("crisis:end"), {"note": ""})

    assert response.status_code == 302


@pytest.mark.parametrize(
    "name", ["resume", "reschedule", "cancel", "delete_delivery", "blackout_detail"]
)
def test_an_id_beyond_the_database_range_is_a_404_not_a_500(admin_client_, name):
    url = reverse(f"crisis:{name}", args=[HUGE_ID])
    response = admin_client_.get(url) if name == "blackout_detail" else admin_client_.post(url)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"action": "resume"},  # nothing selected
        {"action": "resume", "posts": ["abc"]},
        {"action": "resume", "posts": [str(HUGE_ID)]},
        {"action": "explode", "posts": ["1"]},
        {"action": "reschedule", "posts": ["1"], "planned_at": "2027-03-28T02:30"},  # DST gap
        {"action": "reschedule", "posts": ["1"], "planned_at": "99999-01-01T10:00"},
    ],
)
def test_bad_bulk_input_rerenders_the_recovery_screen_with_the_error(
    approver_client, approver, channels, make_post, data
):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    data = {k: [str(post.pk)] if v == ["1"] else v for k, v in data.items()}

    response = approver_client.post(reverse("crisis:bulk"), data)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED


def test_a_reschedule_in_a_daylight_saving_gap_is_a_message_not_a_500(
    approver_client, approver, channels, make_post
):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")

    response = approver_client.post(
        reverse("crisis:reschedule", args=[post.pk]), {"planned_at": "2027-03-28T02:30"}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED


def test_the_reason_field_points_at_its_help_text_before_any_error(approver_client):
    body = approver_client.get(reverse("crisis:dashboard")).content.decode()

    assert 'aria-describedby="id_reason_helptext"' in body
    assert '<legend class="h6">Canali coinvolti' in body


def test_the_recovery_screen_runs_the_same_queries_for_one_or_many_posts(
    approver_client, channels, make_post
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    BlackoutFactory(kind="mourning", reason="Lutto cittadino")

    def queries_with(paused: int) -> int:
        for hour in range(paused):
            make_post(channels=channels, in_hours=hour + 1, status=PostStatus.PAUSED)
        approver_client.get(reverse("crisis:recovery"))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert approver_client.get(reverse("crisis:recovery")).status_code == 200
        return len(queries)

    assert queries_with(1) == queries_with(2)  # 1 paused post, then 3


FORGED_CHANNEL_LISTS = pytest.mark.parametrize(
    "channel_ids",
    [["9" * 30], [str(2**63)], [str(n) for n in range(1, 602)]],
    ids=["30 digits", "2**63", "601 ids"],
)


@FORGED_CHANNEL_LISTS
def test_a_forged_crisis_scope_is_a_field_error_not_a_server_error(approver_client, channel_ids):
    response = approver_client.post(
        reverse("crisis:declare"),
        {"reason": "Allerta", "scope": "chosen", "channels": channel_ids},
    )

    assert response.status_code == 400 and selectors.open_crisis() is None
    assert 'id="id_channels_error"' in response.content.decode()


@FORGED_CHANNEL_LISTS
def test_a_forged_blackout_scope_is_a_field_error_not_a_server_error(admin_client_, channel_ids):
    response = admin_client_.post(
        reverse("crisis:blackout_create"),
        {
            "kind": "electoral",
            "reason": "Elezioni",
            "starts_at": "2030-05-01T00:00",
            "ends_at": "2030-05-03T00:00",
            "channels": channel_ids,
        },
    )

    assert response.status_code == 400 and not Blackout.objects.exists()
    assert 'id="id_channels_error"' in response.content.decode()
