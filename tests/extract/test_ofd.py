"""OFD attachments (GB/T 33190): text read from the standard's XML, with the zip bounded.

The files are built here the way OFD writers (数科, 福昕, 书生) lay them out:
OFD.xml with DocInfo and DocRoot, Doc_0/Document.xml with CommonData and a
page list, one Content.xml per page whose TextObjects carry TextCode runs
with DeltaX spacing; a red-head document's 文号, title, body and signature.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from archive.extract.attachments import AttachmentError, extract_attachment, sniff_kind
from archive.extract.ofd import MAX_UNPACKED_BYTES, OfdError, ofd_text

NS = "http://www.ofdspec.org/2016"

OFD_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{NS}" Version="1.1" DocType="OFD">
  <ofd:DocBody>
    <ofd:DocInfo><ofd:DocID>6c1e3a4f0b8d4e1a9f2c7d5e8b3a1c0d</ofd:DocID><ofd:Title>2024年卫生健康工作要点</ofd:Title>
      <ofd:Author>郑州市卫生健康委员会</ofd:Author><ofd:CreationDate>2024-02-20</ofd:CreationDate>
      <ofd:Creator>Suwell OFD Writer</ofd:Creator></ofd:DocInfo>
    <ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>
  </ofd:DocBody>
</ofd:OFD>"""


def _document(pages: int, absolute: bool) -> str:
    prefix = "/Doc_0/" if absolute else ""
    listed = "".join(f'<ofd:Page ID="{10 + n}" BaseLoc="{prefix}Pages/Page_{n}/Content.xml"/>' for n in range(pages))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{NS}">
  <ofd:CommonData><ofd:MaxUnitID>200</ofd:MaxUnitID>
    <ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>
    <ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>
  <ofd:Pages>{listed}</ofd:Pages>
</ofd:Document>"""


PUBLIC_RES = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>
<ofd:Font ID="3" FontName="仿宋_GB2312" FamilyName="仿宋"/><ofd:Font ID="4" FontName="方正小标宋简体"/>
</ofd:Fonts></ofd:Res>"""


def _text_object(object_id: int, x: float, y: float, text: str, font: int = 3, size: float = 5.6) -> str:
    # Writers put each run in its own TextObject; X/Y of the TextCode are relative to the Boundary.
    delta = " ".join(["5.6"] * (len(text) - 1))
    return (f'<ofd:TextObject ID="{object_id}" Boundary="{x} {y} 160 8" Font="{font}" Size="{size}">'
            f'<ofd:FillColor Value="0 0 0"/><ofd:TextCode X="0" Y="6.1" DeltaX="{delta}">{text}</ofd:TextCode>'
            f"</ofd:TextObject>")


def _content(lines: list[tuple[float, float, str]]) -> str:
    objects = "".join(_text_object(100 + n, x, y, text) for n, (x, y, text) in enumerate(lines))
    return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="2" Type="Body">{objects}</ofd:Layer></ofd:Content></ofd:Page>')


PAGE_ONE = [
    (80, 40, "郑卫〔2024〕12号"),
    (30, 60, "2024年卫生健康工作要点"),
    (28, 80, "一、深化医药卫生体制改革"),
    # One printed line in two runs: the second run starts where the first ends.
    (28, 90, "（一）推进紧密型县域医共体建设，"), (118, 90.2, "提升基层服务能力。"),
]
PAGE_TWO = [
    (28, 30, "二、加强公共卫生体系建设"),
    (120, 200, "郑州市卫生健康委员会"),
    (124, 210, "2024年2月20日"),
]


def build_ofd(pages: list[list[tuple[float, float, str]]], absolute: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", OFD_XML)
        archive.writestr("Doc_0/Document.xml", _document(len(pages), absolute))
        archive.writestr("Doc_0/PublicRes.xml", PUBLIC_RES)
        archive.writestr("Doc_0/DocumentRes.xml", f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"/>')
        for number, lines in enumerate(pages):
            archive.writestr(f"Doc_0/Pages/Page_{number}/Content.xml", _content(lines))
        archive.writestr("Doc_0/Signs/Signatures.xml", f'<ofd:Signatures xmlns:ofd="{NS}"/>')
    return buffer.getvalue()


EXPECTED = [
    "郑卫〔2024〕12号", "2024年卫生健康工作要点", "一、深化医药卫生体制改革",
    "（一）推进紧密型县域医共体建设，提升基层服务能力。", "二、加强公共卫生体系建设", "郑州市卫生健康委员会", "2024年2月20日",
]


@pytest.mark.parametrize("absolute", [False, True])
def test_ofd_text_in_reading_order(absolute: bool) -> None:
    assert ofd_text(build_ofd([PAGE_ONE, PAGE_TWO], absolute)).splitlines() == EXPECTED


def test_ofd_attachment_is_readable() -> None:
    body = build_ofd([PAGE_ONE, PAGE_TWO])
    url = "http://wjw.zhengzhou.gov.cn/uploadfiles/2024/gzyd.ofd"
    assert sniff_kind(body, url, "application/octet-stream") == "ofd"
    attachment = extract_attachment(body, url, "application/octet-stream")
    assert (attachment.kind, attachment.tool) == ("ofd", "ofd-xml")
    assert attachment.text.splitlines() == EXPECTED


def test_ofd_without_text_asks_for_ocr() -> None:
    with pytest.raises(AttachmentError, match=r"scan\.ofd: OFD file has no text objects"):
        extract_attachment(build_ofd([[]]), "http://x.gov.cn/scan.ofd")


def test_ofd_naming_a_missing_page_says_so() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", OFD_XML)
        archive.writestr("Doc_0/Document.xml", _document(1, False))
    with pytest.raises(AttachmentError, match="Page_0/Content.xml is named in the file but missing"):
        extract_attachment(buffer.getvalue(), "http://x.gov.cn/broken.ofd")


def test_zip_bomb_is_refused_before_inflating() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", OFD_XML)
        archive.writestr("Doc_0/Pages/Page_0/Res/bomb.bin", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(OfdError, match="zip bomb"):
        ofd_text(buffer.getvalue())


def test_declared_size_over_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("OFD.xml", OFD_XML)
    data = bytearray(buffer.getvalue())
    # Forge the central directory's uncompressed size, as a hostile file would.
    at = data.rfind(b"PK\x01\x02") + 24
    data[at:at + 4] = (MAX_UNPACKED_BYTES + 1).to_bytes(4, "little")
    with pytest.raises(OfdError, match="unpacks to"):
        ofd_text(bytes(data))


def test_entities_are_not_resolved() -> None:
    hostile = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               f'<ofd:OFD xmlns:ofd="{NS}"><ofd:DocBody><ofd:DocRoot>&x;</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", hostile)
    with pytest.raises(OfdError, match="names no document"):
        ofd_text(buffer.getvalue())
