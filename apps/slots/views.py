from datetime import datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.access import require_capability
from apps.core.http import safe_next

from . import services
from .forms import AdherencePeriodForm, RecurrenceForm, SkipForm, SlotForm
from .models import Slot
from .recurrence import RecurrenceError, next_occurrences, parse_rrule
from .selectors import adherence, occurrence_of, occurrences_between, slots_for_list

DEFAULT_WEEKS = 8
UPCOMING_DAYS = 56
# Occurrences outside these years are refused before any date arithmetic can overflow.
OCCURRENCE_YEARS = range(1970, 2200)


def _weeks(request) -> int:
    try:
        weeks = int(request.GET.get("settimane", DEFAULT_WEEKS))
    except (TypeError, ValueError):
        return DEFAULT_WEEKS
    return weeks if 1 <= weeks <= 52 else DEFAULT_WEEKS


def _describe(slot: Slot) -> str:
    try:
        return parse_rrule(slot.rrule).describe()
    except RecurrenceError:
        return slot.rrule


def _occurrence_at(request) -> datetime | None:
    """The ``occorrenza`` parameter as an aware datetime, or None when missing or malformed."""
    raw = request.POST.get("occorrenza") or request.GET.get("occorrenza") or ""
    try:
        value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        return None
    if timezone.is_naive(value) or value.year not in OCCURRENCE_YEARS:
        return None
    return value


def _adherence_period(form: AdherencePeriodForm, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the adherence figures; a bad period falls back to the last 8 weeks."""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["dal"] and data["al"]:
            zone = timezone.get_current_timezone()
            start = datetime.combine(data["dal"], time(0, 0), tzinfo=zone)
            end = datetime.combine(data["al"] + timedelta(days=1), time(0, 0), tzinfo=zone)
            return start, end
        return now - timedelta(weeks=data["settimane"] or DEFAULT_WEEKS), now
    return now - timedelta(weeks=DEFAULT_WEEKS), now


@require_GET
@require_capability("plan")
def slot_list(request):
    now = timezone.now()
    period_form = AdherencePeriodForm(request.GET or None)
    start, end = _adherence_period(period_form, now)
    slots = list(slots_for_list())
    figures = adherence(slots=slots, start=start, end=end, now=now)
    upcoming = occurrences_between(start=now, end=now + timedelta(days=62), slots=slots)
    next_of: dict[int, object] = {}
    for occurrence in upcoming:
        if occurrence.slot.active:
            next_of.setdefault(occurrence.slot.pk, occurrence)
    rows = [
        {
            "slot": slot,
            "describe": _describe(slot),
            "adherence": figures[slot.pk],
            "next": next_of.get(slot.pk),
        }
        for slot in slots
    ]
    context = {
        "rows": rows,
        "period_form": period_form,
        "period_start": start,
        "period_end": min(end, now) - timedelta(seconds=1),
    }
    return render(request, "slots/slot_list.html", context)


@require_GET
@require_capability("plan")
def slot_detail(request, pk):
    slot = get_object_or_404(slots_for_list(), pk=pk)
    weeks = _weeks(request)
    now = timezone.now()
    past_start = now - timedelta(weeks=weeks)
    occurrences = occurrences_between(
        start=past_start, end=now + timedelta(days=UPCOMING_DAYS), slots=[slot]
    )
    context = {
        "slot": slot,
        "describe": _describe(slot),
        "weeks": weeks,
        "past": [o for o in occurrences if o.at < now][::-1],
        "upcoming": [o for o in occurrences if o.at >= now] if slot.active else [],
        "adherence": adherence(slots=[slot], start=past_start, end=now, now=now)[slot.pk],
        "now": now,
    }
    return render(request, "slots/slot_detail.html", context)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def slot_create(request):
    form = SlotForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        slot = form.save(commit=False)
        services.save_slot(
            slot=slot, channels=form.cleaned_data["channels"], by=request.user, created=True
        )
        messages.success(request, _("Rubrica «%(name)s» creata.") % {"name": slot.name})
        return redirect(slot)
    return render(request, "slots/slot_form.html", {"form": form, "slot": None})


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def slot_edit(request, pk):
    slot = get_object_or_404(Slot, pk=pk)
    form = SlotForm(request.POST or None, instance=slot)
    if request.method == "POST" and form.is_valid():
        slot = form.save(commit=False)
        services.save_slot(
            slot=slot, channels=form.cleaned_data["channels"], by=request.user, created=False
        )
        messages.success(request, _("Rubrica «%(name)s» aggiornata.") % {"name": slot.name})
        return redirect(slot)
    return render(request, "slots/slot_form.html", {"form": form, "slot": slot})


@require_GET
@require_capability("plan")
def slot_preview(request):
    """The next five occurrences of the recurrence being edited (htmx, on every change)."""
    form = RecurrenceForm(request.GET)
    occurrences = []
    if form.is_valid() and form.recurrence is not None:
        data = form.cleaned_data
        occurrences = next_occurrences(
            rrule=form.recurrence.to_rrule(),
            at=data["time"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            after=timezone.now(),
            count=5,
        )
    return render(
        request,
        "slots/slot_form.html#preview",
        {"preview_form": form, "preview": occurrences, "preview_checked": True},
    )


def _done(request, slot: Slot, url: str | None = None):
    target = safe_next(request, url or slot.get_absolute_url())
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def _bad_occurrence(request, slot: Slot):
    messages.error(request, _("Uscita non valida: riprova dalla pagina della rubrica."))
    return _done(request, slot)


@require_POST
@require_capability("plan")
def fill(request, pk):
    slot = get_object_or_404(Slot, pk=pk)
    at = _occurrence_at(request)
    if at is None:
        return _bad_occurrence(request, slot)
    try:
        post = services.fill_occurrence(slot, at, by=request.user)
    except services.SlotError as exc:
        messages.error(request, str(exc))
        return _done(request, slot)
    messages.success(request, _("Bozza creata per l'uscita: completala e inviala in revisione."))
    target = post.get_absolute_url()
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def skip(request, pk):
    slot = get_object_or_404(Slot, pk=pk)
    at = _occurrence_at(request)
    occurrence = occurrence_of(slot, at) if at is not None else None
    if occurrence is None:
        return _bad_occurrence(request, slot)
    form = SkipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.skip_occurrence(
                slot, occurrence.at, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.SlotError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Uscita saltata."))
        return _done(request, slot)
    context = {
        "slot": slot,
        "occurrence": occurrence,
        "form": form,
        "next": safe_next(request, ""),
    }
    return render(request, "slots/skip.html", context)


@require_POST
@require_capability("plan")
def unskip(request, pk):
    slot = get_object_or_404(Slot, pk=pk)
    at = _occurrence_at(request)
    if at is None:
        return _bad_occurrence(request, slot)
    if services.unskip_occurrence(slot, at, by=request.user):
        messages.success(request, _("Uscita ripristinata: ora è di nuovo da riempire."))
    return _done(request, slot)


@require_POST
@require_capability("plan")
def unfill(request, pk):
    slot = get_object_or_404(Slot, pk=pk)
    at = _occurrence_at(request)
    occurrence = occurrence_of(slot, at) if at is not None else None
    if occurrence is None:
        return _bad_occurrence(request, slot)
    if occurrence.is_filled and services.unlink_post(occurrence.post, by=request.user):
        messages.success(
            request, _("Il post non riempie più questa uscita (il post resta nel calendario).")
        )
    return _done(request, slot)
