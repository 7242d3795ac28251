"""The JSON Schemas in schemas/ and the record classes list the same fields, and records validate."""

import base64
import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from archive.run.captures import Capture
from archive.records import Attachment, Document, Duplicate, Extractor, ManifestLine, Region, RunReport, Site, SiteReport

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator that resolves the schemas' references to each other (`document.schema.json`)."""
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
        for path in SCHEMAS.glob("*.schema.json"))
    return jsonschema.Draft202012Validator(schema(name), registry=registry)


@pytest.mark.parametrize(
    ("name", "record", "path"),
    [
        ("site", Site, ()),
        ("document", Document, ()),
        ("document", Region, ("region",)),
        ("document", Extractor, ("extractor",)),
        ("document", Duplicate, ("duplicates", "items")),
        ("document", Attachment, ("attachments", "items")),
        ("run-report", RunReport, ()),
        ("run-report", SiteReport, ("sites", "items")),
        ("manifest-line", ManifestLine, ()),
        ("capture", Capture, ()),
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


def a_document() -> Document:
    return Document(
        doc_id="zj-wsjkw-0123456789ab", title="2019年全省卫生健康工作要点", text_sha256="a" * 64,
        text_key=f"text/aa/{'a' * 64}.txt", source_url="http://127.77.0.1:8477/art/2019/3/1/art_1_2.html",
        site_id="zj-wsjkw", agency="浙江省卫生健康委员会", region=Region(code="330000", province="浙江省"),
        level="province", plan_year=2019, published="2019-03-01", written="2019-02-27",
        doc_number="浙卫发〔2019〕5号", index_number=None, doc_type="work_plan", encoding="utf-8",
        fetched_at="2026-11-24T06:00:00Z", extractor=Extractor("wjw-extract", "1"),
        duplicates=(Duplicate(url="http://x/y.html", sha256="a" * 64, similarity=1.0, doc_id="x-0123456789ab"),),
        cluster_id="c-0123456789abcdef", canonical_id="zj-wsjkw-0123456789ab",
    )


def test_a_document_record_validates():
    jsonschema.validate(json.loads(json.dumps(a_document().to_dict())), schema("document"))


def test_a_record_written_before_canonical_ids_still_loads():
    old = a_document().to_dict()
    del old["canonical_id"]
    for duplicate in old["duplicates"]:
        del duplicate["doc_id"]
    assert Document.from_dict(old).canonical_id is None


def test_a_manifest_line_validates_and_checks_its_record():
    line = ManifestLine(doc_key="docs/zj-wsjkw-0123456789ab.json", doc_version_id="1732428000000000000-0a1b2c3d",
                        text_key=f"text/aa/{'a' * 64}.txt", text_version_id="1732428000000000000-aaaaaaaa",
                        record=a_document().to_dict())
    checker = validator("manifest-line")
    assert not list(checker.iter_errors(json.loads(json.dumps(line.to_dict()))))
    broken = line.to_dict() | {"record": a_document().to_dict() | {"level": "village"}}
    assert list(checker.iter_errors(broken))


def test_a_capture_validates():
    capture = Capture(url="http://127.77.0.1:8477/art/2019/3/1/art_1_2.html", status=200,
                      headers={"content-type": "text/html; charset=gbk"}, body="工作要点".encode("gbk"),
                      fetched_at="2026-11-24T06:00:00Z", record_id="<urn:uuid:0f1e2d3c-0000-4000-8000-000000000000>",
                      meta={"kind": "detail", "title": "2019年全省卫生健康工作要点", "date": "2019-03-01"})
    data = dataclasses.asdict(capture) | {"body": base64.b64encode(capture.body).decode("ascii")}
    jsonschema.validate(data, schema("capture"))


def test_a_run_report_validates():
    report = RunReport(run_id="20261124T060000Z-1a2b", mode="nightly", store="wjw-data",
                       started_at="2026-11-24T06:00:00+00:00", sites=[SiteReport(site_id="zj-wsjkw", new=3, relinked=1)])
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), schema("run-report"))
