from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.newsletter.models import Subscriber
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def _aged(subscriber, days):
    Subscriber.objects.filter(pk=subscriber.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return subscriber


def test_only_old_never_confirmed_sign_ups_are_forgotten(capsys):
    old_pending = _aged(SubscriberFactory(confirmed_at=None), 31)
    recent_pending = _aged(SubscriberFactory(confirmed_at=None), 5)
    old_active = _aged(SubscriberFactory(), 400)
    old_left = _aged(SubscriberFactory(unsubscribed_at=timezone.now()), 400)

    call_command("newsletter_purge")

    assert set(Subscriber.objects.all()) == {recent_pending, old_active, old_left}
    assert not Subscriber.objects.filter(pk=old_pending.pk).exists()
    assert "deleted 1 unconfirmed" in capsys.readouterr().out


def test_dry_run_only_counts(capsys):
    _aged(SubscriberFactory(confirmed_at=None), 31)

    call_command("newsletter_purge", "--dry-run")

    assert Subscriber.objects.count() == 1
    assert "would delete 1" in capsys.readouterr().out


def test_the_daily_task_runs_the_same_purge():
    from apps.newsletter.tasks import purge_unconfirmed_task

    _aged(SubscriberFactory(confirmed_at=None), 45)

    assert purge_unconfirmed_task() == 1
    assert Subscriber.objects.count() == 0
