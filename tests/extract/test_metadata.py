"""Metadata fields on real saved pages and real documents, each with where it came from.

No page of the shared realpages set carries 索引号, 文号 or 成文日期 (none is a
信息公开 page), so those fields are tested on the seed documents (real plans
as extracted text, their metadata table pasted in) and, in test_extract.py,
on hand-made pages that follow the TRS and Hanweb templates.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from archive.classify import classify_title, plan_year
from archive.extract.clean import clean_text
from archive.extract.html import extract_page
from archive.extract.metadata import (
    _parse_agency,
    _parse_doc_number,
    _parse_index_number,
    _parse_published,
    _parse_title,
    _parse_written,
    parse_metadata,
)
from archive.records import Region
from archive.extract.region import place_code, region_for, region_match, region_of_code

REALPAGES = Path(__file__).parents[1] / "fixtures" / "realpages"
SEEDS = REALPAGES / "seeds"
MAGIC = REALPAGES / "magic-html" / "benchmark" / "data" / "article" / "htmls"
SHANXI = REALPAGES / "GeneralNewsExtractor" / "tests" / "shanxi" / "1.html"
PEOPLE_HEALTH = MAGIC / "45fcfa7d6741f4361646905a7fdbd1928f6c00e8d4ff29c44c9a51e40b6b2607.html"
KEPU = MAGIC / "4e55eac42f97a6d97d14795891d2e24b715bec8c057c592a81c3d7ca08aafa10.html"
EMPTY_TREE = lxml.html.document_fromstring("<html><body><p></p></body></html>")


def seed(number: str) -> str:
    return next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")


# ---------------------------------------------------------------- real pages


def test_gov_page_meta_tags_title_published_agency() -> None:
    """www.shanxi.gov.cn (TRS): GB/T 42147 <meta> tags ArticleTitle, PubDate, ContentSource."""
    page = extract_page(SHANXI.read_bytes(), "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml")
    assert page.title == "山西品牌丝路行（南美站）正式启动"
    assert page.published == "2019-09-18"
    assert page.agency == "山西日报"
    assert page.provenance == {"title": "meta:ArticleTitle", "published": "meta:PubDate",
                               "agency": "meta:ContentSource"}
    assert page.to_dict()["provenance"]["encoding"] == page.encoding_source
    assert region_for({"region_code": "140000"}, page.agency) == Region("140000", "山西省", None, None)


def test_news_page_source_label_and_pubdate() -> None:
    """health.people.com.cn: 来源 label for the agency, PubDate meta, title confirmed by the <title>."""
    page = extract_page(PEOPLE_HEALTH.read_bytes(), "http://health.people.com.cn/n1/2024/0517/c14739-40238036.html")
    assert (page.title, page.published, page.agency) == ("关注青少年心理健康“心成长”服务项目启动", "2024-05-17",
                                                         "北京青年报")
    assert page.provenance == {"title": "heading+title", "published": "meta:PubDate", "agency": "label:来源"}
    match = region_match({"region_code": ""}, page.agency)
    assert (match.region.code, match.source) == ("110000", "agency")


def test_gov_page_without_meta_tags() -> None:
    """www.kepu.gov.cn: the date stands alone under the title; 来源：新华社 names no place."""
    page = extract_page(KEPU.read_bytes(), "http://www.kepu.gov.cn/politics/2023-12/01/content_1755244.html")
    assert page.published == "2023-12-01"
    assert page.provenance["published"] == "standalone_date"
    assert page.agency == "新华社"
    assert place_code(page.agency) is None


# ---------------------------------------------------------------- real documents (the seeds)


def test_seed_metadata_table_fields() -> None:
    """003: the 信息公开 table pasted into the text yields 索引号, 成文日期 and 发布机构."""
    text = seed("003")
    assert _parse_index_number(EMPTY_TREE, text, "") == ("00248984X/2020-17492", "text:索引号")
    assert _parse_written(EMPTY_TREE, text, "") == ("2020-04-28", "text:成文日期")
    assert _parse_agency(EMPTY_TREE, text, "") == ("杭州市卫生健康委员会", "text:发布机构")
    # 文件编号 is empty in the table; the body cites no 文号 of its own.
    assert _parse_doc_number(EMPTY_TREE, text, "").value is None
    assert region_for({"region_code": "330100"}, "杭州市卫生健康委员会").code == "330100"


def test_seed_notice_doc_number_signature_and_region() -> None:
    """004: a district notice: 文号 on its own line, signing date under the agency, region from the agency."""
    text = seed("004")
    assert _parse_doc_number(EMPTY_TREE, text, "") == ("威环卫〔2019〕98号", "text:line")
    assert _parse_written(EMPTY_TREE, text, "") == ("2019-07-09", "signature")
    title = text.splitlines()[1]
    assert classify_title(title).doc_type == "work_plan_notice"
    assert plan_year(title) == 2019
    # The site row knows only the city; the agency names the district.
    site = {"region_code": "371000", "province": "山东省", "city": "威海市"}
    match = region_match(site, text.splitlines()[0])
    assert match.region == Region("371002", "山东省", "威海市", "环翠区")
    assert match.source == "site+agency"


def test_seed_footer_date_and_spam() -> None:
    """000: a 日期 line for the published date; the footer's injected spam link goes with the footer."""
    text = seed("000")
    assert _parse_published(EMPTY_TREE, text, "") == ("2017-03-05", "text:发布日期")
    title = text.splitlines()[0]
    assert plan_year(title) == 2017 and classify_title(title).is_plan
    cleaned = clean_text(text, title)
    assert "365足球外围网站" not in cleaned and "技术支持" not in cleaned
    assert cleaned.splitlines()[-1].endswith("推进老干工作和干部保健等工作。")


def test_seed_aggregator_page() -> None:
    """001: a tender aggregator's copy: its listing fields are chrome, the plan's issuer gives the region."""
    text = seed("001")
    title = text.splitlines()[1]
    assert plan_year(title) == 2022
    assert classify_title(title).is_plan
    cleaned = clean_text(text, title)
    for chrome in ("招标", "项目编号", "返回顶部", "2022/07/07"):
        assert chrome not in cleaned.splitlines()
    aggregator = {"region_code": "100000"}  # a national site: the issuer's place comes from the agency
    assert region_for(aggregator, "贵州省深化医药卫生体制改革领导小组").code == "520000"


def test_seed_news_report_source_in_brackets() -> None:
    """002: 来源 in brackets at the end; the newspaper's city is the region."""
    text = seed("002")
    assert _parse_published(EMPTY_TREE, text, "").value == "2018-02-10"
    tree = lxml.html.document_fromstring("<html><body><p>(来源:《晋中晚报》)</p></body></html>")
    assert _parse_agency(tree, "", "") == ("晋中晚报", "label:来源")
    assert region_for({"region_code": "140700"}, "晋中晚报").code == "140700"


# ---------------------------------------------------------------- region


@pytest.mark.parametrize(("site", "agency", "region", "source"), [
    # The agency adds the county the site row lacks.
    ({"region_code": "420800"}, "沙洋县卫生健康局", Region("420822", "湖北省", "荆门市", "沙洋县"), "site+agency"),
    # "市卫生健康委" and national bodies name no place: the site's region stands.
    ({"region_code": "420800"}, "市卫生健康委", Region("420800", "湖北省", "荆门市", None), "site"),
    ({"region_code": "420800"}, None, Region("420800", "湖北省", "荆门市", None), "site"),
    # A district named alone resolves inside the site's region, not to a namesake elsewhere.
    ({"region_code": "110000"}, "朝阳区卫生健康委员会", Region("110105", "北京市", None, "朝阳区"), "site+agency"),
    ({"region_code": "220100"}, "朝阳区卫生健康委员会", Region("220104", "吉林省", "长春市", "朝阳区"), "site+agency"),
    # Outside the site's region and ambiguous: the site's region stands.
    ({"region_code": "420800"}, "朝阳区卫生健康委员会", Region("420800", "湖北省", "荆门市", None), "site"),
    # A provincial document republished on a city site is the province's.
    ({"region_code": "420100"}, "湖北省卫生健康委员会", Region("420000", "湖北省", None, None), "agency"),
    # The national commission: 100000 is no GB/T 2260 code; the registry row's fields are kept.
    ({"region_code": "100000", "province": None}, "国家卫生健康委员会", Region("100000", None, None, None), "site"),
])
def test_region_for(site: dict, agency: str | None, region: Region, source: str) -> None:
    match = region_match(site, agency)
    assert (match.region, match.source) == (region, source)
    assert region_for(site, agency) == region


def test_region_of_code() -> None:
    assert region_of_code("330122") == Region("330122", "浙江省", "杭州市", "桐庐县")
    assert region_of_code("500000") == Region("500000", "重庆市", None, None)
    assert region_of_code("999999") is None


def test_region_for_accepts_a_site_record() -> None:
    from archive.records import Site

    site = Site(id="jm", name="荆门市卫生健康委员会", level="city", region_code="420800", base_url="http://x/",
                cms="trs", columns=())
    assert region_for(site, "钟祥市卫生健康局").code == "420881"


# ---------------------------------------------------------------- provenance


def test_parse_metadata_records_every_source() -> None:
    html = """<html><head><meta name="PubDate" content="2021-03-15 09:00"><title>2021年工作要点_某市卫健委</title></head>
    <body><table><tr><td>索引号：</td><td>002495034/2021-00033</td><td>发文字号：</td><td>湖卫发[2021]8号</td></tr>
    <tr><td>发布机构：</td><td>湖州市卫生健康委员会</td><td>成文日期：</td><td>2021年3月12日</td></tr></table></body></html>"""
    metadata = parse_metadata(lxml.html.document_fromstring(html), "", "http://wjw.huzhou.gov.cn/a.html")
    assert metadata.provenance == {
        "title": "title", "published": "meta:PubDate", "written": "label:成文日期", "doc_number": "label:文号",
        "index_number": "label:索引号", "agency": "label:发布机构",
    }
    assert (metadata.written, metadata.doc_number) == ("2021-03-12", "湖卫发[2021]8号")
    assert _parse_title(EMPTY_TREE, "", "").source is None
