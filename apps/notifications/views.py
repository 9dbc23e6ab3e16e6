"""The notification centre: the list, the header bell, marking read, preferences, and the
colleagues a comment may mention."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.access import require_capability
from apps.core.http import render_page_or_partial, wants_fragment

from . import selectors, services
from .forms import PreferencesForm
from .models import Notification, is_site_path

CHANGED = "notificationsChanged"  # the bell listens for it and refreshes itself


def _list_context(request) -> dict:
    page = Paginator(selectors.notifications_for(request.user), selectors.PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    return {"page": page, "unread": selectors.unread_count(request.user, fresh=True)}


@login_required
def notification_list(request):
    return render_page_or_partial(
        request,
        "notifications/list.html",
        "notifications/list.html#notification-list",
        _list_context(request),
    )


@login_required
def bell(request):
    """The header's link alone, counted afresh: pages ask for it after marking read."""
    return render(
        request,
        "notifications/includes/bell.html",
        {"notifications_unread": selectors.unread_count(request.user, fresh=True)},
    )


@login_required
def open_notification(request, pk: int):
    """Marks the notification read and goes where it points (a path on this site)."""
    notification = Notification.objects.filter(pk=pk, user=request.user).first()
    if notification is None:
        raise Http404
    services.mark_read(user=request.user, notification_id=notification.pk)
    if not is_site_path(notification.url):
        return redirect("notifications:list")
    return redirect(notification.url)


def _after_change(request, feedback: str):
    if wants_fragment(request):
        context = _list_context(request)
        context["feedback"] = feedback
        response = render(request, "notifications/list.html#notification-list", context)
        response["HX-Trigger"] = CHANGED
        return response
    messages.success(request, feedback)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request, pk: int):
    if not Notification.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    services.mark_read(user=request.user, notification_id=pk)
    return _after_change(request, _("Notifica segnata come letta."))


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    if count:
        feedback = _("Tutte le notifiche sono segnate come lette.")
    else:
        feedback = _("Non c'erano notifiche da leggere.")
    return _after_change(request, feedback)


@login_required
def preferences(request):
    prefs = selectors.preferences_of(request.user)
    form = PreferencesForm(request.POST or None, prefs=prefs)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(
            user=request.user,
            choices=form.choices(),
            quiet_from=form.cleaned_data["quiet_from"],
            quiet_until=form.cleaned_data["quiet_until"],
        )
        messages.success(request, _("Preferenze di notifica salvate."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_capability("plan")
def mention_people(request):
    """Up to a few colleagues (not the person asking) whose name starts with ``q``, for the
    comment box's suggestions."""
    query = request.GET.get("q", "")[:150]
    people = selectors.colleagues(query).exclude(pk=request.user.pk)
    people = people[: selectors.MENTION_SUGGESTIONS]
    return JsonResponse(
        {
            "people": [
                {"username": p.username, "name": p.get_full_name() or p.username} for p in people
            ]
        }
    )
