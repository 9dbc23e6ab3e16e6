from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotModified, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
)
from django.utils.http import http_date, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.access import require_capability
from apps.accounts.roles import can
from apps.core.http import render_page_or_partial
from apps.media_library.models import Asset
from apps.media_library.selectors import (
    assets_for_picker,
    event_asset,
    events_after_rights_expiry,
)
from apps.media_library.services import AssetRefused, add_event_image, set_event_asset

from . import feeds, ical, services, structured_data
from .forms import EventForm, ManageFilterForm, PostponeForm, PublicFilterForm
from .models import Event
from .selectors import (
    active_categories,
    events_for_management,
    occurrences_of,
    public_occurrences,
    published_event,
)

# How far ahead the public list looks when no end date is given, and at most.
DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 366
PAGE_SIZE = 20
FEED_MAX_AGE = 900  # seconds; proxies may keep a feed this long


def _midnight(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


# --- Public pages ----------------------------------------------------------------------


def _shortcuts(today, category, first_day, last_day) -> list[dict]:
    """Ready-made periods citizens ask for most: today, the weekend, the next days."""
    if today.weekday() == 6:  # Sunday: what is left of this weekend is today
        weekend = (today, today)
    else:
        saturday = today + timedelta(days=5 - today.weekday() if today.weekday() < 5 else 0)
        weekend = (saturday, saturday + timedelta(days=1))
    periods = [
        (_("Oggi"), today, today),
        (_("Questo fine settimana"), *weekend),
        (_("Prossimi 7 giorni"), today, today + timedelta(days=6)),
        (_("Prossimi 30 giorni"), today, today + timedelta(days=29)),
    ]
    shortcuts = []
    for label, start, end in periods:
        query = QueryDict(mutable=True)
        if category is not None:
            query["categoria"] = category.slug
        query["dal"], query["al"] = start.isoformat(), end.isoformat()
        shortcuts.append(
            {
                "label": label,
                "query": query.urlencode(),
                "active": (start, end) == (first_day, last_day),
            }
        )
    return shortcuts


@require_safe
@gzip_page
def public_list(request):
    categories = list(active_categories())
    form = PublicFilterForm(request.GET or None, categories=categories)
    today = timezone.localdate()
    first_day, last_day, category = today, None, None
    if form.is_bound and form.is_valid():
        first_day = form.cleaned_data["dal"] or today
        last_day = form.cleaned_data["al"]
        category = form.categories.get(form.cleaned_data["categoria"])
    if last_day is None:
        last_day = first_day + timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    clamped = (last_day - first_day).days >= MAX_WINDOW_DAYS
    if clamped:
        last_day = first_day + timedelta(days=MAX_WINDOW_DAYS - 1)
    occurrences = public_occurrences(
        start=_midnight(first_day), end=_midnight(last_day + timedelta(days=1)), category=category
    )
    page = Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "form": form,
        "page": page,
        "category": category,
        "first_day": first_day,
        "last_day": last_day,
        "clamped": clamped,
        "query": query.urlencode(),
        "shortcuts": _shortcuts(today, category, first_day, last_day),
    }
    return render_page_or_partial(
        request, "events/public_list.html", "events/public_list.html#results", context
    )


@require_safe
@gzip_page
def public_detail(request, pk):
    event = published_event(pk)
    preview = False
    if event is None and can(request.user, "plan"):
        # Staff preview a draft exactly as citizens will see it; everyone else gets 404.
        event = Event.objects.select_related("category").filter(pk=pk).first()
        preview = True
    if event is None:
        raise Http404
    upcoming = []
    if event.rrule and not event.is_cancelled:
        now = timezone.now()
        upcoming = occurrences_of(event, start=now, end=now + timedelta(days=60))[:6]
    context = {"event": event, "upcoming": upcoming, "preview": preview}
    if not preview:  # a draft is not for search engines
        context["json_ld"] = structured_data.event_json_ld(event, upcoming)
    response = render(request, "events/public_detail.html", context)
    if preview:
        add_never_cache_headers(response)
    return response


@require_safe
@gzip_page
def event_ics(request, pk):
    event = published_event(pk)
    if event is None:
        raise Http404
    response = HttpResponse(
        ical.single_event_bytes(event), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="evento-{event.pk}.ics"'
    return response


GOOGLE_ADD_BY_URL = "https://calendar.google.com/calendar/render"


def _feed_links(path: str) -> dict:
    """The feed's addresses: https to copy, webcal for Apple and Outlook, and Google
    Calendar's add-by-URL page (it asks the user to confirm, then subscribes)."""
    https = settings.SITE_URL + path
    webcal = "webcal://" + https.split("://", 1)[1]
    google = GOOGLE_ADD_BY_URL + "?" + urlencode({"cid": webcal})
    return {"https": https, "webcal": webcal, "google": google}


@require_safe
@gzip_page
def subscribe(request):
    categories = list(active_categories())
    feeds_list = [
        {"name": _("Tutti gli eventi"), "key": "tutti", **_feed_links(reverse("events:feed"))}
    ] + [
        {
            "name": category.name,
            "key": category.slug,
            **_feed_links(reverse("events:category_feed", args=[category.slug])),
        }
        for category in categories
    ]
    return render(request, "events/subscribe.html", {"feeds": feeds_list})


def _accepts_gzip(request) -> bool:
    """gzip acceptable (RFC 9110 12.5.3): listed without ``q=0``, or ``*`` alone."""
    offered = {}
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, _sep, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        offered[coding.strip()] = quality
    return offered.get("gzip", offered.get("x-gzip", offered.get("*", 0.0))) > 0


_CONDITIONAL = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def _feed_headers(feed: feeds.FeedBody, gzipped: bool) -> dict:
    """The validators and caching headers of one encoding of a feed (worked out per body)."""
    key = "_headers_gz" if gzipped else "_headers"
    headers = feed.__dict__.get(key)
    if headers is None:
        headers = {
            "ETag": feed.etag(gzipped=gzipped),
            "Last-Modified": http_date(feed.last_modified_timestamp),
            "Cache-Control": f"max-age={FEED_MAX_AGE}, public",
            # The body is Italian whatever the client's language; it varies by encoding only.
            "Content-Language": settings.LANGUAGE_CODE,
            "Vary": "Accept-Encoding",
        }
        feed.__dict__[key] = headers  # a frozen dataclass, but a plain cache like its properties
    return headers


def _serve_feed(request, slug: str | None):
    feed = feeds.current_feed(slug)
    if feed is None:
        raise Http404
    gzipped = _accepts_gzip(request)
    headers = _feed_headers(feed, gzipped)
    meta, response = request.META, None
    # The two usual requests, answered without parsing: a poll with the ETag it was given,
    # and a first download. Anything else goes through Django's full evaluation.
    if meta.get("HTTP_IF_NONE_MATCH") == headers["ETag"] and not (
        "HTTP_IF_MATCH" in meta or "HTTP_IF_UNMODIFIED_SINCE" in meta
    ):
        response = HttpResponseNotModified()
    elif any(name in meta for name in _CONDITIONAL):
        response = get_conditional_response(
            request, etag=headers["ETag"], last_modified=feed.last_modified_timestamp
        )
    if response is None:
        body = feed.gzipped if gzipped else feed.identity
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Length"] = str(len(body))
        if gzipped:
            response["Content-Encoding"] = "gzip"
        name = "eventi" if feed.scope == feeds.ALL else f"eventi-{feed.scope}"
        response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    for header, value in headers.items():
        response[header] = value
    response.language_neutral = True
    return response


@require_safe
def feed(request):
    return _serve_feed(request, None)


@require_safe
def category_feed(request, slug):
    return _serve_feed(request, slug)


# --- Management ------------------------------------------------------------------------


@require_safe
@require_capability("plan")
def manage_list(request):
    form = ManageFilterForm(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "include_past": data["passati"],
            "status": data["stato"],
            "category": data["categoria"],
            "text": data["q"].strip(),
        }
    page = Paginator(events_for_management(**filters), 50).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {"page": page, "form": form, "query": query.urlencode()}
    return render(request, "events/manage_list.html", context)


class _GoneAsset:
    """A chosen asset no longer in the library: ``set_event_asset`` refuses it by its id."""

    pk = 0


def _picked_image(request, shown: Asset | None = None):
    """The library image the picker's radio buttons sent: an asset, None for "no library
    image", or :class:`_GoneAsset` for an id no longer in the library (refused with a
    message). A request without the picker's field keeps the image shown now."""
    if "media_assets" not in request.POST:
        return shown
    raw = request.POST.get("media_assets", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63):
        return _GoneAsset()
    return Asset.objects.filter(pk=int(raw)).first() or _GoneAsset()


def _form_page(request, form, event, picked: Asset | None):
    query = request.POST.get("media_q", "")[:200] if request.method == "POST" else ""
    selected = [picked.pk] if picked is not None and picked.pk else []
    context = {
        "form": form,
        "event": event,
        "picker_assets": assets_for_picker(q=query, selected_ids=selected, images_only=True),
        "picker_selected": selected,
        "picker_query": query,
        "picker_in_form": True,
        "picker_single": True,
        "picker_searching": request.method == "POST" and "media_search" in request.POST,
        # The library image the event shows has rights ending before the event does.
        "rights_end_early": event is not None
        and isinstance(picked, Asset)
        and event in events_after_rights_expiry(asset=picked),
        "picked_image": picked if isinstance(picked, Asset) else None,
    }
    return render(request, "events/manage_form.html", context)


def _save_event(request, form, event: Event | None, picked: Asset | None) -> Event | None:
    """Save the event and its library image in one transaction; ``None`` (and the reason on
    the form) when the library refuses the image."""
    added = None
    try:
        with transaction.atomic():
            if event is None:
                event = services.create_event(by=request.user, **form.to_fields())
            else:
                services.update_event(event=event, by=request.user, **form.to_fields())
            if form.upload is not None:
                try:
                    added = add_event_image(
                        event=event, upload=form.upload, by=request.user, **form.upload_fields()
                    )
                except AssetRefused as exc:
                    form.add_error("image", str(exc))
                    raise
            else:
                set_event_asset(
                    event=event,
                    asset_id=picked.pk if picked is not None else None,
                    by=request.user,
                )
    except AssetRefused as exc:
        if not form.has_error("image"):
            form.add_error(None, str(exc))
        return None
    if added is not None and added.duplicate:
        messages.info(
            request,
            _(
                "L'immagine caricata era già nella libreria (n. %(pk)s): l'evento usa quella, "
                "con il suo testo alternativo."
            )
            % {"pk": added.asset.pk},
        )
    return event


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def manage_create(request):
    picked = _picked_image(request) if request.method == "POST" else None
    form = EventForm(request.POST or None, request.FILES or None, library_image=picked)
    if request.method == "POST" and "media_search" not in request.POST and form.is_valid():
        event = _save_event(request, form, None, picked)
        if event is not None:
            messages.success(request, _("Evento «%(title)s» creato.") % {"title": event.title})
            return redirect("events:manage_list")
    return _form_page(request, form, None, picked)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def manage_edit(request, pk):
    event = get_object_or_404(Event.objects.select_related("category"), pk=pk)
    shown = event_asset(event=event)
    picked = _picked_image(request, shown) if request.method == "POST" else shown
    if request.POST.get("remove_image") and shown is not None and picked == shown:
        picked = None  # "remove the current image" also removes a library one
    form = EventForm(
        request.POST or None,
        request.FILES or None,
        event=event,
        library_image=picked,
        shown_library_file=shown.file.name if shown is not None else "",
    )
    if request.method == "POST" and "media_search" not in request.POST and form.is_valid():
        if _save_event(request, form, event, picked) is not None:
            messages.success(request, _("Evento «%(title)s» aggiornato.") % {"title": event.title})
            return redirect("events:manage_list")
        event.refresh_from_db()  # the rolled-back save may have changed it in memory
    return _form_page(request, form, event, picked)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def manage_cancel(request, pk):
    event = get_object_or_404(Event.objects.select_related("category"), pk=pk)
    if request.method == "POST":
        try:
            services.cancel_event(event=event, by=request.user)
        except services.EventError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Evento «%(title)s» annullato.") % {"title": event.title})
        return redirect("events:manage_list")
    context = {
        "event": event,
        "retention_days": settings.CANCELLED_EVENT_RETENTION_DAYS,
    }
    return render(request, "events/manage_cancel.html", context)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def manage_postpone(request, pk):
    event = get_object_or_404(Event.objects.select_related("category"), pk=pk)
    form = PostponeForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.postpone_event(
                event=event,
                by=request.user,
                starts_at=form.cleaned_data.get("starts_at"),
                ends_at=form.cleaned_data.get("ends_at"),
            )
        except services.EventError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Evento «%(title)s» rinviato.") % {"title": event.title})
        return redirect("events:manage_list")
    return render(request, "events/manage_postpone.html", {"form": form, "event": event})


@require_POST
@require_capability("plan")
def manage_confirm(request, pk):
    event = get_object_or_404(Event.objects.select_related("category"), pk=pk)
    try:
        services.confirm_event(event=event, by=request.user)
    except services.EventError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Evento «%(title)s» confermato.") % {"title": event.title})
    return redirect("events:manage_list")
