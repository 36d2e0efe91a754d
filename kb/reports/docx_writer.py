"""The landscape report and the briefing pack as Word documents (python-docx).

Charts are pictures drawn on the server (``kb.reports.charts``, matplotlib), each followed by a
table of its numbers (what screen readers read). Tables get column widths that fit their
content: the label column wide, number columns narrow. Everything but the records' own words is
in the interface language (Arabic: right to left), numbers and dates formatted by Babel.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocumentType
from docx.shared import Cm, Emu, Length, Pt
from flask_babel import gettext as _

from kb import codes
from kb.i18n import country_name, direction, format_decimal_fixed, format_month, format_number
from kb.i18n_docx import localise, right_to_left_table
from kb.initiatives.queries import reason_phrases
from kb.models.initiative import InitiativeOverlap
from kb.reports import charts
from kb.reports.data import WORK_LISTED, Breakdown, Briefing, Landscape
from kb.reports.world_map import MapView

#: The printable width of an A4 page with python-docx's default margins.
PAGE_WIDTH = Cm(15.9)


def _table(doc: DocumentType, header: list[str], rows: list[list[str]]) -> None:
    """A table whose columns fit their content: each column gets a share of the page width
    by its longest word and line, so labels such as "Cybercrime" never break mid-word."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    table.autofit = False
    right_to_left_table(table)
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


def _breakdown(doc: DocumentType, item: Breakdown, legend: tuple[str, str] | None = None) -> None:
    title = _(item.title)
    doc.add_heading(title, level=2)
    if not item.rows:
        doc.add_paragraph(_("None."))
        return
    if legend is None and item.first:
        legend = (_(item.first), _(item.second))
    legend = legend or _legend()
    rows = [(_(label), req, prog) for label, req, prog in item.rows]
    _chart(doc, charts.paired_bars(title, rows, legend, _rtl()))
    _table(doc, ["", *legend], [[a, _n(b), _n(c)] for a, b, c in rows])


def _legend() -> tuple[str, str]:
    return _("Requests"), _("Programmes")


def _rtl() -> bool:
    return direction() == "rtl"


def _n(value: int) -> str:
    return format_number(value)


def _new_document(title: str, subtitle: str) -> DocumentType:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    localise(doc)
    doc.add_heading(title, level=0)
    doc.add_paragraph(subtitle)
    return doc


def _save(doc: DocumentType) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _world_map(doc: DocumentType, world: MapView) -> None:
    """The page's world map as a picture, then the states with needs as a table."""
    doc.add_heading(_("Needs, offers and unmet needs by state"), level=1)
    shaded = [(s.path, s.bucket) for s in world.shapes if s.path and s.in_scope]
    points = [(s.point, s.bucket) for s in world.shapes if s.point and not s.path and s.in_scope]
    plain = [*world.others, *(s.path for s in world.shapes if s.path and not s.in_scope)]
    png = charts.world_map(
        _(world.label), (world.width, world.height), shaded, points, plain, world.measure,
        world.legend,
    )  # fmt: skip
    _chart(doc, png)
    doc.add_paragraph(
        _(
            "Boundaries: Natural Earth (public domain). The boundaries and names shown and the "
            "designations used on this map do not imply official endorsement or acceptance by "
            "the United Nations."
        )
    )
    rows = [s for s in world.rows if s.figures.needs or s.figures.unmet]
    doc.add_heading(_("The figures by state"), level=2)
    _table(
        doc,
        [_("State"), _("Needs"), _("Offers"), _("Unmet needs")],
        [[s.name, _n(s.figures.needs), _n(s.figures.offers), _n(s.figures.unmet)] for s in rows],
    )


def _overlaps(doc: DocumentType, rows: list[InitiativeOverlap], total: int) -> None:
    """Possible overlaps between initiatives: the pair, why it is listed, the verdict."""
    doc.add_heading(f"{_('Possible overlaps between initiatives')} ({_n(total)})", level=1)
    if not rows:
        doc.add_paragraph(_("No possible overlap."))
        return
    if total > len(rows):
        doc.add_paragraph(
            _("The %(num)s highest-scoring of %(total)s.", num=_n(len(rows)), total=_n(total))
        )
    _table(
        doc,
        [_("Initiatives"), _("Why listed"), _("Verdict")],
        [
            [
                f"{o.first.title} ↔ {o.second.title}",
                "; ".join(reason_phrases(o.reasons)),
                codes.label(codes.OVERLAP_VERDICTS, o.verdict),
            ]
            for o in rows
        ],
    )


def landscape_docx(report: Landscape, audience: str, world: MapView | None = None) -> bytes:
    period = report.period
    doc = _new_document(
        _("The capacity-building landscape"),
        _("Requests and programmes created %(start)s – %(end)s.", start=period.start_label,
          end=period.end_label) + " " + audience,
    )  # fmt: skip
    doc.add_heading(_("Summary"), level=1)
    counts = report.match_counts
    _table(
        doc,
        [_("Requests"), _("Programmes"), _("Initiatives"), _("Matches proposed"),
         _("Matches accepted"), _("Matches completed"), _("Unmet needs")],
        [
            [
                _n(report.request_total),
                _n(report.programme_total),
                _n(report.initiative_total),
                _n(counts["proposed"]),
                _n(counts["accepted"]),
                _n(counts["completed"]),
                _n(report.unmet_total),
            ]
        ],
    )  # fmt: skip
    if world is not None:
        _world_map(doc, world)
    doc.add_heading(_("Requests and programmes by category"), level=1)
    for item in report.breakdowns:
        _breakdown(doc, item)
    doc.add_heading(_("Who does what where: initiatives and offers"), level=1)
    doc.add_paragraph(
        _(
            "Initiatives (work planned, ongoing or completed, created in the period) beside "
            "programmes (open offers). Funders, implementers and states: the %(num)s most "
            "frequent.",
            num=WORK_LISTED,
        )
    )
    for item in report.work:
        if item.rows:
            _breakdown(doc, item)
    doc.add_heading(_("Supply and demand by theme and region (open records)"), level=1)
    doc.add_paragraph(_("Each cell: open requests / open programmes available in the region."))
    rows = [
        [codes.label(codes.THEMES, theme), *(f"{_n(d)} / {_n(s)}" for d, s in row.values())]
        for theme, row in report.supply_demand.items()
    ]
    _table(doc, [_("Theme"), *codes.labels(codes.REGIONS).values()], rows)
    doc.add_heading(_("Trend by month"), level=1)
    months = [(format_month(m), r, p) for m, r, p in report.by_month]
    if months:
        _chart(doc, charts.monthly_lines(_("Created per month"), months, _legend(), _rtl()))
    _table(
        doc,
        [_("Month"), _("Requests"), _("Programmes")],
        [[m, _n(r), _n(p)] for m, r, p in months],
    )
    doc.add_heading(_("Unmet needs"), level=1)
    if report.unmet:
        _table(
            doc,
            [_("Request"), _("State"), _("Best match")],
            [
                [r.title, country_name(r.country), format_decimal_fixed(s, 2)]
                for r, s in report.unmet
            ],
        )
    else:
        doc.add_paragraph(_("None: every open request has a good match."))
    _overlaps(doc, report.overlaps, report.overlap_total)
    return _save(doc)


def briefing_docx(pack: Briefing, audience: str) -> bytes:
    doc = _new_document(pack.heading, f"{pack.period.label()}. {audience}")
    doc.add_heading(_("At a glance"), level=1)
    _breakdown(doc, pack.by_theme)
    _breakdown(doc, pack.by_region, (_("New requests"), _("Unmet needs")))
    doc.add_heading(_("New requests by region"), level=1)
    for region, requests in pack.new_requests.items():
        total = pack.request_totals.get(region, 0)
        doc.add_heading(f"{codes.label(codes.REGIONS, region)} ({_n(total)})", level=2)
        _newest_of(doc, len(requests), total)
        for r in requests:
            themes = _list(codes.label(codes.THEMES, t) for t in r.themes)
            doc.add_paragraph(
                f"{r.title} — {country_name(r.country)}. {themes}.", style="List Bullet"
            )
    doc.add_heading(f"{_('New programmes')} ({_n(pack.programme_total)})", level=1)
    _newest_of(doc, len(pack.new_programmes), pack.programme_total)
    for p in pack.new_programmes:
        doc.add_paragraph(f"{p.title} — {p.organisation.display_name}.", style="List Bullet")
    doc.add_heading(f"{_('New matches')} ({_n(pack.new_match_total)})", level=1)
    _newest_of(doc, len(pack.new_matches), pack.new_match_total)
    for m in pack.new_matches:
        status = codes.label(codes.MATCH_STATUSES, m.status)
        state = country_name(m.request.country)
        line = f"{m.request.title} ({state}) ↔ {m.programme.title}: {status}."
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading(f"{_('Completed matches')} ({_n(pack.completed_total)})", level=1)
    _newest_of(doc, len(pack.completed_matches), pack.completed_total)
    for m in pack.completed_matches:
        doc.add_paragraph(
            f"{m.request.title} ↔ {m.programme.title}: {m.outcome_note or ''}", style="List Bullet"
        )
    doc.add_heading(_("Unmet needs by region"), level=1)
    for region, items in pack.unmet.items():
        if items:
            doc.add_heading(codes.label(codes.REGIONS, region), level=2)
            for r, score in items:
                best = _("best match %(score)s", score=format_decimal_fixed(score, 2))
                doc.add_paragraph(
                    f"{r.title} — {country_name(r.country)} ({best}).", style="List Bullet"
                )
    _overlaps(doc, pack.overlaps, pack.overlap_total)
    return _save(doc)


def _newest_of(doc: DocumentType, shown: int, total: int) -> None:
    """Say that a list holds only the newest records of a longer one."""
    if total > shown:
        doc.add_paragraph(
            _("Showing the newest %(shown)s of %(total)s.", shown=_n(shown), total=_n(total))
        )


def _list(items: object) -> str:
    from babel.lists import format_list
    from flask_babel import get_locale

    return format_list(list(items), locale=get_locale() or "en")  # type: ignore[call-overload]
