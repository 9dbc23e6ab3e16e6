from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability
from apps.accounts.security import require_recent_auth

from . import connections
from .forms import ChannelForm
from .models import Channel
from .services import save_channel

PENDING_SESSION_KEY = "channel_connection_pending"


@require_GET
@require_capability("configure")
def channel_list(request):
    channels = Channel.objects.select_related("connection")
    return render(request, "channels/channel_list.html", {"channels": channels})


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def channel_create(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.config = form.cleaned_config()
        channel = save_channel(
            channel=channel,
            by=request.user,
            reset_to_defaults=form.cleaned_data["reset_to_defaults"],
        )
        messages.success(request, _("Canale «%(name)s» creato.") % {"name": channel.name})
        return redirect("channels:list")
    return render(request, "channels/channel_form.html", {"form": form, "channel": None})


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def channel_edit(request, pk):
    channel = get_object_or_404(Channel, pk=pk)
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        channel = form.save(commit=False)
        channel.config = form.cleaned_config()
        channel = save_channel(
            channel=channel,
            by=request.user,
            reset_to_defaults=form.cleaned_data["reset_to_defaults"],
        )
        messages.success(request, _("Canale «%(name)s» salvato.") % {"name": channel.name})
        return redirect("channels:list")
    return render(request, "channels/channel_form.html", _edit_context(form, channel))


def _edit_context(form, channel):
    return {
        "form": form,
        "channel": channel,
        "provider": connections.provider_for(channel) if channel else None,
        "connection": getattr(channel, "connection", None) if channel else None,
        "redirect_uri": connections.redirect_uri(),
    }


@require_POST
@require_capability("configure")
@require_recent_auth
def connect_start(request, pk):
    """ "Collega": off to the network's login page, with PKCE and a state kept in the session."""
    channel = get_object_or_404(Channel, pk=pk)
    try:
        url, pending = connections.start_connection(channel)
    except connections.ConnectionError as exc:
        messages.error(request, str(exc))
        return redirect("channels:edit", pk=channel.pk)
    request.session[PENDING_SESSION_KEY] = pending
    return redirect(url)


@require_GET
@require_capability("configure")
def connect_callback(request):
    """Where the network sends the person back, with a code (or an error) and the state."""
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    try:
        connection = connections.finish_connection(
            pending=pending,
            callback_url=request.build_absolute_uri(),
            query=request.GET.dict(),
            by=request.user,
        )
    except connections.ConnectionError as exc:
        messages.error(request, str(exc))
        channel_id = (pending or {}).get("channel")
        if channel_id and Channel.objects.filter(pk=channel_id).exists():
            return redirect("channels:edit", pk=channel_id)
        return redirect("channels:list")
    messages.success(
        request,
        _("Canale «%(channel)s» collegato come %(account)s.")
        % {"channel": connection.channel.name, "account": connection.account_name},
    )
    return redirect("channels:edit", pk=connection.channel_id)
