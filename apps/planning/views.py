import re
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability
from apps.accounts.roles import can
from apps.audit.services import record as audit_record
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.core.http import render_page_or_partial, safe_next
from apps.crisis.selectors import blackout_blocking_approval, blackouts_between
from apps.insights.reports import MAX_DAYS as MAX_REPORT_DAYS
from apps.insights.reports import campaign_results
from apps.media_library.rules import library_image_count, rights_problems
from apps.media_library.selectors import (
    assets_for_picker,
    assets_in_order,
    post_assets,
    preview_sources,
    with_library_assets,
)
from apps.media_library.services import AssetRefused, copy_post_assets, set_post_assets
from apps.newsletter.services import issue_parts, issue_subject
from apps.publishing.links import rewrite
from apps.review.editing import SlotMoveQuestion, queue_post, reschedule_post, update_post
from apps.review.forms import BulkActionForm
from apps.review.selectors import COMMENT_TEXT
from apps.slots.queueing import QueueError, queues_for
from apps.slots.selectors import occurrences_between

from . import calendar as cal
from . import exporting, importing
from .access import can_manage_post, get_post_for_user
from .checks import (
    MAX_CHECKED_LENGTH,
    BaseTextReport,
    analyse_base_text,
    analyse_variant,
    oversized_variant_report,
    post_level_findings,
)
from .enums import EDITABLE_STATES, PostStatus
from .forms import (
    CalendarFilterForm,
    CampaignForm,
    CategoryForm,
    DuplicateForm,
    ExistingImageFormSet,
    ExportForm,
    ImportUploadForm,
    NewImageFormSet,
    PostForm,
    QueueForm,
    RescheduleForm,
    SearchForm,
    default_planned_at,
)
from .models import (
    ALT_TEXT_MAX_LENGTH,
    NEWS_OFFICE_MAX_LENGTH,
    NEWS_SUMMARY_MAX_LENGTH,
    NEWS_TOPIC_MAX_LENGTH,
    NEWS_TOPICS_MAX,
    PUBLIC_TITLE_MAX_LENGTH,
    Campaign,
    ContentCategory,
    PostImage,
)
from .news import NewsFields, split_topics
from .news import field_name as news_field_name
from .previews import build_preview
from .search import search_page, snippets
from .selectors import (
    calendar_counts,
    calendar_posts,
    campaign_posts,
    campaigns_with_counts,
    category_balance,
    status_counts,
)
from .services import PostEditError, create_post, duplicate_post, save_campaign, save_category

FILTER_KEYS = ("canale", "categoria", "stato", "autore", "campagna", "etichetta")
HEX = re.compile(r"#[0-9a-fA-F]{6}")
ASCII_ID = re.compile(r"[0-9]{1,18}")  # fits a 64-bit database id
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Calendar -------------------------------------------------------------------------------


def _open_occurrences(period, filters) -> list:
    """Open slot occurrences still to fill, unless a filter on posts excludes them."""
    if any(filters.get(name) for name in ("status", "author", "campaign", "tag")):
        return []
    # Only what can still be filled: a past open occurrence is the slots page's adherence figure.
    start = max(period.start, timezone.now())
    found = (
        [o for o in occurrences_between(start=start, end=period.end) if o.is_open]
        if start < period.end
        else []
    )
    if filters.get("category") is not None:
        found = [o for o in found if o.slot.category_id == filters["category"].pk]
    if filters.get("channel") is not None:
        found = [o for o in found if filters["channel"] in o.slot.channels.all()]
    return found


def _blackouts(period) -> list:
    return list(blackouts_between(start=period.start, end=period.end))


def _calendar_context(request, params: QueryDict) -> dict:
    view = params.get("vista") if params.get("vista") in cal.VIEWS else cal.MONTH
    today = timezone.localdate()
    period = cal.period_for(view, cal.parse_anchor(params.get("data"), today))
    filter_form = CalendarFilterForm(params if any(params.get(k) for k in FILTER_KEYS) else None)
    filters = filter_form.filters()
    # The month grid shows a few posts a day: only those are loaded, the rest is counted.
    per_day = cal.MONTH_POSTS_PER_DAY if view == cal.MONTH else None
    posts = calendar_posts(start=period.start, end=period.end, per_day=per_day, **filters)
    counts = calendar_counts(start=period.start, end=period.end, **filters)
    totals: dict = {}
    for (day, _category), count in counts.items():
        totals[day] = totals.get(day, 0) + count
    days = cal.build_days(
        period,
        posts=posts,
        occurrences=_open_occurrences(period, filters),
        blackouts=_blackouts(period),
        today=today,
        totals=totals if per_day is not None else None,
    )
    kept = {k: params.get(k) for k in FILTER_KEYS if filter_form.is_bound and params.get(k)}
    kept = {k: v for k, v in kept.items() if k not in filter_form.errors}
    categories = list(ContentCategory.objects.all())
    balance_mondays = period.mondays if view != cal.LIST else period.mondays[:4]
    shown_days, list_continue = cal.list_days(days) if view == cal.LIST else ([], None)

    # Cards the person may drag or "Sposta": their own posts, or any post for reviewers.
    movable_ids = {
        p.pk for p in posts if p.status in EDITABLE_STATES and can_manage_post(request.user, p)
    }
    cal.dress_cards(posts, movable_ids=movable_ids)

    def link(**changes) -> str:
        query = {"vista": view, "data": period.anchor.isoformat(), **kept, **changes}
        return "?" + urlencode(query)

    return {
        "view": view,
        "views": [(key, label, link(vista=key)) for key, label in cal.VIEWS.items()],
        "period": period,
        "today": today,
        "today_iso": today.isoformat(),
        # Week view: an hour that has begun is past, so it offers no "+" (string comparison).
        "now_minute": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "days": days,
        "weeks": cal.weeks_of(days) if view == cal.MONTH else [],
        "hour_rows": cal.hour_rows(days) if view == cal.WEEK else [],
        "list_days": shown_days,
        "list_continue_url": link(data=list_continue.isoformat()) if list_continue else "",
        "day_url": reverse("planning:calendar") + "?" + urlencode({"vista": cal.LIST, **kept}),
        "create_url": reverse("planning:post_create"),
        "posts": posts,
        "filter_form": filter_form,
        "filtered": bool(kept),
        "balance": category_balance(counts, categories=categories, mondays=balance_mondays),
        "prev_url": link(data=period.prev_anchor.isoformat()),
        "next_url": link(data=period.next_anchor.isoformat()),
        "today_url": link(data=today.isoformat()),
        "current_url": reverse("planning:calendar") + link(),
        "movable_ids": movable_ids,
        "bulk_form": BulkActionForm() if view == cal.LIST else None,
    }


@require_GET
@require_capability("plan")
def calendar_view(request):
    context = _calendar_context(request, request.GET)
    return render_page_or_partial(
        request, "planning/calendar.html", "planning/calendar.html#calendar-body", context
    )


@require_POST
@require_capability("plan")
def post_reschedule(request, pk):
    """Move a post: the "Sposta" form (no JS) and drag and drop (htmx) both post here."""
    post = get_post_for_user(request, pk, for_edit=True)
    form = RescheduleForm(request.POST)
    target = safe_next(request, reverse("planning:calendar"))
    if form.is_valid():
        try:
            reschedule_post(
                post,
                by=request.user,
                planned_at=form.planned_at(),
                expected_version=form.cleaned_data["version"],
                keeps_slot=form.keeps_slot(),
            )
        except SlotMoveQuestion as exc:
            return _ask_about_slot(request, post, form, target, str(exc))
        except PostEditError as exc:
            messages.error(request, str(exc))
        else:
            local = timezone.localtime(post.planned_at)
            text = _("«%(title)s» spostato a %(when)s.") % {
                "title": post.title,
                "when": local.strftime("%d/%m/%Y %H:%M"),
            }
            if post.status == PostStatus.IN_REVIEW:
                text += " " + _("Era approvato: torna in revisione per il nuovo orario.")
            messages.success(request, text)
    else:
        messages.error(request, _("Data o ora non valide: il post non è stato spostato."))
    if request.htmx:
        context = _calendar_context(request, QueryDict(urlsplit(target).query))
        context["htmx_messages"] = True
        return render(request, "planning/calendar.html#calendar-body", context)
    return redirect(target)


def _ask_about_slot(request, post, form, target: str, text: str):
    """The move waits for an answer: does the post still fill its slot occurrence?"""
    question = {
        "post": post,
        "text": text,
        "day": form.cleaned_data["data"],
        "time": form.cleaned_data["ora"],
        "version": form.cleaned_data["version"],
        "next": target,
        "answers": [
            ("si", _("Sì, la riempie ancora")),
            ("no", _("No, scollegalo dalla rubrica")),
        ],
    }
    if request.htmx:
        context = _calendar_context(request, QueryDict(urlsplit(target).query))
        context["move_question"] = question
        return render(request, "planning/calendar.html#calendar-body", context)
    return render(request, "planning/post_move_confirm.html", {"question": question})


# --- Posts ------------------------------------------------------------------------------------


@require_POST
@require_capability("plan")
def post_duplicate(request, pk):
    """Copy a post as a new draft of the person asking, at the date and time they chose."""
    post = get_post_for_user(request, pk)
    form = DuplicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Data o ora non valide: nessuna copia creata."))
        return redirect(post)
    try:
        with transaction.atomic():
            copy = duplicate_post(post, by=request.user, planned_at=form.planned_at())
            # The library files too (new uses of the same assets: media_library.services).
            left_out = copy_post_assets(source=post, target=copy, by=request.user)
    except PostEditError as exc:
        messages.error(request, str(exc))
        return redirect(post)
    messages.success(request, _("Copia creata come bozza: controlla testi e data."))
    if left_out:
        messages.warning(
            request,
            _("Non copiati, perché i diritti d'uso sono scaduti: %(names)s.")
            % {"names": ", ".join(f"«{asset}»" for asset in left_out)},
        )
    return redirect("planning:post_edit", copy.pk)


@require_GET
@require_capability("plan")
def post_detail(request, pk):
    """The post; for htmx (the review actions' ``postChanged`` event) only its summary."""
    post = with_library_assets(get_post_for_user(request, pk))
    reports = []
    library_images = library_image_count(post)
    for variant in post.variants.all():
        report = analyse_variant(
            variant.text,
            variant.channel,
            link=post.link,
            public_title=variant.public_title,
            has_images=bool(post.images.all()) or library_images > 0,
            news=NewsFields.of(variant),
        )
        report.findings += post_level_findings(post, variant.channel, library_images=library_images)
        reports.append((variant, report))
    context = {
        "post": post,
        "reports": reports,
        "blackout": blackout_blocking_approval(post),
        "can_edit": can_manage_post(request.user, post),
        "editable": post.status
        in {PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED, PostStatus.PAUSED},
        "duplicate_form": DuplicateForm(
            auto_id="dup-%s", initial={"ora": timezone.localtime(post.planned_at).time()}
        ),
        "queue_form": queue_form_for(post),
    }
    return render_page_or_partial(
        request, "planning/post_detail.html", "planning/post_detail.html#post-summary", context
    )


def _image_dicts(formset) -> list[dict]:
    return [
        {k: f.cleaned_data.get(k, "") for k in ("image", "alt_text", "caption", "credit")}
        for f in formset.forms
        if getattr(f, "cleaned_data", None) and f.cleaned_data.get("image")
    ]


def _picked_ids(request) -> list[int]:
    """The asset ids the picker's checkboxes sent (at most 50; anything else is ignored)."""
    ids = []
    for raw in request.POST.getlist("media_assets")[:50]:
        if ASCII_ID.fullmatch(raw) and 0 < int(raw) < 2**63:
            ids.append(int(raw))
    return list(dict.fromkeys(ids))


def _library_assets(ids: list[int] | None) -> list:
    """The chosen library files (in order, with their renditions): the editor asks each
    channel's alt text for the images and previews them all."""
    return assets_in_order(ids or [])


def _library_sources(own_images, assets, channel, form) -> list:
    """What the editor's preview for ``channel`` shows: the post's images and the library's,
    with the alt text typed for that channel (or the asset's), or only a video."""
    overrides = {
        str(asset.pk): field.value() or ""
        for asset, field in (form.alt_text_fields(channel) if channel in form.channel_list else [])
    }
    return preview_sources(own_images, assets, network=channel.kind, alt_overrides=overrides)


def _picker_context(selected_ids: list[int], planned_at=None, query: str = "") -> dict:
    assets = assets_for_picker(q=query, selected_ids=selected_ids)
    chosen = [a for a in assets if a.pk in selected_ids]
    return {
        "picker_assets": assets,
        "picker_selected": selected_ids,
        "picker_query": query,
        "picker_in_form": True,
        "picker_rights_problems": rights_problems(chosen, planned_at=planned_at)
        if planned_at
        else [],
    }


def _typed_news(values, channel) -> NewsFields | None:
    """The Notizia fields typed for ``channel`` (form data or the live check's POST), cut to
    what the form accepts so a hostile request cannot make the check slow; None where the
    channel has none."""
    if not channel.has_news_fields:
        return None

    def typed(kind: str, cap: int) -> str:
        return str(values.get(news_field_name(kind, channel.pk)) or "")[:cap]

    return NewsFields(
        summary=typed("summary", NEWS_SUMMARY_MAX_LENGTH + 1).strip(),
        topics=tuple(split_topics(typed("topics", NEWS_TOPICS_MAX * (NEWS_TOPIC_MAX_LENGTH + 2)))),
        news_type=typed("type", 20),
        office=typed("office", NEWS_OFFICE_MAX_LENGTH + 1).strip(),
    )


def _live_params(form, channel, field) -> str:
    """The fields the live check of ``channel``'s row sends (htmx ``hx-params``)."""
    names = ["channel", "post", field.html_name]
    title_field = form.public_title_field(channel)
    if title_field is not None:
        names.append(title_field.html_name)
    names += [f.html_name for f in form.news_fields(channel)]
    names += ["link", "base_text", "media_assets"]
    names += [f.html_name for _asset, f in form.alt_text_fields(channel)]
    return ",".join(names)


def _editor_context(
    form, new_images, existing_images=None, post=None, picked=None, query=""
) -> dict:
    reports, previews = {}, {}
    images = list(post.images.all()) if post is not None else []
    library = form.library_assets
    link = form.data.get("link", "") if form.is_bound else form.initial.get("link", "")
    for channel, field in form.variant_rows():
        text = field.value() or (
            form.data.get("base_text", "") if form.is_bound else form.initial.get("base_text", "")
        )
        title_field = form.public_title_field(channel)
        public_title = (title_field.value() or "") if title_field is not None else ""
        news = _typed_news({f.name: f.value() for f in form.news_fields(channel)}, channel)
        reports[channel.pk] = analyse_variant(
            text or "",
            channel,
            link=link or "",
            public_title=public_title,
            has_images=bool(images) or bool(library),
            news=news,
        )
        previews[channel.pk] = build_preview(
            channel=channel,
            text=(text or "")[:MAX_CHECKED_LENGTH],
            link=link or "",
            public_title=public_title,
            images=_library_sources(images, library, channel, form),
            news=news,
        )
    chosen = {str(v) for v in (form["channels"].value() or [])}
    rows = [
        {
            "channel": c,
            "field": f,
            "title_field": form.public_title_field(c),
            "news_fields": form.news_fields(c),
            "live_params": _live_params(form, c, f),
            "alt_fields": form.alt_text_fields(c),
            "report": reports[c.pk],
            "preview": previews[c.pk],
            "chosen": str(c.pk) in chosen,
        }
        for c, f in form.variant_rows()
    ]
    base_text = form.data.get("base_text", "") if form.is_bound else form.initial.get("base_text")
    return {
        "form": form,
        "base_report": analyse_base_text(base_text or ""),
        "variant_rows": rows,
        "new_images": new_images,
        "existing_images": existing_images,
        "post": post,
        "lost_files": form.is_bound and bool(new_images.files),
        "max_image_mb": round(settings.MAX_IMAGE_BYTES / 1024 / 1024, 1),
        **_picker_context(
            picked
            if picked is not None
            else [a.pk for a in post_assets(post=post)]
            if post is not None
            else [],
            planned_at=getattr(form, "cleaned_data", {}).get("planned_at")
            or (post.planned_at if post is not None else None),
            query=query,
        ),
        "picker_searching": form.is_bound and "media_search" in form.data,
    }


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def post_create(request):
    if request.method == "POST":
        picked = _picked_ids(request)
        form = PostForm(
            request.POST,
            can_set_flags=can(request.user, "review"),
            library_images=_library_assets(picked),
        )
        new_images = NewImageFormSet(request.POST, request.FILES, prefix="nuove")
        query = request.POST.get("media_q", "")[:200]
        if "media_search" in request.POST:  # the picker's search without JavaScript: no save
            pass
        elif form.is_valid() and new_images.is_valid():
            try:
                with transaction.atomic():
                    post = create_post(
                        author=request.user,
                        **form.content_changes(),
                        images=_image_dicts(new_images),
                    )
                    set_post_assets(post=post, asset_ids=picked, by=request.user)
            except AssetRefused as exc:
                form.add_error(None, str(exc))
            except PostEditError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Bozza «%(title)s» creata.") % {"title": post.title})
                return redirect(post)
    else:
        day, at = default_planned_at(request.GET.get("data"), request.GET.get("ora"))
        initial = {"planned_date": day, "planned_time": at}
        channel_ids = request.GET.getlist("canale")
        if channel_ids:
            initial["channels"] = [c for c in channel_ids if ASCII_ID.fullmatch(c)]
        form = PostForm(initial=initial, can_set_flags=can(request.user, "review"))
        new_images = NewImageFormSet(prefix="nuove")
        picked, query = [], ""
    return render(
        request,
        "planning/post_form.html",
        _editor_context(form, new_images, picked=picked, query=query),
    )


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def post_edit(request, pk):
    post = get_post_for_user(request, pk, for_edit=True)
    existing_initial = [
        {"id": i.pk, "alt_text": i.alt_text, "caption": i.caption, "credit": i.credit}
        for i in post.images.all()
    ]
    if request.method == "POST":
        picked = _picked_ids(request)
        form = PostForm(
            request.POST,
            post=post,
            can_set_flags=can(request.user, "review"),
            has_images=bool(post.images.all()),
            library_images=_library_assets(picked),
        )
        new_images = NewImageFormSet(request.POST, request.FILES, prefix="nuove")
        existing = ExistingImageFormSet(request.POST, prefix="immagini", initial=existing_initial)
        query = request.POST.get("media_q", "")[:200]
        if "media_search" in request.POST:  # the picker's search without JavaScript: no save
            pass
        elif form.is_valid() and new_images.is_valid() and existing.is_valid():
            data = form.cleaned_data
            own_images = {i.pk for i in post.images.all()}
            kept = [
                f.cleaned_data for f in existing.forms if f.cleaned_data.get("id") in own_images
            ]
            try:
                with transaction.atomic():
                    update_post(
                        post,
                        by=request.user,
                        expected_version=data["version"],
                        keeps_slot=data["keeps_slot"],
                        **form.content_changes(),
                        images_to_add=_image_dicts(new_images),
                        images_to_remove=[d["id"] for d in kept if d.get("remove")],
                        image_updates={d["id"]: d for d in kept if not d.get("remove")},
                    )
                    # Refused while still approved (media_library.services).
                    set_post_assets(post=post, asset_ids=picked, by=request.user)
            except AssetRefused as exc:
                post.refresh_from_db()  # the rolled-back save may have changed it in memory
                form.add_error(None, str(exc))
            except SlotMoveQuestion as exc:
                form.add_error("keeps_slot", str(exc))
            except PostEditError as exc:
                form.add_error(None, str(exc))
            else:
                text = _("Post «%(title)s» salvato.") % {"title": post.title}
                if post.status == PostStatus.IN_REVIEW:
                    text += " " + _("Era approvato: è tornato in revisione.")
                messages.success(request, text)
                return redirect(post)
    else:
        form = PostForm(
            initial=PostForm.initial_for(post),
            post=post,
            can_set_flags=can(request.user, "review"),
            has_images=bool(post.images.all()),
            library_images=_library_assets([a.pk for a in post_assets(post=post)]),
        )
        new_images = NewImageFormSet(prefix="nuove")
        existing = ExistingImageFormSet(prefix="immagini", initial=existing_initial)
        picked, query = None, ""
    context = _editor_context(form, new_images, existing, post, picked=picked, query=query)
    context["images_by_id"] = {i.pk: i for i in post.images.all()}
    return render(request, "planning/post_form.html", context)


@require_POST
@require_capability("plan")
def check_variant(request):
    """Live checks of one variant as the writer types (htmx): counter and findings.

    A text longer than the forms accept is not analysed: the answer only says so.
    """
    channel_id = request.POST.get("channel", "")
    if channel_id == "base":
        text = request.POST.get("base_text", "")
        if len(text) > MAX_CHECKED_LENGTH:
            report = BaseTextReport(length=len(text), gulpease=None, shouting=False)
        else:
            report = analyse_base_text(text)
        return render(request, "planning/post_form.html#base-checks", {"base_report": report})
    # ASCII digits only: str.isdigit() accepts "²", which int() then refuses.
    known = ASCII_ID.fullmatch(channel_id)
    channel = Channel.objects.filter(pk=int(channel_id)).first() if known else None
    if channel is None:
        return HttpResponseBadRequest(_("Canale sconosciuto."))
    text = request.POST.get(f"variant_{channel.pk}") or request.POST.get("base_text", "")
    link = request.POST.get("link", "")[:500]
    public_title = request.POST.get(f"public_title_{channel.pk}", "")[:PUBLIC_TITLE_MAX_LENGTH]
    news = _typed_news(request.POST, channel)
    post_id = request.POST.get("post", "")
    # The saved post's images (every planner may see every post): they change what is sent.
    images = (
        list(PostImage.objects.filter(post_id=int(post_id))) if ASCII_ID.fullmatch(post_id) else []
    )
    # The library files the picker has chosen, with the alt text typed for this channel.
    images = preview_sources(
        images,
        _library_assets(_picked_ids(request)),
        network=channel.kind,
        alt_overrides={
            key.rsplit("_", 1)[1]: value[:ALT_TEXT_MAX_LENGTH]
            for key, value in request.POST.items()
            if key.startswith(f"alt_text_{channel.pk}_")
        },
    )
    preview = None
    if len(text) > MAX_CHECKED_LENGTH:
        report = oversized_variant_report(len(text), channel)
    else:
        report = analyse_variant(
            text,
            channel,
            link=link,
            public_title=public_title,
            has_images=bool(images),
            news=news,
        )
        preview = build_preview(
            channel=channel,
            text=text,
            link=link,
            public_title=public_title,
            images=images,
            news=news,
        )
    return render(
        request,
        "planning/post_form.html#variant-live",
        {"channel": channel, "report": report, "preview": preview},
    )


# --- The newsletter as it will be sent ---------------------------------------------------------

# The email's own page, framed by ours only: nothing loads, nothing runs (an email's HTML is
# untrusted markup), and sandboxed even when opened on its own. The issue template has no
# styles; one added to it would need its hash here (never 'unsafe-inline').
EMAIL_FRAME_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'none'"],
    "img-src": ["'self'", "data:"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
    "sandbox": True,
}
EMAIL_PARTS = {"html": "text/html", "testo": "text/plain"}


@require_GET
@require_capability("plan")
@xframe_options_sameorigin
@csp(EMAIL_FRAME_POLICY)
@cache_control(private=True, no_store=True)
def newsletter_email(request, pk, channel_id, part):
    """One part (``html`` or ``testo``) of the newsletter email of a post's variant, built by
    the same code and from the same text (link rewritten as it will be) as the email every
    subscriber gets; only the unsubscribe link is an example. Shown in a sandboxed frame."""
    if part not in EMAIL_PARTS:
        raise Http404
    post = get_post_for_user(request, pk)
    variant = next(
        (
            v
            for v in post.variants.all()
            if v.channel_id == channel_id and v.channel.kind == ChannelKind.NEWSLETTER
        ),
        None,
    )
    if variant is None:
        raise Http404
    text, link = rewrite(
        variant.text or post.base_text, post.link, post=post, channel=variant.channel
    )
    example = settings.SITE_URL + reverse("newsletter:unsubscribe", kwargs={"token": "anteprima"})
    text_part, html_part = issue_parts(text=text, link=link, unsubscribe=example)
    if part == "testo":
        header = _("Oggetto: %(subject)s") % {"subject": issue_subject(variant.public_title)}
        body = f"{header}\n\n{text_part}"
    else:
        body = html_part
    return HttpResponse(body, content_type=f"{EMAIL_PARTS[part]}; charset=utf-8")


# --- Search -----------------------------------------------------------------------------------

SEARCH_PAGE_SIZE = 20
# What the search reads besides the posts and their variants: the review app's comments.
SEARCH_SOURCES = (COMMENT_TEXT,)


@require_GET
@require_capability("plan")
def search(request):
    form = SearchForm(request.GET or None)
    page = None
    found: dict = {}
    if form.is_bound and form.is_valid() and form.has_criteria():
        filters = form.filters()
        page = search_page(
            sources=SEARCH_SOURCES,
            number=request.GET.get("pagina"),
            size=SEARCH_PAGE_SIZE,
            **filters,
        )
        found = snippets(page.object_list, q=filters["q"], sources=SEARCH_SOURCES)
        for post in page.object_list:
            post.snippets = found.get(post.pk, [])
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_page_or_partial(
        request, "planning/search.html", "planning/search.html#search-results", context
    )


# --- Campaigns --------------------------------------------------------------------------------


@require_GET
@require_capability("plan")
def campaign_list(request):
    return render(request, "planning/campaign_list.html", {"campaigns": campaigns_with_counts()})


@require_GET
@require_capability("plan")
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    posts = campaign_posts(campaign)
    context = {
        "campaign": campaign,
        "posts": posts,
        "status_counts": status_counts(posts),
        "results": campaign_results(campaign.pk),
        "results_url": reverse("insights:report")
        + "?"
        + urlencode(
            {
                "periodo": "custom",
                "dal": campaign.starts_on.isoformat(),
                "al": min(
                    campaign.ends_on, campaign.starts_on + timedelta(days=MAX_REPORT_DAYS)
                ).isoformat(),
                "campagna": campaign.pk,
            }
        ),
        "calendar_url": reverse("planning:calendar")
        + "?"
        + urlencode(
            {"vista": cal.LIST, "data": campaign.starts_on.isoformat(), "campagna": campaign.pk}
        ),
    }
    return render(request, "planning/campaign_detail.html", context)


def _campaign_form(request, campaign: Campaign | None):
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        saved = save_campaign(
            campaign=form.save(commit=False), by=request.user, created=not campaign
        )
        messages.success(request, _("Campagna «%(name)s» salvata.") % {"name": saved.name})
        return redirect(saved)
    return render(request, "planning/campaign_form.html", {"form": form, "campaign": campaign})


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def campaign_create(request):
    return _campaign_form(request, None)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def campaign_edit(request, pk):
    return _campaign_form(request, get_object_or_404(Campaign, pk=pk))


# --- Categories -------------------------------------------------------------------------------


@require_GET
@require_capability("configure")
def category_list(request):
    return render(
        request, "planning/category_list.html", {"categories": ContentCategory.objects.all()}
    )


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def category_create(request):
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        category = save_category(category=form.save(commit=False), by=request.user, created=True)
        messages.success(request, _("Categoria «%(name)s» creata.") % {"name": category.name})
        return redirect("planning:category_list")
    return render(request, "planning/category_form.html", {"form": form, "category": None})


@require_http_methods(["GET", "POST"])
@require_capability("configure")
def category_edit(request, pk):
    category = get_object_or_404(ContentCategory, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        category = save_category(category=form.save(commit=False), by=request.user, created=False)
        messages.success(request, _("Categoria «%(name)s» salvata.") % {"name": category.name})
        return redirect("planning:category_list")
    return render(request, "planning/category_form.html", {"form": form, "category": category})


def _text_colour(hex_colour: str) -> str:
    """Black or white text, whichever contrasts more with the category colour (WCAG)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    try:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#ffffff"
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return "#1a1a1a" if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) else "#ffffff"


@require_GET
@cache_control(max_age=300)
def category_css(request):
    """Category colours as classes (the CSP forbids style attributes): .cat-<id>."""
    rules = []
    for category in ContentCategory.objects.only("pk", "colour"):
        colour = category.colour if HEX.fullmatch(category.colour or "") else "#5c6f82"
        rules.append(
            f".cat-{category.pk}{{background-color:{colour};color:{_text_colour(colour)}}}\n"
            f".cat-border-{category.pk}{{border-left-color:{colour}}}"
        )
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")


# --- Import, export, queue --------------------------------------------------------------------


def _import_limits() -> dict:
    return {
        "max_rows": importing.MAX_IMPORT_ROWS,
        "max_mb": importing.MAX_IMPORT_BYTES // (1024 * 1024),
        "channels": Channel.objects.filter(active=True),
        "categories": ContentCategory.objects.filter(active=True),
    }


def _read_import(request, form) -> object | None:
    """The batch stored from a valid upload, or None with the reason on the form."""
    upload = form.cleaned_data["file"]
    try:
        importing.check_size(upload.size)
        parsed = importing.read_upload(
            name=upload.name, content_type=upload.content_type or "", data=upload.read()
        )
    except importing.ImportRefused as exc:
        form.add_error("file", str(exc))
        return None
    return importing.store_upload(parsed, by=request.user, filename=upload.name)


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def import_upload(request):
    """Upload a plan (CSV or XLSX): nothing is saved but the rows, shown next as a preview."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = _read_import(request, form)
        if batch is not None:
            return redirect("planning:import_preview", batch.key)
    return render(request, "planning/import_upload.html", {"form": form, **_import_limits()})


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def import_preview(request, key):
    """Each row as the draft it would become, with its errors; a corrected file replaces it."""
    batch = importing.batch_for(request.user, key)
    if batch is None:
        raise Http404
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        fixed = _read_import(request, form)
        if fixed is not None:
            return redirect("planning:import_preview", fixed.key)
    rows = importing.check_rows(batch.rows)
    return render(
        request,
        "planning/import_preview.html",
        {
            "batch": batch,
            "rows": rows,
            "wrong": importing.error_count(rows),
            "form": form,
            **_import_limits(),
        },
    )


@require_POST
@require_capability("plan")
def import_confirm(request, key):
    batch = importing.batch_for(request.user, key)
    if batch is None:
        raise Http404
    try:
        posts = importing.import_rows(batch, by=request.user)
    except importing.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("planning:import_preview", batch.key)
    messages.success(
        request,
        ngettext(
            "%(n)s bozza importata: la trovi nel calendario.",
            "%(n)s bozze importate: le trovi nel calendario.",
            len(posts),
        )
        % {"n": len(posts)},
    )
    first = min(timezone.localtime(p.planned_at).date() for p in posts)
    return redirect(
        reverse("planning:calendar") + "?" + urlencode({"vista": cal.LIST, "data": first})
    )


def _names_for_template() -> tuple[list[str], list[str]]:
    channels = list(Channel.objects.filter(active=True).values_list("name", flat=True)[:2])
    categories = list(
        ContentCategory.objects.filter(active=True).values_list("name", flat=True)[:2]
    )
    return channels, categories


@require_GET
@require_capability("plan")
def import_template(request, fmt):
    """The import template, in Italian, with the office's own channels and categories."""
    channels, categories = _names_for_template()
    if fmt == "csv":
        body = exporting.template_csv(channels, categories)
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = exporting.template_xlsx(channels, categories)
        content_type = XLSX_CONTENT_TYPE
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="modello-piano.{fmt}"'
    return response


def _iso_date(value):
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


@require_GET
@require_capability("plan")
def export_plan(request):
    """The calendar of a period as CSV, XLSX or a page to print for the weekly meeting."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    # The calendar's "Esporta" link brings its period (da, a) but no format: a form to fill.
    asked = "formato" in request.GET
    form = ExportForm(
        request.GET if asked else None,
        initial={
            "da": _iso_date(request.GET.get("da")) or monday,
            "a": _iso_date(request.GET.get("a")) or monday + timedelta(days=6),
            "formato": "stampa",
        },
    )
    if not form.is_valid():
        return render(request, "planning/export.html", {"form": form})
    start, end, fmt = (form.cleaned_data[k] for k in ("da", "a", "formato"))
    try:
        export = exporting.build_export(start=start, end=end)
    except exporting.ExportRefused as exc:
        form.add_error(None, str(exc))
        return render(request, "planning/export.html", {"form": form})
    audit_record(
        action="plan.exported",
        actor=request.user,
        summary=lambda: (
            _("Piano esportato dal %(start)s al %(end)s (%(format)s)")
            % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y"), "format": fmt}
        ),
    )
    if fmt == "stampa":
        return render(request, "planning/export_print.html", {"export": export, "form": form})
    name = f"piano-{start.isoformat()}-{end.isoformat()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exporting.as_csv(export), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exporting.as_xlsx(export), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def queue_form_for(post, data=None) -> QueueForm:
    slots, channels = queues_for(post)
    return QueueForm(
        data, slots=slots, channels=channels, initial={"version": post.version}, auto_id="coda-%s"
    )


@require_POST
@require_capability("plan")
def post_queue(request, pk):
    """ "Metti in coda": the post moves to the next free time of a rubrica or a channel."""
    post = get_post_for_user(request, pk, for_edit=True)
    form = queue_form_for(post, request.POST)
    if not form.is_valid():
        messages.error(request, _("Scegli una rubrica o un canale: il post non è stato spostato."))
        return redirect(post)
    try:
        queue_post(
            post, by=request.user, expected_version=form.cleaned_data["version"], **form.target()
        )
    except (QueueError, PostEditError) as exc:
        messages.error(request, str(exc))
        return redirect(post)
    text = _("«%(title)s» messo in coda: %(when)s.") % {
        "title": post.title,
        "when": timezone.localtime(post.planned_at).strftime("%d/%m/%Y %H:%M"),
    }
    if post.status == PostStatus.IN_REVIEW:
        text += " " + _("Era approvato: torna in revisione per il nuovo orario.")
    messages.success(request, text)
    return redirect(post)
