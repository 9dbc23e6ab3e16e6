"""The subscribe form cannot flood a mailbox, leak who is subscribed, or break on a bad mail
setting: confirmations go out from a task, at most a few per mailbox a day."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.newsletter import services
from apps.newsletter.models import ConfirmationSent, Subscriber
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _post(email, ip="203.0.113.7"):
    return Client().post(
        reverse("newsletter:subscribe"), {"email": email, "consent": "on"}, REMOTE_ADDR=ip
    )


@pytest.fixture
def subscribe(django_capture_on_commit_callbacks):
    def post(email, ip="203.0.113.7"):
        with django_capture_on_commit_callbacks(execute=True):
            return _post(email, ip)

    return post


# --- One mailbox, many spellings -------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "victim@gmail.com",
        "Victim@Gmail.com",
        "victim+1@gmail.com",
        "victim+newsletter+2@gmail.com",
        "v.ictim@gmail.com",
        "v.i.c.t.i.m@googlemail.com",
        "VIC.TIM+x@GoogleMail.com",
    ],
)
def test_every_spelling_of_a_gmail_mailbox_is_the_same_mailbox(spelling):
    assert services.mailbox_of(spelling) == "victim@gmail.com"


def test_dots_count_where_the_provider_does_not_ignore_them():
    assert services.mailbox_of("Mario.Rossi+1@Comune.Esempio.it") == "mario.rossi@comune.esempio.it"
    assert services.mailbox_of("mario.rossi@example.org") != services.mailbox_of(
        "mariorossi@example.org"
    )


def test_eight_spellings_of_one_mailbox_get_at_most_the_daily_limit_of_confirmations(subscribe):
    spellings = [
        "victim+1@gmail.com",
        "victim+2@gmail.com",
        "v.ictim@gmail.com",
        "vi.ctim@gmail.com",
        "victim@googlemail.com",
        "Victim+3@Gmail.com",
        "vic.tim@googlemail.com",
        "victim@gmail.com",
    ]
    # From eight connections, so that the per-connection limit plays no part.
    responses = [subscribe(email, ip=f"203.0.113.{n}") for n, email in enumerate(spellings)]

    assert [r.status_code for r in responses] == [302] * 8
    assert {r["Location"] for r in responses} == {reverse("newsletter:subscribed")}
    assert len(mail.outbox) == services.CONFIRMATIONS_PER_MAILBOX == 3
    assert Subscriber.objects.count() == 8


def test_another_mailbox_is_not_held_back_by_a_flooded_one(subscribe):
    for n in range(5):
        subscribe(f"victim+{n}@gmail.com", ip=f"198.51.100.{n}")
    mail.outbox.clear()

    subscribe("maria.rossi@example.org")

    assert [m.to for m in mail.outbox] == [["maria.rossi@example.org"]]


def test_the_mailbox_gets_confirmations_again_the_next_day(subscribe):
    for n in range(4):
        subscribe(f"victim+{n}@gmail.com", ip=f"198.51.100.{n}")
    assert len(mail.outbox) == 3
    ConfirmationSent.objects.update(sent_at=timezone.now() - timedelta(hours=25))

    subscribe("victim+9@gmail.com", ip="198.51.100.9")

    assert len(mail.outbox) == 4


def test_the_daily_purge_forgets_yesterdays_counts(subscribe):
    subscribe("victim@gmail.com")
    ConfirmationSent.objects.update(sent_at=timezone.now() - timedelta(hours=25))

    services.purge_unconfirmed()

    assert ConfirmationSent.objects.count() == 0


def test_the_count_table_does_not_hold_the_address(subscribe):
    subscribe("maria.rossi@example.org")

    [row] = ConfirmationSent.objects.all()
    assert "maria" not in row.mailbox and "example" not in row.mailbox


# --- The request never sends: same work, same time, for known and unknown addresses ----------


@pytest.fixture
def queued(monkeypatch):
    """Confirmation tasks queued by requests (a worker would run them later)."""
    calls = []
    monkeypatch.setattr(
        "apps.newsletter.tasks.send_confirmation_task.delay",
        lambda subscriber_id: calls.append(subscriber_id),
        raising=False,
    )
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_new_and_an_active_subscriber_get_the_same_answer_and_no_mail_in_the_request(queued):
    active = SubscriberFactory(email="gia.iscritta@example.org")

    new = _post("nuova@example.org")
    again = _post("gia.iscritta@example.org")

    assert (new.status_code, again.status_code) == (302, 302)
    assert new["Location"] == again["Location"] == reverse("newsletter:subscribed")
    assert mail.outbox == []
    assert queued == [Subscriber.objects.get(email="nuova@example.org").pk, active.pk]


@pytest.mark.django_db(transaction=True)
def test_a_broken_mail_setting_cannot_make_the_subscribe_page_fail(queued, settings):
    # What EMAIL_URL=filemail:// used to give: every send raised, the page answered 500.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = None
    client = Client(raise_request_exception=False)

    response = client.post(
        reverse("newsletter:subscribe"), {"email": "maria.rossi@example.org", "consent": "on"}
    )

    assert response.status_code == 302
    assert Subscriber.objects.get().consents.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_cannot_make_the_subscribe_page_fail(monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(
        "apps.newsletter.tasks.send_confirmation_task.delay", broker_down, raising=False
    )
    response = Client(raise_request_exception=False).post(
        reverse("newsletter:subscribe"), {"email": "maria.rossi@example.org", "consent": "on"}
    )
    assert response.status_code == 302


def test_the_task_sends_once_even_if_it_runs_twice(subscribe):
    subscribe("maria.rossi@example.org")
    subscriber = Subscriber.objects.get()

    assert services.send_confirmation(subscriber_id=subscriber.pk) is False
    assert len(mail.outbox) == 1


def test_the_task_sends_nothing_to_an_active_subscriber_or_an_unknown_id():
    active = SubscriberFactory(email="gia.iscritta@example.org")

    assert services.send_confirmation(subscriber_id=active.pk) is False
    assert services.send_confirmation(subscriber_id=999_999) is False
    assert mail.outbox == []


# --- EMAIL_URL is checked at start ------------------------------------------------------------

SEND = (
    "import django; django.setup(); from django.core.mail import send_mail;"
    "send_mail('Prova', 'Testo', 'da@esempio.it', ['a@esempio.it'])"
)


def _start_with(tmp_path, email_url: str):
    cleared = ("PA_PLANNER_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "EMAIL_URL")
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env.update(
        DJANGO_SETTINGS_MODULE="pa_planner.settings",
        PA_PLANNER_VAR_DIR=str(tmp_path),
        EMAIL_URL=email_url,
    )
    return subprocess.run(
        [sys.executable, "-c", SEND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_filemail_url_with_a_directory_writes_the_mail_there(tmp_path):
    mails = tmp_path / "mail"
    result = _start_with(tmp_path, f"filemail://{mails}")
    assert result.returncode == 0, result.stderr
    assert "Prova" in "".join(p.read_text() for p in mails.iterdir())


@pytest.mark.parametrize("email_url", ["filemail://", "smtp://", "smtp+tls://:587"])
def test_an_email_url_that_could_never_send_stops_the_start(tmp_path, email_url):
    result = _start_with(tmp_path, email_url)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "EMAIL_URL" in result.stderr
