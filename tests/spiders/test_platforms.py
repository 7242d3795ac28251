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


def test_a_gbk_query_keeps_its_bytes():
    # 通知公告 percent-encoded in GBK: re-encoding it as UTF-8 would ask for U+FFFD.
    url = "http://wjw.example.cn/list.jsp?lb=%CD%A8%D6%AA%B9%AB%B8%E6&page=2&utm_source=wx"
    assert canonical_url(url) == "http://wjw.example.cn/list.jsp?lb=%CD%A8%D6%AA%B9%AB%B8%E6&page=2"


def test_links_of_a_gbk_page_are_requested_in_gbk():
    from spiders.column import request_url
    body = ('<ul><li><a href="view.jsp?id=1">2024年工作要点</a> 2024-03-01</li></ul>'
            '<a href="list.jsp?lb=通知公告&amp;page=2">下一页</a>').encode("gbk")
    response = HtmlResponse("http://wjw.example.cn/list.jsp?lb=%CD%A8%D6%AA%B9%AB%B8%E6", body=body, encoding="gbk")
    assert request_url("http://wjw.example.cn/list.jsp?lb=通知公告&page=2", response) \
        == "http://wjw.example.cn/list.jsp?lb=%CD%A8%D6%AA%B9%AB%B8%E6&page=2"
    (nxt,) = parser_for("generic").parse(response).next_requests
    assert nxt.url == "http://wjw.example.cn/list.jsp?lb=%CD%A8%D6%AA%B9%AB%B8%E6&page=2"


def test_trs_pager_of_any_arity():
    assert next_page_url("http://x.cn/a/index.shtml", "createPageHTML('page_div', 7, 0, 'index', 'shtml', 136);")[0] \
        == "http://x.cn/a/index_1.shtml"
    assert next_page_url("http://x.cn/a/fg.jhtml", "createPageHTML(7, 0, 'fg', 'jhtml', 136, 20)")[0] \
        == "http://x.cn/a/fg_1.jhtml"
    assert next_page_url("http://x.cn/a/", "createPageHTML(3, 0)")[0] == "http://x.cn/a/index_1.html"
    assert next_page_url("http://x.cn/a/", "function createPageHTML(a, b, c, d){} createPageHTML(1, 0)")[0] is None


FORM_PAGE = """<html><body><ul class="list">
    <li><a href="/xxgk/{n}1.html">2024年全市卫生健康工作要点 {n}</a><span>2024-03-0{n}</span></li>
    <li><a href="/xxgk/{n}2.html">关于开展义诊活动的通知 {n}</a><span>2024-02-0{n}</span></li></ul>
    <form id="pageForm" name="pageForm" action="/xxgk/list.jsp" method="post">
      <input type="hidden" name="channelId" value="12"><input type="hidden" name="pageNo" value="{n}"></form>
    <div class="pager">共3页 <a href="javascript:goPage({prev})">上一页</a> <a href="javascript:goPage({next})">下一页</a></div>
    <script>function goPage(n){{document.pageForm.pageNo.value=n;document.pageForm.submit();}}</script>
    </body></html>"""


def test_a_pager_that_only_posts_a_form_is_submitted_with_the_next_page_number():
    first = parser_for("generic").parse(html("http://wjw.example.cn/xxgk/list.jsp", FORM_PAGE.format(n=1, prev=1, next=2)))
    assert len(first.entries) == 2
    (nxt,) = first.next_requests
    assert nxt.method == "POST" and nxt.url == "http://wjw.example.cn/xxgk/list.jsp"
    assert b"pageNo=2" in nxt.body and b"channelId=12" in nxt.body
    last = parser_for("generic").parse(html("http://wjw.example.cn/xxgk/list.jsp", FORM_PAGE.format(n=3, prev=2, next=3),
                                            meta={"wjw_form_page": 3}))
    assert last.entries and not last.next_requests


def test_a_query_pager_without_a_next_link_is_followed_by_its_numbers():
    page = parser_for("generic").parse(html("http://wjw.example.cn/tzgg/list.jsp?cat=1&page=2", """
        <ul><li><a href="/a/1.html">2024年工作要点</a> 2024-01-01</li></ul>
        <div><a href="list.jsp?cat=1&amp;page=1">1</a> <span>2</span> <a href="list.jsp?cat=1&amp;page=3">3</a></div>"""))
    assert [r.url for r in page.next_requests] == ["http://wjw.example.cn/tzgg/list.jsp?cat=1&page=3"]


def test_a_framed_undated_list_is_followed_and_read_from_its_densest_run_of_links():
    shell = parser_for("generic").parse(html("http://wjw.example.cn/wjgg/index.html", f"""
        <html><body>{NAV}<div class="main"><iframe src="list_frame.html" width="100%"></iframe></div>
        <iframe src="http://ads.example.com/banner.html"></iframe></body></html>"""))
    assert not shell.entries
    assert [r.url for r in shell.next_requests] == ["http://wjw.example.cn/wjgg/list_frame.html"]
    framed = parser_for("generic").parse(html("http://wjw.example.cn/wjgg/list_frame.html", f"""
        <html><body>{NAV}<div class="files">
        <p><a href="doc?id=31">关于印发2024年全市卫生健康工作要点的通知</a></p>
        <p><a href="doc?id=30">关于做好2024年春节期间医疗保障工作的通知</a></p>
        <p><a href="doc?id=29">市卫健委2023年度部门预算公开说明</a></p></div>
        <div><a href="list_frame_2.html">下一页</a> <a href="list_frame_0.html">上一页</a></div></body></html>"""))
    assert [(e.url, e.date) for e in framed.entries][0] == ("http://wjw.example.cn/wjgg/doc?id=31", None)
    assert len(framed.entries) == 3
    assert [r.url for r in framed.next_requests] == ["http://wjw.example.cn/wjgg/list_frame_2.html"]


def test_a_script_loaded_list_is_found_in_the_page_script_and_read_from_jsonp():
    from spiders.platforms.scripted import parse_data
    shell = parser_for("generic").parse(html("http://wjw.example.cn/tzgg/", """
        <html><body><div id="list"></div><script src="/js/jquery.min.js"></script>
        <script>$.ajax({url: "/api/doclist.jsp?channel=tzgg&page=1", dataType: "jsonp", jsonp: "callback",
        success: function (d) { render(d.results); }});</script></body></html>"""))
    (data,) = shell.next_requests
    assert data.url == "http://wjw.example.cn/api/doclist.jsp?channel=tzgg&page=1"
    reply = {"page": 1, "count": 3, "results": [
        {"docid": 7, "title": "2024年全市卫生健康工作要点", "url": "/tzgg/202403/t20240301_7.html", "pubDate": "2024-03-01"},
        {"docid": 6, "title": "关于开展义诊活动的通知", "url": "/tzgg/202402/t20240201_6.html", "pubDate": 1706745600000}]}
    body = f"jQuery1123({json.dumps(reply, ensure_ascii=False)});".encode()
    response = TextResponse(data.url, body=body, encoding="utf-8", request=Request(data.url, meta=data.meta))
    page = parse_data(response, data.meta["wjw_list_data"])
    assert [(e.url, e.title, e.date) for e in page.entries] == [
        ("http://wjw.example.cn/tzgg/202403/t20240301_7.html", "2024年全市卫生健康工作要点", "2024-03-01"),
        ("http://wjw.example.cn/tzgg/202402/t20240201_6.html", "关于开展义诊活动的通知", "2024-02-01")]
    assert [r.url for r in page.next_requests] == ["http://wjw.example.cn/api/doclist.jsp?channel=tzgg&page=2"]


def test_a_declared_list_data_reads_its_field_paths_and_link_template():
    from spiders.platforms.scripted import parse_data
    spec = {"url": "http://wjw.example.cn/front/list?col=9&pageIndex={page}", "entries": "data.rows",
            "title": "bt", "link": "/content/{id}.html", "date": "fbrq", "first_page": 1}
    reply = {"data": {"pages": 2, "rows": [{"id": 41, "bt": "2024年工作计划", "fbrq": "2024年3月1日"}]}}
    url = spec["url"].replace("{page}", "1")
    response = TextResponse(url, body=json.dumps(reply).encode(), encoding="utf-8",
                            request=Request(url, meta={"wjw_list_data": spec, "wjw_data_page": 1}))
    page = parse_data(response, spec)
    assert [(e.url, e.date) for e in page.entries] == [("http://wjw.example.cn/content/41.html", "2024-03-01")]
    assert [r.url for r in page.next_requests] == ["http://wjw.example.cn/front/list?col=9&pageIndex=2"]
