"""What a detail capture is, from its bytes: a page to extract, a file to read, or neither.

Servers mislabel freely: a PDF served as the detail page, a DOCX as
`application/octet-stream`, random bytes as `text/html`, a page in UTF-16
without a byte-order mark. The Content-Type decides nothing here; the bytes do.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.extract.attachments import READABLE_KINDS, sniff_kind

# Kinds the attachment readers take, when they are the detail capture itself (a plan that is a file).
FILE_KINDS = frozenset(READABLE_KINDS) - {"txt", "html"}

_SAMPLE = 4096
# Share of control bytes (other than tab, newline, carriage return, form feed, escape) that no text page has.
_MAX_CONTROL_SHARE = 0.01
_MAX_REPLACEMENT_SHARE = 0.02


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: `page` (HTML or text, `body` re-encoded as UTF-8 when it was UTF-16), `file` or `not_text`."""

    kind: str
    body: bytes
    file_kind: str | None = None
    reason: str | None = None


def sniff_detail(body: bytes, url: str, content_type: str | None = None) -> Sniffed:
    """Classify a detail page's body by its bytes."""
    kind = sniff_kind(body, url, content_type)
    if kind in FILE_KINDS:
        return Sniffed("file", body, file_kind=kind)
    sample = body[:_SAMPLE]
    utf16 = _utf16(sample)
    if utf16 is not None:
        text = body.decode(utf16, errors="replace").lstrip("\ufeff")
        if _replacement_share(text[:_SAMPLE]) <= _MAX_REPLACEMENT_SHARE:
            return Sniffed("page", text.encode("utf-8"))
    # sniff_kind falls back on the URL's extension ("html"), which says nothing about the bytes.
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B)) + sample.count(0x7F)
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        return Sniffed("not_text", body, reason=f"binary bytes ({kind}), not a page")
    if not _decodes(sample):
        return Sniffed("not_text", body, reason="bytes that decode as no Chinese text encoding")
    return Sniffed("page", body)


def _utf16(sample: bytes) -> str | None:
    """utf-16-le or utf-16-be when the bytes are that (every other byte NUL for ASCII markup), else None."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    pairs = len(sample) // 2
    if pairs < 16:
        return None
    even_nul = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd_nul = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd_nul > pairs * 0.3 and even_nul < pairs * 0.05:
        return "utf-16-le"
    if even_nul > pairs * 0.3 and odd_nul < pairs * 0.05:
        return "utf-16-be"
    return None


def _replacement_share(text: str) -> float:
    return text.count("\ufffd") / max(1, len(text))


def _decodes(sample: bytes) -> bool:
    """Whether the bytes read as UTF-8 or GB18030 with few errors (the sample may end mid-character)."""
    for encoding in ("utf-8", "gb18030"):
        text = sample.decode(encoding, errors="replace")
        if _replacement_share(text[:-2]) <= _MAX_REPLACEMENT_SHARE:
            return True
    return False
