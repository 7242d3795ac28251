"""A CMS family is declared once, in spiders/platforms/<family>.py; every other list of families follows it."""

import json
import re
from pathlib import Path

import pytest

import spiders.platforms.__main__ as derived
from archive.extract.html import CONTAINERS, extract_page
from archive.families import CMS_FAMILIES, FAMILY_CONTAINERS
from simweb.check import WALKERS
from simweb.families import FAMILIES as SIMWEB_FAMILIES
from spiders.platforms import DETAIL_URL, FAMILIES, PARSERS, Family, parser_for
from spiders.platforms.base import Body, ListParser

ROOT = Path(__file__).resolve().parents[2]


def test_every_family_module_declares_one_family_and_the_registry_lists_them_all():
    modules = {path.stem for path in (ROOT / "spiders" / "platforms").glob("*.py")
               if "FAMILY = Family(" in path.read_text(encoding="utf-8")}
    assert modules == set(FAMILIES), "a family module not in spiders/platforms/__init__.py FAMILIES, or the reverse"
    assert set(PARSERS) == set(FAMILIES) and list(FAMILIES)[-1] == "generic"


def test_the_derived_lists_match_the_family_modules():
    assert derived.stale() == [], "run `python -m spiders.platforms` to rewrite the derived files"
    assert CMS_FAMILIES == tuple(FAMILIES)
    schema = json.loads((ROOT / "schemas" / "site.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["cms"]["enum"] == list(FAMILIES)
    assert list(SIMWEB_FAMILIES) == list(FAMILIES)
    assert set(WALKERS) == set(FAMILIES), "simweb/check.py walks every family's pages"
    assert [c.name for c in FAMILY_CONTAINERS] == [b.name for f in FAMILIES.values() for b in f.bodies]


def test_a_family_added_in_one_place_only_is_caught(monkeypatch, tmp_path):
    monkeypatch.setitem(FAMILIES, "newcms", Family("newcms", ListParser, bodies=(Body("div.newcms", "//div"),)))
    table, schema = tmp_path / "families.json", tmp_path / "site.schema.json"
    table.write_text(derived.TABLE.read_text(encoding="utf-8"), encoding="utf-8")
    schema.write_text(derived.SITE_SCHEMA.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(derived, "TABLE", table)
    monkeypatch.setattr(derived, "SITE_SCHEMA", schema)
    assert derived.stale() == [table, schema]
    assert derived.main([]) == 0 and derived.stale() == []
    assert "newcms" in json.loads(schema.read_text(encoding="utf-8"))["properties"]["cms"]["enum"]


@pytest.mark.parametrize("url", [
    "http://a.gov.cn/xxgk/202103/t20210315_123.html", "http://a.gov.cn/art/2021/3/15/art_12_345.html",
    "http://a.gov.cn/art/2021/3/15/art_0123456789abcdef01.html", "http://a.gov.cn/gkmlpt/content/1/1/post_123.html",
    "http://a.gov.cn/info/12/345.htm", "http://a.gov.cn/xxgk/202403/0123456789abcdef0123456789abcdef.shtml",
])
def test_the_detail_shapes_of_every_family_are_recognised(url):
    assert DETAIL_URL.search(url)


def test_each_familys_body_container_is_the_one_the_extractor_names():
    text = "第一条 为做好全年卫生健康工作，制定本要点。" * 3
    pages = {"div.TRS_Editor": f'<div class="TRS_Editor"><p>{text}</p></div>',
             "hanweb:ZJEG_RSS": f"<!--ZJEG_RSS.content.begin--><p>{text}</p><!--ZJEG_RSS.content.end-->",
             "div.v_news_content": f'<div class="v_news_content"><p>{text}</p></div>',
             "div.article-content": f'<div class="article-content"><p>{text}</p></div>'}
    for name, body in pages.items():
        page = extract_page(f"<html><body><div id='zoom'>{body}</div></body></html>".encode(), "http://a.gov.cn/x.html")
        assert page.method == name
    assert {c.name for c in CONTAINERS} >= {b.name for f in FAMILIES.values() for b in f.bodies if b.xpath}


def test_an_unknown_family_is_named():
    with pytest.raises(ValueError, match=re.escape("unknown CMS family 'nope'")):
        parser_for("nope")
