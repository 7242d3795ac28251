"""The JSON Schemas in schemas/ and the record classes list the same fields, and records validate."""

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from archive.records import Document, Duplicate, Extractor, Region, RunReport, Site, SiteReport

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "record", "path"),
    [
        ("site", Site, ()),
        ("document", Document, ()),
        ("document", Region, ("region",)),
        ("document", Extractor, ("extractor",)),
        ("document", Duplicate, ("duplicates", "items")),
        ("run-report", RunReport, ()),
        ("run-report", SiteReport, ("sites", "items")),
    ],
)
def test_schema_and_record_list_the_same_fields(name, record, path):
    node = schema(name)
    for step in path:
        node = node["properties"][step] if step != "items" else node["items"]
    assert set(node["properties"]) == {f.name for f in dataclasses.fields(record)}


def test_every_registry_row_validates():
    validator = jsonschema.Draft202012Validator(schema("site"))
    rows = [row for f in sorted((SCHEMAS.parent / "sites").glob("*.yaml"))
            for row in yaml.safe_load(f.read_text(encoding="utf-8"))]
    assert rows
    for row in rows:
        errors = [e.message for e in validator.iter_errors(row)]
        assert not errors, (row["id"], errors)


def test_a_document_record_validates():
    document = Document(
        doc_id="zj-wsjkw-0123456789ab", title="2019年全省卫生健康工作要点", text_sha256="a" * 64,
        text_key=f"text/aa/{'a' * 64}.txt", source_url="http://127.77.0.1:8477/art/2019/3/1/art_1_2.html",
        site_id="zj-wsjkw", agency="浙江省卫生健康委员会", region=Region(code="330000", province="浙江省"),
        level="province", plan_year=2019, published="2019-03-01", written="2019-02-27",
        doc_number="浙卫发〔2019〕5号", index_number=None, doc_type="work_plan", encoding="utf-8",
        fetched_at="2026-11-24T06:00:00Z", extractor=Extractor("wjw-extract", "1"),
        duplicates=(Duplicate(url="http://x/y.html", sha256="a" * 64, similarity=1.0),),
    )
    jsonschema.validate(json.loads(json.dumps(document.to_dict())), schema("document"))
