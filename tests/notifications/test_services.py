"""The notification centre's rules: one row per person, and the email each person chose."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.accounts.mail import remember_language
from apps.audit.models import AuditEntry
from apps.notifications import services
from apps.notifications.enums import Delivery, Kind
from apps.notifications.models import Notification, NotificationSettings
from apps.notifications.services import Email, notify, send_due_emails
from apps.notifications.tasks import send_due_emails as send_due_emails_task
from pa_planner.celery import app
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
# A Wednesday in December, 15:00 in Rome.
AFTERNOON = datetime(2026, 12, 9, 15, 0, tzinfo=ROME)
NIGHT = datetime(2026, 12, 9, 23, 30, tzinfo=ROME)


def _prefs(user, *, quiet=None, **choices):
    return NotificationSettings.objects.create(
        user=user,
        choices={Kind(k).value: v for k, v in choices.items()},
        quiet_from=quiet[0] if quiet else None,
        quiet_until=quiet[1] if quiet else None,
    )


def test_notify_stores_one_unread_row_per_person_with_its_link(editor, approver, mailoutbox):
    notify(
        [editor, approver, editor],
        Kind.APPROVED,
        params={"title": "Ponte chiuso"},
        url="/calendario/7/",
        now=AFTERNOON,
    )

    rows = Notification.objects.order_by("user__username")
    assert [(r.user, r.kind, r.url, r.read_at) for r in rows] == [
        (approver, "approved", "/calendario/7/", None),
        (editor, "approved", "/calendario/7/", None),
    ]
    assert rows[0].text == "Approvato: «Ponte chiuso»"


def test_by_default_everyone_gets_the_callers_email_at_once(editor, approver, mailoutbox):
    sent = notify(
        [editor, approver],
        Kind.REVIEW_NEEDED,
        params={"title": "Ponte chiuso"},
        url="/revisione/post/7/",
        email=Email(subject=lambda: "Oggetto del chiamante", body=lambda: "Testo del chiamante"),
        now=AFTERNOON,
    )

    assert sent == 2
    assert [(m.subject, sorted(m.to), m.body) for m in mailoutbox] == [
        ("Oggetto del chiamante", sorted([editor.email, approver.email]), "Testo del chiamante")
    ]
    assert set(Notification.objects.values_list("emailed_at", flat=True)) == {AFTERNOON}


def test_without_an_email_of_its_own_the_notification_line_and_link_are_sent(
    editor, mailoutbox, settings
):
    settings.SITE_URL = "https://planner.comune.esempio.it"

    notify([editor], Kind.MENTION, params={"title": "Sagra", "author": "Anna"}, url="/c/1/")

    assert mailoutbox[0].subject == "Anna ti ha menzionato nei commenti di «Sagra»"
    assert "https://planner.comune.esempio.it/c/1/" in mailoutbox[0].body


def test_in_app_only_sends_no_email_now_or_later(editor, mailoutbox):
    _prefs(editor, approved=Delivery.IN_APP)

    notify([editor], Kind.APPROVED, params={"title": "X"}, now=AFTERNOON)

    assert mailoutbox == []
    row = Notification.objects.get()
    assert (row.email_due_at, row.emailed_at) == (None, None)
    assert send_due_emails(now=AFTERNOON + timedelta(days=2)) == 0
    assert mailoutbox == []


def test_a_choice_for_one_kind_leaves_the_others_at_email_at_once(editor, mailoutbox):
    _prefs(editor, approved=Delivery.IN_APP)

    notify([editor], Kind.CHANGES_REQUESTED, params={"title": "X"}, now=AFTERNOON)

    assert len(mailoutbox) == 1


def test_the_digest_collects_a_days_notifications_into_one_email_at_eight(editor, mailoutbox):
    _prefs(editor, approved=Delivery.DIGEST, changes_requested=Delivery.DIGEST)
    notify([editor], Kind.APPROVED, params={"title": "Primo"}, url="/a/", now=AFTERNOON)
    notify([editor], Kind.CHANGES_REQUESTED, params={"title": "Secondo"}, now=NIGHT)

    assert mailoutbox == []
    tomorrow_eight = datetime(2026, 12, 10, 8, 0, tzinfo=ROME)
    assert set(Notification.objects.values_list("email_due_at", flat=True)) == {tomorrow_eight}
    assert send_due_emails(now=tomorrow_eight - timedelta(minutes=1)) == 0

    assert send_due_emails(now=tomorrow_eight) == 1

    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.to == [editor.email]
    assert digest.subject == "PA Planner: 2 notifiche"
    assert "- Approvato: «Primo»" in digest.body
    assert "- Modifiche richieste: «Secondo»" in digest.body


def test_due_emails_run_twice_send_once(editor, mailoutbox):
    _prefs(editor, approved=Delivery.DIGEST)
    notify([editor], Kind.APPROVED, params={"title": "Primo"}, now=AFTERNOON)
    later = AFTERNOON + timedelta(days=1)

    assert send_due_emails(now=later) == 1
    assert send_due_emails(now=later) == 0

    assert len(mailoutbox) == 1


def test_email_at_once_in_quiet_hours_waits_for_their_end(editor, mailoutbox):
    _prefs(editor, quiet=(time(22, 0), time(7, 30)))

    notify([editor], Kind.APPROVED, params={"title": "Notturno"}, now=NIGHT)

    assert mailoutbox == []
    morning = datetime(2026, 12, 10, 7, 30, tzinfo=ROME)
    assert Notification.objects.get().email_due_at == morning
    assert send_due_emails(now=morning - timedelta(seconds=1)) == 0
    assert send_due_emails(now=morning) == 1
    assert mailoutbox[0].subject == "PA Planner: 1 notifica"
    assert "Approvato: «Notturno»" in mailoutbox[0].body


def test_quiet_hours_within_a_day_and_outside_them(editor, mailoutbox):
    _prefs(editor, quiet=(time(13, 0), time(16, 0)))

    notify([editor], Kind.APPROVED, params={"title": "A"}, now=AFTERNOON)
    notify([editor], Kind.APPROVED, params={"title": "B"}, now=NIGHT)

    assert [m.subject for m in mailoutbox] == ["Approvato: «B»"]
    waiting = Notification.objects.get(params__title="A")
    assert waiting.email_due_at == datetime(2026, 12, 9, 16, 0, tzinfo=ROME)


def test_a_digest_time_inside_quiet_hours_moves_to_their_end(editor):
    prefs = _prefs(editor, quiet=(time(21, 0), time(9, 0)), approved=Delivery.DIGEST)

    assert services.next_digest_at(prefs, AFTERNOON) == datetime(2026, 12, 10, 9, 0, tzinfo=ROME)


def test_a_refused_email_is_tried_again_on_the_next_run(editor, mailoutbox, monkeypatch):
    _prefs(editor, approved=Delivery.DIGEST)
    notify([editor], Kind.APPROVED, params={"title": "Primo"}, now=AFTERNOON)
    later = AFTERNOON + timedelta(days=1)

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("apps.accounts.mail.send_mail", refuse)
    assert send_due_emails(now=later) == 0
    assert Notification.objects.get().emailed_at is None
    monkeypatch.undo()

    assert send_due_emails(now=later) == 1
    assert len(mailoutbox) == 1


def test_people_without_an_address_get_the_notification_and_no_email(mailoutbox):
    person = UserFactory(email="")

    notify([person], Kind.APPROVED, params={"title": "X"})

    assert Notification.objects.get().user == person
    assert mailoutbox == []


def test_inactive_people_are_not_notified(editor, mailoutbox):
    editor.is_active = False
    editor.save(update_fields=["is_active"])

    assert notify([editor], Kind.APPROVED, params={"title": "X"}) == 0

    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_the_line_renders_in_the_readers_language(editor, approver, mailoutbox):
    remember_language(approver, "en")
    _prefs(approver, channel_reconnect=Delivery.DIGEST)
    _prefs(editor, channel_reconnect=Delivery.DIGEST)
    notify([editor, approver], Kind.CHANNEL_RECONNECT, params={"channel": "Ig"}, now=AFTERNOON)

    send_due_emails(now=AFTERNOON + timedelta(days=1))

    by_address = {m.to[0]: m.body for m in mailoutbox}
    assert "- Canale da ricollegare: Ig" in by_address[editor.email]
    assert "- Channel to reconnect: Ig" in by_address[approver.email]


def test_a_notification_links_only_to_a_path_on_this_site(editor):
    for url in ("https://x.example/", "//x.example/", "/\\x.example/", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            notify([editor], Kind.APPROVED, params={"title": "X"}, url=url)
    assert Notification.objects.count() == 0


def test_a_row_older_than_its_text_shows_the_kind():
    row = Notification(kind=Kind.DELIVERY_PROBLEM, params={"title": "X"})

    assert row.text == "Invii non riusciti o da verificare"


def test_marking_read_touches_only_the_readers_rows(editor, approver):
    notify([editor, approver], Kind.APPROVED, params={"title": "X"})
    mine = Notification.objects.get(user=editor)
    theirs = Notification.objects.get(user=approver)

    assert services.mark_read(user=editor, notification_id=theirs.pk) is False
    assert services.mark_read(user=editor, notification_id=mine.pk) is True
    assert services.mark_read(user=editor, notification_id=mine.pk) is False

    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_mark_all_read(editor, approver):
    for title in ("A", "B"):
        notify([editor, approver], Kind.APPROVED, params={"title": title})

    assert services.mark_all_read(user=editor) == 2
    assert services.mark_all_read(user=editor) == 0
    assert Notification.objects.filter(user=approver, read_at__isnull=True).count() == 2


def test_saving_preferences_is_audited_and_ignores_unknown_values(editor):
    services.save_preferences(
        user=editor,
        choices={"approved": "digest", "mention": "pigeon", "unknown": "in_app"},
        quiet_from=time(20, 0),
        quiet_until=time(8, 0),
    )

    prefs = NotificationSettings.objects.get(user=editor)
    assert prefs.choices == {"approved": "digest"}
    entry = AuditEntry.objects.get(action="notifications.preferences_changed")
    assert entry.actor == editor
    assert entry.after == {"choices": {"approved": "digest"}, "quiet": "20:00-08:00"}


def test_the_beat_schedule_sends_due_emails_every_minute():
    entry = app.conf.beat_schedule["notifications.send_due_emails"]
    assert entry["task"] == send_due_emails_task.name
    assert entry["schedule"] == timedelta(minutes=1)
