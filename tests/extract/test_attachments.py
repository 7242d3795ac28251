"""Attachments: the kind comes from the bytes, the text from the right reader, failures name the file."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from archive.extract.attachments import (
    AttachmentError,
    AttachmentText,
    extract_attachment,
    install_hint,
    is_attachment_url,
    sniff_kind,
    tools_missing,
)
from archive.extract.html import AttachmentLink, document_text, extract_page

FIXTURES = Path(__file__).parents[1] / "fixtures" / "attachments"

PLAN_LINES = [
    "2021年全市卫生健康工作要点",
    "一、全面推进健康城市建设",
    "（一）实施健康行动。开展爱国卫生运动，加强健康促进与教育，提升居民健康素养水平。",
    "（二）深化医药卫生体制改革。推进紧密型县域医共体建设，完善分级诊疗制度。",
    "指标\t目标值",
    "家庭医生签约服务覆盖率\t35%以上",
    "二、提升公共卫生服务能力",
]

needs_doc_tools = pytest.mark.skipif(
    len(tools_missing()) == 2, reason="antiword and catdoc are missing: apt-get install antiword catdoc"
)


def make_docx() -> bytes:
    """The plan as a Word document, its table between two paragraphs."""
    document = docx.Document()
    for line in PLAN_LINES[:4]:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    for row, line in enumerate(PLAN_LINES[4:6]):
        for column, cell in enumerate(line.split("\t")):
            table.cell(row, column).text = cell
    document.add_paragraph(PLAN_LINES[6])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "重点任务"
    for row in (["序号", "任务", "牵头处室"], [1, "完善公共卫生应急管理体系", "应急办"], [2, "推进分级诊疗", None]):
        sheet.append(row)
    book.create_sheet("空表")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose CJK text pypdf reads through a ToUnicode CMap (CID = Unicode code point)."""
    content = "BT /F1 12 Tf 14 TL 50 780 Td " + " ".join(
        f"<{line.encode('utf-16-be').hex()}> Tj T*" for line in lines
    ) + " ET"
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /UCS def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            "1 beginbfrange <0000> <FFFF> <0000> endbfrange endcmap "
            "CMapName currentdict /CMap defineresource pop end end")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
         "/Contents 5 0 R >>"),
        ("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
         "/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>"),
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        ("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
         "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>"),
        f"<< /Length {len(cmap)} >>\nstream\n{cmap}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# ---------------------------------------------------------------- sniffing


def test_kind_comes_from_the_bytes_not_the_name_or_type() -> None:
    assert sniff_kind(make_docx(), "http://x.gov.cn/download.jsp?id=1", "application/octet-stream") == "docx"
    assert sniff_kind(make_xlsx(), "http://x.gov.cn/a.doc", "application/msword") == "xlsx"
    assert sniff_kind(make_pdf(["正文"]), "http://x.gov.cn/a.docx", "text/html") == "pdf"
    assert sniff_kind((FIXTURES / "plan.doc").read_bytes(), "http://x.gov.cn/a.pdf") == "doc"
    assert sniff_kind((FIXTURES / "plan.doc").read_bytes(), "http://x.gov.cn/a.wps") == "wps"
    assert sniff_kind((FIXTURES / "ragged.xls").read_bytes(), "http://x.gov.cn/a.doc") == "xls"
    assert sniff_kind(b"<!DOCTYPE html><html><body>404</body></html>", "http://x.gov.cn/a.pdf") == "html"
    ofd = io.BytesIO()
    with zipfile.ZipFile(ofd, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    assert sniff_kind(ofd.getvalue(), "http://x.gov.cn/a.ofd") == "ofd"


@pytest.mark.parametrize(("url", "text", "expected"), [
    ("/uploadfiles/2021/附件1.docx", "", True),
    ("/module/download/downfile.jsp?classid=0&filename=2103151234.pdf", "", True),
    ("/attach/0/abc123", "2021年工作要点.wps", True),
    ("/art/2021/3/15/art_1229_1.html", "关于印发工作要点的通知", False),
    ("/col/col1/index.html", "", False),
    ("/cms-search/downFiles/8f3a", "", True),  # a download endpoint, no file name
    ("/attach/0/abc123", "附件1：重点任务分工", True),  # a 附件 label over a link that is not a page
    ("/art/2021/3/15/art_1229_2.html", "附件：关于工作要点的解读", False),
])
def test_is_attachment_url(url: str, text: str, expected: bool) -> None:
    assert is_attachment_url(url, text) is expected


# ---------------------------------------------------------------- readers


def test_docx_keeps_paragraphs_and_tables_in_order() -> None:
    attachment = extract_attachment(make_docx(), "http://x.gov.cn/plan.docx")
    assert (attachment.kind, attachment.tool) == ("docx", "python-docx")
    assert attachment.text.splitlines() == PLAN_LINES


def test_xlsx_is_a_tab_separated_table() -> None:
    attachment = extract_attachment(make_xlsx(), "http://x.gov.cn/tasks.xlsx")
    assert (attachment.kind, attachment.tool) == ("xlsx", "openpyxl")
    # Two sheets, one empty: a lone table is not named.
    assert attachment.text.splitlines() == [
        "序号\t任务\t牵头处室", "1\t完善公共卫生应急管理体系\t应急办", "2\t推进分级诊疗"]


def test_xls_from_xlrd_samples() -> None:
    attachment = extract_attachment((FIXTURES / "ragged.xls").read_bytes(), "http://x.gov.cn/ragged.xls")
    assert (attachment.kind, attachment.tool) == ("xls", "xlrd")
    assert attachment.text.splitlines()[:3] == ["a\tb\tc", "d\te", "f"]


def test_pdf_text_with_cjk_and_page_numbers() -> None:
    lines = [*PLAN_LINES[:4], "- 1 -"]
    attachment = extract_attachment(make_pdf(lines), "http://x.gov.cn/plan.pdf", "application/pdf")
    assert (attachment.kind, attachment.tool) == ("pdf", "pypdf")
    assert attachment.text.splitlines() == PLAN_LINES[:4]


@needs_doc_tools
@pytest.mark.parametrize("name", ["plan.doc", "plan.wps"])
def test_doc_and_wps_through_antiword_or_catdoc(name: str) -> None:
    attachment = extract_attachment((FIXTURES / "plan.doc").read_bytes(), f"http://x.gov.cn/{name}")
    assert attachment.tool in ("antiword", "catdoc")
    assert attachment.kind == name.rsplit(".", 1)[1]
    assert attachment.text.splitlines() == PLAN_LINES


def test_missing_doc_tools_are_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda tool: None)
    assert tools_missing() == ["antiword", "catdoc"]
    assert "apt-get install antiword catdoc" in install_hint()
    with pytest.raises(AttachmentError, match=r"http://x.gov.cn/plan.doc: .*apt-get install antiword catdoc"):
        extract_attachment((FIXTURES / "plan.doc").read_bytes(), "http://x.gov.cn/plan.doc")


@pytest.mark.parametrize(("body", "message"), [
    (b"", "empty attachment"),
    (b"<html><body>\xe6\x96\x87\xe4\xbb\xb6\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>", "HTML page"),
    (b"%PDF-1.4\n garbage", "damaged or unreadable pdf"),
    (b"PK\x03\x04 not really a zip", "cannot read 'zip'"),
])
def test_unreadable_attachments_name_the_url(body: bytes, message: str) -> None:
    with pytest.raises(AttachmentError, match="http://x.gov.cn/f.pdf") as error:
        extract_attachment(body, "http://x.gov.cn/f.pdf")
    assert message in str(error.value)


# ---------------------------------------------------------------- cover notices

COVER_PAGE = """<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="关于印发2021年全市卫生健康工作要点的通知">
<title>关于印发2021年全市卫生健康工作要点的通知_某市卫生健康委员会</title></head><body>
<div class="header"><a href="/xxgkzn.pdf">政府信息公开指南.pdf</a></div>
<div id="zoom"><div class="TRS_Editor">
<p>各区县卫生健康局，委机关各处室：</p>
<p>现将《2021年全市卫生健康工作要点》印发给你们，请认真贯彻落实。</p>
<p>附件：<a href="./P020210315123456.docx">2021年全市卫生健康工作要点.docx</a></p>
<p>某市卫生健康委员会</p><p>2021年3月12日</p>
</div></div>
<p>附件下载：<a href="/module/download/downfile.jsp?filename=tasks.xlsx">重点任务分工表</a></p>
<div class="footer">版权所有：某市卫生健康委员会</div>
</body></html>"""


def test_cover_notice_text_is_the_attachments() -> None:
    url = "http://wjw.example.gov.cn/tzgg/202103/t20210315_1.html"
    page = extract_page(COVER_PAGE.encode(), url)
    assert page.attachments == (
        AttachmentLink("http://wjw.example.gov.cn/tzgg/202103/P020210315123456.docx", "2021年全市卫生健康工作要点.docx"),
        AttachmentLink("http://wjw.example.gov.cn/module/download/downfile.jsp?filename=tasks.xlsx", "重点任务分工表"),
    )
    assert page.is_cover_notice
    plan = extract_attachment(make_docx(), page.attachments[0].url, "application/octet-stream")
    tasks = extract_attachment(make_xlsx(), page.attachments[1].url)
    text, source = document_text(page, [tasks, plan])
    assert text.splitlines()[: len(PLAN_LINES)] == PLAN_LINES
    assert text.splitlines()[len(PLAN_LINES)] == "序号\t任务\t牵头处室"
    assert source == f"attachment:{plan.url} {tasks.url}"


def test_a_page_that_holds_its_document_is_not_a_cover_notice() -> None:
    body = "".join(f"<p>{line}</p>" for line in PLAN_LINES * 8)
    html = COVER_PAGE.replace("<p>某市卫生健康委员会</p>", body + "<p>某市卫生健康委员会</p>")
    page = extract_page(html.encode(), "http://wjw.example.gov.cn/a.html")
    assert page.attachments and not page.is_cover_notice
    attachment = AttachmentText(url=page.attachments[0].url, text="附件正文", kind="docx", tool="python-docx")
    assert document_text(page, [attachment]) == (page.text, "page")


def test_cover_notice_without_readable_attachment_keeps_the_page_text() -> None:
    page = extract_page(COVER_PAGE.encode(), "http://wjw.example.gov.cn/a.html")
    assert document_text(page, []) == (page.text, "page")
