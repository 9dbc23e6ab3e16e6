"""Demo: one past crisis (declared and ended, with its audit trail) and an upcoming electoral
silence. Idempotent: a second load finds both by their reasons and changes nothing.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from apps.audit.services import record

from .models import Blackout, BlackoutKind, Crisis, CrisisState

PAST_CRISIS_REASON = (
    "Allerta meteo rossa della Protezione civile: esondazione del torrente Rio Maggiore, "
    "evacuate le abitazioni di via dei Mulini. Sospese le pubblicazioni ordinarie."
)
PAST_CRISIS_NOTE = (
    "Allerta rientrata alle 18:00. Annullati i post sulla Sagra d'autunno, riprogrammato "
    "il mercato al sabato successivo. Tono sobrio per le prossime 48 ore."
)
SILENCE_REASON = "Elezioni comunali: silenzio della comunicazione istituzionale"


def load(ctx: dict) -> None:
    CrisisState.objects.get_or_create(singleton=True)
    users = ctx.get("users") or {}
    approver = users.get("Approvatori") or User.objects.order_by("id").first()
    if approver is None:
        return
    now = timezone.now()
    if not Crisis.objects.filter(reason=PAST_CRISIS_REASON).exists():
        declared_at = (now - timedelta(days=20)).replace(hour=7, minute=42, second=0)
        crisis = Crisis.objects.create(
            reason=PAST_CRISIS_REASON,
            declared_by=approver,
            declared_at=declared_at,
            ended_by=approver,
            ended_at=declared_at + timedelta(hours=10, minutes=18),
            end_note=PAST_CRISIS_NOTE,
        )
        record(action="crisis.declared", actor=approver, obj=crisis, summary=crisis.reason)
        record(action="crisis.ended", actor=approver, obj=crisis, summary=crisis.end_note)
    if not Blackout.objects.filter(reason=SILENCE_REASON).exists():
        starts_at = (now + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
        blackout = Blackout.objects.create(
            kind=BlackoutKind.ELECTORAL,
            reason=SILENCE_REASON,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=45, hours=23),
            created_by=users.get("Amministratori") or approver,
        )
        # Art. 9 L. 28/2000: no category is allowed as such; only posts marked indispensable
        # (impersonal, with a justification) go out.
        record(action="blackout.created", actor=blackout.created_by, obj=blackout)
