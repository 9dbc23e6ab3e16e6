"""The demo people find notifications about the review demo's posts in the header."""

import pytest

from apps.accounts import demo as accounts_demo
from apps.accounts.roles import Role
from apps.notifications import demo as notifications_demo
from apps.notifications.models import Notification
from apps.review import demo as review_demo


@pytest.mark.django_db
def test_the_demo_gives_the_editor_and_the_approver_unread_notifications():
    ctx: dict = {}
    accounts_demo.load(ctx)
    review_demo.load(ctx)
    notifications_demo.load(ctx)
    count = Notification.objects.count()
    notifications_demo.load(ctx)  # idempotent

    assert Notification.objects.count() == count
    editor, approver = ctx["users"][Role.EDITOR], ctx["users"][Role.APPROVER]
    assert sorted(editor.notifications.values_list("kind", flat=True)) == [
        "approved",
        "changes_requested",
        "mention",
    ]
    assert sorted(approver.notifications.values_list("kind", flat=True)) == [
        "delivery_problem",
        "review_needed",
    ]
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    assert all(n.text.count("«") == 1 for n in Notification.objects.all())
