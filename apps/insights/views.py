import csv

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from weasyprint import CSS, HTML

from apps.accounts.access import require_capability
from apps.audit.csv_export import safe_cell
from apps.planning.models import Post

from .charts import Table, table_html
from .collecting import gives_numbers
from .forms import ReportFilterForm, shifted
from .presentation import period_tables, post_tables, summary_table
from .reports import period_report, post_curves, year_report

YEARS = range(2000, 2101)


def _report(request):
    form = ReportFilterForm(request.GET or None)
    period, filters = form.period(), form.filters()
    return form, period_report(period, filters)


@require_GET
@require_capability("plan")
def report(request):
    form, result = _report(request)
    tables = period_tables(result)
    query = request.GET.copy()
    nav = {}
    for name, direction in (("previous", -1), ("next", 1)):
        other = shifted(result.period, direction)
        q = query.copy()
        q["periodo"] = other.kind
        if other.kind == "custom":
            q["dal"], q["al"] = other.start.isoformat(), other.end.isoformat()
        else:
            q["giorno"] = other.start.isoformat()
        nav[name] = q.urlencode()
    context = {
        "form": form,
        "report": result,
        "summary": summary_table(result),
        "tables": [(t, table_html(t)) for t in tables],
        "query": query.urlencode(),
        "nav": nav,
        "this_year": timezone.localdate().year,
    }
    return render(request, "insights/report.html", context)


@require_GET
@require_capability("plan")
def report_csv(request, table):
    _form, result = _report(request)
    tables = {t.key: t for t in [summary_table(result), *period_tables(result)]}
    if table not in tables:
        raise Http404
    return _csv(tables[table], f"risultati-{table}-{result.period.start}-{result.period.end}")


@require_GET
@require_capability("plan")
def post_report(request, pk):
    post = get_object_or_404(Post.objects.select_related("category"), pk=pk)
    channels = list(post.channels.all())
    context = {
        "post": post,
        "curves": [
            (curve, table, table_html(table)) for curve, table in post_tables(post_curves(post))
        ],
        "silent": [c.name for c in channels if not gives_numbers(c.kind)],
    }
    return render(request, "insights/post.html", context)


@require_GET
@require_capability("plan")
def post_csv(request, pk):
    post = get_object_or_404(Post, pk=pk)
    rows, header = [], []
    for curve, table in post_tables(post_curves(post)):
        header = table.headers
        rows.extend([curve.channel, *row] for row in table.rows)
    table = Table("post", "", [_("Canale"), *header], rows)
    return _csv(table, f"risultati-post-{post.pk}")


def _csv(table, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.write("\ufeff")  # spreadsheet programs read UTF-8 with the mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow([safe_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return response


def _year_context(year: int, *, for_pdf: bool) -> dict:
    if year not in YEARS:
        raise Http404
    result = year_report(year)
    context = {
        "year": year,
        "report": result,
        "summary": summary_table(result.results),
        "tables": {t.key: (t, table_html(t)) for t in period_tables(result.results)},
        "generated_at": timezone.localtime(),
        "for_pdf": for_pdf,
    }
    return context


@require_GET
@require_capability("plan")
def year_html(request, year):
    return render(request, "insights/year.html", _year_context(year, for_pdf=False))


def _fetch_nothing(url, *args, **kwargs):
    """The PDF needs no file and no address: its stylesheet is handed over as a string and its
    charts are inline SVG. Whatever a text might name (a file, an intranet address) is not
    fetched."""
    raise ValueError(f"not fetched: {url[:80]}")


@require_GET
@require_capability("plan")
def year_pdf(request, year):
    html = render_to_string(
        "insights/year.html", _year_context(year, for_pdf=True), request=request
    )
    # The stylesheet read from the static files, not over HTTP, and given to WeasyPrint apart
    # (the page itself links it, as every page does under the CSP).
    with open(finders.find("css/insights-print.css"), encoding="utf-8") as handle:
        stylesheet = CSS(string=handle.read(), url_fetcher=_fetch_nothing)
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_fetch_nothing).write_pdf(
        stylesheets=[stylesheet]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rapporto-comunicazione-{year}.pdf"'
    return response
