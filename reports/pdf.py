"""The monthly report as PDF (fpdf2) with an embedded CJK font.

Font: settings.EXPOPLAN_PDF_FONT when set, else the first existing of FONT_CANDIDATES: a full system
CJK font (Debian's fonts-noto-cjk; fpdf2 reads face 0 of a .ttc, which carries all CJK ideographs), else
the vendored Noto Sans CJK SC subset (GB2312 hanzi) under static/vendor/. Output is deterministic for the same snapshot and data: the creation
date is the snapshot's computed_at.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

VENDORED_FONT = (
    Path(settings.BASE_DIR) / "static" / "vendor" / "noto-sans-cjk-sc-2.004-gb2312" / "NotoSansSC-GB2312-Regular.otf"
)
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    # Vendored (OFL): Noto Sans CJK SC subset to GB2312, so a fresh machine without fonts still renders Chinese.
    str(VENDORED_FONT),
)


class FontMissing(RuntimeError):
    pass


def cjk_font_path() -> str:
    configured = getattr(settings, "EXPOPLAN_PDF_FONT", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise FontMissing("no CJK font found: install fonts-noto-cjk or set EXPOPLAN_PDF_FONT")


def _n(value) -> str:
    return "—" if value is None else f"{value:,}"


def report_pdf(report: dict) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    snapshot = report["snapshot"]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(snapshot.computed_at)
    pdf.set_title(report["title"])
    pdf.set_author("ExpoPlan")
    pdf.set_creator("ExpoPlan")
    pdf.add_font("cjk", "", cjk_font_path())
    pdf.set_font("cjk", size=10)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    pdf.set_font_size(16)
    pdf.multi_cell(width, 9, report["title"], new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font_size(9)
    source = _("Figures from snapshot #%(id)s computed at %(when)s.") % {
        "id": snapshot.pk,
        "when": snapshot.computed_at.isoformat(timespec="seconds"),
    }
    if report["stale"]:
        source += " " + _("The data changed after this snapshot; the counted list shows the current rows.")
    pdf.multi_cell(width, 5, source, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    def table(headings: list[str], rows: list[list], widths: list[float]) -> None:
        pdf.set_font_size(9)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            first_row_as_headings=True,
            headings_style=FontFace(emphasis="", fill_color=(230, 236, 245)),
        ) as t:
            head = t.row()
            for h in headings:
                head.cell(str(h))
            for row in rows:
                r = t.row()
                for cell in row:
                    r.cell(str(cell))
        pdf.ln(3)

    def heading(text: str) -> None:
        pdf.set_font_size(12)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")

    kpis = report["kpis"]
    heading(_("Overall progress"))
    labels = [
        _("Measure"),
        _("Goal"),
        _("Achieved"),
        _("%"),
        _("Committed"),
        _("Pipeline"),
        _("Expected to date"),
        _("Forecast"),
        _("Previous year"),
        # xgettext:no-python-format
        _("Growth %"),
    ]
    rows = []
    for measure, name in (("exhibitions", _("Exhibitions")), ("gross_area_m2", _("Gross area (m²)"))):
        k = kpis[measure]
        rows.append(
            [
                name,
                _n(k["goal"]),
                _n(k["achieved"]),
                _n(k["percent"]),
                _n(k["committed"]),
                _n(k["pipeline"]),
                _n(k["expected"]),
                _n(k["forecast"]),
                _n(k["previous_achieved"]),
                _n(k["growth"]),
            ]
        )
    table(labels, rows, [2.2, 1.4, 1.4, 1, 1.4, 1.4, 1.4, 1.4, 1.4, 1])

    month_row = report["month_row"]
    heading(_("Month %(month)s") % {"month": report["month"]})
    table(
        [_("Achieved in month"), _("Achieved (cumulative)"), _("Committed (cumulative)"), _("Plan (cumulative)")],
        [
            [
                _n(month_row["achieved"]),
                _n(month_row["achieved_cumulative"]),
                _n(month_row["committed_cumulative"]),
                _n(month_row["plan_cumulative"]),
            ]
        ],
        [1, 1, 1, 1],
    )

    heading(_("Cities ranked by percent of their allocation"))
    table(
        ["#", _("City"), _("Achieved"), _("Allocation"), "%", _("Expected to date"), _("Committed"), _("Status")],
        [
            [
                r["rank"],
                str(r["city"] or r["slug"]),
                r["achieved"]["exhibitions"],
                r["goal"]["exhibitions"],
                _n(r["percent"]["exhibitions"]),
                r["expected"],
                r["committed"]["exhibitions"],
                str(report["rag_labels"][r["rag"]]),
            ]
            for r in report["cities"]
        ],
        [0.5, 1.5, 1, 1, 0.8, 1, 1, 3],
    )

    heading(_("The four batches"))
    table(
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
        [2, 1, 1, 1],
    )

    heading(
        _("Counted exhibitions starting in month %(month)s (%(count)s)")
        % {"month": report["month"], "count": len(report["rows"])}
    )
    table(
        [_("Start"), _("End"), _("Exhibition"), _("City"), _("Venue"), _("Gross area (m²)"), _("Status")],
        [
            [
                e.start_date.isoformat(),
                e.end_date.isoformat(),
                e.name_zh,
                str(e.city),
                str(e.venue or ""),
                _n(e.gross_area_m2),
                e.get_status_display(),
            ]
            for e in report["rows"]
        ],
        [1.1, 1.1, 3, 1, 2, 1.1, 0.8],
    )
    return bytes(pdf.output())
