"""Channel credentials: administrators set, replace or clear a channel's secret.

The secret is write-only from the UI: pages show ``ChannelCredential.masked`` only, the form
never renders the stored value back, and the audit entry records *that* it changed, never
the value (nor its masked tail).
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.accounts.access import require_capability
from apps.accounts.security import require_recent_auth
from apps.audit.services import record
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel

from .adapters.base import AdapterError
from .adapters.registry import get_adapter
from .models import ChannelCredential

# What to paste, per kind: administrators rarely set these and never remember which token.
SECRET_HELP = {
    ChannelKind.MASTODON: gettext_lazy(
        "Token di accesso di un'applicazione creata in Preferenze › Sviluppo, con permesso "
        "write:statuses e write:media."
    ),
    ChannelKind.TELEGRAM: gettext_lazy(
        "Token del bot fornito da @BotFather (123456:ABC…); il bot deve essere amministratore "
        "del canale."
    ),
    ChannelKind.FACEBOOK: gettext_lazy(
        "Token di accesso della Pagina (Page access token) con pages_manage_posts."
    ),
    ChannelKind.INSTAGRAM: gettext_lazy(
        "Token di accesso con instagram_content_publish per l'account professionale collegato."
    ),
    ChannelKind.X: gettext_lazy("Token utente OAuth 2.0 con i permessi tweet.write e users.read."),
    ChannelKind.LINKEDIN: gettext_lazy(
        "Token di accesso di un amministratore della pagina con w_organization_social."
    ),
    ChannelKind.WEBHOOK: gettext_lazy(
        "Chiave condivisa con il sistema che riceve: firma ogni invio (HMAC-SHA256)."
    ),
}

# --- Services -----------------------------------------------------------------------------


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
            summary=_("Credenziale del canale %(channel)s impostata.") % {"channel": channel},
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
                summary=_("Credenziale del canale %(channel)s cancellata.") % {"channel": channel},
                before={"secret_set": True},
                after={"secret_set": False},
            )


# --- Forms --------------------------------------------------------------------------------


class CredentialForm(forms.Form):
    secret = forms.CharField(
        label=gettext_lazy("Nuovo token o segreto"),
        help_text=gettext_lazy(
            "Incolla il token fornito dal servizio. Il valore non sarà più mostrato: "
            "per cambiarlo, inseriscine uno nuovo."
        ),
        max_length=4000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if kind in SECRET_HELP:
            field = self.fields["secret"]
            field.help_text = f"{SECRET_HELP[kind]} {field.help_text}"

    def clean_secret(self):
        # A token travels in an HTTP header (or URL path): a space, tab or line break inside
        # it is a paste slip that would only fail later, at every send, as a protocol error.
        secret = self.cleaned_data["secret"]
        if any(char.isspace() or not char.isprintable() for char in secret):
            raise forms.ValidationError(
                gettext_lazy(
                    "Il token contiene spazi, a capo o caratteri invisibili: incollalo di nuovo."
                )
            )
        return secret


# --- Views --------------------------------------------------------------------------------


@require_capability("configure")
def credential_list(request):
    channels = Channel.objects.select_related("credential").order_by("name")
    rows = [
        (channel, getattr(channel, "credential", None), _can_verify(channel))
        for channel in channels
    ]
    return render(request, "publishing/credentials_list.html", {"rows": rows})


@require_capability("configure")
@require_http_methods(["GET", "POST"])
@require_recent_auth
def credential_edit(request, pk: int):
    channel = get_object_or_404(Channel, pk=pk)
    credential = ChannelCredential.objects.filter(channel=channel).first()
    form = CredentialForm(kind=channel.kind)
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            clear_secret(channel=channel, by=request.user)
            messages.success(request, _("Credenziale cancellata."))
            return redirect("credentials:list")
        form = CredentialForm(request.POST, kind=channel.kind)
        if form.is_valid():
            set_secret(channel=channel, secret=form.cleaned_data["secret"], by=request.user)
            messages.success(request, _("Credenziale salvata."))
            return redirect("credentials:list")
    return render(
        request,
        "publishing/credentials_edit.html",
        {
            "channel": channel,
            "credential": credential,
            "form": form,
            "can_verify": _can_verify(channel),
        },
    )


@require_capability("configure")
@require_http_methods(["POST"])
def credential_verify(request, pk: int):
    channel = get_object_or_404(Channel.objects.select_related("credential"), pk=pk)
    ok, detail = verify_secret(channel=channel, by=request.user)
    if ok:
        messages.success(
            request,
            _("Credenziale valida per «%(channel)s»: account %(account)s.")
            % {"channel": channel, "account": detail},
        )
    else:
        messages.error(
            request,
            _("La verifica di «%(channel)s» non è riuscita: %(error)s")
            % {"channel": channel, "error": detail},
        )
    return redirect("credentials:list")


def _can_verify(channel: Channel) -> bool:
    try:
        return get_adapter(channel.kind).supports_verify
    except AdapterError:
        return False
