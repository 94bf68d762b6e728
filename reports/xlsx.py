"""The monthly report as an XLSX workbook (openpyxl): one sheet per section, figures as numbers.

Every row goes through core.spreadsheets.xlsx_row: names (of exhibitions, cities, venues, batches) are
user input, and text a spreadsheet would read as a formula is written as text.

Deterministic for the same snapshot and data: document properties and every zip entry carry the
snapshot's computed_at instead of the time of writing.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import xlsx_row


def _fixed_zip(data: bytes, when) -> bytes:
    stamp = timezone.localtime(when).replace(tzinfo=None)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, content)
    return out.getvalue()


def report_xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    snapshot = report["snapshot"]
    created = timezone.localtime(snapshot.computed_at).replace(tzinfo=None, microsecond=0)
    workbook = Workbook()
    workbook.properties.creator = "ExpoPlan"
    workbook.properties.title = report["title"]
    workbook.properties.created = created
    workbook.properties.modified = created
    bold = Font(bold=True)

    summary = workbook.active
    summary.title = _("Summary")[:31]
    summary.append(xlsx_row([report["title"]]))
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(
        xlsx_row([_("Snapshot"), snapshot.pk, _("Computed at"), snapshot.computed_at.isoformat(timespec="seconds")])
    )
    summary.append(xlsx_row([_("Data changed since the snapshot"), _("yes") if report["stale"] else _("no")]))
    summary.append([])
    header = [
        _("Measure"),
        _("Goal"),
        _("Achieved"),
        _("Percent"),
        _("Committed"),
        _("Pipeline"),
        _("Expected to date"),
        _("Forecast"),
        _("Previous year achieved"),
        # xgettext:no-python-format
        _("Growth %"),
    ]
    summary.append(xlsx_row(header))
    for cell in summary[summary.max_row]:
        cell.font = bold
    for measure, name in (("exhibitions", _("Exhibitions")), ("gross_area_m2", _("Gross area (m²)"))):
        k = report["kpis"][measure]
        summary.append(
            xlsx_row(
                [
                    name,
                    k["goal"],
                    k["achieved"],
                    k["percent"],
                    k["committed"],
                    k["pipeline"],
                    k["expected"],
                    k["forecast"],
                    k["previous_achieved"],
                    k["growth"],
                ]
            )
        )
    summary.append([])
    summary.append(
        xlsx_row(
            [
                _("Forecast formula"),
                report["rules"].get("forecast_formula", ""),
                report["rules"].get("forecast_conversion_rate"),
            ]
        )
    )

    def sheet(title: str, headings: list, rows: list) -> None:
        ws = workbook.create_sheet(title[:31])
        ws.append(xlsx_row(headings))
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append(xlsx_row(row))

    sheet(
        _("Cities"),
        [
            "#",
            _("City"),
            _("Achieved"),
            _("Allocation"),
            _("Percent"),
            _("Expected to date"),
            _("Committed"),
            _("Pipeline"),
            _("Area achieved (m²)"),
            _("Status"),
        ],
        [
            [
                r["rank"],
                str(r["city"] or r["slug"]),
                r["achieved"]["exhibitions"],
                r["goal"]["exhibitions"],
                r["percent"]["exhibitions"],
                r["expected"],
                r["committed"]["exhibitions"],
                r["pipeline"]["exhibitions"],
                r["achieved"]["gross_area_m2"],
                r["rag"],
            ]
            for r in report["cities"]
        ],
    )
    sheet(
        _("Months"),
        [_("Month"), _("Achieved"), _("Achieved (cumulative)"), _("Committed (cumulative)"), _("Plan (cumulative)")],
        [
            [m["month"], m["achieved"], m["achieved_cumulative"], m["committed_cumulative"], m["plan_cumulative"]]
            for m in report["months"]
        ],
    )
    sheet(
        _("Batches"),
        [_("Batch"), _("Achieved"), _("Committed"), _("Pipeline")],
        [
            [
                str(b["batch"] or b["code"]),
                b["achieved"]["exhibitions"],
                b["committed"]["exhibitions"],
                b["pipeline"]["exhibitions"],
            ]
            for b in report["batches"]
        ],
    )
    sheet(
        _("Counted list"),
        ["id", _("Start"), _("End"), _("Exhibition"), _("City"), _("Venue"), _("Gross area (m²)"), _("Status")],
        [
            [
                e.pk,
                e.start_date,
                e.end_date,
                e.name_zh,
                str(e.city),
                str(e.venue or ""),
                e.gross_area_m2,
                e.get_status_display(),
            ]
            for e in report["rows"]
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), snapshot.computed_at)
