"""The demo's inbox: a few dozen Italian messages across channels, some overdue, an insult to
hide, a private message handed to the Anagrafe, answers in past weeks for the report."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.inbox.models import Conversation, Handover, Message
from apps.inbox.selectors import overdue_count, response_time_figures

pytestmark = pytest.mark.django_db


def test_the_demo_inbox_is_lively_and_loads_twice_without_duplicates():
    call_command("load_demo", verbosity=0)
    first = Message.objects.count()
    call_command("load_demo", verbosity=0)
    assert Message.objects.count() == first >= 30
    assert Conversation.objects.values("channel").distinct().count() >= 5
    kinds = set(Conversation.objects.values_list("channel__kind", flat=True))
    assert {"newsletter", "linkedin"} <= kinds
    assert overdue_count() >= 3
    assert Message.objects.filter(text__icontains="TARI").count() >= 5
    assert Handover.objects.get().office == "Anagrafe"
    now = timezone.now()
    figures = response_time_figures(start=now - timezone.timedelta(weeks=8), end=now)
    assert sum(f.answered for f in figures) == 10
