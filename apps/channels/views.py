from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability
from apps.accounts.security import require_recent_auth

from . import bluesky, connections, telegram
from .forms import BlueskyConnectForm, ChannelForm
from .models import Channel
from .services import save_channel

PENDING_SESSION_KEY = "channel_connection_pending"
CHOOSING_SESSION_KEY = "channel_connection_choosing"
TELEGRAM_SESSION_KEY = "channel_telegram_pending"


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
        "is_telegram": channel is not None and telegram.is_telegram(channel),
        "is_bluesky": channel is not None and bluesky.is_bluesky(channel),
    }


@require_POST
@require_capability("configure")
@require_recent_auth
def connect_start(request, pk):
    """ "Collega": off to the network's login page, with PKCE and a state kept in the session."""
    channel = get_object_or_404(Channel, pk=pk)
    try:
        url, pending = connections.start_connection(
            channel, instance=request.POST.get("instance", "")[:300]
        )
    except connections.ConnectionError as exc:
        messages.error(request, str(exc))
        return redirect("channels:edit", pk=channel.pk)
    request.session[PENDING_SESSION_KEY] = pending
    # Not a redirect: the policy's form-action 'self' makes browsers stop a form submission
    # that is redirected to another site. The page moves on by itself (or by its link).
    return render(
        request,
        "channels/connect_go.html",
        {"channel": channel, "provider": connections.provider_for(channel), "login_url": url},
    )


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
    if isinstance(connection, dict):  # a Page or an organization to pick first
        request.session[CHOOSING_SESSION_KEY] = connection
        return redirect("channels:connect_choose")
    messages.success(
        request,
        _("Canale «%(channel)s» collegato come %(account)s.")
        % {"channel": connection.channel.name, "account": connection.account_name},
    )
    return redirect("channels:edit", pk=connection.channel_id)


def _connected(request, connection):
    messages.success(
        request,
        _("Canale «%(channel)s» collegato come %(account)s.")
        % {"channel": connection.channel.name, "account": connection.account_name},
    )
    return redirect("channels:edit", pk=connection.channel_id)


def _back_after_error(request, exc, channel_id):
    messages.error(request, str(exc))
    if channel_id and Channel.objects.filter(pk=channel_id).exists():
        return redirect("channels:edit", pk=channel_id)
    return redirect("channels:list")


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def connect_choose(request):
    """After Facebook's or LinkedIn's login: which Page, Instagram account or organization."""
    choosing = request.session.get(CHOOSING_SESSION_KEY)
    channel_id = (choosing or {}).get("channel")
    try:
        if request.method == "POST":
            connection = connections.finish_choice(
                choosing=choosing, choice_id=request.POST.get("choice", "")[:100], by=request.user
            )
            request.session.pop(CHOOSING_SESSION_KEY, None)
            return _connected(request, connection)
        channel, provider, choices = connections.choices_for(choosing)
    except connections.ConnectionError as exc:
        if request.method == "GET" or not choosing:
            request.session.pop(CHOOSING_SESSION_KEY, None)
            return _back_after_error(request, exc, channel_id)
        messages.error(request, str(exc))
        return redirect("channels:connect_choose")
    return render(
        request,
        "channels/connect_choose.html",
        {"channel": channel, "provider": provider, "choices": choices},
    )


@require_http_methods(["GET", "POST"])
@require_capability("configure")
@require_recent_auth
def telegram_connect(request, pk):
    """Telegram: the bot token pasted once, then the channel where the bot posts."""
    channel = get_object_or_404(Channel, pk=pk)
    if not telegram.is_telegram(channel):
        return redirect("channels:edit", pk=channel.pk)
    pending = request.session.get(TELEGRAM_SESSION_KEY)
    if pending and pending.get("channel") != channel.pk:
        pending = None
    context = {"channel": channel, "choices": None, "error": "", "chat": "", "bot": None}
    if request.method == "POST" and "token" in request.POST:
        try:
            bot = telegram.verify_bot(channel=channel, token=request.POST["token"][:200])
        except connections.ConnectionError as exc:
            context["error"] = str(exc)
            return render(request, "channels/telegram_connect.html", context, status=200)
        pending = {
            **telegram.pending_token(token=request.POST["token"][:200], bot=bot),
            "channel": channel.pk,
        }
        request.session[TELEGRAM_SESSION_KEY] = pending
        return redirect("channels:telegram", pk=channel.pk)
    if request.method == "POST":
        chat = request.POST.get("chat_name", "").strip() or request.POST.get("chat", "")
        try:
            connection = telegram.connect_chat(
                channel=channel, pending=pending, chat=chat[:100], by=request.user
            )
        except connections.ConnectionError as exc:
            context["error"] = str(exc)
            context["chat"] = chat[:100]
        else:
            request.session.pop(TELEGRAM_SESSION_KEY, None)
            return _connected(request, connection)
    if pending:
        try:
            context["choices"] = telegram.admin_chats(channel=channel, pending=pending)
            context["bot"] = pending["bot"]
        except connections.ConnectionError as exc:
            request.session.pop(TELEGRAM_SESSION_KEY, None)
            context["error"] = str(exc)
    return render(request, "channels/telegram_connect.html", context)


@require_http_methods(["GET", "POST"])
@require_capability("configure")
@require_recent_auth
def bluesky_connect(request, pk):
    """Bluesky: the handle and an app password, which open a session; only its tokens stay."""
    channel = get_object_or_404(Channel, pk=pk)
    if not bluesky.is_bluesky(channel):
        return redirect("channels:edit", pk=channel.pk)
    initial = {"service": (channel.config or {}).get("service", "")}
    connection = getattr(channel, "connection", None)
    if connection is not None:
        initial["handle"] = connection.account_name.lstrip("@")
    form = BlueskyConnectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            connection = bluesky.connect(
                channel=channel,
                handle=form.cleaned_data["handle"],
                app_password=form.cleaned_data["app_password"],
                service=form.cleaned_data["service"],
                by=request.user,
            )
        except connections.ConnectionError as exc:
            form.add_error(None, str(exc))
        else:
            return _connected(request, connection)
    return render(request, "channels/bluesky_connect.html", {"channel": channel, "form": form})
