from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.access import require_capability
from apps.accounts.roles import can
from apps.core.http import safe_next
from apps.planning.access import can_manage_post

from . import corrections, selectors, services
from .forms import ResolveCheckForm
from .links import count_click
from .models import CorrectionOutcome, Delivery, ShortLink


@require_capability("plan")
def overview(request):
    """The publishing desk: what goes out soon, what failed, what a person must check."""
    context = {
        "due_soon": selectors.due_soon()[:100],
        "failing": selectors.failing()[:100],
        "needing_check": selectors.needing_check()[:100],
        "can_review": can(request.user, "review"),
    }
    return render(request, "publishing/overview.html", context)


def _delivery_for_action(request, pk: int, *, author_may: bool) -> Delivery:
    delivery = get_object_or_404(
        Delivery.objects.select_related("variant__post", "variant__channel"), pk=pk
    )
    if can(request.user, "review"):
        return delivery
    if author_may and can_manage_post(request.user, delivery.variant.post):
        return delivery
    raise PermissionDenied


def _back(request, delivery: Delivery):
    return redirect(safe_next(request, reverse("publishing:overview")))


def _authors_action(request, pk: int, action, done: str):
    """An action the author or an approver takes on one delivery; ``done`` names its channel."""
    delivery = _delivery_for_action(request, pk, author_may=True)
    try:
        action(delivery=delivery, by=request.user)
    except services.DeliveryActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"channel": delivery.variant.channel})
    return _back(request, delivery)


@require_POST
@require_capability("plan")
def retry(request, pk: int):
    """ "Riprova ora": the author or an approver sends a failed or to-check delivery again."""
    return _authors_action(
        request,
        pk,
        services.retry_delivery,
        _("Nuovo invio su %(channel)s programmato: parte entro pochi secondi."),
    )


@require_POST
@require_capability("review")
def resolve(request, pk: int):
    """An approver records what they found on the channel for a send of unknown outcome."""
    delivery = _delivery_for_action(request, pk, author_may=False)
    form = ResolveCheckForm(request.POST)
    if not form.is_valid():
        if "outcome" in form.errors:
            messages.error(request, _("Indica se il contenuto risulta pubblicato sul canale."))
        else:
            messages.error(
                request,
                _(
                    "L'indirizzo pubblico non è valido: scrivi un indirizzo web completo (https://…)."
                ),
            )
        return _back(request, delivery)
    try:
        services.resolve_checked_delivery(
            delivery=delivery,
            by=request.user,
            sent=form.cleaned_data["outcome"] == "sent",
            url=form.cleaned_data["url"],
        )
    except services.DeliveryActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Esito registrato."))
    return _back(request, delivery)


@require_POST
@require_capability("plan")
def dismiss(request, pk: int):
    """The author or an approver closes a failed delivery that will not be sent."""
    return _authors_action(
        request,
        pk,
        services.dismiss_failed_delivery,
        _("Invio su %(channel)s chiuso: non verrà pubblicato."),
    )


@require_safe
def follow_link(request, code: str):
    """The Comune's redirect for counted links (publishing/links.py): one more click today,
    then on to the destination. No session, no cookie, nothing about the citizen stored."""
    link = get_object_or_404(ShortLink, code=code[:16])
    if request.method == "GET":
        count_click(link, user_agent=request.headers.get("User-Agent", ""))
    response = HttpResponseRedirect(link.url)
    response["Cache-Control"] = "no-store"  # every click reaches us, none is cached
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@require_capability("plan")
def correction_retry(request, pk: int):
    """ "Riprova l'aggiornamento": the author or an approver sends again a correction's update
    that failed or was held (crisis, blackout); the gate is asked again when it goes."""
    outcome = get_object_or_404(
        CorrectionOutcome.objects.select_related(
            "correction", "delivery__variant__post", "delivery__variant__channel"
        ),
        pk=pk,
    )
    post = outcome.delivery.variant.post
    if not can_manage_post(request.user, post):
        raise PermissionDenied
    try:
        corrections.resend_outcome(outcome=outcome, by=request.user)
    except corrections.CorrectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Aggiornamento su %(channel)s programmato: parte entro pochi secondi.")
            % {"channel": outcome.delivery.variant.channel},
        )
    return redirect(safe_next(request, post.get_absolute_url()))
