from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.access import require_capability
from apps.accounts.roles import can
from apps.accounts.security import require_recent_auth
from apps.channels.models import Channel
from apps.crisis_response import selectors as response_selectors
from apps.crisis_response import services
from apps.planning.access import post_with_relations
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing.models import Delivery

from . import selectors
from .forms import (
    BlackoutForm,
    BulkForm,
    CancelForm,
    DeclareCrisisForm,
    EndCrisisForm,
    RescheduleForm,
    ScopeForm,
)
from .models import Blackout
from .services import delete_blackout, save_blackout


def _dashboard_context(request, *, declare_form=None, end_form=None, scope_form=None):
    crisis = selectors.open_crisis()
    if crisis is not None and scope_form is None:
        scope_form = ScopeForm(
            initial={
                "scope": "all" if crisis.all_channels else "chosen",
                "channels": list(crisis.channels.all()),
            },
            auto_id="scope_%s",
        )
    context = {
        "open_crisis": crisis,
        "declare_form": declare_form or DeclareCrisisForm(),
        "end_form": end_form or EndCrisisForm(),
        "scope_form": scope_form,
        "paused_count": selectors.paused_posts().count(),
        "upcoming_blackouts": selectors.upcoming_blackouts(timezone.now())[:5],
    }
    if crisis is not None:
        published = response_selectors.published_in_scope_since(crisis)
        context.update(
            mid_send=response_selectors.mid_send_at_declaration(crisis),
            published=[(d, services.delivery_can_be_deleted(d)) for d in published],
        )
    return context


@require_capability("crisis")
def dashboard(request):
    """Modalità crisi: declare, follow and end a crisis."""
    return render(request, "crisis/dashboard.html", _dashboard_context(request))


@require_POST
@require_capability("crisis")
@require_recent_auth
def declare(request):
    if selectors.open_crisis() is not None:  # a double submit, or declared meanwhile
        messages.error(
            request, _("C'è già una crisi in corso: chiudila prima di dichiararne un'altra.")
        )
        return redirect("crisis:dashboard")
    form = DeclareCrisisForm(request.POST)
    if form.is_valid():
        try:
            services.declare_crisis(
                by=request.user,
                reason=form.cleaned_data["reason"],
                channels=form.cleaned_data["channels"],
            )
        except services.CrisisError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Modalità crisi attiva: le pubblicazioni programmate sono sospese."),
            )
        return redirect("crisis:dashboard")
    return render(
        request,
        "crisis/dashboard.html",
        _dashboard_context(request, declare_form=form),
        status=400,
    )


@require_POST
@require_capability("crisis")
def change_scope(request):
    crisis = selectors.open_crisis()
    if crisis is None:
        messages.error(request, _("Non c'è nessuna crisi in corso."))
        return redirect("crisis:dashboard")
    form = ScopeForm(request.POST, auto_id="scope_%s")
    if not form.is_valid():
        return render(
            request,
            "crisis/dashboard.html",
            _dashboard_context(request, scope_form=form),
            status=400,
        )
    try:
        services.change_scope(
            crisis=crisis, by=request.user, channels=form.cleaned_data["channels"]
        )
    except services.CrisisError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Canali coinvolti aggiornati."))
    return redirect("crisis:dashboard")


@require_POST
@require_capability("crisis")
@require_recent_auth
def end(request):
    if selectors.open_crisis() is None:  # a double submit, or ended meanwhile
        messages.error(request, _("Non c'è nessuna crisi in corso."))
        return redirect("crisis:recovery")
    form = EndCrisisForm(request.POST)
    if form.is_valid():
        try:
            services.end_crisis(by=request.user, note=form.cleaned_data["note"])
        except services.CrisisError as exc:
            messages.error(request, str(exc))
            return redirect("crisis:dashboard")
        messages.success(
            request,
            _("Crisi chiusa. Nessun post riparte da solo: decidi qui cosa fare di quelli sospesi."),
        )
        return redirect("crisis:recovery")
    return render(
        request, "crisis/dashboard.html", _dashboard_context(request, end_form=form), status=400
    )


@require_POST
@require_capability("crisis")
def delete_delivery(request, pk: int):
    delivery = get_object_or_404(
        Delivery.objects.select_related("variant__post", "variant__channel"), pk=pk
    )
    try:
        services.delete_published_item(delivery, by=request.user)
    except services.CrisisError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Contenuto rimosso da %(channel)s.") % {"channel": delivery.variant.channel},
        )
    return redirect("crisis:dashboard")


@require_capability("crisis")
def history(request):
    return render(request, "crisis/history.html", {"crises": selectors.crisis_history()[:200]})


# --- Recovery -----------------------------------------------------------------------------


def _held_by_crisis(posts) -> set[int]:
    crisis = selectors.open_crisis()
    return {post.pk for post in posts if selectors.crisis_holds_post(crisis, post)}


def _recovery_context(*, bulk_form=None):
    posts = list(selectors.paused_posts())
    now = timezone.now()
    channel_ids = {v.channel_id for post in posts for v in post.variants.all()}
    times = [post.planned_at for post in posts]
    blackouts = (
        selectors.blackouts_between(min(times), max(times) + timedelta(seconds=1)) if posts else []
    )
    return {
        "paused": [
            (
                post,
                post.planned_at > now,
                selectors.blackout_blocking_post_at(post, post.planned_at, among=blackouts),
            )
            for post in posts
        ],
        "channels": Channel.objects.filter(pk__in=channel_ids),
        # Posts the open crisis still holds back: no "resume" for them until it ends.
        "held": _held_by_crisis(posts),
        "bulk_form": bulk_form or BulkForm(post_ids=[p.pk for p in posts]),
        "open_crisis": selectors.open_crisis(),
        "selected": set(bulk_form.cleaned_data.get("posts", []))
        if bulk_form is not None and hasattr(bulk_form, "cleaned_data")
        else set(),
    }


@require_capability("crisis")
def recovery(request):
    """Every paused post, with what a person may do with it, and each channel's tone."""
    return render(request, "crisis/recovery.html", _recovery_context())


def _paused_post(pk: int) -> Post:
    post = post_with_relations(pk)
    if post is None or post.status != PostStatus.PAUSED:
        raise Http404
    return post


@require_POST
@require_capability("crisis")
def resume(request, pk: int):
    post = _paused_post(pk)
    try:
        services.resume_post(post, by=request.user)
    except services.CrisisError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("«%(title)s» ripreso.") % {"title": post.title})
    return redirect("crisis:recovery")


@require_POST
@require_capability("crisis")
def reschedule(request, pk: int):
    post = _paused_post(pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(
            request, _("«%(title)s»: %(errors)s") % {"title": post.title, "errors": errors}
        )
        return redirect("crisis:recovery")
    try:
        services.reschedule_paused_post(
            post, by=request.user, planned_at=form.cleaned_data["planned_at"]
        )
    except services.CrisisError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("«%(title)s» riprogrammato.") % {"title": post.title})
    return redirect("crisis:recovery")


@require_POST
@require_capability("crisis")
def cancel(request, pk: int):
    post = _paused_post(pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_paused_post(post, by=request.user, reason=reason)
    except services.CrisisError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("«%(title)s» annullato.") % {"title": post.title})
    return redirect("crisis:recovery")


@require_POST
@require_capability("crisis")
def bulk(request):
    post_ids = list(selectors.paused_posts().values_list("pk", flat=True))
    form = BulkForm(request.POST, post_ids=post_ids)
    if not form.is_valid():
        return render(
            request, "crisis/recovery.html", _recovery_context(bulk_form=form), status=400
        )
    posts = list(
        Post.objects.filter(pk__in=form.cleaned_data["posts"], status=PostStatus.PAUSED)
        .prefetch_related("variants")
        .order_by("planned_at")
    )
    action = form.cleaned_data["action"]
    if action == "resume":
        result = services.bulk_resume(posts, by=request.user)
    elif action == "reschedule":
        result = services.bulk_reschedule(
            posts, by=request.user, planned_at=form.cleaned_data["planned_at"]
        )
    else:
        result = services.bulk_cancel(posts, by=request.user, reason=form.cleaned_data["reason"])
    if result.done:
        messages.success(request, _("Post aggiornati: %(n)d.") % {"n": len(result.done)})
    for post, message in result.refused:
        messages.error(
            request, _("«%(title)s»: %(error)s") % {"title": post.title, "error": message}
        )
    return redirect("crisis:recovery")


# --- Blackouts ----------------------------------------------------------------------------


@require_capability("crisis")
def blackout_list(request):
    now = timezone.now()
    return render(
        request,
        "crisis/blackout_list.html",
        {
            "upcoming": selectors.upcoming_blackouts(now),
            "past": list(Blackout.objects.filter(ends_at__lte=now).order_by("-starts_at")[:50]),
            "can_configure": can(request.user, "configure"),
        },
    )


@require_capability("crisis")
def blackout_detail(request, pk: int):
    blackout = get_object_or_404(
        Blackout.objects.prefetch_related("channels", "allowed_categories"), pk=pk
    )
    return render(
        request,
        "crisis/blackout_detail.html",
        {
            "blackout": blackout,
            "conflicts": selectors.posts_in_conflict(blackout),
            "can_configure": can(request.user, "configure"),
        },
    )


def _blackout_form_view(request, blackout=None):
    form = BlackoutForm(request.POST or None, instance=blackout)
    if request.method == "POST" and form.is_valid():
        saved = save_blackout(form, by=request.user)
        messages.success(request, _("Periodo di silenzio salvato."))
        return redirect("crisis:blackout_detail", pk=saved.pk)
    return render(
        request,
        "crisis/blackout_form.html",
        {"form": form, "blackout": blackout},
        status=400 if request.method == "POST" else 200,
    )


@require_capability("configure")
@require_recent_auth
def blackout_create(request):
    return _blackout_form_view(request)


@require_capability("configure")
def blackout_update(request, pk: int):
    return _blackout_form_view(request, get_object_or_404(Blackout, pk=pk))


@require_POST
@require_capability("configure")
def blackout_delete(request, pk: int):
    blackout = get_object_or_404(Blackout, pk=pk)
    delete_blackout(blackout, by=request.user)
    messages.success(request, _("Periodo di silenzio eliminato."))
    return redirect("crisis:blackout_list")
