"""Region codes valid at a document's date, from the dated GB/T 2260 table (data/gbt2260.tsv)."""

from __future__ import annotations

import pytest

from archive.extract.region import (
    code_on,
    code_problem,
    dated_codes,
    predecessor,
    region_for,
    region_of_code,
    retired_on,
    successor,
    vintages,
)
from archive.records import Site
from archive.registry import site_problems


def test_table_is_dated_and_whole() -> None:
    assert vintages() == ("2019-10-31", "2020-06-30", "2021-10-31", "2022-10-31", "2023-06-30")
    codes = dated_codes()
    assert len([code for code in codes if code.endswith("0000")]) == 31
    assert len(codes) > 3300
    assert codes["410307"].name == "偃师区" and codes["410307"].first == "2021-10-31"


def test_yanshi_became_a_district_in_2021() -> None:
    assert retired_on("410381") == "2021-10-31"
    assert successor("410381") == "410307"
    assert predecessor("410307") == "410381"
    assert region_of_code("410307").county == "偃师区"


@pytest.mark.parametrize(("code", "on", "valid"), [
    ("410381", "2019-03-01", "410381"),
    ("410381", "2022-03-01", "410307"),
    ("410307", "2019-03-01", "410381"),
    ("410307", "2024-01-10", "410307"),
    ("320602", "2023-01-01", "320613"),  # 崇川区 kept its name under a new code
    ("420800", "2024-01-01", "420800"),
])
def test_code_valid_on_the_documents_date(code: str, on: str, valid: str) -> None:
    assert code_on(code, on) == valid


def test_region_for_takes_the_documents_date() -> None:
    site = {"region_code": "410381", "province": "河南省", "city": "洛阳市", "county": "偃师市"}
    assert region_for(site, "偃师市卫生健康委员会").code == "410381"
    assert region_for(site, "偃师市卫生健康委员会", on="2023-02-01").code == "410307"
    assert region_for(site, None, on="2020-01-15").code == "410381"


def _site(code: str) -> Site:
    return Site(id="ysq-wjw", name="偃师区卫生健康委员会", level="county", region_code=code,
                base_url="http://www.yanshi.gov.cn/", cms="unknown", columns=())


def test_registry_refuses_a_retired_code_and_names_its_successor() -> None:
    assert code_problem("410307") is None
    problems = site_problems(_site("410381"))
    retired = "region code 410381 (偃师市) was retired by the 2021-10-31 vintage of GB/T 2260"
    assert problems == [f"{retired}; 410307 (偃师区) replaced it"]
    assert site_problems(_site("410307")) == []
