"""simweb: a deterministic world, served over real HTTP on loopback, with ground truth that matches the pages."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin

import pytest

from archive.families import CMS_FAMILIES
from simweb import SimWeb, build_world, ground_truth
from simweb.attachments import render
from simweb.faults import FAULT_NAMES
from simweb.routes import list_urls, respond
from simweb.sites import V1_SITES

V1_IDS = {site.id for site in V1_SITES}

pytestmark = pytest.mark.timeout(60)

TRS_PAGER = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\);')
TRS_ITEM = re.compile(r'<li><a href="(\./\d{6}/t\d{8}_\d+\.html)" title="[^"]+"')
RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)
RECORD_HREF = re.compile(r'href="(/art/[^"]+)"')
NEXT_GROUP = re.compile(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"></a>\]\]></nextgroup>')
TOTAL_RECORDS = re.compile(r"<totalrecord>(\d+)</totalrecord>")
TOTAL_PAGES = re.compile(r"<totalpage>(\d+)</totalpage>")
TAG = re.compile(r"<[^>]+>")


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET (or POST form `data`) over real HTTP; 3xx/4xx come back as statuses, not exceptions."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def world():
    return build_world(0)


@pytest.fixture(scope="module")
def web(world):
    with SimWeb(world, day=0) as running:
        yield running


def site_of(web: SimWeb, site_id: str):
    return next(site for site in web.sites if site.id == site_id)


def trs_chain(list_url: str) -> list[str]:
    """Follow a TRS column from index.html through index_N.html as the pager announces; absolute detail URLs."""
    status, _, body = fetch(list_url)
    assert status == 200, list_url
    text = body.decode("gbk")
    pages = int(TRS_PAGER.search(text).group(1))
    urls = [urljoin(list_url, href) for href in TRS_ITEM.findall(text)]
    for page in range(1, pages):
        page_url = urljoin(list_url, f"index_{page}.html")
        status, _, body = fetch(page_url)
        assert status == 200, page_url
        text = body.decode("gbk")
        assert TRS_PAGER.search(text).groups() == (str(pages), str(page))
        urls += [urljoin(page_url, href) for href in TRS_ITEM.findall(text)]
    return urls


def hanweb_chain(column_url: str) -> list[str]:
    """Read a Hanweb column page, then dataproxy.jsp pages 2..totalpage (GET) named by its nextgroup."""
    status, _, body = fetch(column_url)
    assert status == 200, column_url
    text = body.decode("utf-8")
    urls = [urljoin(column_url, href) for record in RECORD.findall(text) for href in RECORD_HREF.findall(record)]
    pages = int(TOTAL_PAGES.search(text).group(1))
    proxy = urljoin(column_url, NEXT_GROUP.search(text).group(1))
    for page in range(2, pages + 1):
        status, _, body = fetch(proxy.replace("page=1&", f"page={page}&"))
        assert status == 200
        urls += [urljoin(column_url, href) for record in RECORD.findall(body.decode("utf-8")) for href in RECORD_HREF.findall(record)]
    return urls


def column_chain(row: dict, column: dict) -> list[str]:
    return trs_chain(column["url"]) if row["cms"] == "trs" else hanweb_chain(column["url"])


def page_text(body: bytes, encoding: str) -> str:
    return html.unescape(TAG.sub("", body.decode(encoding)))


# --- the world -------------------------------------------------------------------------------


def test_same_seed_renders_the_same_bytes():
    started = time.monotonic()
    first = build_world(0)
    assert time.monotonic() - started < 2.0
    second = build_world(0)
    assert first == second
    for site in first.sites:
        doc = first.documents_on(0, site.id)[-1]
        targets = [doc.path, "/robots.txt", "/"] + [path for _, path in list_urls(site)]
        attached = next((d for d in first.documents_on(0, site.id) if d.attachment), None)
        if attached:
            targets.append(attached.attachment.target)
        if site.cms == "hanweb":
            column = site.columns[0]
            targets.append(f"/module/web/jpage/dataproxy.jsp?page=2&webid={site.web_id}&columnid={column.key}&unitid={column.unit_id}")
        for target in targets:
            one = respond(first, site, 0, "GET", target)
            two = respond(second, second.site(site.id), 0, "GET", target)
            assert one.status == 200, (site.id, target)
            assert one.body == two.body, (site.id, target)
    assert build_world(1).documents != first.documents
    for kind in ("pdf", "docx"):  # generated files are byte-stable too, not just cached
        attachment = next(d.attachment for d in first.documents if d.attachment and d.attachment.kind == kind)
        assert render.__wrapped__(attachment) == render.__wrapped__(attachment)


def test_world_has_the_promised_shape(world):
    assert len(world.sites) >= 40
    assert set(Counter(site.cms for site in world.sites)) == set(CMS_FAMILIES)  # every family is simulated
    assert {site.level for site in world.sites} == {"national", "province", "city", "county"}
    assert all(re.fullmatch(r"\d{6}", site.region_code) for site in world.sites)
    provinces = {site.province: site.region_code for site in world.sites if site.level == "province"}
    for site in world.sites:  # a city's or county's code starts with its province's two digits
        if site.level in ("city", "county") and site.province in provinces:
            assert site.region_code[:2] == provinces[site.province][:2], site.id
    docs = world.documents_on(0)
    assert len(docs) >= 600
    assert 0.3 <= sum(d.is_plan for d in docs) / len(docs) <= 0.6
    assert {d.published.year for d in docs} >= set(range(2015, 2027))
    for site in world.sites:
        for column in site.columns:
            assert world.documents_on(0, site.id, column.key), (site.id, column.name)
    plans = [d for d in docs if d.is_plan]
    assert all(str(d.plan_year) in d.title or d.cover_notice for d in plans)
    titles = " ".join(d.title for d in docs)
    for form in ("工作要点", "工作计划", "重点工作任务", "印发", "工作总结", "招聘", "疫情", "招标"):
        assert form in titles, form
    assert re.search("工作安排|工作思路", titles)
    assert all(d.index_number for d in docs if world.site(d.site_id).cms == "trs" and not d.group)
    assert any(d.doc_number and re.fullmatch(r"\w+〔20\d\d〕\d+号", d.doc_number) for d in docs)
    assert any(p.role == "row" for d in plans for p in d.revisions[0].paragraphs)  # task tables


def test_bodies_read_like_chinese_plans(world):
    plan = next(d for d in world.documents_on(0) if d.kind == "annual_points_notice")
    text = plan.revisions[0].text
    assert text.count("\n") >= 8
    assert re.search(r"^一、", text, re.M) and re.search(r"^(（一）|1\.)", text, re.M)
    assert "：" in text and "，" in text and "," not in text


# --- over HTTP ---------------------------------------------------------------------------------


def test_robots_txt_fences_off_search_and_one_linked_column(web):
    truth = web.truth()
    fenced = [row for row in truth if row["robots_disallowed"]]
    assert fenced and any(row["is_plan"] for row in fenced)
    for row in (r for r in web.registry_rows() if r["id"] in V1_IDS):
        status, headers, body = fetch(row["base_url"] + "robots.txt")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        rules = urllib.robotparser.RobotFileParser()
        rules.parse(body.decode("ascii").splitlines())
        assert not rules.can_fetch("wjw", row["base_url"] + ("search/search.jsp" if row["cms"] == "trs" else "jrobot/search.do"))
        if row["cms"] == "trs":  # TRS detail pages live under their column's directory
            for doc in (d for d in truth if d["site_id"] == row["id"]):
                assert rules.can_fetch("wjw", doc["url"]) is not doc["robots_disallowed"]
        for column in row["columns"]:
            disallowed = any(d["robots_disallowed"] for d in truth if d["site_id"] == row["id"] and d["column"] == column["name"])
            assert rules.can_fetch("wjw", column["url"]) is not disallowed
    jingmen = next(row for row in web.registry_rows() if row["id"] == "sim-jm-wjw")
    _, _, list_page = fetch(jingmen["columns"][0]["url"])
    assert b'href="/zcwj/index.html"' in list_page  # the fenced column is still linked


def test_trs_list_pages_are_gbk_with_a_pager(web):
    for row in (r for r in web.registry_rows() if r["cms"] == "trs" and r["id"] in V1_IDS):
        site = site_of(web, row["id"])
        for column in row["columns"]:
            status, headers, body = fetch(column["url"])
            assert status == 200
            assert headers["Content-Type"] == ("text/html" if site.header_charset is None else f"text/html; charset={site.header_charset}")
            text = body.decode("gbk")
            total, current = TRS_PAGER.search(text).groups()
            assert current == "0" and 1 <= len(TRS_ITEM.findall(text)) <= site.page_size
            if int(total) > 1:
                status, _, body = fetch(column["url"].replace("index.html", "index_1.html"))
                assert status == 200 and TRS_PAGER.search(body.decode("gbk")).groups() == (total, "1")
            status, _, _ = fetch(column["url"].replace("index.html", f"index_{total}.html"))
            assert status == 404
    assert any(len(trs_chain(c["url"])) > 2 * 10 for r in web.registry_rows() if r["id"] in V1_IDS and r["cms"] == "trs" for c in r["columns"])


def test_hanweb_column_page_and_both_dataproxies(web):
    for row in (r for r in web.registry_rows() if r["cms"] == "hanweb" and r["id"] in V1_IDS):
        site = site_of(web, row["id"])
        for column_row, column in zip(row["columns"], site.columns):
            status, headers, body = fetch(column_row["url"])
            assert status == 200 and headers["Content-Type"] == "text/html; charset=UTF-8"
            text = body.decode("utf-8")
            assert "Produced By 大汉网络 大汉版通发布系统" in text
            assert f'<div id="{column.unit_id}"><script type="text/xml"><datastore>' in text
            total = int(TOTAL_RECORDS.search(text).group(1))
            embedded = RECORD.findall(text)
            assert len(embedded) == min(total, site.page_size)
            base = row["base_url"]
            status, headers, body = fetch(
                f"{base}module/web/jpage/dataproxy.jsp?page=2&webid={site.web_id}&columnid={column.key}&unitid={column.unit_id}")
            assert status == 200 and headers["Content-Type"].startswith("text/xml")
            page_two = RECORD.findall(body.decode("utf-8"))
            assert len(page_two) == min(max(total - site.page_size, 0), site.page_size)
            form = f"col=1&appid=1&webid={site.web_id}&path=/&columnid={column.key}&unitid={column.unit_id}&permissiontype=0".encode()
            status, _, body = fetch(f"{base}module/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15", data=form)
            assert status == 200
            ranged = RECORD.findall(body.decode("utf-8"))
            assert int(TOTAL_RECORDS.search(body.decode("utf-8")).group(1)) == total
            assert ranged[:len(embedded)] == embedded and len(ranged) == min(total, 45)
            if total > site.page_size:
                assert ranged[site.page_size:site.page_size + len(page_two)] == page_two
        status, _, _ = fetch(f"{row['base_url']}module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=1&unitid=1")
        assert status == 404


def test_trs_detail_page_is_gbk_with_chrome_and_editor_body(web):
    truth = web.truth()
    for site in (s for s in web.sites if s.cms == "trs" and s.id in V1_IDS):
        doc = next(d for d in truth if d["site_id"] == site.id and d["doc_number"] and not d["faults"])
        status, headers, body = fetch(doc["url"])
        assert status == 200 and "Last-Modified" in headers
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        text = body.decode("gbk")
        assert site.meta_charset in text
        assert f"<title>{html.escape(doc['title'])}_{site.name}</title>" in text
        assert f'<meta name="ArticleTitle" content="{html.escape(doc["title"])}">' in text
        assert '<meta name="PubDate" content="' + doc["published"] in text
        for chrome in ("您的位置：", "索 引 号：", doc["index_number"], "发布机构：", "成文日期：", doc["doc_number"],
                       "浏览次数：", "【字体：", "打印本页", "分享到", "版权所有", "技术支持", "网站标识码", '<div class="TRS_Editor">'):
            assert chrome in text, (site.id, chrome)
        editor = text[text.index('<div class="TRS_Editor">'):text.index('<div class="share">')]
        visible = html.unescape(TAG.sub("", re.sub(r"<style.*?</style>", "", editor, flags=re.S)))
        for paragraph in doc["text"].split("\n"):
            assert paragraph in visible


def test_hanweb_detail_page_keeps_body_between_zjeg_markers(web):
    truth = web.truth()
    for site in (s for s in web.sites if s.cms == "hanweb" and s.id in V1_IDS):
        doc = next(d for d in truth if d["site_id"] == site.id and d["is_plan"] and not d["faults"] and not d["cover_notice"])
        status, headers, body = fetch(doc["url"])
        assert status == 200 and "Last-Modified" in headers
        text = body.decode("utf-8")
        content = text[text.index("<!--ZJEG_RSS.content.begin-->"):text.index("<!--ZJEG_RSS.content.end-->")]
        visible = html.unescape(TAG.sub("", content))
        for paragraph in doc["text"].split("\n"):
            assert paragraph in visible
        for chrome in ("信息来源：", "发布日期：" + doc["published"], "【字体：", "打印本页", "版权所有", "主办", "技术支持",
                       "Produced By 大汉网络 大汉版通发布系统"):
            assert chrome in text, (site.id, chrome)


def test_v1_documents_are_reachable_and_listed(web):
    truth = [row for row in web.truth() if row["site_id"] in V1_IDS]
    by_url = {row["url"]: row for row in truth}
    assert len(by_url) == len(truth)
    listed: dict[str, str] = {}
    for row in (r for r in web.registry_rows() if r["id"] in V1_IDS):
        for column in row["columns"]:
            for url in column_chain(row, column):
                assert url not in listed, f"{url} listed twice"
                listed[url] = column["name"]
    assert set(listed) == set(by_url)
    for url, doc in by_url.items():
        assert listed[url] == doc["column"]
        status, _, body = fetch(url)
        assert status == 200 or doc["faults"], url
        if doc["faults"]:
            continue
        encoding = "gbk" if site_of(web, doc["site_id"]).cms == "trs" else "utf-8"
        assert html.escape(doc["title"]) in body.decode(encoding)


def test_registry_rows_describe_only_what_a_crawler_may_know(web):
    rows = web.registry_rows()
    assert [row["id"] for row in rows] == [site.id for site in web.sites]
    for row in rows:
        # `render` is what an operator's registry says of a site seen behind a JS challenge, as the real one does.
        assert set(row) == {"id", "name", "level", "province", "city", "county", "region_code", "base_url", "cms",
                            "columns", "download_delay", "render"}
        assert row["base_url"] == web.base_url(row["id"]) and row["base_url"].startswith("http://127.77.0.")
        assert row["name"].endswith(("卫生健康委员会", "卫生健康局", "信息网"))
        for column in row["columns"]:
            assert column["url"].startswith(row["base_url"]) and fetch(column["url"])[0] == 200
    assert len({row["base_url"] for row in rows}) == len(rows)


def test_unknown_paths_are_404(web):
    world = web.world
    future = next(d for d in world.documents if d.first_day > 0)
    for row in web.registry_rows():
        encoding = site_of(web, row["id"]).body_encoding
        for path in ("no/such/page.html", "art/2099/1/1/art_1_1.html", "tzgg/209901/t20990101_1.html", "col/col999/index.html"):
            status, _, body = fetch(row["base_url"] + path)
            assert status == 404 and "页面不存在".encode(encoding) in body, (row["id"], path)
    status, _, _ = fetch(web.base_url(future.site_id) + future.path.lstrip("/"))
    assert status == 404


def test_days_pass_new_documents_arrive_and_a_plan_is_edited(world):
    with SimWeb(world, day=0) as web:
        before = {row["url"]: row for row in web.truth()}
        v1_rows = [r for r in web.registry_rows() if r["id"] in V1_IDS]
        first_pages = {(r["id"], c["name"]): column_chain(r, c)[:3] for r in v1_rows for c in r["columns"]}
        edited = next(d for d in world.documents if len(d.revisions) > 1)
        url = web.base_url(edited.site_id) + edited.path.lstrip("/")
        _, headers_0, page_0 = fetch(url)

        web.set_day(1)
        after = {row["url"]: row for row in web.truth()}
        new = [after[url] for url in after.keys() - before.keys() if after[url]["site_id"] in V1_IDS]
        gone = before.keys() - after.keys()
        # A document leaves the truth when it is taken down, or when its list no longer shows it (still served).
        assert gone and {f["url"] for f in web.faults() if f["fault"] in ("deleted", "delisted")} == gone
        assert sum(row["is_plan"] for row in new) >= 2
        for row in new:
            site = next(r for r in web.registry_rows() if r["id"] == row["site_id"])
            column = next(c for c in site["columns"] if c["name"] == row["column"])
            assert column_chain(site, column)[0] == row["url"] or row["robots_disallowed"]
            assert first_pages[(site["id"], column["name"])][0] != row["url"]
        changed = [u for u in before if u in after and before[u]["text"] != after[u]["text"]]
        assert url in changed and after[url]["version"] == 2 and before[url]["version"] == 1
        _, headers_1, page_1 = fetch(url)
        assert page_1 != page_0 and headers_1["Last-Modified"] != headers_0["Last-Modified"]
        assert fetch(url, headers={"If-Modified-Since": headers_0["Last-Modified"]})[0] == 200
        assert fetch(url, headers={"If-Modified-Since": headers_1["Last-Modified"]})[0] == 304

        web.set_day(0)
        assert {row["url"] for row in web.truth()} == before.keys()
        assert not [f for f in web.faults() if f["fault"] in ("deleted", "delisted")]
        assert fetch(url)[2] == page_0
    assert ground_truth(world, 1, web) == list(after.values())
    # Day 2 keeps every document of day 1 but those taken down or delisted that day.
    day_2 = {row["url"] for row in ground_truth(world, 2, web.base_urls())}
    web.set_day(2)
    left = {f["url"] for f in web.faults() if f["fault"] in ("deleted", "delisted")}
    assert after.keys() - day_2 and after.keys() - day_2 <= left


# --- v2: the other families ----------------------------------------------------------------------


def row_of(web: SimWeb, site_id: str) -> dict:
    return next(row for row in web.registry_rows() if row["id"] == site_id)


def test_trs_sites_numbering_from_two_carry_a_one_based_pager(web):
    site = next(s for s in web.sites if s.page_style == "index1" and s.id != "sim-nhc")
    url = row_of(web, site.id)["columns"][0]["url"]
    assert url.endswith(f"/index.{site.page_ext}")
    text = fetch(url)[2].decode(site.body_encoding)
    assert re.search(r"var countPage = (\d+);\nvar currentPage = 1;", text)
    pages = int(re.search(rf'createPageHTML\((\d+), 1, "index", "{site.page_ext}"\)', text).group(1))
    assert pages > 1
    assert fetch(url.replace("index.", "index_1."))[0] == 404
    second = fetch(url.replace("index.", "index_2."))
    assert second[0] == 200 and f'createPageHTML({pages}, 2, "index", "{site.page_ext}")' in second[2].decode(site.body_encoding)
    assert fetch(url.replace("index.", f"index_{pages}."))[0] == 200
    assert fetch(url.replace("index.", f"index_{pages + 1}."))[0] == 404


def test_jpaas_column_is_a_shell_and_the_list_comes_as_json(web):
    site = next(s for s in web.sites if s.cms == "jpaas" and len(web.world.documents_on(0, s.id, s.columns[0].key)) > 15)
    column_url = row_of(web, site.id)["columns"][0]["url"]
    status, _, body = fetch(column_url)
    text = body.decode("utf-8")
    unit = json.loads(re.search(r"var jpaasUnit = (\{.*?\});", text).group(1))
    assert unit["webId"] == str(site.web_id) and unit["pageSize"] == 15 and "/art/" not in text
    api = (f"{web.base_url(site.id)}api-gateway/jpaas-publish-server/front/page/build/unit?webId={unit['webId']}&pageId={unit['pageId']}"
           f"&parseType=bulidstatic&pageType=column&tagId=%E5%BD%93%E5%89%8D%E6%A0%8F%E7%9B%AElist&tplSetId={unit['tplSetId']}"
           "&paramJson=%7B%22pageNo%22%3A2%2C%22pageSize%22%3A15%7D")
    status, headers, body = fetch(api)
    reply = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json") and reply["success"] is True
    hrefs = re.findall(r'href="(/col/col\d+/art/\d{4}/art_[0-9a-f]{32}\.html)"', reply["data"]["html"])
    assert len(hrefs) == min(15, reply["data"]["total"] - 15) and reply["data"]["total"] > 15


def test_gkmlpt_api_lists_articles_with_epoch_dates(web):
    site = next(s for s in web.sites if s.cms == "gkmlpt")
    url = row_of(web, site.id)["columns"][0]["url"]
    assert re.search(rf"/gkmlpt/api/all/\d+\?page=1&sid={site.web_id}$", url)
    reply = json.loads(fetch(url)[2])
    assert set(reply) == {"total", "articles", "page_size"} and reply["page_size"] == 20
    article = reply["articles"][0]
    assert set(article) == {"id", "title", "url", "create_time", "identifier", "document_number", "publisher"}
    assert re.fullmatch(r"http://127\.77\.0\.\d+:\d+/gkmlpt/content/\d+/\d+/post_\d+\.html", article["url"])
    truth = {row["url"]: row for row in web.truth()}
    published = datetime.fromtimestamp(article["create_time"], timezone(timedelta(hours=8))).date().isoformat()
    assert truth[article["url"]]["published"] == published
    page_two = json.loads(fetch(url.replace("page=1", "page=2"))[2])
    assert page_two["total"] == reply["total"] and page_two["articles"][0]["id"] != article["id"]


def test_vsb_lists_count_down_to_one(web):
    site = next(s for s in web.sites if s.cms == "vsb" and len(web.world.documents_on(0, s.id, s.columns[0].key)) > 2 * s.page_size)
    url = row_of(web, site.id)["columns"][0]["url"]
    text = fetch(url)[2].decode(site.body_encoding)
    pages = -(-len(web.world.documents_on(0, site.id, site.columns[0].key)) // site.page_size)
    nxt = re.search(r'<a href="([^"]+)" class="Next">下页</a>', text).group(1)
    assert nxt == f"tzgg/{pages - 1}.htm"
    assert re.search(r'href="\.\./info/\d+/\d+\.htm"', text)
    last = urljoin(url, "tzgg/1.htm")
    last_text = fetch(last)[2].decode(site.body_encoding)
    assert "class=\"Next\"" not in last_text and re.search(r'href="\.\./\.\./info/\d+/\d+\.htm"', last_text)


def test_generic_portal_chains_pages_and_sets_a_calendar_trap(web):
    site = next(s for s in web.sites if s.shape == "portal")
    url = row_of(web, site.id)["columns"][1]["url"]
    text = fetch(url)[2].decode(site.body_encoding)
    assert "您的位置" in text and re.search(r'<a href="([^"]+)">下一页</a>', text)
    month = re.search(r'href="(/calendar/\d{4}-\d{2}\.html)"', text).group(1)
    for _ in range(30):  # months link on for ever
        body = fetch(urljoin(url, month))[2].decode(site.body_encoding)
        month = re.search(r'<a href="(/calendar/\d{4}-\d{2}\.html)">下一月</a>', body).group(1)
    assert month > "/calendar/2028"


def test_aggregator_republishes_plans_among_tenders(web):
    truth = web.truth()
    aggregator = [row for row in truth if row["site_id"] == "sim-czh-zb"]
    assert sum(row["kind"] == "tender" for row in aggregator) > sum(row["is_plan"] for row in aggregator) > 3
    copy = next(row for row in aggregator if row["is_plan"])
    assert copy["title"].startswith("【") and copy["canonical_url"] and len(copy["duplicates"]) == 2
    page = fetch(copy["url"])[2].decode("utf-8")
    for chrome in ("公告摘要", "公告正文", "发布时间", "金额"):
        assert chrome in page
    group = [row for row in truth if row["duplicate_group"] == copy["duplicate_group"]]
    assert len({row["site_id"] for row in group}) == 3 and len({row["text"] for row in group}) == 2  # the city edits its copy


def test_truth_claims_only_the_metadata_its_pages_print(world):
    """成文日期, 文号 and 索引号 in the truth are on the page: in its table, or 成文日期 as a signature line."""
    from simweb.bodies import cn_date
    from simweb.pages import table_date

    paths = {site.id: "" for site in world.sites}
    unclaimed = Counter()
    for day in (0, 3):
        for row in ground_truth(world, day, paths):
            if row["faults"] or "file_plan" in row["mechanisms"]:  # a file prints what its text says
                continue
            site = world.site(row["site_id"])
            text = TAG.sub("", respond(world, site, day, "GET", row["url"]).body.decode(site.body_encoding))
            if row["written"]:
                written = datetime.fromisoformat(row["written"]).date()
                assert (re.search("成文日期：?" + table_date(site, written), text)
                        or cn_date(written) in {line.strip() for line in text.splitlines()}), row["url"]
            else:
                assert "成文日期" not in text, row["url"]
                unclaimed["written"] += 1
            for field in ("doc_number", "index_number"):
                if row[field]:
                    assert row[field] in text, (row["url"], field)
    # Pages without a table exist: the 晋中 portal's, the aggregator's copies, republications without numbers.
    assert unclaimed["written"] > 50


def test_charsets_that_lie(web):
    site = next(s for s in web.sites if s.header_charset == "UTF-8" and s.body_encoding == "gbk")
    doc = next(row for row in web.truth() if row["site_id"] == site.id and not row["faults"] and not row["cover_notice"])
    status, headers, body = fetch(doc["url"])
    assert headers["Content-Type"].endswith("charset=UTF-8")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert doc["title"] in html.unescape(body.decode("gbk"))
    assert {s.body_encoding for s in web.sites} >= {"utf-8", "gbk", "gb2312", "gb18030"}


def attachment_text(kind: str, data: bytes, tmp_path) -> str:
    if kind == "pdf":
        pypdf = pytest.importorskip("pypdf")
        return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    if kind == "docx":
        docx = pytest.importorskip("docx")
        return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    if not shutil.which("antiword"):
        pytest.skip("antiword is not installed (apt-get install antiword)")
    path = tmp_path / f"attachment.{kind}"
    path.write_bytes(data)
    return subprocess.run(["antiword", "-w", "0", str(path)], capture_output=True, check=True).stdout.decode("utf-8")


@pytest.mark.parametrize("kind", ["pdf", "docx", "doc", "wps"])
def test_cover_notices_carry_the_plan_in_an_extractable_attachment(web, kind, tmp_path):
    row = next(r for r in web.truth() if r["cover_notice"] and r["attachment_type"] == kind and not r["faults"])
    page = fetch(row["url"])[2].decode(site_of(web, row["site_id"]).body_encoding)
    assert "附件：" in page and row["text"] not in page
    status, headers, data = fetch(row["attachment_url"])
    assert status == 200 and headers["Content-Type"] == row["attachment_content_type"]
    extracted = re.sub(r"\s", "", attachment_text(kind, data, tmp_path))
    for line in row["text"].split("\n"):
        assert re.sub(r"\s", "", line) in extracted, line[:30]


def test_some_attachments_are_served_with_a_wrong_content_type(web):
    types = {row["attachment_content_type"] for row in web.truth() if row["attachment_url"]}
    assert {"application/octet-stream", "text/html", "application/pdf"} <= types


def test_a_timeout_costs_the_client_its_timeout_and_nothing_more(world):
    with SimWeb(world, day=2, timeout_seconds=30) as web:
        fault = next(f for f in web.faults() if f["fault"] == "timeout")
        started = time.monotonic()
        with pytest.raises(Exception):
            urllib.request.urlopen(fault["url"], timeout=0.5).read()
        assert time.monotonic() - started < 2
        other = next(r for r in web.truth() if r["site_id"] == fault["site_id"] and not r["faults"])
        assert fetch(other["url"])[0] == 200
    # closing the server did not wait 30 s for the stalled handler


def test_waf_challenges(world):
    with SimWeb(world, day=1) as web:
        ruishu = next(f for f in web.faults() if f["detail"] == "ruishu_412")
        status, headers, body = fetch(ruishu["url"])
        assert status == 412 and "$_ts" in body.decode("utf-8") and "Set-Cookie" in headers
        assert fetch(ruishu["url"] + "robots.txt")[0] == 200
        web.set_day(2)
        jiasule = next(f for f in web.faults() if f["detail"] == "jiasule_521")
        status, _, body = fetch(jiasule["url"])
        assert status == 521
        script = body.decode("ascii")
        cookie = "".join(re.findall(r"\('([^']*)'\)", script.split(";max-age")[0])).split("=", 1)
        assert cookie[0] == "__jsl_clearance_s"
        assert fetch(jiasule["url"], headers={"Cookie": "=".join(cookie)})[0] == 200  # a solved challenge passes


def test_faults_follow_the_day(world):
    with SimWeb(world, day=0) as web:
        by_day = {}
        for day in range(4):
            web.set_day(day)
            by_day[day] = {(f["fault"], f["url"]) for f in web.faults()}
            assert all(f["day"] == day for f in web.faults())
            for row in web.truth():
                assert set(row["faults"]) <= set(FAULT_NAMES)
    names = {name for faults in by_day.values() for name, _ in faults}
    assert names == set(FAULT_NAMES)
    assert by_day[0] != by_day[1]
    clean = {"sim-hb-wjw", "sim-zj-wsjkw"}  # the first TRS and Hanweb sites, which other tests crawl
    assert not [f for day in (0, 1) for f in by_day[day] if any(f"127.77.0.{n}:" in f[1] for n in (1, 4))]
    assert clean == {site.id for site in world.sites[:6] if site.id in clean}
