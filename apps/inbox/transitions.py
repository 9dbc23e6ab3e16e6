"""The only code that assigns ``Conversation.status``.

``move(conversation, to, by=…)`` refuses moves not in :data:`ALLOWED`, makes the move as one
conditional ``UPDATE … WHERE status = <the status the caller read>`` (a double click or a
worker racing a person changes nothing the second time: it returns ``False``), and writes the
audit entry in the same transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import Summary, record

from .enums import CloseReason, ConversationStatus
from .models import Conversation

S = ConversationStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.ANSWERED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.ASSIGNED, S.ANSWERED, S.CLOSED}),
    S.ANSWERED: frozenset({S.REOPENED, S.ANSWERED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.ANSWERED, S.CLOSED}),
}


class TransitionError(Exception):
    """A move the table does not allow; its text is shown to the person."""


def move(
    conversation: Conversation,
    to: str,
    *,
    by=None,
    reason: str = "",
    summary: Summary = "",
    **fields,
) -> bool:
    """Move ``conversation`` from the status it was read with to ``to``, setting ``fields``
    in the same UPDATE. Closing needs a reason from :class:`CloseReason`."""
    current = conversation.status
    if to not in ALLOWED.get(current, ()):
        raise TransitionError(
            _("Una conversazione «%(from)s» non può diventare «%(to)s».")
            % {"from": S(current).label, "to": S(to).label}
        )
    if to == S.CLOSED and reason not in CloseReason.values:
        raise TransitionError(_("Per chiudere senza risposta scegli un motivo dall'elenco."))
    values = {"status": to, "close_reason": reason if to == S.CLOSED else "", **fields}
    with transaction.atomic():
        changed = Conversation.objects.filter(pk=conversation.pk, status=current).update(**values)
        if changed != 1:
            return False
        for name, value in values.items():
            setattr(conversation, name, value)
        record(
            action=f"inbox.{to}",
            actor=by,
            obj=conversation,
            summary=summary
            or (
                lambda: (
                    _("Conversazione: %(from)s → %(to)s%(reason)s")
                    % {
                        "from": S(current).label,
                        "to": S(to).label,
                        "reason": f" ({CloseReason(reason).label})" if reason else "",
                    }
                )
            ),
            before={"status": current},
            after={"status": to, **({"reason": reason} if reason else {})},
        )
    return True


STATUS_HELP = gettext_lazy(
    "Nuovo → assegnato → risposto, oppure chiuso senza risposta (con un motivo); "
    "riaperto quando il cittadino scrive di nuovo."
)
