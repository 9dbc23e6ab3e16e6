"""Charts are SVG with their colours as presentation attributes (no inline style: the CSP),
a title and description for screen readers, numbers written on them, and user text escaped."""

from apps.insights.charts import Table, bar_chart, heatmap, line_chart, table_html


def test_a_bar_chart_writes_each_value_and_paints_without_inline_style():
    svg = bar_chart([("Facebook", 120), ("X", 30)], title="Interazioni", desc="Per canale")

    assert svg.startswith('<svg class="chart chart-bars"')
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert 'fill="#0059b3"' in svg
    assert "style" not in svg
    assert ">120<" in svg and ">30<" in svg


def test_targets_are_drawn_as_dashed_outlines_and_labelled_not_only_coloured():
    svg = bar_chart([("Servizi", 40)], targets={"Servizi": 30}, unit="%", title="t", desc="d")

    assert 'stroke-dasharray="4 2"' in svg
    assert "30% (obiettivo)" in svg


def test_text_from_users_is_escaped():
    svg = bar_chart([('<script>alert("x")</script>', 1)], title='<b>"t"</b>', desc="d")

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_two_series_differ_by_pattern_and_marker_shape_and_have_a_legend():
    svg = line_chart(
        ["1h", "24h", "7g", "30g"],
        [("questo post", [1, 5, 8, 9]), ("mediana della categoria", [2, 4, None, 6])],
        title="t",
        desc="d",
    )

    assert 'stroke-dasharray="5 3"' in svg  # the median's line is dashed
    assert "<circle" in svg and '<rect class="chart-marker series-1"' in svg
    assert "questo post" in svg and "mediana della categoria" in svg


def test_a_heatmap_writes_the_number_in_every_cell_with_data():
    svg = heatmap(["lun", "mar"], ["9", "10"], [[4, None], [None, 12]], title="t", desc="d")

    assert svg.count('<text class="heat-text') == 2
    assert ">12<" in svg and ">4<" in svg


def test_the_data_table_has_a_caption_and_headers_with_scope():
    html = table_html(Table("k", "Per canale", ["Canale", "Invii"], [["X & Y", 3]]))

    assert "<caption>Per canale</caption>" in html
    assert '<th scope="col">Invii</th>' in html
    assert '<th scope="row">X &amp; Y</th>' in html


def test_a_long_axis_is_labelled_sparsely_first_and_last_always():
    days = [f"{d:02d}/03" for d in range(1, 14)]

    svg = line_chart(days, [("Facebook", list(range(13)))], title="t", desc="d")

    labelled = [d for d in days if f">{d}<" in svg]
    assert labelled[0] == "01/03" and labelled[-1] == "13/03"
    assert len(labelled) <= 8
