from tests.permissions import LOGIN, Access, public


def _publishing_running(cast) -> dict:
    """/healthz answers 200 only while beat and the workers write their heartbeats."""
    from django.utils import timezone

    from apps.core.models import Heartbeat

    now = timezone.now()
    for name, role, queues in (("beat", "beat", ""), ("w@h", "worker", "scheduling,sends")):
        Heartbeat.objects.update_or_create(
            name=name, defaults={"role": role, "queues": queues, "started_at": now, "seen_at": now}
        )
    return {}


ROWS = [
    Access("home"),
    public("healthz", make_kwargs=_publishing_running),
    public("accessibility"),
    public("login"),
    # Logging out always lands on the login page.
    Access(
        "logout",
        method="POST",
        anonymous=LOGIN,
        outsider=LOGIN,
        editor=LOGIN,
        other_editor=LOGIN,
        approver=LOGIN,
        admin=LOGIN,
    ),
]
