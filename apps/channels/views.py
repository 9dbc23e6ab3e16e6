from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.access import require_capability

from .forms import ChannelForm
from .models import Channel
from .services import save_channel


@require_GET
@require_capability("configure")
def channel_list(request):
    return render(request, "channels/channel_list.html", {"channels": Channel.objects.all()})


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
    return render(request, "channels/channel_form.html", {"form": form, "channel": channel})
