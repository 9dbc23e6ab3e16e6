"""Charts drawn on the server as SVG: no script, no inline style (the CSP allows neither),
only classes styled by ``static/css/insights.css`` and presentation attributes.

Every chart is an ``<svg role="img">`` with a title and a one-sentence description; the
numbers are printed on the chart (never colour alone) and the page puts the same data in a
table beside it, with a CSV download. Colours (``insights.css``) keep 3:1 against white for
marks and 4.5:1 for text; series differ by line pattern and marker shape as well.
"""

import re
from dataclasses import dataclass, field
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_ids = count(1)


@dataclass
class Table:
    """The data of a chart: the page shows it as a table and offers it as CSV."""

    key: str
    caption: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    chart: SafeString | str = ""


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


# Colours as presentation attributes, which every SVG renderer reads (browsers, and
# WeasyPrint for the PDF, which ignores a page's stylesheet inside SVG); the CSP allows them.
BLUE, GREY, BROWN, GREEN = "#0059b3", "#404040", "#8a3b00", "#006b3c"
PAINT = {
    "chart-label": 'fill="#1a1a1a" font-size="10"',
    "chart-value": 'fill="#1a1a1a" font-size="10"',
    "chart-value-target": f'fill="{GREY}"',
    "chart-tick": 'fill="#404040" font-size="9"',
    "chart-bar": f'fill="{BLUE}"',
    "chart-target": f'fill="none" stroke="{GREY}" stroke-width="1.5" stroke-dasharray="4 2"',
    "chart-axis": 'stroke="#5c6f82" stroke-width="1"',
    "chart-line": 'fill="none" stroke-width="2"',
    "series-0": f'stroke="{BLUE}"',
    "series-1": f'stroke="{GREY}" stroke-dasharray="5 3"',
    "series-2": f'stroke="{BROWN}" stroke-dasharray="1 3"',
    "series-3": f'stroke="{GREEN}" stroke-dasharray="8 3 2 3"',
    "chart-marker": 'stroke-dasharray="none"',
    "heat-0": 'fill="#ffffff" stroke="#c5c7c9" stroke-width="0.5"',
    "heat-1": 'fill="#e6f0fa"',
    "heat-2": 'fill="#b3d1f0"',
    "heat-3": 'fill="#66a3e0"',
    "heat-4": 'fill="#1a6fc4"',
    "heat-5": 'fill="#003d7a"',
    "heat-text": 'font-size="8" fill="#1a1a1a"',
    "heat-text-4": 'fill="#ffffff"',
    "heat-text-5": 'fill="#ffffff"',
}
MARKER_FILL = {"series-0": BLUE, "series-1": GREY, "series-2": BROWN, "series-3": GREEN}
_CLASS = re.compile(r'class="([a-z0-9 -]+)"')


def _painted(match: re.Match) -> str:
    """``class="…"`` plus the presentation attributes of its classes (the last one wins)."""
    classes = match.group(1).split()
    attributes: dict[str, str] = {}
    for css in classes:
        for name, value in re.findall(r'([a-z-]+)="([^"]*)"', PAINT.get(css, "")):
            attributes[name] = value
        if "chart-marker" in classes and css in MARKER_FILL:
            attributes["fill"] = MARKER_FILL[css]
    painted = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return f"{match.group(0)} {painted}" if painted else match.group(0)


def _svg(width: int, height: int, title: str, desc: str, body: str, css: str) -> SafeString:
    uid = next(_ids)
    # Only our own class names match (text is escaped: it carries no bare quotes).
    body = _CLASS.sub(_painted, body)
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="chart-t{} chart-d{}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-t{}">{}</title><desc id="chart-d{}">{}</desc>{}</svg>',
        css,
        width,
        height,
        uid,
        uid,
        uid,
        title,
        uid,
        desc,
        mark_safe(body),  # noqa: S308 -- built below from escaped parts only
    )


def bar_chart(
    rows: list[tuple[str, float | None]],
    *,
    title: str,
    desc: str,
    targets: dict[str, float] | None = None,
    unit: str = "",
) -> SafeString:
    """Horizontal bars, one per row, the value written after each bar. ``targets`` (the same
    labels) adds an outlined, dashed bar under each one: the target, told apart by its shape
    and its label, not by colour."""
    label_width, bar_width, row_height = 170, 300, 30 if targets else 22
    height = max(len(rows), 1) * row_height + 10
    peak = max([v or 0 for _, v in rows] + list((targets or {}).values()) + [1])
    parts = []
    for index, (label, value) in enumerate(rows):
        y = 5 + index * row_height
        length = round(bar_width * (value or 0) / peak, 1)
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="12"></rect>'
                '<text class="chart-value" x="{}" y="{}">{}{}</text>',
                label_width - 6,
                y + 10,
                label[:28],
                label_width,
                y,
                max(length, 0.5),
                label_width + length + 4,
                y + 10,
                _fmt(value),
                unit,
            )
        )
        if targets is not None and label in targets:
            target = targets[label]
            length = round(bar_width * target / peak, 1)
            parts.append(
                format_html(
                    '<rect class="chart-target" x="{}" y="{}" width="{}" height="8"></rect>'
                    '<text class="chart-value chart-value-target" x="{}" y="{}">{}{} ({})'
                    "</text>",
                    label_width,
                    y + 14,
                    max(length, 0.5),
                    label_width + length + 4,
                    y + 21,
                    _fmt(target),
                    unit,
                    _("obiettivo"),
                )
            )
    return _svg(label_width + bar_width + 90, height, title, desc, "".join(parts), "chart-bars")


MARKERS = ("circle", "square", "triangle", "diamond")


def _marker(shape: str, x: float, y: float, css: str) -> str:
    if shape == "circle":
        return format_html('<circle class="{}" cx="{}" cy="{}" r="3.5"></circle>', css, x, y)
    if shape == "square":
        return format_html(
            '<rect class="{}" x="{}" y="{}" width="7" height="7"></rect>', css, x - 3.5, y - 3.5
        )
    if shape == "triangle":
        points = f"{x},{y - 4.5} {x - 4.5},{y + 3.5} {x + 4.5},{y + 3.5}"
    else:
        points = f"{x},{y - 5} {x + 5},{y} {x},{y + 5} {x - 5},{y}"
    return format_html('<polygon class="{}" points="{}"></polygon>', css, points)


def line_chart(
    x_labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    title: str,
    desc: str,
    width: int = 320,
    height: int = 150,
) -> SafeString:
    """Lines over shared x labels; each series its own pattern and marker (``series-N``), a
    legend under the plot, the last value written at the end of each line."""
    left, right, top, bottom = 44, 56, 10, 26
    legend_height = 16 * len(series)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points if v is not None]
    peak = max(values + [1])
    step = plot_w / max(len(x_labels) - 1, 1)

    def xy(i, v):
        return round(left + i * step, 1), round(top + plot_h - plot_h * v / peak, 1)

    parts = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="chart-tick" x="{}" y="{}" text-anchor="end">0</text>',
            left,
            top + plot_h,
            left + plot_w,
            top + plot_h,
            left - 4,
            top + 8,
            _fmt(round(peak)),
            left - 4,
            top + plot_h,
        )
    ]
    # Up to 7 labels on the x axis (first and last always): more would overlap.
    every = max(1, -(-len(x_labels) // 7))
    for i, label in enumerate(x_labels):
        if i % every and i != len(x_labels) - 1:
            continue
        x, _y = xy(i, 0)
        parts.append(
            format_html(
                '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                x,
                top + plot_h + 14,
                label,
            )
        )
    for n, (name, points) in enumerate(series):
        css = f"series-{n % len(MARKERS)}"
        shape = MARKERS[n % len(MARKERS)]
        coords = [xy(i, v) for i, v in enumerate(points) if v is not None]
        if len(coords) > 1:
            parts.append(
                format_html(
                    '<polyline class="chart-line {}" points="{}"></polyline>',
                    css,
                    " ".join(f"{x},{y}" for x, y in coords),
                )
            )
        parts.extend(_marker(shape, x, y, f"chart-marker {css}") for x, y in coords)
        last = next((v for v in reversed(points) if v is not None), None)
        if coords:
            parts.append(
                format_html(
                    '<text class="chart-value" x="{}" y="{}">{}</text>',
                    coords[-1][0] + 6,
                    coords[-1][1] + 4,
                    _fmt(last),
                )
            )
        legend_y = height + 12 + 16 * n
        parts.append(
            format_html(
                '<line class="chart-line {}" x1="{}" y1="{}" x2="{}" y2="{}"></line>{}'
                '<text class="chart-label" x="{}" y="{}">{}</text>',
                css,
                left,
                legend_y - 4,
                left + 24,
                legend_y - 4,
                _marker(shape, left + 12, legend_y - 4, f"chart-marker {css}"),
                left + 30,
                legend_y,
                name,
            )
        )
    return _svg(width, height + legend_height + 4, title, desc, "".join(parts), "chart-lines")


HEAT_LEVELS = 5


def heatmap(
    rows: list[str],
    columns: list[str],
    cells: list[list[float | None]],
    *,
    title: str,
    desc: str,
) -> SafeString:
    """A grid (e.g. weekday x hour), darker for higher values, each cell's value written in
    it; empty cells stay white, with no number."""
    left, top, cell_w, cell_h = 40, 18, 26, 20
    values = [v for row in cells for v in row if v is not None]
    peak = max(values + [1])
    parts = [
        format_html(
            '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
            left + j * cell_w + cell_w / 2,
            top - 5,
            column,
        )
        for j, column in enumerate(columns)
    ]
    for i, row in enumerate(rows):
        y = top + i * cell_h
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                left - 4,
                y + 14,
                row,
            )
        )
        for j, value in enumerate(cells[i]):
            level = 0 if value is None else 1 + min(int(HEAT_LEVELS * value / peak), 4)
            x = left + j * cell_w
            parts.append(
                format_html(
                    '<rect class="heat-{}" x="{}" y="{}" width="{}" height="{}"></rect>',
                    level,
                    x,
                    y,
                    cell_w - 1,
                    cell_h - 1,
                )
            )
            if value is not None:  # an empty cell is white and has no number
                parts.append(
                    format_html(
                        '<text class="heat-text heat-text-{}" x="{}" y="{}" '
                        'text-anchor="middle">{}</text>',
                        level,
                        x + cell_w / 2,
                        y + 13,
                        _short(value),
                    )
                )
    width = left + len(columns) * cell_w + 4
    return _svg(width, top + len(rows) * cell_h + 4, title, desc, "".join(parts), "chart-heat")


def _short(value: float) -> str:
    if value >= 10000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".", ",")
    return str(round(value))


def table_html(table: Table) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in table.headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (
                mark_safe(  # noqa: S308 -- every cell escaped by format_html below
                    format_html('<th scope="row">{}</th>', _fmt(row[0]))
                    + "".join(format_html("<td>{}</td>", _fmt(v)) for v in row[1:])
                ),
            )
            for row in table.rows
        ),
    )
    return format_html(
        '<table class="table table-sm chart-table"><caption>{}</caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        table.caption,
        head,
        body,
    )
