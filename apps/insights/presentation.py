"""The report's data as tables, each with its chart: what the pages draw and the CSV gives."""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .charts import Table, bar_chart, heatmap, line_chart
from .enums import BUCKETS, FIGURE_LABELS, FIGURES, Bucket
from .reports import WEEKDAYS, PeriodReport


def _joined(charts) -> SafeString:
    """Charts side by side: each one built from escaped parts (charts.py)."""
    return mark_safe("".join(charts))  # noqa: S308


BUCKET_SHORT = {
    Bucket.HOUR: gettext_lazy("1 h"),
    Bucket.DAY: gettext_lazy("24 h"),
    Bucket.WEEK: gettext_lazy("7 g"),
    Bucket.MONTH: gettext_lazy("30 g"),
}


def summary_table(report: PeriodReport) -> Table:
    rows = [
        [str(FIGURE_LABELS[name]), report.totals[name], report.medians[name]]
        for name in ("engagement", *FIGURES)
        if report.totals[name] is not None
    ]
    if report.site_clicks is not None:
        rows.append([_("Clic contati dal sito del Comune"), report.site_clicks, None])
    return Table(
        "totali",
        _("Totali e mediane per invio"),
        [_("Misura"), _("Totale"), _("Mediana per invio")],
        rows,
    )


def period_tables(report: PeriodReport) -> list[Table]:
    tables = []
    channels = Table(
        "canali",
        _("Interazioni per canale"),
        [_("Canale"), _("Invii"), _("Visualizzazioni"), _("Interazioni"), _("Mediana per invio")],
        [
            [r["channel"], r["deliveries"], r["impressions"], r["engagement"], r["median"]]
            for r in report.by_channel
        ],
    )
    if channels.rows:
        channels.chart = bar_chart(
            [(r["channel"], r["engagement"]) for r in report.by_channel],
            title=_("Interazioni per canale"),
            desc=_("Somma di reazioni, commenti e condivisioni degli invii del periodo."),
        )
    tables.append(channels)

    hours = [str(h) for h in range(24)]
    heat = Table(
        "orari",
        _("Interazioni per giorno e ora di pubblicazione"),
        [_("Giorno"), _("Ora"), _("Invii"), _("Mediana delle interazioni")],
        [
            [str(WEEKDAYS[d]), f"{h:02d}:00", report.heat_counts[d][h], report.heat[d][h]]
            for d in range(7)
            for h in range(24)
            if report.heat_counts[d][h]
        ],
    )
    if heat.rows:
        heat.chart = heatmap(
            [str(w) for w in WEEKDAYS],
            hours,
            report.heat,
            title=_("Interazioni per giorno e ora"),
            desc=_(
                "Mediana delle interazioni degli invii usciti in ogni giorno della settimana e "
                "ora; più scuro, più interazioni; il numero è scritto in ogni casella."
            ),
        )
    tables.append(heat)

    mix = Table(
        "mix",
        _("Categorie: quota effettiva e obiettivo"),
        [_("Categoria"), _("Post pubblicati"), _("Quota %"), _("Obiettivo %")],
        [[r["category"], r["posts"], r["share"], r["target"]] for r in report.mix],
    )
    if any(r["posts"] for r in report.mix):
        mix.chart = bar_chart(
            [(r["category"], r["share"]) for r in report.mix],
            targets={r["category"]: r["target"] for r in report.mix},
            unit="%",
            title=_("Categorie: quota effettiva e obiettivo"),
            desc=_(
                "Per ogni categoria: barra piena la quota dei post pubblicati, barra "
                "tratteggiata l'obiettivo."
            ),
        )
    tables.append(mix)

    if report.mix_by_month:
        names = [r["category"] for r in report.mix]
        months = [m["month"].strftime("%m/%Y") for m in report.mix_by_month]
        over_time = Table(
            "mesi",
            _("Categorie mese per mese (quota % dei post pubblicati)"),
            [_("Mese"), *names],
            [
                [label, *[m["shares"].get(name, 0) for name in names]]
                for label, m in zip(months, report.mix_by_month, strict=True)
            ],
        )
        over_time.chart = line_chart(
            [m["month"].strftime("%m/%y") for m in report.mix_by_month],
            [(name, [m["shares"].get(name, 0) for m in report.mix_by_month]) for name in names],
            title=_("Categorie mese per mese"),
            desc=_(
                "Quota di ogni categoria sui post pubblicati di ogni mese; gli obiettivi sono "
                "nella tabella delle categorie."
            ),
            width=420,
            height=160,
        )
        tables.append(over_time)

    rubriche = Table(
        "rubriche",
        _("Puntualità delle rubriche"),
        [
            _("Rubrica"),
            _("Uscite previste"),
            _("Puntuali"),
            _("In ritardo"),
            _("Saltate"),
            _("Mancate"),
            _("Puntualità %"),
        ],
        [
            [
                r["rubrica"],
                r["planned"],
                r["on_time"],
                r["late"],
                r["skipped"],
                r["missed"],
                r["share"],
            ]
            for r in report.adherence
        ],
    )
    if rubriche.rows:
        rubriche.chart = bar_chart(
            [(r["rubrica"], r["share"]) for r in report.adherence],
            unit="%",
            title=_("Puntualità delle rubriche"),
            desc=_("Quota delle uscite dovute (saltate escluse) pubblicate in orario."),
        )
    tables.append(rubriche)

    followers = Table(
        "follower",
        _("Follower per canale"),
        [_("Canale"), _("Inizio periodo"), _("Fine periodo"), _("Crescita")],
        [[r["channel"], r["first"], r["last"], r["growth"]] for r in report.followers],
    )
    if report.followers:
        followers.chart = _joined(
            line_chart(
                [p[0].strftime("%d/%m") for p in r["points"]],
                [(r["channel"], [p[1] for p in r["points"]])],
                title=_("Follower di %(channel)s") % {"channel": r["channel"]},
                desc=_("Follower giorno per giorno nel periodo."),
                width=300,
                height=120,
            )
            for r in report.followers
        )
    tables.append(followers)

    tables.extend(response_tables(report))

    for key, caption, results in (
        ("migliori", _("I post con più interazioni"), report.best),
        ("peggiori", _("I post con meno interazioni"), report.worst),
    ):
        tables.append(
            Table(
                key,
                caption,
                [_("Post"), _("Categoria"), _("Canali"), _("Interazioni"), _("Visualizzazioni")],
                [
                    [r.title, r.category, ", ".join(r.channels), r.engagement, r.impressions]
                    for r in results
                ],
            )
        )
    return tables


def response_tables(report: PeriodReport) -> list[Table]:
    """Time to answer citizens (from the inbox): per channel over the period, with a chart of
    the share answered within target, and per channel and week or month."""
    headers = [
        _("Risposte"),
        _("Mediana (ore lavorative)"),
        _("Entro l'obiettivo %"),
    ]
    per_channel = Table(
        "risposte",
        _("Tempi di risposta ai cittadini per canale"),
        [_("Canale"), *headers],
        [
            [f.channel_name, f.answered, f.median_hours, f.share_within_target]
            for f in report.responses
        ],
    )
    if per_channel.rows:
        per_channel.chart = bar_chart(
            [(f.channel_name, f.share_within_target) for f in report.responses],
            unit="%",
            title=_("Risposte entro l'obiettivo"),
            desc=_(
                "Per ogni canale, quota dei messaggi dei cittadini a cui abbiamo risposto entro "
                "l'obiettivo (ore lavorative)."
            ),
        )
    monthly = report.responses_by == "month"
    over_time = Table(
        "risposte_nel_tempo",
        _("Tempi di risposta mese per mese")
        if monthly
        else _("Tempi di risposta settimana per settimana"),
        [_("Mese") if monthly else _("Settimana dal"), _("Canale"), *headers],
        [
            [
                f.week.strftime("%m/%Y") if monthly else f.week.strftime("%d/%m/%Y"),
                f.channel_name,
                f.answered,
                f.median_hours,
                f.share_within_target,
            ]
            for f in report.responses_over_time
        ],
    )
    all_channels = Table(
        "risposte_tutti",
        _("Tempi di risposta mese per mese, tutti i canali")
        if monthly
        else _("Tempi di risposta settimana per settimana, tutti i canali"),
        [_("Mese") if monthly else _("Settimana dal"), *headers],
        [
            [
                f.week.strftime("%m/%Y") if monthly else f.week.strftime("%d/%m/%Y"),
                f.answered,
                f.median_hours,
                f.share_within_target,
            ]
            for f in report.responses_all_channels
        ],
    )
    return [per_channel, all_channels, over_time]


def post_tables(curves) -> list[Table]:
    labels = [str(BUCKET_SHORT[b]) for b in BUCKETS]
    tables = []
    for curve in curves:
        table = Table(
            f"canale-{len(tables)}",
            _("%(channel)s: letture dopo l'invio e mediana della categoria")
            % {"channel": curve.channel},
            [_("Misura"), *[str(Bucket(b).label) for b in BUCKETS]],
        )
        charts = []
        for name in ("engagement", "impressions", "reach", "link_clicks"):
            own, median = curve.values[name], curve.medians[name]
            if all(v is None for v in own + median):
                continue
            table.rows.append([str(FIGURE_LABELS[name]), *own])
            table.rows.append(
                [_("%(figure)s, mediana della categoria") % {"figure": FIGURE_LABELS[name]}]
                + median
            )
            charts.append(
                line_chart(
                    labels,
                    [(_("questo post"), own), (_("mediana della categoria"), median)],
                    title=f"{curve.channel}: {FIGURE_LABELS[name]}",
                    desc=_("Valori dopo 1 ora, 24 ore, 7 e 30 giorni, e mediana della categoria."),
                    width=260,
                    height=120,
                )
            )
        table.chart = _joined(charts)
        tables.append((curve, table))
    return tables
