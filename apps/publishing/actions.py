"""What people do with a delivery: "Riprova ora", "Chiudi l'invio", the verdict on one to
check."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.transitions import transition

from .enums import DISPATCHABLE_POST_STATES, FailureKind
from .enums import DeliveryState as D
from .following import post_status_for, sync_post_status
from .models import Delivery
from .sending import _public_url
from .transitions import move


class DeliveryActionError(Exception):
    """A person's action that does not fit the delivery's state; the message is shown."""


def retry_delivery(*, delivery: Delivery, by) -> Delivery:
    """ "Riprova ora": a failed, to-check or backing-off delivery is due again at once.

    For one to check, the person has verified that the item is not on the channel.
    """
    if delivery.state not in (D.FAILED, D.NEEDS_CHECK, D.WAITING):
        raise DeliveryActionError(_("Questo invio non si può ripetere ora."))
    if delivery.state == D.FAILED and not delivery.failure.can_retry:
        raise DeliveryActionError(delivery.failure.what_to_do)
    before = delivery.state
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if post.status != PostStatus.FAILED and post.status not in DISPATCHABLE_POST_STATES:
            raise DeliveryActionError(_("Il post non è approvato: non si può inviare."))
        # Conditional on the state the person saw: a send in flight (queued, sending) or one
        # that finished meanwhile is never touched, so "Riprova ora" cannot send twice.
        # needs_reconcile is kept: an earlier send may have reached the channel, so the new
        # attempt still looks the item up first where the channel allows it.
        # The person's "Riprova ora" is the decision to send now: lateness counts from it.
        if not move(
            delivery,
            before,
            D.WAITING,
            action="delivery.retry_requested",
            by=by,
            next_attempt_at=None,
            queued_at=None,
            due_at=timezone.now(),
            failure_kind=FailureKind.NONE,
        ):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        if post.status == PostStatus.FAILED:
            # Reopened: approved, or partly failed while other channels still show an error.
            states = Delivery.objects.filter(variant__post=post).values_list("state", flat=True)
            target = post_status_for(list(states)) or PostStatus.APPROVED
            transition(post, target, by=by, note=lambda: _("Nuovo tentativo di invio."))
    return delivery


def dismiss_failed_delivery(*, delivery: Delivery, by) -> Delivery:
    """A person closes a failed delivery: it will not go out. The post then shows what did
    (published where the others went out; cancelled when nothing did)."""
    if delivery.state != D.FAILED:
        raise DeliveryActionError(_("Si può chiudere solo un invio fallito."))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if not move(delivery, D.FAILED, D.CANCELLED, action="delivery.dismissed", by=by):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        states = list(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
        if post.status == PostStatus.FAILED and all(s == D.CANCELLED for s in states):
            transition(post, PostStatus.CANCELLED, by=by, note=lambda: _("Invii falliti chiusi."))
        else:
            sync_post_status(post=post, by=by)
    return delivery


def resolve_checked_delivery(*, delivery: Delivery, by, sent: bool, url: str = "") -> Delivery:
    """A person looked at the channel: the item is there (sent) or not (failed)."""
    if delivery.state != D.NEEDS_CHECK:
        raise DeliveryActionError(_("Questo invio non è da verificare."))
    target = D.SENT if sent else D.FAILED
    fields = {"needs_reconcile": False}
    if sent:
        fields.update(
            sent_at=timezone.now(),
            external_url=_public_url(url),
            last_error="",
            # The request that reached the channel was built from the approved variant.
            sent_title=delivery.variant.public_title[:200],
        )
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if not move(
            delivery,
            D.NEEDS_CHECK,
            target,
            action="delivery.checked_sent" if sent else "delivery.checked_failed",
            by=by,
            summary=url,
            **fields,
        ):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        sync_post_status(post=post, by=by)
    return delivery
