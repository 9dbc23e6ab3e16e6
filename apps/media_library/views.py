from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.access import require_capability

from . import selectors, services
from .forms import AssetForm, CaptionForm, FilterForm, FocalPointForm, ReplaceForm, UploadForm
from .models import Caption
from .networks import NETWORKS, video_problems

PAGE_SIZE = 48
OCTET = "application/octet-stream"


class _RequestLimit(FileUploadHandler):
    """A backstop for requests without a trustworthy length: the upload views refuse a
    declared length above the limit before this runs."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MEDIA_MAX_REQUEST_BYTES:
            raise RequestDataTooBig("Upload larger than settings.MEDIA_MAX_REQUEST_BYTES.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


def _asset_or_404(pk: int):
    asset = selectors.asset_for_page(pk=pk)
    if asset is None:
        raise Http404
    return asset


def _too_big(request) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return declared > settings.MEDIA_MAX_REQUEST_BYTES


def _size_message() -> str:
    return _(
        "Caricamento troppo grande: al massimo %(mb)s MB in una volta "
        "(immagini fino a %(image)s MB, video fino a %(video)s MB). Nulla è stato salvato."
    ) % {
        "mb": settings.MEDIA_MAX_REQUEST_BYTES // (1024 * 1024),
        "image": settings.MEDIA_MAX_IMAGE_BYTES // (1024 * 1024),
        "video": settings.MEDIA_MAX_VIDEO_BYTES // (1024 * 1024),
    }


def _stream_to_disk(request) -> None:
    """Uploads of the library go to a temporary file, never to memory (a video may be large)."""
    request.upload_handlers = [_RequestLimit(request), TemporaryFileUploadHandler(request)]


def _filters(form: FilterForm) -> selectors.LibraryFilters:
    if not form.is_valid():
        return selectors.LibraryFilters()
    data = form.cleaned_data
    return selectors.LibraryFilters(
        q=data["q"].strip(),
        kind=data["kind"],
        tag=data["tag"],
        collection=data["collection"],
        uploader=data["uploader"],
        uploaded_from=data["dal"],
        uploaded_to=data["al"],
        usage=data["usage"],
    )


@require_GET
@require_capability("plan")
def library(request):
    form = FilterForm(request.GET or None, uploaders=selectors.uploaders())
    filters = _filters(form)
    view_mode = form.cleaned_data.get("vista") if form.is_bound and form.is_valid() else ""
    page = Paginator(selectors.assets_for_library(filters=filters), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "form": form,
        "page": page,
        "view_mode": view_mode or "griglia",
        "query": query.urlencode(),
    }
    template = "media_library/library.html"
    if request.htmx:
        response = render(request, template + "#results", context)
        response["HX-Push-Url"] = request.get_full_path()
        return response
    return render(request, template, context)


def _upload_template(request) -> str:
    """The page, or the outcome of one file for the page's script (per-file progress)."""
    return "media_library/upload.html" + ("#upload-item" if request.htmx else "")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@require_capability("plan")
def upload(request):
    if request.method == "POST":
        if _too_big(request):
            form = UploadForm(max_files=settings.MEDIA_MAX_FILES_PER_UPLOAD)
            return render(
                request,
                _upload_template(request),
                {"form": form, "too_big": _size_message()},
                status=413,
            )
        _stream_to_disk(request)
    return _upload(request)


@csrf_protect
def _upload(request):
    results = []
    if request.method == "POST":
        try:
            form = UploadForm(
                request.POST, request.FILES, max_files=settings.MEDIA_MAX_FILES_PER_UPLOAD
            )
            valid = form.is_valid()
        except RequestDataTooBig:
            form = UploadForm(max_files=settings.MEDIA_MAX_FILES_PER_UPLOAD)
            return render(
                request,
                _upload_template(request),
                {"form": form, "too_big": _size_message()},
                status=413,
            )
        if valid:
            data = form.cleaned_data
            for upload in data["files"]:
                row = {"number": len(results) + 1}
                try:
                    added = services.add_asset(
                        upload=upload,
                        by=request.user,
                        alt_text=data["alt_text"],
                        credits=data["credits"],
                        licence=data["licence"],
                        licence_other=data["licence_other"],
                        tag_names=services.split_tags(data["tags"]),
                        collection_name=data["collection"],
                    )
                except services.AssetRefused as exc:
                    row["error"] = str(exc)
                else:
                    row["asset"], row["duplicate"] = added.asset, added.duplicate
                results.append(row)
            if request.htmx:  # one file sent by the page's script: its outcome only
                return render(request, _upload_template(request), {"results": results})
            if results and all("error" not in row and not row["duplicate"] for row in results):
                messages.success(
                    request,
                    ngettext(
                        "%(n)s file caricato nella libreria.",
                        "%(n)s file caricati nella libreria.",
                        len(results),
                    )
                    % {"n": len(results)},
                )
                return redirect("media_library:library")
    else:
        form = UploadForm(max_files=settings.MEDIA_MAX_FILES_PER_UPLOAD)
    return render(
        request,
        "media_library/upload.html",
        {"form": form, "results": results},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _detail_context(asset, **extra) -> dict:
    uses = selectors.uses_of(asset=asset)
    video_fit = []
    if not asset.is_image:
        for limits in NETWORKS.values():
            video_fit.append(
                (
                    limits,
                    video_problems(
                        limits, size=asset.size_bytes, seconds=asset.duration, codec=asset.codec
                    ),
                )
            )
    renditions = {r.network: r for r in asset.renditions.all()}
    context = {
        "asset": asset,
        "uses": uses,
        "flagged": list(selectors.posts_after_rights_expiry(asset=asset)),
        "event_uses": selectors.event_uses_of(asset=asset),
        "flagged_events": selectors.events_after_rights_expiry(asset=asset),
        "problems": services.usable_problems(asset),
        "video_fit": video_fit,
        "renditions": [(limits, renditions.get(kind)) for kind, limits in NETWORKS.items()],
        "form": AssetForm(instance=asset),
        "replace_form": ReplaceForm(),
        "caption_form": CaptionForm(),
        "captions": list(asset.captions.all()),
        "focal_form": FocalPointForm(
            initial={"x": round(asset.focal_x * 100), "y": round(asset.focal_y * 100)}
        ),
    }
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def detail(request, pk: int):
    asset = _asset_or_404(pk)
    if request.method == "POST":
        form = AssetForm(request.POST, instance=asset)
        if form.is_valid():
            data = form.cleaned_data
            services.update_asset(
                asset=asset,
                by=request.user,
                alt_text=data["alt_text"],
                caption=data["caption"],
                credits=data["credits"],
                licence=data["licence"],
                licence_other=data["licence_other"],
                rights_expire_on=data["rights_expire_on"],
                people_release=data["people_release"],
                tag_names=services.split_tags(data["tags_text"]),
                collection_name=data["collection_name"],
            )
            messages.success(request, _("Dati del file salvati."))
            return redirect(asset.get_absolute_url())
        asset.refresh_from_db()
        return render(
            request, "media_library/detail.html", _detail_context(asset, form=form), status=400
        )
    return render(request, "media_library/detail.html", _detail_context(asset))


@csrf_exempt
@require_POST
@require_capability("plan")
def replace(request, pk: int):
    if _too_big(request):
        asset = _asset_or_404(pk)
        messages.error(request, _size_message())
        return redirect(asset.get_absolute_url())
    _stream_to_disk(request)
    return _replace(request, pk)


@csrf_protect
def _replace(request, pk: int):
    asset = _asset_or_404(pk)
    try:
        form = ReplaceForm(request.POST, request.FILES)
        valid = form.is_valid()
    except RequestDataTooBig:
        messages.error(request, _size_message())
        return redirect(asset.get_absolute_url())
    if valid:
        try:
            services.replace_file(asset=asset, upload=form.cleaned_data["file"], by=request.user)
        except services.AssetRefused as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("File sostituito: i post che lo usano lo mantengono."))
            return redirect(asset.get_absolute_url())
    return render(
        request,
        "media_library/detail.html",
        _detail_context(asset, replace_form=form),
        status=400,
    )


@require_POST
@require_capability("plan")
def focal_point(request, pk: int):
    asset = _asset_or_404(pk)
    form = FocalPointForm(request.POST)
    if form.is_valid():
        services.set_focal_point(
            asset=asset,
            x=form.cleaned_data["x"] / 100,
            y=form.cleaned_data["y"] / 100,
            by=request.user,
        )
        if not request.htmx:
            messages.success(request, _("Punto focale salvato: i ritagli si aggiornano a breve."))
    elif not request.htmx:
        messages.error(request, _("Punto focale non valido: deve stare dentro l'immagine."))
    if request.htmx:
        return render(
            request,
            "media_library/detail.html#focal-status",
            {"asset": asset, "focal_form": form, "focal_saved": form.is_valid()},
            status=200 if form.is_valid() else 400,
        )
    return redirect(asset.get_absolute_url())


@require_http_methods(["GET", "POST"])
@require_capability("plan")
def delete(request, pk: int):
    asset = _asset_or_404(pk)
    uses = selectors.uses_of(asset=asset)
    event_uses = selectors.event_uses_of(asset=asset)
    if request.method == "POST" and not uses and not event_uses:
        try:
            services.delete_asset(asset=asset, by=request.user)
        except services.AssetInUse:
            uses = selectors.uses_of(asset=asset)
            event_uses = selectors.event_uses_of(asset=asset)
        else:
            messages.success(request, _("File eliminato dalla libreria."))
            return redirect("media_library:library")
    return render(
        request,
        "media_library/delete.html",
        {"asset": asset, "uses": uses, "event_uses": event_uses},
        status=409 if request.method == "POST" else 200,
    )


def _selected_ids(request) -> list[int]:
    ids = []
    for raw in request.GET.getlist("media_assets")[:50]:
        try:
            number = int(raw)
        except ValueError:
            continue
        if 0 < number < 2**63:
            ids.append(number)
    return ids


@require_GET
@require_capability("plan")
def picker(request):
    """The picker's results (htmx), or a page holding the picker on its own (no JavaScript,
    and the browser tests). The post editor includes ``media_library/includes/picker.html``."""
    selected = _selected_ids(request)
    single = request.GET.get("picker_single") == "1"  # a public event's one image
    context = {
        "picker_assets": selectors.assets_for_picker(
            q=request.GET.get("media_q", "")[:200],
            selected_ids=selected[:1] if single else selected,
            images_only=single,
        ),
        "picker_single": single,
        "picker_selected": selected[:1] if single else selected,
        "picker_query": request.GET.get("media_q", "")[:200],
    }
    if request.htmx:
        return render(request, "media_library/includes/picker.html#picker-results", context)
    return render(request, "media_library/picker.html", context)


@require_GET
@require_capability("configure")
def original(request, pk: int):
    """The upload as it came (kept only when an administrator enables it): administrators
    only, always as a download."""
    asset = _asset_or_404(pk)
    handle = services.open_original(asset=asset, by=request.user)
    if handle is None:
        raise Http404
    response = FileResponse(
        handle, as_attachment=True, filename=f"originale-{asset.pk}", content_type=OCTET
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@require_capability("plan")
def caption_add(request, pk: int):
    """Attach SRT or WebVTT captions to a video (one language; replaces that language's)."""
    asset = _asset_or_404(pk)
    form = CaptionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_caption(
                asset=asset,
                upload=form.cleaned_data["file"],
                language=form.cleaned_data["language"],
                by=request.user,
            )
        except services.AssetRefused as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Sottotitoli salvati: il video li mostra."))
            return redirect(asset.get_absolute_url())
    return render(
        request,
        "media_library/detail.html",
        _detail_context(asset, caption_form=form),
        status=400,
    )


@require_POST
@require_capability("plan")
def caption_delete(request, pk: int, caption_pk: int):
    asset = _asset_or_404(pk)
    caption = get_object_or_404(Caption, pk=caption_pk, asset=asset)
    services.delete_caption(caption=caption, by=request.user)
    messages.success(request, _("Sottotitoli eliminati."))
    return redirect(asset.get_absolute_url())
