"""Exact and near-duplicates: a province's plan, its city's republication and an aggregator's copy are one
cluster whose canonical member is the province's page; the index lives in the store and grows run by run.

The helpers here build detail-page captures the way the spider stores them, so
the other archive tests (history, verify, export) ingest the same pages.
"""

from __future__ import annotations

import json

import pytest

from archive.dedup.index import (
    SEGMENT_PREFIX,
    DedupIndex,
    Member,
    choose_canonical,
    content_sha256,
    normalize_text,
)
from archive.records import CaptureMeta, Column, Document, Site, SiteReport
from archive.run.captures import Capture
from archive.run.ingest import doc_id_for, ingest_capture, relink_clusters
from archive.store.keys import doc_key
from archive.store.state import SiteState

PROVINCE = Site(id="zj-wsjkw", name="浙江省卫生健康委员会", level="province", region_code="330000",
                base_url="https://wsjkw.zj.gov.cn/", cms="trs", province="浙江省",
                columns=(Column("通知公告", "https://wsjkw.zj.gov.cn/col/col1/"),))
CITY = Site(id="hz-wjw", name="杭州市卫生健康委员会", level="city", region_code="330100",
            base_url="https://wsjkw.hangzhou.gov.cn/", cms="hanweb", province="浙江省", city="杭州市",
            columns=(Column("通知公告", "https://wsjkw.hangzhou.gov.cn/col/col2/"),))
AGGREGATOR = Site(id="bid-portal", name="中国招投标信息网", level="province", region_code="330000",
                  base_url="https://www.bid-portal.example.com/", cms="generic", province="浙江省",
                  columns=(Column("招标", "https://www.bid-portal.example.com/zb/"),))
OTHER_PROVINCE = Site(id="hb-wjw", name="湖北省卫生健康委员会", level="province", region_code="420000",
                      base_url="https://wjw.hubei.gov.cn/", cms="trs", province="湖北省",
                      columns=(Column("通知公告", "https://wjw.hubei.gov.cn/fbjd/tzgg/"),))

BODY_2024 = [
    "各市、县（市、区）卫生健康局，委直属各单位：",
    "现将《2024年全省卫生健康工作要点》印发给你们，请结合实际，认真抓好贯彻落实。",
    "一、深化医药卫生体制改革。推进紧密型县域医共体建设，完善分级诊疗制度，推动优质医疗资源扩容下沉和区域均衡布局。",
    "二、加强公共卫生体系建设。提升疾病预防控制能力，健全重大疫情应急响应机制，完善传染病监测预警体系。",
    "三、提升医疗服务质量。开展改善就医感受提升患者体验主题活动，推进检查检验结果互认，加强医疗质量安全管理。",
    "四、促进中医药传承创新发展。建设国家中医药综合改革示范区，实施中医药振兴发展重大工程，做强中医优势专科。",
    "五、实施人口发展战略。完善生育支持政策体系，发展普惠托育服务，推进婴幼儿照护服务示范城市建设。",
    "六、推进健康浙江建设。深入开展爱国卫生运动，实施健康知识普及行动，全面提升居民健康素养水平。",
    "七、加强卫生健康人才队伍建设。实施高层次人才引育计划，加强基层卫生人才培养，完善薪酬激励机制。",
    "八、全面从严治党。落实意识形态工作责任制，持续纠治医药购销领域和医疗服务中的不正之风。",
]
# A different plan of the year before: the same stock headings, other sentences.
BODY_2023 = [
    "各市、县（市、区）卫生健康局，委直属各单位：",
    "现将《2023年全省卫生健康工作要点》印发给你们，请结合实际，认真抓好贯彻落实。",
    "一、深化医药卫生体制改革。巩固公立医院综合改革成果，推进药品耗材集中带量采购，深化医保支付方式改革。",
    "二、加强公共卫生体系建设。优化新冠病毒感染防控措施，加强发热门诊建设，做好重点人群健康服务。",
    "三、提升医疗服务质量。推进省级区域医疗中心建设，加强临床重点专科建设，推广日间手术。",
    "四、促进中医药传承创新发展。推进中医药数字化改革，建设中医药传承创新平台，推广中医适宜技术。",
    "五、实施人口发展战略。落实三孩生育政策及配套支持措施，加强妇幼健康服务能力建设。",
    "六、推进健康浙江建设。开展健康城市健康村镇建设，推进全民健身与全民健康深度融合。",
    "七、加强卫生健康人才队伍建设。实施医学领军人才培养计划，推进住院医师规范化培训。",
    "八、全面从严治党。持续深化清廉医院建设，加强行业作风建设。",
]
CITY_PREFACE = "各区、县（市）卫生健康局：现将省卫生健康委《2024年全省卫生健康工作要点》转发给你们，请认真贯彻执行。"
AGGREGATOR_CHROME = ["招标", "金额", "-", "项目地址", "-", "公告摘要", "项目编号-", "预算金额-", "公告正文"]
TITLE = "2024年全省卫生健康工作要点"


def page(title: str, lines: list[str], agency: str | None, published: str) -> bytes:
    """A detail page as a commission's CMS serves it: title, 发布机构 and date line, body, footer."""
    source = f" 来源：{agency}" if agency else ""
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<div class="nav">首页 &gt; 通知公告</div><h1>{title}</h1>'
            f'<div class="info">发布时间：{published}{source}</div>'
            f'<div class="content">{paragraphs}</div><div class="footer">版权所有 技术支持</div>'
            f"</body></html>").encode("utf-8")


def capture(site: Site, path: str, title: str, lines: list[str], agency: str | None, published: str,
            fetched_at: str = "2026-11-24T06:00:00Z") -> Capture:
    """A 200 capture of a detail page, as read back from a WARC."""
    url = site.base_url.rstrip("/") + path
    return Capture(url=url, status=200, headers={"content-type": "text/html; charset=utf-8"},
                   body=page(title, lines, agency, published), fetched_at=fetched_at,
                   record_id=f"<urn:uuid:{abs(hash(url))}>", meta=CaptureMeta(site=site.id, kind="detail", title=title))


def republications() -> list[tuple[Site, Capture]]:
    """The aggregator's copy (first to be archived), the province's own page, the city's forwarding page."""
    edited = [line.replace("认真抓好", "抓好") for line in BODY_2024]
    return [
        (AGGREGATOR, capture(AGGREGATOR, "/zb/2024/0305/123.html", f"【浙江】{TITLE}",
                             AGGREGATOR_CHROME + BODY_2024, "浙江省卫生健康委员会", "2024-03-05")),
        (PROVINCE, capture(PROVINCE, "/art/2024/3/1/art_1_1.html", TITLE, BODY_2024,
                           "浙江省卫生健康委员会", "2024-03-01")),
        (CITY, capture(CITY, "/art/2024/3/4/art_2_9.html", f"转发省卫生健康委关于印发{TITLE}的通知",
                       [CITY_PREFACE] + edited[2:], "杭州市卫生健康委员会", "2024-03-04")),
    ]


def ingest(store, pages: list[tuple[Site, Capture]], index: DedupIndex | None = None,
           segment: str = "run-1") -> SiteReport:
    """Ingest captures the way `ingest_warc` does: each page, then the index segment, then the relinking."""
    index = index if index is not None else DedupIndex.from_store(store)
    report = SiteReport(site_id="test")
    for site, page_capture in pages:
        ingest_capture(store, site, page_capture, index, report, SiteState(site.id))
    index.flush(store, segment)
    relink_clusters(store, index, report)
    return report


def record(store, site: Site, page_capture: Capture) -> Document:
    """The stored record of a captured page."""
    return Document.from_dict(json.loads(store.get(doc_key(doc_id_for(site.id, page_capture.url)))))


def all_versions(store) -> dict[str, int]:
    """Every key in the store with its number of versions."""
    return {key: len(store.versions(key)) for key in store.list("")}


def text(lines: list[str]) -> str:
    return "\n".join(lines)


def test_full_width_and_spacing_do_not_make_a_new_text():
    assert normalize_text("一、深化改革，推进　建设（2024）") == normalize_text("一、深化改革,推进 建设 (2024)")
    assert content_sha256("第一行\n\n第二行 ") == content_sha256("第一行第二行")
    assert content_sha256("第一行") != content_sha256("第二行")


def test_republications_match_and_other_years_do_not():
    index = DedupIndex()
    province = member("p", PROVINCE, "浙江省卫生健康委员会", text(BODY_2024), 2024)
    index.add(province, text(BODY_2024))
    index.add(member("last-year", PROVINCE, "浙江省卫生健康委员会", text(BODY_2023), 2023), text(BODY_2023))
    city_text = text([CITY_PREFACE] + BODY_2024[2:])
    aggregator_text = text(AGGREGATOR_CHROME + BODY_2024)
    assert [d for d, _ in index.find(city_text, plan_year=2024)] == ["p"]
    assert [d for d, _ in index.find(aggregator_text, plan_year=2024)] == ["p"]
    similarity = dict(index.find(aggregator_text, plan_year=2024))["p"]
    assert 0.8 <= similarity <= 1.0
    # Stock headings alone do not make a 2023 plan a copy of the 2024 one, even without the year guard.
    assert "last-year" not in dict(index.find(text(BODY_2024)))
    assert dict(index.find(text(BODY_2024).replace("\n", "")))["p"] == 1.0


def member(doc_id: str, site: Site, agency: str | None, body: str, year: int | None = 2024,
           published: str = "2024-03-01", government: bool = True) -> Member:
    return Member(doc_id=doc_id, url=site.base_url + doc_id, text_sha256="0" * 64, content_sha256=content_sha256(body),
                  site_id=site.id, site_name=site.name, agency=agency, level=site.level, government=government,
                  published=published, length=len(normalize_text(body)), plan_year=year)


def test_canonical_is_the_issuers_own_site_then_government_then_earliest():
    body = text(BODY_2024)
    aggregator = member("a", AGGREGATOR, "浙江省卫健委", body, published="2024-02-01", government=False)
    province = member("p", PROVINCE, "浙江省卫生健康委员会", body, published="2024-03-01")
    city = member("c", CITY, "杭州市卫生健康委员会", body, published="2024-02-15")
    canonical, issuer = choose_canonical([aggregator, city, province])
    assert canonical.doc_id == "p" and issuer in ("浙江省卫健委", "浙江省卫生健康委员会")
    # Without the issuer's page, a government site beats the earlier aggregator.
    assert choose_canonical([aggregator, city])[0].doc_id == "c"
    later = member("p2", PROVINCE, "浙江省卫生健康委员会", body, published="2024-03-09")
    assert choose_canonical([later, province])[0].doc_id == "p"


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_ingest_links_republications_into_one_cluster(request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    pages = republications()
    report = ingest(store, pages)
    aggregator, province, city = (record(store, site, c) for site, c in pages)
    assert report.new == 3 and report.duplicates == 2
    assert aggregator.cluster_id == province.cluster_id == city.cluster_id is not None
    assert {aggregator.canonical_id, province.canonical_id, city.canonical_id} == {province.doc_id}
    assert {d.doc_id for d in province.duplicates} == {aggregator.doc_id, city.doc_id}
    assert all(0.8 <= d.similarity <= 1 and d.url.startswith("https://") for d in province.duplicates)
    # The aggregator's record was written before the others existed and has been relinked.
    assert len(store.versions(doc_key(aggregator.doc_id))) == 2


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_the_index_persists_and_grows_without_rebuilding(request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    first, *later = republications()
    ingest(store, [first], segment="run-1")
    segments = list(store.list(SEGMENT_PREFIX))
    assert len(segments) == 1
    reloaded = DedupIndex.from_store(store)
    assert len(reloaded) == 1
    ingest(store, later, index=reloaded, segment="run-2")
    assert len(list(store.list(SEGMENT_PREFIX))) == 2
    assert list(store.list(SEGMENT_PREFIX))[0] == segments[0]
    again = DedupIndex.from_store(store)
    cluster = again.cluster(doc_id_for(PROVINCE.id, later[0][1].url))
    assert len(cluster.members) == 3 and cluster.canonical.site_id == PROVINCE.id


@pytest.mark.parametrize("store_fixture", ["local_store", "s3_store"])
def test_ingesting_the_same_pages_again_writes_nothing(request, store_fixture):
    store = request.getfixturevalue(store_fixture)
    ingest(store, republications(), segment="run-1")
    before = all_versions(store)
    report = ingest(store, republications(), segment="run-2")
    assert report.new == report.changed == report.relinked == 0 and report.unchanged == 3
    assert all_versions(store) == before


def test_a_changed_text_leaves_its_cluster():
    index = DedupIndex()
    body = text(BODY_2024)
    index.add(member("p", PROVINCE, "浙江省卫生健康委员会", body), body)
    index.add(member("c", CITY, "杭州市卫生健康委员会", body), body)
    assert index.cluster("p").cluster_id is not None
    index.add(member("c", CITY, "杭州市卫生健康委员会", text(BODY_2023), year=2024), text(BODY_2023))
    assert index.links("p") == [] and index.cluster("p").cluster_id is None
    assert index.touched >= {"p", "c"}



def test_simweb_republications_cluster_under_the_issuers_page(simweb, local_store):
    from archive.corpus.manifest import read_manifest
    from archive.registry import sites_from_rows
    from archive.run.crawl import CrawlOptions
    from archive.run.pipeline import run_pipeline
    from tests.simweb_helpers import FAST

    groups: dict[str, list[dict]] = {}
    for row in simweb.truth():
        if row.get("duplicate_group") and row["is_plan"]:
            groups.setdefault(row["duplicate_group"], []).append(row)
    if not groups:
        pytest.skip("this simweb names no duplicate groups")
    # The sites of the two first groups: a province, its city, and the aggregator both copy from.
    chosen = sorted(groups)[:2]
    wanted = {row["site_id"] for g in chosen for row in groups[g]}
    sites = [s for s in sites_from_rows(simweb.registry_rows()) if s.id in wanted]
    run_pipeline(local_store, sites, CrawlOptions(mode="nightly", settings=FAST), workers=3)
    records = {line["record"]["source_url"]: line["record"] for line in read_manifest(local_store)}
    checked = 0
    for group in chosen:
        archived = [records[row["url"]] for row in groups[group] if row["url"] in records]
        if len(archived) < len(groups[group]):
            continue  # a page the crawl did not reach is the crawler's miss, not dedup's
        source = records[groups[group][0]["canonical_url"]]
        assert {r["cluster_id"] for r in archived} == {source["cluster_id"]} != {None}
        assert {r["canonical_id"] for r in archived} == {source["doc_id"]}
        checked += 1
    assert checked, "no duplicate group was archived whole"
    group_of = {row["url"]: g for g, rows in groups.items() for row in rows}
    clusters: dict[str, set] = {}
    for url, r in records.items():
        if r["cluster_id"]:
            clusters.setdefault(r["cluster_id"], set()).add(group_of.get(url))
    assert all(len(found) == 1 and None not in found for found in clusters.values()), clusters
