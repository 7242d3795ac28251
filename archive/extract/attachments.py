"""Text from the files a page links to: PDF, DOCX, DOC/WPS, XLS/XLSX, OFD.

Commissions often publish a plan as an attachment under a short cover notice.
The server's Content-Type is not trusted (DOC files go out as
``application/octet-stream``, PDFs as ``text/html``): the kind is read from the
file's own leading bytes, and only when they say nothing from the type or name.
DOC and WPS need Debian's ``antiword`` or ``catdoc``; ``tools_missing()`` names
what to install when they are absent.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from archive.extract.clean import normalize_line

# Extensions a link to an attachment ends with on commission sites (et/dps are WPS Office's sheet and slides).
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "zip", "rar", "txt", "rtf")
# Kinds extract_attachment can read; the others are linked and kept, but have no text for us.
READABLE_KINDS = ("pdf", "docx", "doc", "wps", "xls", "xlsx", "ofd", "txt")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUBPROCESS_TIMEOUT = 60
_INSTALL_HINT = "apt-get install antiword catdoc"


class AttachmentError(ValueError):
    """An attachment whose text cannot be read; the message names the file and what to do."""


@dataclass(frozen=True)
class AttachmentText:
    """An attachment's text, its sniffed kind and the tool that read it."""

    url: str
    text: str
    kind: str  # pdf | docx | doc | wps | xls | xlsx | ofd | txt
    tool: str  # pypdf | python-docx | antiword | catdoc | xlrd | openpyxl | ofd-xml | decode


def tools_missing() -> list[str]:
    """The external programs DOC/WPS attachments need that are not on PATH (empty when all are there)."""
    return [tool for tool in ("antiword", "catdoc") if shutil.which(tool) is None]


def install_hint() -> str:
    """What to run to get the missing tools, or an empty string."""
    missing = tools_missing()
    return f"{', '.join(missing)} not found on PATH; install with `{_INSTALL_HINT}`" if missing else ""


def sniff_kind(body: bytes, url: str = "", content_type: str | None = None) -> str:
    """The file's real kind from its leading bytes; the name and Content-Type only break ties."""
    head = body[:8]
    if body.lstrip()[:5] == b"%PDF-" or b"%PDF-" in body[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(body)
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(body, _extension(url))
    if body.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    sample = body[:2048].lstrip().lower()
    if sample.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<body" in sample:
        return "html"
    extension = _extension(url)
    if extension in ("txt",) or (content_type or "").startswith("text/plain"):
        return "txt"
    return extension or "unknown"


def extract_attachment(body: bytes, url: str, content_type: str | None = None) -> AttachmentText:
    """Text of one attachment, its kind sniffed from the bytes; AttachmentError names the URL on failure."""
    if not body:
        raise AttachmentError(f"{url}: empty attachment")
    kind = sniff_kind(body, url, content_type)
    readers = {
        "pdf": _pdf_text,
        "docx": _docx_text,
        "doc": _doc_text,
        "wps": _doc_text,
        "xls": _xls_text,
        "xlsx": _xlsx_text,
        "ofd": _ofd_text,
        "txt": _plain_text,
    }
    reader = readers.get(kind)
    if reader is None:
        if kind == "html":
            raise AttachmentError(f"{url}: the server sent an HTML page, not the attachment (an error or login page?)")
        raise AttachmentError(f"{url}: cannot read {kind!r} attachments (readable: {', '.join(READABLE_KINDS)})")
    try:
        text, tool = reader(body, url)
    except AttachmentError:
        raise
    except Exception as error:  # the parsers raise many types on damaged files; the URL is what a user needs
        raise AttachmentError(f"{url}: damaged or unreadable {kind} file ({type(error).__name__}: {error})") from error
    return AttachmentText(url=url, text=_clean_lines(text), kind=kind, tool=tool)


def attachment_name(url: str, link_text: str = "") -> str:
    """A human name for an attachment: the link text, else the file name in the URL."""
    text = re.sub(r"\s+", " ", link_text or "").strip()
    if text:
        return text
    path = unquote(urlsplit(url).path)
    return PurePosixPath(path).name or url


# The download endpoints TRS and Hanweb serve files from, whatever the file's name.
_DOWNLOAD_ENDPOINT = re.compile(r"/module/download/|downfile\.jsp|/cms-search/downFiles/", re.I)
_PAGE_SUFFIXES = (".html", ".htm", ".shtml")


def is_attachment_url(url: str, link_text: str = "") -> bool:
    """True when a link points at a document file rather than a page: the one rule the spider and the extractor share."""
    if _extension(url) in ATTACHMENT_EXTENSIONS or _DOWNLOAD_ENDPOINT.search(url):
        return True
    # Download scripts (downfile.jsp?filename=…) and link texts that name the file ("附件1.docx").
    query = unquote(urlsplit(url).query).lower()
    if re.search(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")(?:&|$)", query):
        return True
    label = (link_text or "").strip()
    if re.search(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")\s*$", label.lower()):
        return True
    # "附件1：…" pointing at something that is not a page.
    return "附件" in label and not urlsplit(url).path.lower().endswith(_PAGE_SUFFIXES)


# ---------------------------------------------------------------- readers


def _pdf_text(body: bytes, url: str) -> tuple[str, str]:
    import pypdf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as error:
                raise AttachmentError(f"{url}: encrypted PDF, no text without its password") from error
        pages = [page.extract_text() or "" for page in reader.pages]
    text = "\n".join(pages)
    if not text.strip():
        raise AttachmentError(f"{url}: PDF has no text layer (a scan); OCR is needed to read it")
    return _join_wrapped_lines(text), "pypdf"


def _docx_text(body: bytes, url: str) -> tuple[str, str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    # Paragraphs and tables in the order they appear, not all paragraphs then all tables.
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = _unique_cells(cell.text for cell in row.cells)
                lines.append("\t".join(cells))
    return "\n".join(lines), "python-docx"


def _doc_text(body: bytes, url: str) -> tuple[str, str]:
    missing = tools_missing()
    if len(missing) == 2:
        raise AttachmentError(f"{url}: reading DOC/WPS needs antiword or catdoc; install with `{_INSTALL_HINT}`")
    with tempfile.TemporaryDirectory(prefix="wjw-attachment-") as folder:
        path = Path(folder) / "attachment.doc"
        path.write_bytes(body)
        commands = (
            ("antiword", ["antiword", "-w", "0", "-m", "UTF-8.txt", str(path)]),
            ("catdoc", ["catdoc", "-w", "-d", "utf-8", str(path)]),
        )
        failures = []
        for tool, command in commands:
            if tool in missing:
                continue
            result = subprocess.run(command, capture_output=True, timeout=_SUBPROCESS_TIMEOUT, check=False)
            text = result.stdout.decode("utf-8", errors="replace")
            if result.returncode == 0 and text.strip():
                return _tab_separated_rows(text), tool
            failures.append(f"{tool}: {result.stderr.decode('utf-8', 'replace').strip() or 'no text'}")
    raise AttachmentError(f"{url}: no text from DOC/WPS file ({'; '.join(failures)})")


def _ofd_text(body: bytes, url: str) -> tuple[str, str]:
    from archive.extract.ofd import OfdError, ofd_text

    try:
        text = ofd_text(body)
    except OfdError as error:
        raise AttachmentError(f"{url}: unreadable OFD file: {error}") from error
    if not text.strip():
        raise AttachmentError(f"{url}: OFD file has no text objects (a scan); OCR is needed to read it")
    return _join_wrapped_lines(text), "ofd-xml"


def _xls_text(body: bytes, url: str) -> tuple[str, str]:
    import xlrd

    book = xlrd.open_workbook(file_contents=body)
    sheets = [
        (sheet.name, [[_cell(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)])
        for sheet in book.sheets()
    ]
    return _workbook_text(sheets), "xlrd"


def _xlsx_text(body: bytes, url: str) -> tuple[str, str]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    sheets = [
        (sheet.title, [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)])
        for sheet in book.worksheets
    ]
    book.close()
    return _workbook_text(sheets), "openpyxl"


def _plain_text(body: bytes, url: str) -> tuple[str, str]:
    from archive.extract.decode import decode_html

    return decode_html(body).text, "decode"


# ---------------------------------------------------------------- helpers


def _zip_kind(body: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _ole_kind(body: bytes, extension: str) -> str:
    """DOC, WPS or XLS inside an OLE2 compound file, told apart by their stream names."""
    if "Workbook".encode("utf-16-le") in body or "Book".encode("utf-16-le") + b"\x00\x00" in body:
        return "xls"
    if extension == "wps":
        return "wps"
    return "doc"


def _extension(url: str) -> str:
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix.lower().lstrip(".")
    return suffix if suffix.isalnum() else ""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", " ", str(value)).strip()


def _unique_cells(cells) -> list[str]:
    """Cell texts of a row, merged cells (which python-docx repeats) counted once."""
    out: list[str] = []
    for cell in cells:
        text = re.sub(r"\s+", " ", cell).strip()
        if not out or text != out[-1]:
            out.append(text)
    return out


def _workbook_text(sheets: list[tuple[str, list[list[str]]]]) -> str:
    """Sheets as tab-separated rows, empty rows and trailing empty cells dropped; each named when several have rows."""
    tables = []
    for name, rows in sheets:
        lines = []
        for row in rows:
            while row and not row[-1]:
                row.pop()
            if any(row):
                lines.append("\t".join(row))
        if lines:
            tables.append((name, lines))
    if len(tables) == 1:
        return "\n".join(tables[0][1])
    return "\n".join(line for name, lines in tables for line in (name, *lines))


# A PDF breaks lines where the page is full, not where a paragraph ends. A line that
# ends without closing punctuation and runs to about the width of its neighbours
# continues on the next line.
_PARAGRAPH_END = re.compile(r"[。！？：；…”」』）)\]】]$|^\S{1,12}$")
_HEADING_START = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|附件|第[一二三四五六七八九十]+)")


def _join_wrapped_lines(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    if not lines:
        return ""
    width = max(len(line) for line in lines)
    joined = [lines[0]]
    for line in lines[1:]:
        previous = joined[-1]
        wrapped = (len(previous) >= width * 0.8 and not _PARAGRAPH_END.search(previous)
                   and not _HEADING_START.match(line))
        if wrapped:
            joined[-1] = previous + line
        else:
            joined.append(line)
    return "\n".join(joined)


def _tab_separated_rows(text: str) -> str:
    """antiword draws table rows as "|cell |cell |"; the archive writes table rows as tab-separated cells."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 1 and stripped.startswith("|") and stripped.endswith("|"):
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        lines.append(line)
    return "\n".join(lines)


# Page furniture of printed documents: "- 3 -", "— 12 —", "第 2 页 共 5 页", "2/5".
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})$")


def _clean_lines(text: str) -> str:
    lines = (normalize_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line and not _PAGE_NUMBER.match(line))
