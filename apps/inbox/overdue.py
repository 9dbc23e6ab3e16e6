"""Overdue conversations: the assignee hears first; past a second threshold (working hours
after the due time, per target) the office's head does. Each email is claimed with a
conditional UPDATE, once per waiting period (a new wait clears the marks)."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.mail import administrators, email_people

from .enums import OPEN_STATUSES
from .models import Conversation, InboxSettings
from .targets import HOUR, Targets, office_calendar


def _recipients_for_head(office: InboxSettings):
    return [office.office_head] if office.office_head_id else list(administrators())


def _email(users, conversation: Conversation, *, escalated: bool) -> int:
    # The email says where and how late, never what the citizen wrote.
    return email_people(
        users,
        subject=lambda: (
            (
                _("Conversazione molto in ritardo: %(channel)s")
                if escalated
                else _("Conversazione in ritardo: %(channel)s")
            )
            % {"channel": conversation.channel}
        ),
        template="inbox/email/overdue.txt",
        context={
            "conversation": conversation,
            "escalated": escalated,
            "url": settings.SITE_URL + conversation.get_absolute_url(),
            "inbox_url": settings.SITE_URL + reverse("inbox:list"),
        },
    )


def notify_overdue(*, now=None) -> int:
    now = now or timezone.now()
    office = InboxSettings.load()
    calendar = office_calendar(office)
    targets = Targets()
    sent = 0
    overdue = (
        Conversation.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .filter(Q(overdue_notified_at__isnull=True) | Q(escalated_at__isnull=True))
        .select_related("channel", "assignee")
    )
    for conversation in overdue:
        if conversation.overdue_notified_at is None and Conversation.objects.filter(
            pk=conversation.pk, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=now):
            users = [conversation.assignee] if conversation.assignee_id else []
            users = users or _recipients_for_head(office)
            sent += _email(users, conversation, escalated=False)
        _hours, escalation = targets.hours(conversation.channel_id, conversation.kind)
        escalate_at = calendar.add_working_seconds(conversation.due_at, escalation * HOUR)
        if (
            conversation.escalated_at is None
            and escalate_at <= now
            and Conversation.objects.filter(pk=conversation.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
        ):
            sent += _email(_recipients_for_head(office), conversation, escalated=True)
    return sent
