"""Renders a letter's content as a Word document with python-docx. Pure of the database: content in, bytes out."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from casework.entities import LetterContent
from casework.vocabulary import LetterKind

TITLES = {
    LetterKind.FORMAL_WARNING: "Formal warning about your contact with the council",
    LetterKind.RESTRICTION: "Restriction of your contact with the council",
    LetterKind.EXTENSION: "Extension of the restriction of your contact with the council",
    LetterKind.LIFTING: "The restriction of your contact with the council is lifted",
}

HEADINGS = {
    "decision": "What we have decided",
    "reasons": "Why we decided this",
    "actions": "The actions we consider unreasonable",
    "examples": "Examples from our records",
    "monitoring": "Monitoring: when, how and by whom",
    "restrictions": "Restrictions on your contact with us",
    "review": "When this will be reviewed",
    "consequences": "If these actions continue",
    "adjustments": "Reasonable adjustments (Equality Act 2010)",
    "complaints": "If you are unhappy with this decision",
}


def render_docx(content: LetterContent, logo: Path | None = None) -> bytes:
    """The letter as .docx bytes; every element present in `content` appears under its own heading."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    for section in document.sections:
        section.top_margin = section.bottom_margin = Cm(2)
        section.left_margin = section.right_margin = Cm(2.2)

    council = content.council
    if logo is not None and logo.is_file():
        document.add_picture(str(logo), width=Cm(5))
    header = document.add_paragraph()
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run(council.name).bold = True
    for line in council.address:
        header.add_run("\n" + line)

    recipient = document.add_paragraph()
    recipient.add_run(content.customer_name)
    if content.no_fixed_address:
        recipient.add_run("\nTo be collected at reception (no fixed address)").italic = True
    for line in content.address:
        recipient.add_run("\n" + line)

    details = document.add_paragraph()
    details.add_run(f"Date: {content.dated}\nOur reference: {content.reference}")

    document.add_heading(TITLES[content.kind], level=1)
    document.add_paragraph(f"Dear {content.customer_name},")

    _section(document, "decision", content.decision)
    _section(document, "reasons", content.reasons)
    _bullets(document, "actions", content.actions)
    _bullets(document, "examples", content.examples)
    _section(document, "monitoring", content.monitoring)
    _bullets(document, "restrictions", content.restrictions)
    if content.review_date:
        _section(document, "review", f"We will review this on or before {content.review_date}.")
    _section(document, "consequences", content.consequences)
    _section(document, "adjustments", content.adjustments)

    document.add_heading(HEADINGS["complaints"], level=2)
    if council.complaints_process:
        document.add_paragraph(council.complaints_process)
    if council.complaints_url:
        document.add_paragraph(f"Our complaints process: {council.complaints_url}")
    document.add_paragraph(
        "If you have been through our complaints process and remain unhappy, you can contact the "
        f"{council.ombudsman_name}: telephone {council.ombudsman_phone}, website {council.ombudsman_website}."
    )

    closing = document.add_paragraph("Yours sincerely,\n\n\n")
    closing.add_run(council.signatory_name).bold = True
    closing.add_run("\n" + council.signatory_title)
    closing.add_run("\n" + council.name)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_text(data: bytes) -> str:
    """Every paragraph of a rendered letter, one a line: for tests and checks."""
    return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs)


def _section(document: DocumentType, key: str, body: str) -> None:
    if not body.strip():
        return
    document.add_heading(HEADINGS[key], level=2)
    document.add_paragraph(body)


def _bullets(document: DocumentType, key: str, lines: tuple[str, ...]) -> None:
    if not lines:
        return
    document.add_heading(HEADINGS[key], level=2)
    for line in lines:
        document.add_paragraph(line, style="List Bullet")
