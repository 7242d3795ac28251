"""A plan that is a file becomes a page one way, for ingest and for bench/extraction.py."""

from archive.extract.files import file_page

TEXT = """京卫办发〔2024〕3号
关于印发2024年全市卫生健康工作要点的通知
各区卫生健康委：
现将《2024年全市卫生健康工作要点》印发给你们，请结合实际认真贯彻落实。
北京市卫生健康委员会
2024年2月1日
"""
URL = "http://wjw.beijing.gov.cn/zwgk/2024/plan.pdf"


def test_a_file_page_takes_the_list_title_when_the_list_printed_it_whole():
    page = file_page(TEXT, "pdf", URL, listed_title="2024年全市卫生健康工作要点")
    assert page.title == "2024年全市卫生健康工作要点"
    assert page.text == TEXT
    assert (page.encoding, page.method) == ("binary", "file:pdf")


def test_a_cut_list_title_is_replaced_by_the_title_the_file_prints():
    page = file_page(TEXT, "pdf", URL, listed_title="关于印发2024年全市卫生健康…")
    assert page.title == "关于印发2024年全市卫生健康工作要点的通知"
    marked = file_page(TEXT, "pdf", URL, listed_title="关于印发2024年全市卫生健康", listed_cut=True)
    assert marked.title == "关于印发2024年全市卫生健康工作要点的通知"


def test_a_file_page_without_a_list_title_reads_title_and_fields_from_its_text():
    page = file_page(TEXT, "docx", URL)
    assert page.title == "关于印发2024年全市卫生健康工作要点的通知"
    assert page.doc_number == "京卫办发〔2024〕3号"
    assert page.written == "2024-02-01"
