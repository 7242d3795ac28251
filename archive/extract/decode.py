"""Turn the raw bytes of a captured page into text, trusting declarations only once verified.

Chinese government pages are often GB2312/GBK and are sometimes mislabelled:
a page re-saved as UTF-8 keeps its old ``<meta charset="gb2312">``, and a
GBK page may be served as ``iso-8859-1``. So every declared charset is
checked against the bytes before it is believed.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import chardet

# How far into the document a <meta charset> may appear (the HTML standard
# prescans 1024 bytes; real CMS pages put scripts first, so look further).
META_SCAN_BYTES = 4096

# GB2312 is a subset of GBK, which is a subset of GB18030: decoding with the
# superset never loses a character a page labelled with the subset can hold.
_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb_2312-80",
              "csgb2312", "euc-cn", "x-euc-cn", "chinese", "gb18030"}

# The HTML standard decodes these labels as windows-1252.
_LATIN1_FAMILY = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii",
                  "cp1252", "windows-1252", "x-cp1252"}

# What a Chinese government site can plausibly be written in, when nothing says.
SNIFFABLE_ENCODINGS = frozenset({"utf-8", "gb18030", "big5", "big5hkscs"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)

_HANZI = re.compile(r"[\u4e00-\u9fff\ue000-\uf8ff]")
_LATIN1_LETTERS = re.compile(r"[\u00c0-\u00ff]")


@dataclass(frozen=True)
class Decoded:
    """A decoded page: its text, the codec used and which evidence decided it."""

    text: str
    encoding: str
    # bom | http | meta: a declaration, verified against the bytes;
    # chardet: sniffed from the bytes (strict UTF-8 first, then chardet);
    # repaired: decoded, then double-encoded runs (UTF-8 read as windows-1252) undone;
    # fallback: nothing verified, decoded with the least-damaging codec.
    source: str


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML response body: BOM, HTTP charset, meta charset, verified; then sniff."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(encoding, errors="replace"), encoding, "bom")

    declarations = (("http", http_charset(content_type)), ("meta", meta_charset(body)))
    tried: list[str] = []
    for source, declared in declarations:
        if declared is None or declared in tried:
            continue
        tried.append(declared)
        text = _verified(body, declared)
        if text is not None:
            return Decoded(text, declared, source)

    for sniffed in _sniffed_encodings(body):
        text = _verified(body, sniffed)
        if text is not None:
            return Decoded(text, sniffed, "chardet")

    for encoding in dict.fromkeys([*tried, "utf-8"]):
        repaired = _repaired(body, encoding)
        if repaired is not None:
            return Decoded(repaired, encoding, "repaired")

    return _least_damaged(body, [*tried, "utf-8", "gb18030"])


def normalize_encoding(label: str | None) -> str | None:
    """Map a charset label to the Python codec name we decode with, or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    if label in _LATIN1_FAMILY:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page that reached us as ASCII-compatible bytes cannot really be UTF-16;
    # the HTML standard reads such a label as UTF-8.
    if name.startswith("utf-16") or name.startswith("utf-32"):
        return "utf-8"
    return _canonical(name)


def http_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, normalized, or None."""
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return normalize_encoding(match.group(1)) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in a <meta> tag (or XML declaration) near its start."""
    head = body[:META_SCAN_BYTES]
    for tag in _META_TAG.finditer(head):
        match = _META_CHARSET.search(tag.group(0))
        if match:
            encoding = normalize_encoding(match.group(1).decode("ascii", "ignore"))
            if encoding:
                return encoding
    match = _XML_DECLARATION.search(head)
    if match:
        return normalize_encoding(match.group(1).decode("ascii", "ignore"))
    return None


def looks_garbled(text: str) -> bool:
    """True when decoded text shows replacement characters or the marks of a wrong codec."""
    # A strict decode yields U+FFFD only where the page itself holds one (a CMS
    # that once mangled a character); a few are the site's, many mean a wrong codec.
    if text.count("\ufffd") > max(2, len(text) // 2000):
        return True
    hanzi = _HANZI.findall(text)
    if len(hanzi) >= 20:
        # UTF-8 bytes read as GBK pair up into rare or private-use characters,
        # almost never into the 3,755 everyday ones of GB2312 level 1.
        common = sum(1 for char in hanzi if char in _gb2312_level1())
        if common / len(hanzi) < 0.3:
            return True
    # Chinese read as Latin-1 turns into runs of accented letters (ÖÐ¹ú).
    accented = len(_LATIN1_LETTERS.findall(text))
    return accented >= 20 and accented > len(hanzi)


def _verified(body: bytes, encoding: str) -> str | None:
    """The body decoded with ``encoding`` if that decodes strictly and reads cleanly."""
    if encoding != "utf-8" and _is_multibyte_utf8(body):
        # Valid multi-byte UTF-8 practically never happens by accident in a
        # GBK or Latin-1 page: this is a page re-saved as UTF-8 with its old label.
        return None
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return None if looks_garbled(text) else text


# Characters that UTF-8 or GBK bytes turn into when read as windows-1252 or Latin-1.
_MOJIBAKE_RUN = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}"
)


def _repaired(body: bytes, encoding: str) -> str | None:
    """The body decoded with ``encoding``, its double-encoded runs (Ã¥Â…Â¬, ÎÀÉú) turned back into hanzi; else None.

    A CMS that once read UTF-8 or GBK text as windows-1252 and saved it again
    stores mojibake in valid bytes; no declaration can fix it, only undoing the misreading.
    """
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if not looks_garbled(text):
        return None
    repaired = _MOJIBAKE_RUN.sub(_undo_misreading, text)
    return repaired if repaired != text and not looks_garbled(repaired) else None


def _undo_misreading(match: re.Match[str]) -> str:
    run = match.group(0)
    raw = _misread_bytes(run)
    if raw is None:
        return run
    for original in ("utf-8", "gb18030"):
        try:
            fixed = raw.decode(original)
        except UnicodeDecodeError:
            continue
        if _HANZI.search(fixed):
            return fixed
    return run


def _misread_bytes(run: str) -> bytes | None:
    """The bytes a windows-1252 reading turned into ``run``; the five bytes it leaves undefined pass through as C1."""
    out = bytearray()
    for char in run:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))
    return bytes(out)


def _sniffed_encodings(body: bytes) -> Iterator[str]:
    """Candidate codecs read from the bytes themselves, most likely first (chardet only if needed)."""
    yield "utf-8"
    guess = normalize_encoding(chardet.detect(body).get("encoding"))
    # On damaged GBK chardet may answer IBM855 or KOI8-R, whose decodings are
    # clean-looking Cyrillic; only the codecs Chinese sites use are believed.
    if guess in SNIFFABLE_ENCODINGS and guess != "utf-8":
        yield guess


def _least_damaged(body: bytes, encodings: list[str]) -> Decoded:
    """Decode leniently with whichever candidate codec leaves the fewest signs of damage."""
    best: tuple[int, str, str] | None = None
    for encoding in dict.fromkeys(encodings):
        text = body.decode(encoding, errors="replace")
        damage = text.count("\ufffd") + (len(text) if looks_garbled(text.replace("\ufffd", "")) else 0)
        if best is None or damage < best[0]:
            best = (damage, encoding, text)
    assert best is not None
    return Decoded(best[2], best[1], "fallback")


def _is_multibyte_utf8(body: bytes) -> bool:
    """True when the bytes are valid UTF-8 and not plain ASCII."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _canonical(name: str) -> str:
    """Spell codec names the way the rest of the archive records them."""
    return {"utf_8": "utf-8", "utf8": "utf-8"}.get(name, name.replace("_", "-"))


@lru_cache(maxsize=1)
def _gb2312_level1() -> frozenset[str]:
    """The 3,755 most common hanzi (GB2312 rows 16-55)."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)
