"""The real-site registry (sites/*.yaml): every row validates, ids are unique, codes and hosts are right."""

import json
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jsonschema
import pytest
import yaml

from archive.records import CMS_FAMILIES
from archive.registry import (DEFAULT_REGISTRY, NATIONAL_CODE, RegistryError, load_sites, region_code_exists,
                              same_site_domain, site_problems)

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE = ROOT.parent / "shared" / "research" / "site-registry-evidence.yaml"


@pytest.fixture(scope="module")
def sites():
    return load_sites(DEFAULT_REGISTRY)


@pytest.fixture(scope="module")
def rows():
    return [row for f in sorted(DEFAULT_REGISTRY.glob("*.yaml")) for row in yaml.safe_load(f.read_text(encoding="utf-8"))]


def test_every_row_validates_against_the_schema(rows):
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas" / "site.schema.json").read_text()))
    for row in rows:
        assert not [e.message for e in validator.iter_errors(row)], row["id"]


def test_ids_are_unique(rows):
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))


def test_region_codes_exist_in_the_gazetteer(sites):
    for site in sites:
        if site.level == "national":
            assert site.region_code == NATIONAL_CODE
        else:
            assert region_code_exists(site.region_code), (site.id, site.region_code)
            # the code's level matches the row's: 420000 for a province, 420100 for a city
            assert site.region_code.endswith("0000") == (site.level == "province"), site.id


def test_column_hosts_belong_to_the_base_url(sites):
    for site in sites:
        assert not site_problems(site), (site.id, site_problems(site))
        for column in site.columns:
            assert same_site_domain(urlsplit(column.url).hostname, urlsplit(site.base_url).hostname)


def test_every_cms_family_is_known(sites):
    assert {s.cms for s in sites} <= set(CMS_FAMILIES)


def test_real_rows_are_unverified_with_their_evidence_date(sites):
    for site in sites:
        assert site.verified is False and site.evidence_date, site.id


def test_the_national_commission_is_marked_for_rendering(sites):
    nhc = next(s for s in sites if s.id == "nhc")
    assert nhc.render and any("412" in n for n in nhc.notes)


@pytest.mark.skipif(not EVIDENCE.exists(), reason=f"evidence file not present at {EVIDENCE}")
def test_every_evidenced_site_is_a_row_with_only_evidenced_urls(sites):
    evidence = yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))["sites"]
    by_id = {s.id: s for s in sites}
    for entry in evidence:
        if not entry["columns"]:
            assert entry["id"] not in by_id
            continue
        assert entry["id"] in by_id, entry["id"]
        evidenced = {urljoin(entry["base_url"], c["url"]) for c in entry["columns"]}
        for column in by_id[entry["id"]].columns:
            assert column.url in evidenced, (entry["id"], column.url)  # no invented URL


def test_a_bad_row_is_refused_with_its_reason(tmp_path):
    row = {"id": "x-wjw", "name": "某市卫生健康委员会", "level": "city", "region_code": "429999",
           "base_url": "https://wjw.x.gov.cn/", "cms": "trs",
           "columns": [{"name": "通知公告", "url": "https://wjw.y.gov.cn/tzgg/"}]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump([row], allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="429999 is not a GB/T 2260 code.*wjw.y.gov.cn"):
        load_sites(tmp_path)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump([row | {"cms": "dedecms"}]), encoding="utf-8")
    with pytest.raises(RegistryError, match="cms"):
        load_sites(tmp_path)


def test_a_script_loaded_column_is_declared_as_list_data(tmp_path):
    column = {"name": "规划计划", "url": "https://wjw.x.gov.cn/ghjh/index.html",
              "list_data": {"url": "https://wjw.x.gov.cn/api/list?col=9&pageIndex={page}", "entries": "data.list",
                            "title": "bt", "link": "/ghjh/content_{id}.html", "date": "fbsj"}}
    row = {"id": "x-wjw", "name": "某市卫生健康委员会", "level": "city", "region_code": "420100",
           "base_url": "https://wjw.x.gov.cn/", "cms": "generic", "columns": [column]}
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump([row], allow_unicode=True), encoding="utf-8")
    (site,) = load_sites(tmp_path)
    assert site.columns[0].list_data.entries == "data.list" and site.columns[0].list_data.first_page == 1
    assert site.to_dict()["columns"][0]["list_data"]["title"] == "bt"
    elsewhere = column | {"list_data": column["list_data"] | {"url": "https://api.other.com/list?p={page}"}}
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump([row | {"columns": [elsewhere]}], allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="loads its list from api.other.com"):
        load_sites(tmp_path)
    unpaged = column | {"list_data": column["list_data"] | {"url": "https://wjw.x.gov.cn/api/list?col=9"}}
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump([row | {"columns": [unpaged]}], allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"\{page\}"):
        load_sites(tmp_path)
    typo = column | {"list_data": column["list_data"] | {"titel": "bt"}}
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump([row | {"columns": [typo]}], allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError, match="titel"):
        load_sites(tmp_path)
