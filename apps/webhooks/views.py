"""The administrators' pages: the webhooks, each with its last deliveries and a resend."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.access import require_capability
from apps.core.queue import enqueue

from . import services, tasks
from .enums import EventType
from .forms import WebhookForm
from .models import Webhook, WebhookDelivery

LAST_DELIVERIES = 50


def _list(request, form, *, created=None, secret="", status=200):
    context = {
        "webhooks": Webhook.objects.all(),
        "form": form,
        "created": created,
        "secret": secret,
        "event_types": EventType,
    }
    return render(request, "webhooks/list.html", context, status=status)


@require_safe
@require_capability("configure")
def webhook_list(request):
    return _list(request, WebhookForm())


@require_POST
@require_capability("configure")
def create(request):
    form = WebhookForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            webhook, secret = services.create_webhook(
                by=request.user, name=data["name"], url=data["url"], events=data["events"]
            )
        except services.WebhookError as exc:
            form.add_error(None, str(exc))
        else:
            # The secret is on this answer only (staff pages are never cached).
            return _list(request, WebhookForm(), created=webhook, secret=secret)
    return _list(request, form, status=400)


@require_safe
@require_capability("configure")
def detail(request, pk):
    webhook = get_object_or_404(Webhook, pk=pk)
    deliveries = webhook.deliveries.all()[:LAST_DELIVERIES]
    return render(request, "webhooks/detail.html", {"webhook": webhook, "deliveries": deliveries})


@require_POST
@require_capability("configure")
def resend(request, pk, delivery_pk):
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, webhook_id=pk)
    services.resend(delivery, by=request.user)
    if delivery.webhook.active:
        enqueue(tasks.send_delivery, delivery_id=delivery.pk)
        messages.success(request, _("Evento messo in coda per un nuovo invio."))
    else:
        messages.warning(request, _("Evento rimesso in coda: partirà quando riattivi il webhook."))
    return redirect("webhooks:detail", pk=pk)


@require_POST
@require_capability("configure")
def toggle(request, pk):
    webhook = get_object_or_404(Webhook, pk=pk)
    services.set_active(webhook, active=not webhook.active, by=request.user)
    if webhook.active:
        messages.success(request, _("Webhook disattivato."))
    else:
        messages.success(request, _("Webhook riattivato."))
    return redirect("webhooks:detail", pk=pk)


@require_POST
@require_capability("configure")
def delete(request, pk):
    webhook = get_object_or_404(Webhook, pk=pk)
    services.delete_webhook(webhook, by=request.user)
    messages.success(request, _("Webhook eliminato."))
    return redirect("webhooks:list")
