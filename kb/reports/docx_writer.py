"""The landscape report and the briefing pack as Word documents (python-docx).

Charts are pictures drawn on the server (``kb.reports.charts``, matplotlib), each followed by a
table of its numbers (what screen readers read). Tables get column widths that fit their
content: the label column wide, number columns narrow.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocumentType
from docx.shared import Cm, Emu, Length, Pt

from kb import codes
from kb.reports import charts
from kb.reports.data import Breakdown, Briefing, Landscape

#: The printable width of an A4 page with python-docx's default margins.
PAGE_WIDTH = Cm(15.9)


def _table(doc: DocumentType, header: list[str], rows: list[list[str]]) -> None:
    """A table whose columns fit their content: each column gets a share of the page width
    by its longest word and line, so labels such as "Cybercrime" never break mid-word."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    widths = _column_widths([header, *rows])
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _column_widths(lines: list[list[str]]) -> list[Length]:
    columns = list(zip(*lines, strict=True))
    need = []
    for values in columns:
        longest_word = max((len(w) for v in values for w in v.split()), default=1)
        longest = max((len(v) for v in values), default=1)
        need.append(max(longest_word + 2, min(longest, 40), 4))
    total = sum(need)
    return [Emu(int(PAGE_WIDTH * n / total)) for n in need]


def _chart(doc: DocumentType, png: bytes) -> None:
    doc.add_picture(BytesIO(png), width=PAGE_WIDTH)


def _breakdown(doc: DocumentType, item: Breakdown) -> None:
    doc.add_heading(item.title, level=2)
    _chart(doc, charts.paired_bars(item.title, item.rows))
    rows = [[label, str(req), str(prog)] for label, req, prog in item.rows]
    _table(doc, ["", "Requests", "Programmes"], rows)


def _new_document(title: str, subtitle: str) -> DocumentType:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(title, level=0)
    doc.add_paragraph(subtitle)
    return doc


def _save(doc: DocumentType) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def landscape_docx(report: Landscape, audience: str) -> bytes:
    doc = _new_document(
        "The ICT-security capacity-building landscape",
        f"Requests and programmes created {report.period.label()}. {audience}",
    )
    doc.add_heading("Summary", level=1)
    counts = report.match_counts
    _table(
        doc,
        ["Requests", "Programmes", "Matches proposed", "Accepted", "Completed", "Unmet needs"],
        [
            [
                str(report.request_total),
                str(report.programme_total),
                str(counts["proposed"]),
                str(counts["accepted"]),
                str(counts["completed"]),
                str(report.unmet_total),
            ]
        ],
    )
    doc.add_heading("Requests and programmes by category", level=1)
    for item in report.breakdowns:
        _breakdown(doc, item)
    doc.add_heading("Supply and demand by theme and region (open records)", level=1)
    doc.add_paragraph("Each cell: open requests / open programmes available in the region.")
    rows = [
        [codes.THEMES[theme], *(f"{d} / {s}" for d, s in row.values())]
        for theme, row in report.supply_demand.items()
    ]
    _table(doc, ["Theme", *codes.REGIONS], rows)
    doc.add_heading("Trend by month", level=1)
    if report.by_month:
        _chart(doc, charts.monthly_lines("Created per month", report.by_month))
    _table(
        doc,
        ["Month", "Requests", "Programmes"],
        [[m, str(r), str(p)] for m, r, p in report.by_month],
    )
    doc.add_heading("Unmet needs", level=1)
    if report.unmet:
        _table(
            doc,
            ["Request", "State", "Best match"],
            [[r.title, r.country.name, f"{s:.2f}"] for r, s in report.unmet],
        )
    else:
        doc.add_paragraph("None: every open request has a good match.")
    return _save(doc)


def briefing_docx(pack: Briefing, audience: str) -> bytes:
    doc = _new_document(f"Briefing: {pack.title}", f"{pack.period.label()}. {audience}")
    doc.add_heading("New requests by region", level=1)
    for region, requests in pack.new_requests.items():
        doc.add_heading(f"{region} ({len(requests)})", level=2)
        for r in requests:
            themes = ", ".join(codes.label(codes.THEMES, t) for t in r.themes)
            doc.add_paragraph(f"{r.title} — {r.country.name}. {themes}.", style="List Bullet")
    doc.add_heading(f"New programmes ({len(pack.new_programmes)})", level=1)
    for p in pack.new_programmes:
        doc.add_paragraph(f"{p.title} — {p.organisation.display_name}.", style="List Bullet")
    doc.add_heading(f"New matches ({len(pack.new_matches)})", level=1)
    for m in pack.new_matches:
        line = f"{m.request.title} ({m.request.country.name}) ↔ {m.programme.title}: {m.status}."
        doc.add_paragraph(line.replace("_", " "), style="List Bullet")
    doc.add_heading(f"Completed matches ({len(pack.completed_matches)})", level=1)
    for m in pack.completed_matches:
        doc.add_paragraph(
            f"{m.request.title} ↔ {m.programme.title}: {m.outcome_note or ''}", style="List Bullet"
        )
    doc.add_heading("Unmet needs by region", level=1)
    for region, items in pack.unmet.items():
        if items:
            doc.add_heading(region, level=2)
            for r, score in items:
                doc.add_paragraph(
                    f"{r.title} — {r.country.name} (best match {score:.2f}).", style="List Bullet"
                )
    return _save(doc)
