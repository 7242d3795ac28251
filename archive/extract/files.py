"""Fields and a title for a plan that is a file (a PDF or DOCX linked straight from a list)."""

from __future__ import annotations

import html
import re

from archive.extract.html import parse_html
from archive.extract.metadata import PageMetadata, parse_metadata

_CUT = re.compile(r"(…+|\.{2,}|。{3,})\s*$")
_TITLE_WORDS = re.compile(r"关于|要点|计划|方案|任务|通知|意见|安排|规划")
_MAX_TITLE = 120
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
    lines = [line.strip() for line in text.splitlines()[:20] if line.strip()]
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
