"""Channel credentials: administrators set, replace, clear or verify a channel's secret.

The secret is write-only from the UI: pages show ``ChannelCredential.masked`` only, the form
(``forms.CredentialForm``) never renders the stored value back, and the audit entry records
*that* it changed, never the value (nor its masked tail). The pages are in
``credential_views.py``.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import record
from apps.channels.models import Channel

from .adapters.base import AdapterError
from .adapters.registry import get_adapter
from .models import ChannelCredential


def set_secret(*, channel: Channel, secret: str, by) -> ChannelCredential:
    with transaction.atomic():
        credential, _created = ChannelCredential.objects.select_for_update().get_or_create(
            channel=channel
        )
        had_secret = bool(credential.secret)
        credential.secret = secret
        credential.save(update_fields=["secret", "updated_at"])
        record(
            action="credential.replaced" if had_secret else "credential.set",
            actor=by,
            obj=channel,
            summary=lambda: (
                _("Credenziale del canale %(channel)s impostata.") % {"channel": channel}
            ),
            before={"secret_set": had_secret},
            after={"secret_set": True},
        )
    return credential


def verify_secret(*, channel: Channel, by) -> tuple[bool, str]:
    """Ask the service whether the stored credential works; audited with the outcome only."""
    credential = ChannelCredential.objects.filter(channel=channel).first()
    try:
        account = get_adapter(channel.kind).verify(
            config=dict(channel.config or {}), secret=credential.secret if credential else ""
        )
    except AdapterError as exc:  # messages are scrubbed of the secret by the adapters
        ok, detail = False, str(exc)
    else:
        # A 200 without the account (e.g. base_url pointing at some web page) proves nothing.
        ok = bool(account.strip("@ "))
        detail = account if ok else _("il servizio ha risposto senza indicare l'account.")
    record(
        action="credential.verified" if ok else "credential.verify_failed",
        actor=by,
        obj=channel,
        summary=detail[:300],
    )
    return ok, detail


def clear_secret(*, channel: Channel, by) -> None:
    with transaction.atomic():
        changed = (
            ChannelCredential.objects.filter(channel=channel).exclude(secret="").update(secret="")
        )
        if changed:
            record(
                action="credential.cleared",
                actor=by,
                obj=channel,
                summary=lambda: (
                    _("Credenziale del canale %(channel)s cancellata.") % {"channel": channel}
                ),
                before={"secret_set": True},
                after={"secret_set": False},
            )


def can_verify(channel: Channel) -> bool:
    """Whether the channel's adapter can ask the service who the credential belongs to."""
    try:
        return get_adapter(channel.kind).supports_verify
    except AdapterError:
        return False
