"""The compilation of a call's views as a Word document."""

from __future__ import annotations

import io

from docx import Document
from flask_babel import gettext as _

from kb import codes
from kb.consultations.queries import Compilation


def compilation_docx(report: Compilation, deadline: str, for_secretariat: bool) -> bytes:
    call = report.call
    doc = Document()
    doc.core_properties.title = f"{call.reference}: {call.title}"[:250]
    doc.add_heading(f"{call.reference}: {call.title}", level=0)
    doc.add_paragraph(_("Deadline: %(deadline)s", deadline=deadline))
    doc.add_paragraph(
        _("Prepared for the Secretariat: includes answers that are not published.")
        if for_secretariat
        else _("Published answers only.")
    )
    doc.add_heading(_("In figures"), level=1)
    doc.add_paragraph(
        _(
            "%(addressed)d addressees; %(submitted)d answers shown here, %(late)d of them late.",
            addressed=report.addressed,
            submitted=report.submitted,
            late=report.late,
        )
    )
    if report.by_group:
        table = doc.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        table.rows[0].cells[0].text = _("Regional group or stakeholder type")
        table.rows[0].cells[1].text = _("Answers")
        for group, count in report.by_group.items():
            cells = table.add_row().cells
            table_of = (
                codes.ORGANISATION_TYPES if group in codes.ORGANISATION_TYPES else codes.REGIONS
            )
            label = codes.label(table_of, group)
            cells[0].text, cells[1].text = label, str(count)
    doc.add_heading(_("Views by guiding question"), level=1)
    for number, (question, items) in enumerate(
        zip(call.questions, report.by_question, strict=True), start=1
    ):
        doc.add_heading(f"{number}. {question}", level=2)
        if not items:
            doc.add_paragraph(_("No answer to this question yet."))
        for answer, text in items:
            paragraph = doc.add_paragraph()
            paragraph.add_run(
                answer.addressee_name + (" " + _("(late)") if answer.late else "") + ": "
            ).bold = True
            paragraph.add_run(text)
    if report.by_theme:
        doc.add_heading(_("Views by theme"), level=1)
        for theme, answers in report.by_theme.items():
            names = ", ".join(a.addressee_name for a in answers)
            doc.add_paragraph(f"{codes.label(codes.THEMES, theme)}: {names}", style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
