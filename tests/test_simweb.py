"""simweb: a deterministic world, served over real HTTP on loopback, with ground truth that matches the pages."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from urllib.parse import urljoin

import pytest

from simweb import SimWeb, build_world, ground_truth
from simweb.routes import respond

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
    first, second = build_world(0), build_world(0)
    assert first == second
    for site in first.sites:
        doc = first.documents_on(0, site.id)[0]
        column = site.columns[0]
        targets = [doc.path, "/robots.txt", "/"]
        if site.cms == "trs":
            targets.append(f"/{column.key}/index_1.html")
        else:
            targets.append(f"/col/col{column.key}/index.html")
            targets.append(f"/module/web/jpage/dataproxy.jsp?page=2&webid={site.web_id}&columnid={column.key}&unitid={column.unit_id}")
        for target in targets:
            one = respond(first, site, 0, "GET", target)
            two = respond(second, second.site(site.id), 0, "GET", target)
            assert one.status == 200, (site.id, target)
            assert one.body == two.body, (site.id, target)
    assert build_world(1).documents != first.documents


def test_world_has_the_promised_shape(world):
    assert Counter(site.cms for site in world.sites) == {"trs": 3, "hanweb": 3}
    assert {site.level for site in world.sites} == {"province", "city", "county"}
    assert all(re.fullmatch(r"\d{6}", site.region_code) for site in world.sites)
    docs = world.documents_on(0)
    assert len(docs) >= 60
    assert 0.3 <= sum(d.is_plan for d in docs) / len(docs) <= 0.5
    assert {d.published.year for d in docs} >= set(range(2015, 2027))
    for site in world.sites:
        for column in site.columns:
            assert world.documents_on(0, site.id, column.key), (site.id, column.name)
    plans = [d for d in docs if d.is_plan]
    assert all(str(d.plan_year) in d.title for d in plans)
    assert any("工作总结" in d.title for d in docs) and any("招聘" in d.title for d in docs)
    assert all(d.index_number for d in docs if world.site(d.site_id).cms == "trs")
    assert any(d.doc_number and re.fullmatch(r"\w+〔20\d\d〕\d+号", d.doc_number) for d in docs)


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
    for row in web.registry_rows():
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
    for row in (r for r in web.registry_rows() if r["cms"] == "trs"):
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
    assert any(len(trs_chain(c["url"])) > 2 * 10 for r in web.registry_rows() if r["cms"] == "trs" for c in r["columns"])


def test_hanweb_column_page_and_both_dataproxies(web):
    for row in (r for r in web.registry_rows() if r["cms"] == "hanweb"):
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
    for site in (s for s in web.sites if s.cms == "trs"):
        doc = next(d for d in truth if d["site_id"] == site.id and d["doc_number"])
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
    for site in (s for s in web.sites if s.cms == "hanweb"):
        doc = next(d for d in truth if d["site_id"] == site.id and d["is_plan"])
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


def test_every_document_is_reachable_and_listed(web):
    truth = web.truth()
    by_url = {row["url"]: row for row in truth}
    assert len(by_url) == len(truth)
    listed: dict[str, str] = {}
    for row in web.registry_rows():
        for column in row["columns"]:
            for url in column_chain(row, column):
                assert url not in listed, f"{url} listed twice"
                listed[url] = column["name"]
    assert set(listed) == set(by_url)
    for url, doc in by_url.items():
        assert listed[url] == doc["column"]
        status, _, body = fetch(url)
        assert status == 200, url
        encoding = "gbk" if site_of(web, doc["site_id"]).cms == "trs" else "utf-8"
        assert html.escape(doc["title"]) in body.decode(encoding)


def test_registry_rows_describe_only_what_a_crawler_may_know(web):
    rows = web.registry_rows()
    assert [row["id"] for row in rows] == [site.id for site in web.sites]
    for row in rows:
        assert set(row) == {"id", "name", "level", "province", "city", "county", "region_code", "base_url", "cms",
                            "columns", "download_delay"}
        assert row["base_url"] == web.base_url(row["id"]) and row["base_url"].startswith("http://127.77.0.")
        assert row["name"].endswith(("卫生健康委员会", "卫生健康局"))
        for column in row["columns"]:
            assert column["url"].startswith(row["base_url"]) and fetch(column["url"])[0] == 200
    assert len({row["base_url"] for row in rows}) == len(rows)


def test_unknown_paths_are_404(web):
    world = web.world
    future = next(d for d in world.documents if d.first_day > 0)
    for row in web.registry_rows():
        for path in ("no/such/page.html", "art/2099/1/1/art_1_1.html", "tzgg/209901/t20990101_1.html", "col/col999/index.html"):
            status, _, body = fetch(row["base_url"] + path)
            assert status == 404 and "页面不存在".encode("gbk" if row["cms"] == "trs" else "utf-8") in body
    status, _, _ = fetch(web.base_url(future.site_id) + future.path.lstrip("/"))
    assert status == 404


def test_days_pass_new_documents_arrive_and_a_plan_is_edited(world):
    with SimWeb(world, day=0) as web:
        before = {row["url"]: row for row in web.truth()}
        first_pages = {(r["id"], c["name"]): column_chain(r, c)[:3] for r in web.registry_rows() for c in r["columns"]}
        edited = next(d for d in world.documents if len(d.revisions) > 1)
        url = web.base_url(edited.site_id) + edited.path.lstrip("/")
        _, headers_0, page_0 = fetch(url)

        web.set_day(1)
        after = {row["url"]: row for row in web.truth()}
        new = [after[url] for url in after.keys() - before.keys()]
        assert before.keys() <= after.keys()
        assert sum(row["is_plan"] for row in new) >= 2
        for row in new:
            site = next(r for r in web.registry_rows() if r["id"] == row["site_id"])
            column = next(c for c in site["columns"] if c["name"] == row["column"])
            assert column_chain(site, column)[0] == row["url"] or row["robots_disallowed"]
            assert first_pages[(site["id"], column["name"])][0] != row["url"]
        changed = [u for u in before if before[u]["text"] != after[u]["text"]]
        assert url in changed and after[url]["version"] == 2 and before[url]["version"] == 1
        _, headers_1, page_1 = fetch(url)
        assert page_1 != page_0 and headers_1["Last-Modified"] != headers_0["Last-Modified"]
        assert fetch(url, headers={"If-Modified-Since": headers_0["Last-Modified"]})[0] == 200
        assert fetch(url, headers={"If-Modified-Since": headers_1["Last-Modified"]})[0] == 304

        web.set_day(0)
        assert {row["url"] for row in web.truth()} == before.keys()
        assert fetch(url)[2] == page_0
    assert ground_truth(world, 1, web) == list(after.values())
    assert len(ground_truth(world, 2, web.base_urls())) > len(after)
