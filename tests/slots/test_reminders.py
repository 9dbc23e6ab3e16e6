from datetime import timedelta

import pytest
from django.utils import timezone

from apps.slots import services
from apps.slots.models import SlotReminder
from apps.slots.tasks import send_empty_slot_reminders
from tests.factories import UserFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_MORNING = rome(2026, 3, 4, 8)


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.SLOT_REMINDER_DAYS = 3
    settings.SITE_URL = "https://planner.comune.esempio.it"


@pytest.fixture
def owner():
    return UserFactory(username="giulia", first_name="Giulia", email="giulia@comune.esempio.it")


def test_the_owner_gets_one_italian_email_with_links_about_empty_occurrences(owner, mailoutbox):
    slot = SlotFactory(name="Eventi del weekend", owner=owner)

    assert services.send_empty_slot_reminders(now=WEDNESDAY_MORNING) == 1

    [mail] = mailoutbox
    assert mail.to == ["giulia@comune.esempio.it"]
    assert mail.subject == "Rubriche da riempire: 1 uscita nei prossimi giorni"
    assert "Ciao Giulia," in mail.body
    assert "- Eventi del weekend: venerdì 6 marzo, 12:00" in mail.body
    assert f"https://planner.comune.esempio.it/rubriche/{slot.pk}/#uscita-" in mail.body
    assert "https://planner.comune.esempio.it/rubriche/" in mail.body


def test_a_second_run_the_same_day_sends_nothing(owner, mailoutbox):
    SlotFactory(owner=owner)
    services.send_empty_slot_reminders(now=WEDNESDAY_MORNING)

    assert services.send_empty_slot_reminders(now=WEDNESDAY_MORNING + timedelta(hours=5)) == 0
    assert len(mailoutbox) == 1
    assert SlotReminder.objects.count() == 1


def test_the_next_day_the_owner_is_reminded_again(owner, mailoutbox):
    SlotFactory(owner=owner)
    services.send_empty_slot_reminders(now=WEDNESDAY_MORNING)
    services.send_empty_slot_reminders(now=WEDNESDAY_MORNING + timedelta(days=1))
    assert len(mailoutbox) == 2


def test_filled_skipped_and_far_occurrences_are_not_reminded(owner, editor, mailoutbox):
    slot = SlotFactory(owner=owner, rrule="FREQ=WEEKLY;BYDAY=TH,FR")
    services.fill_occurrence(slot, rome(2026, 3, 5, 12), by=editor)
    services.skip_occurrence(slot, rome(2026, 3, 6, 12), by=editor, reason="Festività")
    # Next ones (Thursday 12 March) are beyond 3 days.

    assert services.send_empty_slot_reminders(now=WEDNESDAY_MORNING) == 0
    assert mailoutbox == []


def test_each_owner_hears_only_about_their_own_slots(owner, mailoutbox):
    colleague = UserFactory(username="marco", email="marco@comune.esempio.it")
    SlotFactory(name="Eventi del weekend", owner=owner)
    SlotFactory(name="Scadenze", owner=colleague, rrule="FREQ=WEEKLY;BYDAY=TH")

    assert services.send_empty_slot_reminders(now=WEDNESDAY_MORNING) == 2

    bodies = {mail.to[0]: mail.body for mail in mailoutbox}
    assert "Eventi del weekend" in bodies["giulia@comune.esempio.it"]
    assert "Scadenze" not in bodies["giulia@comune.esempio.it"]
    assert "Scadenze" in bodies["marco@comune.esempio.it"]


def test_the_daily_task_is_registered_under_the_beat_schedule_name(owner, mailoutbox):
    from pa_planner.celery import app

    entry = app.conf.beat_schedule["slots.send_empty_slot_reminders"]
    assert entry["task"] == send_empty_slot_reminders.name == "slots.send_empty_slot_reminders"
    assert send_empty_slot_reminders.name in app.tasks
    tomorrow = timezone.localdate() + timedelta(days=1)
    SlotFactory(owner=owner, rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", start_date=tomorrow)

    assert send_empty_slot_reminders.apply().get() == 1
    assert len(mailoutbox) == 1
