import json
import logging
import time
import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability
from apps.accounts.roles import can
from apps.audit.services import record
from apps.core.http import render_page_or_partial
from apps.core.queue import enqueue
from apps.crisis.selectors import open_crisis
from apps.planning.checks import MAX_CHECKED_LENGTH, analyse_variant, oversized_variant_report

from . import collecting, email_replies, services, tasks, webhooks
from .enums import ConversationKind, Direction
from .forms import (
    AssignForm,
    CloseForm,
    ExportForm,
    HandoverForm,
    InboxFilterForm,
    ModerateForm,
    OfficeAnswerForm,
    ReplyForm,
    TopicForm,
)
from .models import CannedAnswer, Conversation, InboxSettings, Message
from .selectors import (
    channels_for_inbox,
    conversations_for_inbox,
    conversations_of_citizen,
    overdue_count,
    response_time_figures,
    thread,
)

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
REPORT_WEEKS = 8


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("pagina", None)
    return query.urlencode()


@require_GET
@require_capability("inbox")
def inbox(request):
    crisis = open_crisis()
    form = InboxFilterForm(request.GET or None)
    filters = form.filters(crisis_since=crisis.declared_at if crisis else None)
    now = timezone.now()
    rows = conversations_for_inbox(filters=filters, user=request.user, now=now)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    context = {
        "form": form,
        "page": page,
        "now": now,
        "query": _query_without_page(request),
        "channels": channels_for_inbox(),
        "overdue": overdue_count(now=now),
        "crisis_open": crisis,
        "report": response_time_figures(start=now - timedelta(weeks=REPORT_WEEKS), end=now),
        "report_weeks": REPORT_WEEKS,
    }
    response = render_page_or_partial(request, "inbox/inbox.html", "inbox/inbox.html#list", context)
    if request.htmx and not request.htmx.boosted:
        response["HX-Push-Url"] = request.get_full_path()
    return response


@require_GET
@require_capability("inbox")
def counts(request):
    """The unread counters per channel (htmx, every minute): only the badges change."""
    return render(
        request,
        "inbox/inbox.html#channels",
        {"channels": channels_for_inbox(), "overdue": overdue_count()},
    )


def _conversation(pk) -> Conversation:
    return get_object_or_404(
        Conversation.objects.select_related("channel", "assignee", "post", "topic"), pk=pk
    )


def _canned(conversation: Conversation) -> list[dict]:
    office = InboxSettings.load()
    values = {
        "nome": conversation.citizen_name or conversation.citizen_handle or "",
        "orari": _("dal lunedì al venerdì, %(start)s–%(end)s")
        % {
            "start": office.day_start.strftime("%H:%M"),
            "end": office.day_end.strftime("%H:%M"),
        },
        "link": settings.SITE_URL,
    }
    answers = CannedAnswer.objects.filter(channel__isnull=True) | CannedAnswer.objects.filter(
        channel=conversation.channel
    )
    filled = []
    for answer in answers.order_by("-for_crisis", "topic", "title"):
        text = answer.text
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        filled.append({"answer": answer, "text": text})
    # An office's recorded answer, ready to send (edited first) in the channel's tone.
    for handover in conversation.handovers.exclude(answer=""):
        office_answer = CannedAnswer(title=handover.office, topic=_("Risposta dell'ufficio"))
        filled.insert(0, {"answer": office_answer, "text": handover.answer})
    return filled


def _report_for(text: str, channel):
    if len(text) > MAX_CHECKED_LENGTH:
        return oversized_variant_report(len(text), channel)
    return analyse_variant(text, channel)


def _conversation_context(request, conversation, **forms) -> dict:
    reply_form = forms.get("reply_form") or ReplyForm(initial={"chiave": uuid.uuid4().hex})
    text = reply_form.data.get("testo", "") if reply_form.is_bound else ""
    return {
        "conversation": conversation,
        "messages_list": thread(conversation),
        "reply_form": reply_form,
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"assegnatario": conversation.assignee_id or request.user.pk}),
        "close_form": forms.get("close_form") or CloseForm(),
        "topic_form": forms.get("topic_form")
        or TopicForm(initial={"argomento": conversation.topic_id}),
        "moderate_form": forms.get("moderate_form") or ModerateForm(),
        "handover_form": forms.get("handover_form") or HandoverForm(),
        "handovers": list(conversation.handovers.all()),
        "canned": _canned(conversation),
        "report": _report_for(text, conversation.channel),
        "channel": conversation.channel,
        "can_moderate": can(request.user, "inbox_moderate"),
        "can_approve": can(request.user, "review"),
        "needs_approval": services.needs_approval(request.user, conversation),
        "now": timezone.now(),
        "crisis_open": open_crisis(),
    }


@require_GET
@require_capability("inbox")
def conversation_detail(request, pk):
    conversation = _conversation(pk)
    services.mark_read(conversation=conversation)
    return render(request, "inbox/conversation.html", _conversation_context(request, conversation))


@require_POST
@require_capability("inbox")
def reply_checks(request, pk):
    """The editor's live checks on the reply as it is typed (htmx)."""
    conversation = _conversation(pk)
    text = request.POST.get("testo", "")
    return render(
        request,
        "planning/post_form.html#variant-checks",
        {"channel": conversation.channel, "report": _report_for(text, conversation.channel)},
    )


@require_POST
@require_capability("inbox")
def reply(request, pk):
    conversation = _conversation(pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            sent = services.reply(
                conversation=conversation,
                text=form.cleaned_data["testo"],
                by=request.user,
                key=form.cleaned_data["chiave"],
            )
        except services.InboxError as exc:
            form.add_error("testo", str(exc))
        else:
            if sent.awaiting_approval:
                messages.success(
                    request, _("Risposta proposta: uscirà dopo il via di chi approva.")
                )
            else:
                messages.success(request, _("Risposta inviata."))
            return redirect(conversation)
    context = _conversation_context(request, conversation, reply_form=form)
    return render(request, "inbox/conversation.html", context)


def _proposed_reply(pk) -> Message:
    return get_object_or_404(
        Message.objects.select_related("conversation__channel", "sent_by"),
        pk=pk,
        direction=Direction.OUT,
    )


@require_POST
@require_capability("review")
def approve_reply(request, pk):
    message = _proposed_reply(pk)
    try:
        services.approve_reply(message=message, by=request.user)
    except services.InboxError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Risposta approvata e inviata."))
    return redirect(message.conversation)


@require_POST
@require_capability("review")
def reject_reply(request, pk):
    message = _proposed_reply(pk)
    try:
        services.reject_reply(message=message, by=request.user)
    except services.InboxError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Risposta proposta scartata."))
    return redirect(message.conversation)


@require_POST
@require_capability("inbox")
def assign(request, pk):
    conversation = _conversation(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(request, conversation, assign_form=form)
        return render(request, "inbox/conversation.html", context)
    try:
        done = services.assign(
            conversation=conversation, assignee=form.cleaned_data["assegnatario"], by=request.user
        )
    except services.transitions.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        if done:
            messages.success(request, _("Conversazione assegnata."))
        else:
            messages.info(request, _("Qualcuno l'ha già cambiata: ecco com'è ora."))
    return redirect(conversation)


@require_POST
@require_capability("inbox")
def set_topic(request, pk):
    conversation = _conversation(pk)
    form = TopicForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(request, conversation, topic_form=form)
        return render(request, "inbox/conversation.html", context)
    if services.set_topic(
        conversation=conversation, topic=form.cleaned_data["argomento"], by=request.user
    ):
        messages.success(request, _("Argomento aggiornato."))
    return redirect(conversation)


@require_POST
@require_capability("inbox")
def close(request, pk):
    conversation = _conversation(pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(request, conversation, close_form=form)
        return render(request, "inbox/conversation.html", context)
    try:
        services.close(
            conversation=conversation, reason=form.cleaned_data["motivo"], by=request.user
        )
    except services.transitions.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Conversazione chiusa senza risposta."))
    return redirect(conversation)


@require_POST
@require_capability("inbox_moderate")
def moderate(request, pk):
    message = get_object_or_404(
        Message.objects.select_related("channel", "conversation"), pk=pk, direction=Direction.IN
    )
    conversation = message.conversation
    form = ModerateForm(request.POST)
    if form.is_valid():
        try:
            on_network = services.moderate(
                message=message,
                action=form.cleaned_data["azione"],
                reason=form.cleaned_data["motivo"],
                by=request.user,
            )
        except services.InboxError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Fatto sulla rete.")
                if on_network
                else _("La rete non lo permette: il messaggio è nascosto solo in PA Planner."),
            )
            return redirect(conversation)
    context = _conversation_context(request, conversation, moderate_form=form)
    context["moderated_message"] = message.pk
    return render(request, "inbox/conversation.html", context)


@require_POST
@require_capability("inbox")
def hand_over(request, pk):
    conversation = _conversation(pk)
    form = HandoverForm(request.POST)
    if not form.is_valid():
        context = _conversation_context(request, conversation, handover_form=form)
        return render(request, "inbox/conversation.html", context)
    token = services.hand_over(
        conversation=conversation,
        office=form.cleaned_data["ufficio"],
        email=form.cleaned_data["email"],
        note=form.cleaned_data["nota"],
        by=request.user,
    )
    link = settings.SITE_URL + reverse("inbox:office_answer", args=[token])
    _email_office(form.cleaned_data["email"], form.cleaned_data["ufficio"], link, request.user)
    messages.success(request, _("Inviata all'ufficio: il link vale 7 giorni."))
    return redirect(conversation)


def _email_office(address: str, office: str, link: str, by) -> None:
    """The office is not a user of PA Planner: a plain email, in the site's language."""
    try:
        send_mail(
            _("Richiesta di un cittadino per l'ufficio %(office)s") % {"office": office},
            _(
                "L'ufficio comunicazione ti inoltra una richiesta arrivata sui canali del "
                "Comune. Leggila e scrivi la risposta qui (il link vale 7 giorni):\n\n%(link)s\n"
            )
            % {"link": link},
            None,
            [address],
        )
    except Exception:
        logger.exception("handover email not sent")


@never_cache
@require_http_methods(["GET", "POST"])
def office_answer(request, token):
    """The office's page, reached by the emailed link only (no login): the conversation, and
    a box for the answer, which the comms office then sends."""
    handover = services.handover_for_token(token)
    if handover is None:
        raise Http404
    form = OfficeAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_office_answer(
                handover=handover,
                answer=form.cleaned_data["risposta"],
                signed=form.cleaned_data["firma"],
            )
        except services.InboxError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("inbox:office_answer", token=token)
    conversation = handover.conversation
    return render(
        request,
        "inbox/office_answer.html",
        {
            "handover": handover,
            "conversation": conversation,
            "messages_list": thread(conversation),
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def export(request):
    """GDPR art. 15: every conversation of one citizen, as JSON."""
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["cittadino"]
        rows = list(conversations_of_citizen(services.citizen_filter(who)))
        record(
            action="inbox.export",
            actor=request.user,
            summary=lambda: (
                _("Esportate %(n)s conversazioni di un cittadino (art. 15 GDPR)") % {"n": len(rows)}
            ),
        )
        data = [
            {
                "canale": c.channel.name,
                "tipo": c.kind,
                "stato": c.status,
                "account": c.citizen_handle,
                "nome": c.citizen_name,
                "messaggi": [
                    {
                        "data": m.received_at.isoformat(),
                        "da": "cittadino" if m.direction == Direction.IN else "Comune",
                        "oggetto": m.subject,
                        "testo": m.text,
                        "modificato": m.edited_at.isoformat() if m.edited_at else None,
                        "eliminato_dal_cittadino": bool(m.deleted_by_author_at),
                    }
                    for m in c.messages.all()
                ],
                "passaggi_a_uffici": [
                    {"ufficio": h.office, "risposta": h.answer} for h in c.handovers.all()
                ],
            }
            for c in rows
        ]
        response = HttpResponse(
            json.dumps({"cittadino": who, "conversazioni": data}, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="conversazioni-cittadino.json"'
        return response
    return render(request, "inbox/export.html", {"form": form})


def _complete_mentions(channel, items) -> None:
    """Mentions named by id only: their text is read by a task, outside Meta's request."""
    ids = [i.network_id for i in items if i.kind == ConversationKind.MENTION and not i.text]
    for pk in Message.objects.filter(channel=channel, network_id__in=ids, text="").values_list(
        "pk", flat=True
    ):
        transaction.on_commit(
            lambda pk=pk: enqueue(tasks.complete_instagram_mention, message_id=pk)
        )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    """Meta's webhook: the subscription check (GET) and signed deliveries (POST)."""
    if request.method == "GET":
        verify = settings.INBOX_META_VERIFY_TOKEN
        if (
            verify
            and request.GET.get("hub.mode") == "subscribe"
            and request.GET.get("hub.verify_token") == verify
        ):
            return HttpResponse(
                request.GET.get("hub.challenge", "")[:200], content_type="text/plain"
            )
        return HttpResponseForbidden()
    body = request.body
    secret = settings.OAUTH_PROVIDERS["meta"]["client_secret"]
    if not webhooks.signature_valid(body, request.headers.get("X-Hub-Signature-256"), secret):
        logger.warning("meta webhook refused: bad signature")
        return HttpResponseForbidden()
    payload = webhooks.load(body)
    if payload is None:
        return HttpResponse(status=400)
    found = webhooks.parse(payload)
    by_network: dict[str, dict] = {}
    for network, account, item in found:
        by_network.setdefault(network, {}).setdefault(account, []).append(item)
    for network, accounts in by_network.items():
        channels = webhooks.channels_by_account(network)
        for account, items in accounts.items():
            channel = channels.get(account)
            if channel is None:
                continue  # a Page or account of the app that is not one of our channels
            services.ingest(channel=channel, items=items)
            collecting.mark_pushed(channel=channel)
            if network == "instagram":
                _complete_mentions(channel, items)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


@csrf_exempt
@never_cache
@require_POST
def email_webhook(request):
    """The mail provider's inbound webhook: a reply to the newsletter, as a raw RFC 5322
    message, signed with the shared secret and timestamped (docs/inbox.md). A forged, stale
    or replayed delivery is refused before the message is read."""
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse(status=413)
    timestamp = request.headers.get("X-PA-Planner-Timestamp", "")
    signature = request.headers.get("X-PA-Planner-Signature", "")
    secret = settings.INBOX_EMAIL_WEBHOOK_SECRET
    if not email_replies.signature_valid(body, timestamp, signature, secret):
        logger.warning("email webhook refused: bad signature")
        return HttpResponseForbidden()
    if not email_replies.timestamp_fresh(timestamp, time.time()):
        logger.warning("email webhook refused: stale timestamp")
        return HttpResponseForbidden()
    if not services.claim_webhook_signature(signature=signature):
        logger.warning("email webhook refused: replayed delivery")
        return HttpResponse(status=409)
    channel = services.newsletter_channel()
    if channel is None:
        logger.warning("email webhook: no active newsletter channel")
        return HttpResponse(status=404)
    own = {
        parseaddr(address)[1].lower()
        for address in (settings.DEFAULT_FROM_EMAIL, settings.NEWSLETTER_REPLY_TO)
    }
    parsed = email_replies.parse(body, own_addresses=frozenset(own - {""}))
    result = services.ingest_email_reply(channel=channel, parsed=parsed)
    collecting.mark_pushed(channel=channel)
    return HttpResponse(f"stored:{result.new}", content_type="text/plain")
