"""Text of OFD files (GB/T 33190, China's format for official documents), read from the standard's XML.

An OFD file is a zip: ``OFD.xml`` names each document's root (``DocBody/DocRoot``,
e.g. ``Doc_0/Document.xml``), which lists its pages (``Pages/Page@BaseLoc``);
each page's ``Content.xml`` holds ``TextObject`` elements whose ``TextCode``
children carry the text and where it sits (``Boundary`` of the object, ``X``/
``Y`` of the code inside it). The text is read page by page, top to bottom,
left to right, lines made of codes that share a baseline.

We read the XML ourselves rather than depend on a package: the format needs
only a zip reader and an XML parser, and this way the limits are ours.
ofdkit 0.2.0 (Apache-2.0, no dependencies) was evaluated on the test files of
tests/extract/test_ofd.py and gives the same lines (with blank lines between
paragraphs); it is a young package, and a dependency for some 150 lines. The zip
comes from the web, so its size, the number of its members and how much each
unpacks to are bounded before anything is inflated, and the XML parser
resolves no entities and fetches nothing.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

import lxml.etree

# Bounds on a file from the web: an OFD plan is a few MB; a zip bomb declares far more.
MAX_MEMBERS = 5000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_XML_BYTES = 20 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_PAGES = 2000

_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class OfdError(ValueError):
    """An OFD file that cannot be read; the message says why."""


@dataclass(frozen=True)
class _Glyphs:
    """One TextCode: its text and where its baseline starts on the page (mm)."""

    x: float
    y: float
    text: str


def ofd_text(body: bytes) -> str:
    """The text of every page of every document in an OFD file, one line per printed line."""
    archive = _open(body)
    documents = [_member_path("", root) for root in _texts(_xml(archive, "OFD.xml"), "DocRoot")]
    if not documents:
        raise OfdError("OFD.xml names no document (no DocBody/DocRoot)")
    pages: list[str] = []
    for document in documents:
        for page in _page_paths(archive, document):
            pages.append(_page_text(_xml(archive, page)))
    return "\n".join(page for page in pages if page)


def _open(body: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except zipfile.BadZipFile as error:
        raise OfdError(f"not a zip file ({error})") from error
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise OfdError(f"{len(infos)} members in the zip, more than the {MAX_MEMBERS} an OFD file has")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise OfdError(f"unpacks to {unpacked} bytes, more than the limit of {MAX_UNPACKED_BYTES}")
    for info in infos:
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise OfdError(f"{info.filename} inflates {info.file_size // info.compress_size}-fold: a zip bomb")
    return archive


def _xml(archive: zipfile.ZipFile, path: str) -> lxml.etree._Element:
    """A member parsed as XML, read no further than MAX_XML_BYTES whatever its header claims."""
    try:
        with archive.open(path) as member:
            data = member.read(MAX_XML_BYTES + 1)
    except KeyError as error:
        raise OfdError(f"{path} is named in the file but missing from the zip") from error
    if len(data) > MAX_XML_BYTES:
        raise OfdError(f"{path} is larger than {MAX_XML_BYTES} bytes")
    try:
        return lxml.etree.fromstring(data, _PARSER)
    except lxml.etree.XMLSyntaxError as error:
        raise OfdError(f"{path} is not well-formed XML ({error})") from error


def _page_paths(archive: zipfile.ZipFile, document: str) -> list[str]:
    """The Content.xml of each page of a document, in page order."""
    root = _xml(archive, document)
    base = posixpath.dirname(document)
    pages = [element.get("BaseLoc", "") for element in _elements(root, "Page")]
    if len(pages) > MAX_PAGES:
        raise OfdError(f"{document} lists {len(pages)} pages, more than {MAX_PAGES}")
    return [_member_path(base, page) for page in pages if page]


def _member_path(base: str, location: str) -> str:
    """A zip member from an OFD location: absolute ("/Doc_0/…") or relative to the referring file's folder."""
    location = location.strip().replace("\\", "/")
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(base, location)
    return posixpath.normpath(joined).lstrip("./") if joined else joined


def _page_text(content: lxml.etree._Element) -> str:
    """A page's text: glyph runs sorted into lines by baseline, each line left to right."""
    glyphs: list[_Glyphs] = []
    for text_object in _elements(content, "TextObject"):
        left, top = _origin(text_object.get("Boundary", ""))
        for code in _elements(text_object, "TextCode"):
            if code.text and code.text.strip():
                glyphs.append(_Glyphs(left + _number(code.get("X")), top + _number(code.get("Y")), code.text))
    lines: list[list[_Glyphs]] = []
    for glyph in sorted(glyphs, key=lambda g: (g.y, g.x)):
        # Codes within a millimetre of a line's baseline belong to it (fonts of one line differ slightly).
        if lines and abs(lines[-1][0].y - glyph.y) <= 1.0:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return "\n".join("".join(g.text for g in sorted(line, key=lambda g: g.x)).strip() for line in lines)


def _origin(boundary: str) -> tuple[float, float]:
    parts = boundary.split()
    return (_number(parts[0]), _number(parts[1])) if len(parts) >= 2 else (0.0, 0.0)


def _number(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _elements(root: lxml.etree._Element, name: str) -> list[lxml.etree._Element]:
    """Descendants named ``name`` in any namespace (files use ofd: with the 2016 URI, a few none)."""
    return root.xpath(f".//*[local-name()='{name}']")


def _texts(root: lxml.etree._Element, name: str) -> list[str]:
    return [element.text.strip() for element in _elements(root, name) if element.text and element.text.strip()]
