"""Renders a letter's content as a Word document with python-docx. Pure of the database: content in, bytes out."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from casework.entities import LetterContent
from casework.letters import letter_sections, letter_title


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

    document.add_heading(letter_title(content), level=1)
    document.add_paragraph(f"Dear {content.customer_name},")
    for part in letter_sections(content):
        document.add_heading(part.title, level=2)
        for line in part.lines:
            document.add_paragraph(line, style="List Bullet" if part.bulleted else None)

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
