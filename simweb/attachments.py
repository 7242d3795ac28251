"""Attached files: PDF and DOCX generated on request from the document's text; DOC/WPS pre-generated Word 97 binaries.

PDFs use reportlab's built-in `STSong-Light` CID font, which needs no embedded font file: pypdf extracts
the Chinese text as Unicode. DOCX files come from python-docx with fixed zip timestamps, so bytes are stable.
DOC and WPS files cannot be written without an office suite, so a few were made once with LibreOffice
(see simweb/data/make_attachments.py) and are stored with the text they were made from.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from simweb.model import Attachment, Paragraph

DATA = Path(__file__).parent / "data" / "attachments"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
}

# (site id, plan year) -> (file kind, stored file name): that year's 印发 notice carries the stored file.
ATTACHED_FILES: dict[tuple[str, int], tuple[str, str]] = {
    ("sim-zx-wjj", 2021): ("doc", "zx-2021"),
    ("sim-pc-wjj", 2022): ("wps", "pc-2022"),
    ("sim-tl-wjj", 2020): ("doc", "tl-2020"),
    ("sim-jnq-wjj", 2023): ("wps", "jnq-2023"),
}


class StoredText:
    """The text a pre-generated file was made from: the first line is its title."""

    def __init__(self, paragraphs: tuple[Paragraph, ...]) -> None:
        self.paragraphs = paragraphs


def _role(line: str, first: bool) -> str:
    if first:
        return "title"
    return "heading" if line[:2] in {f"{n}、" for n in "一二三四五六七八九十"} else "body"


@lru_cache(maxsize=None)
def stored_attachment(name: str) -> StoredText:
    """The paragraphs of a stored DOC/WPS file's source text."""
    lines = [line for line in (DATA / f"{name}.txt").read_text("utf-8").splitlines() if line.strip()]
    return StoredText(tuple(Paragraph(line, _role(line, n == 0)) for n, line in enumerate(lines)))


@lru_cache(maxsize=256)
def render(attachment: Attachment) -> bytes:
    """The file's bytes (deterministic)."""
    if attachment.kind == "pdf":
        return _pdf(attachment)
    if attachment.kind == "docx":
        return _docx(attachment)
    return (DATA / f"{attachment.stored}.doc").read_bytes()


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _pdf(attachment: Attachment) -> bytes:
    return pdf_of(attachment.title, [
        (16, _wrap(p.text, 26)) if p.role == "title" else (11, _wrap(p.text, 38)) for p in attachment.paragraphs])


def pdf_of(title: str, paragraphs: Iterable[tuple[int, list[str]]]) -> bytes:
    """A real PDF (reportlab, the Song CID font for the hanzi): each paragraph's lines at its font size, paged as they fill."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.setTitle(title)
    y = 800
    for size, lines in paragraphs:
        for line in lines:
            if y < 60:
                pdf.showPage()
                y = 800
            pdf.setFont("STSong-Light", size)
            pdf.drawString(72, y, line)
            y -= size + 8
        y -= 4
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _docx(attachment: Attachment) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = attachment.title
    for paragraph in attachment.paragraphs:
        if paragraph.role == "title":
            document.add_heading(paragraph.text, level=1)
        else:
            document.add_paragraph(paragraph.text)
    raw = io.BytesIO()
    document.save(raw)
    # python-docx stamps zip entries with the current time; rewrite them with a fixed one.
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fixed_core(data)
            target.writestr(zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return fixed.getvalue()


def _fixed_core(data: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", data)
