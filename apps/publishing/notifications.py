"""Notices about deliveries a person must look at (failed, to check): a notification for each
person, and the email each chose."""

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.accounts.roles import Role
from apps.notifications.enums import Kind
from apps.notifications.services import Email, notify

from .models import Delivery


def _notify_problem(*, delivery_id: int) -> None:
    """Tells the author and the approvers about a failed or to-check delivery, each in their
    language."""
    delivery = (
        Delivery.objects.select_related("variant__post__author", "variant__channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    post = delivery.variant.post
    people = User.objects.filter(
        Q(groups__name__in=[Role.APPROVER.value, Role.ADMIN.value]) | Q(pk=post.author_id)
    )
    notify(
        people,
        Kind.DELIVERY_PROBLEM,
        params={"title": post.title, "channel": str(delivery.variant.channel)},
        url=post.get_absolute_url(),
        email=Email(
            subject=lambda: (
                _("Invio non riuscito: %(title)s su %(channel)s")
                % {"title": post.title, "channel": delivery.variant.channel}
            ),
            body=lambda: (
                _(
                    "L'invio del post «%(title)s» sul canale %(channel)s "
                    "è nello stato «%(state)s».\n"
                    "Errore: %(error)s\n\nApri il post: %(url)s\n"
                )
                % {
                    "title": post.title,
                    "channel": delivery.variant.channel,
                    "state": delivery.get_state_display(),
                    "error": delivery.last_error or "—",
                    "url": post.get_full_url(),
                }
            ),
        ),
    )
