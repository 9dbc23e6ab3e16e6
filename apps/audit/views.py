from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.accounts.access import require_capability
from apps.core.http import render_page_or_partial

from . import csv_export
from .forms import AuditFilterForm
from .selectors import entries

PAGE_SIZE = 50


def _filtered(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form, entries(**form.filters())


@require_GET
@require_capability("audit")
def entry_list(request):
    form, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    # The filter pushes its URL into the history: when htmx restores that URL without a cached
    # copy it asks for the whole page (render_page_or_partial knows).
    return render_page_or_partial(request, "audit/list.html", "audit/list.html#results", context)


@require_GET
@require_capability("audit")
def export_csv(request):
    _form, rows = _filtered(request)
    delimiter = csv_export.DELIMITERS.get(
        request.GET.get("separatore", ""), csv_export.DEFAULT_DELIMITER
    )
    response = StreamingHttpResponse(
        csv_export.rows(rows.iterator(chunk_size=500), delimiter=delimiter),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="registro-{stamp}.csv"'
    return response
