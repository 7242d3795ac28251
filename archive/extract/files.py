"""Fields and a title for a plan that is a file (a PDF or DOCX linked straight from a list)."""

from __future__ import annotations

import html
import re

from archive.extract.html import ExtractedPage, parse_html
from archive.extract.metadata import DOC_NUMBER, PageMetadata, parse_metadata

_CUT = re.compile(r"(…+|\.{2,}|。{3,})\s*$")
_TITLE_WORDS = re.compile(r"关于|要点|计划|方案|任务|通知|意见|安排|规划")
_MAX_TITLE = 120
_DATE_LINE = re.compile(r"(?:19|20)\d{2}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?")
# How a plan's title ends: its kind, perhaps with a note in brackets (（试行）, （2024年）).
_TITLE_END = re.compile(r"(要点|计划|方案|任务|通知|意见|安排|规划|报告|总结|办法|细则)(（[^）]{1,12}）)?$")


def is_cut_title(title: str) -> bool:
    """Whether a list shortened this title ("关于印发《2024年全市卫生健康工作…")."""
    return bool(_CUT.search(title))


def text_fields(text: str, url: str) -> PageMetadata:
    """The fields a file's text prints (文号, 成文日期, 发布机构 …), read by the page rules from its lines."""
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return parse_metadata(parse_html(f"<html><body>{lines}</body></html>", url), text, url)


def file_title(text: str, listed: str = "") -> str | None:
    """The title a file prints near its top: the one the cut list title begins, else the first title-like line.

    A title broken over two lines is joined.
    """
    # A line that is only a 文号 or a date heads the title, it never begins it.
    lines = [line.strip() for line in text.splitlines()[:20] if line.strip() and not _is_heading_mark(line.strip())]
    prefix = _CUT.sub("", listed).strip()
    for i, line in enumerate(lines):
        joined = line + lines[i + 1] if i + 1 < len(lines) else line
        for candidate in (line, joined):
            if len(candidate) > _MAX_TITLE:
                continue
            if prefix and not (candidate.startswith(prefix) or prefix.startswith(candidate)):
                continue
            if _TITLE_END.search(candidate) or (not prefix and _TITLE_WORDS.search(candidate)):
                return candidate
    return None


def _is_heading_mark(line: str) -> bool:
    """Whether a line is a 文号 or a date alone (the lines printed above or below a title)."""
    number = DOC_NUMBER.search(line)
    return bool(number and number.group(0) == line) or bool(_DATE_LINE.fullmatch(line))


def file_page(text: str, kind: str, url: str, listed_title: str = "", listed_cut: bool = False) -> ExtractedPage:
    """A plan that is a file (the list linked a PDF, DOCX, …) as a page: its text, fields and title.

    The title is the list's unless the list cut it short (or gave none), then the
    file's first line that reads as a title; the fields are those the file's text
    prints. Ingest and bench/extraction.py both build file plans here, so the
    benchmark measures what the archive stores.
    """
    fields = text_fields(text, url)
    title = listed_title.strip()
    if not title or listed_cut or is_cut_title(title):
        title = file_title(text, title) or title
    return ExtractedPage(
        url=url, text=text, title=title or None, published=fields.published, written=fields.written,
        doc_number=fields.doc_number, index_number=fields.index_number, agency=fields.agency, encoding="binary",
        encoding_source="file", method=f"file:{kind}", attachments=(), is_cover_notice=False, provenance={},
    )
