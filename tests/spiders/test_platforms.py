"""Each CMS family's list parser on pages shaped like the real sites' (see ../shared/research)."""

from __future__ import annotations

import json

from scrapy.http import HtmlResponse, Request, TextResponse

from archive.urls import canonical_url
from spiders.platforms import parser_for
from spiders.platforms.trs import next_page_url


def html(url: str, body: str, meta: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=Request(url, meta=meta or {}))


NAV = '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul>'


def test_trs_reads_dated_items_and_not_the_menu():
    page = parser_for("trs").parse(html("http://wjw.example.cn/tzgg/index.html", f"""
        <html><body>{NAV}<ul class="list">
        <li><a href="./202103/t20210315_1.html" title="2021年全省卫生健康工作要点">2021年全省卫生…</a><span>2021-03-15</span></li>
        <li><a href="./202102/t20210201_2.html">关于开展义诊活动的通知</a><span>2021-02-01</span></li>
        </ul><script>createPageHTML(5, 0, "index", "html");</script></body></html>"""))
    assert [(e.title, e.date) for e in page.entries] == [
        ("2021年全省卫生健康工作要点", "2021-03-15"), ("关于开展义诊活动的通知", "2021-02-01")]
    assert page.entries[0].url == "http://wjw.example.cn/tzgg/202103/t20210315_1.html"
    assert [r.url for r in page.next_requests] == ["http://wjw.example.cn/tzgg/index_1.html"]


def test_trs_pager_counting_from_zero():
    assert next_page_url("http://x.cn/a/", 'createPageHTML(3, 0, "index", "html")') == ("http://x.cn/a/index_1.html", False)
    assert next_page_url("http://x.cn/a/index_1.html", 'createPageHTML(3, 1, "index", "html")', False)[0] \
        == "http://x.cn/a/index_2.html"
    assert next_page_url("http://x.cn/a/index_2.html", 'createPageHTML(3, 2, "index", "html")', False)[0] is None


def test_trs_pager_counting_from_one_skips_index_1():
    # Henan/Chongqing habit: index, index_2, … index_{total}; the first page says current=1.
    first = next_page_url("http://x.cn/a/index.shtml", 'createPageHTML(4, 1, "index", "shtml")')
    assert first == ("http://x.cn/a/index_2.shtml", True)
    assert next_page_url("http://x.cn/a/index_3.shtml", 'createPageHTML(4, 3, "index", "shtml")', True)[0] \
        == "http://x.cn/a/index_4.shtml"
    assert next_page_url("http://x.cn/a/index_4.shtml", 'createPageHTML(4, 4, "index", "shtml")', True)[0] is None


def test_trs_pager_from_count_page_alone():
    assert next_page_url("http://x.cn/a/index_1.html", "var countPage = 3;")[0] == "http://x.cn/a/index_2.html"


def test_hanweb_reads_the_datastore_and_pages_through_dataproxy():
    page = parser_for("hanweb").parse(html("http://wsjkw.example.cn/col/col123/index.html", """
        <div id="4567"><script type="text/xml"><datastore>
        <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&columnid=123&unitid=4567"></a>]]></nextgroup>
        <recordset><record><![CDATA[<li><a href="/art/2021/3/15/art_123_9.html" title="2021年工作要点">2021年工作要点</a><span>2021-03-15</span></li>]]></record>
        </recordset><totalpage>3</totalpage></datastore></script></div>"""))
    assert [e.url for e in page.entries] == ["http://wsjkw.example.cn/art/2021/3/15/art_123_9.html"]
    (nxt,) = page.next_requests
    assert "dataproxy.jsp" in nxt.url and "page=2" in nxt.url and nxt.meta["wjw_page"] == 2


def test_jpaas_asks_the_api_then_reads_html_inside_json():
    column = html("http://wsjkw.zj.example.cn/col/col1229/index.html",
                  '<script>var jpaasUnit = {"webId": "3", "pageId": "1229", "tplSetId": "a1", "pageSize": 2};</script>')
    first = parser_for("jpaas").parse(column)
    assert not first.entries
    (api,) = first.next_requests
    assert "/api-gateway/jpaas-publish-server/front/page/build/unit" in api.url and "pageId=1229" in api.url
    reply = {"success": True, "data": {"total": 5, "html": (
        '<ul><li><a href="/col/col1229/art/2025/art_0123456789abcdef0123456789abcdef.html" title="2025年工作要点">x</a>'
        '<span>2025-03-01</span></li><li><a href="/col/col1229/art/2025/art_fedcba9876543210fedcba9876543210.html">'
        '招聘公告</a><span>2025-02-01</span></li></ul>')}}
    response = TextResponse(api.url, body=json.dumps(reply).encode(), encoding="utf-8",
                            request=Request(api.url, meta=api.meta))
    page = parser_for("jpaas").parse(response)
    assert [e.title for e in page.entries] == ["2025年工作要点", "招聘公告"]
    assert len(page.next_requests) == 1 and "%22pageNo%22%3A2" in page.next_requests[0].url


def test_gkmlpt_reads_articles_with_epoch_dates_in_china_time():
    url = "http://wjw.gd.example.cn/gkmlpt/api/all/2571?page=1&sid=757"
    body = {"total": 45, "page_size": 20, "articles": [
        {"id": 1, "title": "2024年全市卫生健康工作要点", "url": "http://wjw.gd.example.cn/gkmlpt/content/4/4001/post_4001.html",
         "create_time": 1709222400},  # 2024-03-01 00:00 +08:00 is 2024-02-29 16:00 UTC
    ]}
    page = parser_for("gkmlpt").parse(TextResponse(url, body=json.dumps(body).encode(), encoding="utf-8"))
    assert [(e.title, e.date) for e in page.entries] == [("2024年全市卫生健康工作要点", "2024-03-01")]
    assert [r.url for r in page.next_requests] == ["http://wjw.gd.example.cn/gkmlpt/api/all/2571?page=2&sid=757"]


def test_vsb_and_generic_take_the_densest_dated_list_and_the_next_link():
    page = parser_for("vsb").parse(html("http://wjw.example.edu.cn/tzgg.htm", f"""
        {NAV}<div class="side"><ul><li><a href="/info/1/1.htm">热点</a><span>2020-01-01</span></li></ul></div>
        <ul class="list">
        <li><a href="info/1011/2001.htm" title="2022年工作计划">2022年工作计划</a><span>2022-02-01</span></li>
        <li><a href="info/1011/2000.htm">2021年工作总结</a><span>2022-01-10</span></li>
        </ul><div class="pb"><a href="tzgg/11.htm" class="Next">下页</a></div>"""))
    assert [e.title for e in page.entries] == ["2022年工作计划", "2021年工作总结"]
    assert [r.url for r in page.next_requests] == ["http://wjw.example.edu.cn/tzgg/11.htm"]


def test_tracking_parameters_do_not_make_new_documents():
    assert canonical_url("http://x.cn/a/t1_2.html?utm_source=wx&spm=1.2#top") == "http://x.cn/a/t1_2.html"
    assert canonical_url("HTTP://X.CN:80/a?page=2&from=timeline") == "http://x.cn/a?page=2"
