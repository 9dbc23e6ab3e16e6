"""Public newsletter pages: subscribe, confirm (double opt-in), one-click unsubscribe."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.accounts.client_ip import client_ip

from . import services
from .forms import CONSENT_TEXT, SubscribeForm
from .models import Subscriber


def _info(request) -> services.RequestInfo:
    return services.RequestInfo(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@require_http_methods(["GET", "POST"])
def subscribe(request):
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        info = _info(request)
        if not services.allow_subscribe_request(info.ip_address):
            form.add_error(
                None, _("Troppe richieste da questa connessione: riprova tra qualche minuto.")
            )
            return render(request, "newsletter/subscribe.html", {"form": form}, status=429)
        services.subscribe(
            email=form.cleaned_data["email"], consent_text=str(CONSENT_TEXT), info=info
        )
        return redirect("newsletter:subscribed")
    return render(request, "newsletter/subscribe.html", {"form": form})


def subscribed(request):
    return render(request, "newsletter/subscribed.html")


@require_http_methods(["GET", "POST"])
def confirm(request, signed: str):
    """GET shows a button, POST confirms: a mail scanner opening the link confirms nothing."""
    try:
        subscriber = services.subscriber_for_confirmation(signed)
    except services.InvalidToken as exc:
        return render(request, "newsletter/confirm.html", {"error": str(exc)}, status=400)
    confirmed = False
    if request.method == "POST":
        services.confirm(subscriber=subscriber, info=_info(request))
        confirmed = True
    return render(
        request,
        "newsletter/confirm.html",
        {"subscriber": subscriber, "confirmed": confirmed or subscriber.is_active},
    )


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows a confirm button; POST (from the page or a mail client) unsubscribes.

    CSRF protection is pointless here: the secret token in the URL is the authorisation, and
    the only effect is the one the RFC requires to work without a session.
    """
    subscriber = Subscriber.objects.filter(token=token).first()
    if subscriber is None:
        raise Http404(_("Link di disiscrizione non valido."))
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        via = _("un clic dal programma di posta (RFC 8058)") if one_click else _("pagina web")
        services.unsubscribe(subscriber=subscriber, info=_info(request), via=via)
    return render(
        request,
        "newsletter/unsubscribe.html",
        {"subscriber": subscriber, "done": subscriber.unsubscribed_at is not None},
    )
