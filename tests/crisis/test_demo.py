import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.crisis.models import Blackout, BlackoutKind, Crisis


@pytest.mark.django_db
def test_the_demo_has_an_ended_crisis_and_an_upcoming_electoral_silence():
    call_command("load_demo")
    call_command("load_demo")

    crisis = Crisis.objects.get()
    assert crisis.ended_at is not None and crisis.end_note
    blackout = Blackout.objects.get()
    assert blackout.kind == BlackoutKind.ELECTORAL
    assert blackout.starts_at > timezone.now()
