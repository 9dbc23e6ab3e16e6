"""The channel credential pages (administrators only); the writes are in ``credentials.py``."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.access import require_capability
from apps.accounts.security import require_recent_auth
from apps.channels.models import Channel

from . import credentials
from .forms import CredentialForm
from .models import ChannelCredential


@require_capability("configure")
def credential_list(request):
    channels = Channel.objects.select_related("credential").order_by("name")
    rows = [
        (channel, getattr(channel, "credential", None), credentials.can_verify(channel))
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
            credentials.clear_secret(channel=channel, by=request.user)
            messages.success(request, _("Credenziale cancellata."))
            return redirect("credentials:list")
        form = CredentialForm(request.POST, kind=channel.kind)
        if form.is_valid():
            credentials.set_secret(
                channel=channel, secret=form.cleaned_data["secret"], by=request.user
            )
            messages.success(request, _("Credenziale salvata."))
            return redirect("credentials:list")
    return render(
        request,
        "publishing/credentials_edit.html",
        {
            "channel": channel,
            "credential": credential,
            "form": form,
            "can_verify": credentials.can_verify(channel),
        },
    )


@require_capability("configure")
@require_http_methods(["POST"])
def credential_verify(request, pk: int):
    channel = get_object_or_404(Channel.objects.select_related("credential"), pk=pk)
    ok, detail = credentials.verify_secret(channel=channel, by=request.user)
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
