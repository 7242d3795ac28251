"""A detail capture is judged by its bytes: a page, a file, or not text at all."""

from __future__ import annotations

import random

import pytest

from archive.extract.sniff import sniff_detail

PAGE = "<html><head><title>2024年卫生健康工作要点</title></head><body><p>一、总体要求。</p></body></html>"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16-le", "utf-16-be", "utf-16"])
def test_pages_in_any_chinese_encoding_are_pages(encoding):
    sniffed = sniff_detail(PAGE.encode(encoding), "http://x.gov.cn/a.html", "text/html")
    assert sniffed.kind == "page"
    if encoding.startswith("utf-16"):
        assert sniffed.body.decode("utf-8") == PAGE  # re-encoded for the decoder


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_served_as_html_are_not_text(seed):
    body = random.Random(seed).randbytes(50_000)
    assert sniff_detail(body, "http://x.gov.cn/a.html", "text/html").kind == "not_text"


def test_a_pdf_served_as_the_page_is_a_file():
    body = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
    sniffed = sniff_detail(body, "http://x.gov.cn/a.html", "text/html")
    assert (sniffed.kind, sniffed.file_kind) == ("file", "pdf")
