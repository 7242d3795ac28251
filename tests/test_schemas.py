"""The JSON Schemas in schemas/ and the record classes list the same fields, and records validate."""

import base64
import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from archive.records import (
    Attachment,
    CaptureMeta,
    ColumnCheck,
    CrawlJob,
    CrawlSummary,
    Document,
    Duplicate,
    Extractor,
    ManifestLine,
    Region,
    RunReport,
    Site,
    SiteCheckJob,
    SiteReport,
)
from archive.run.captures import Capture

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
        ("capture-meta", CaptureMeta, ()),
        ("crawl-job", CrawlJob, ()),
        ("crawl-summary", CrawlSummary, ()),
        ("site-check-job", SiteCheckJob, ()),
        ("column-check", ColumnCheck, ()),
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
                      meta=CaptureMeta(site="zj-wsjkw", kind="detail", title="2019年全省卫生健康工作要点",
                                       date="2019-03-01", listed="http://127.77.0.1:8477/art/2019/3/1/art_1_2.html"))
    data = dataclasses.asdict(capture) | {"body": base64.b64encode(capture.body).decode("ascii"),
                                          "meta": capture.meta.to_dict()}
    assert not list(validator("capture").iter_errors(data))


def test_capture_metadata_round_trips_and_is_closed():
    meta = CaptureMeta(site="zj-wsjkw", kind="attachment", title="附件1", parent="http://x.gov.cn/a.html", rendered="raw")
    assert CaptureMeta.from_dict(meta.to_dict()) == meta
    assert not list(validator("capture-meta").iter_errors(meta.to_dict()))
    with pytest.raises(ValueError, match="unknown keys"):
        CaptureMeta.from_dict(meta.to_dict() | {"colour": "red"})


def a_site() -> Site:
    return Site.from_dict(yaml.safe_load((SCHEMAS.parent / "sites" / "provinces.yaml").read_text(encoding="utf-8"))[0])


def test_a_crawl_job_round_trips_validates_and_is_closed():
    job = CrawlJob(site=a_site(), warc_path="/tmp/x/capture.warc.gz", summary_path="/tmp/x/summary.json",
                   mode="backfill", since="2019-01-01", until="2020-12-31", max_pages=3,
                   known={"http://x.gov.cn/a.html": {"etag": '"1"', "first_seen": "2026-11-24T06:00:00Z"}},
                   settings={"DOWNLOAD_DELAY": 0})
    data = json.loads(json.dumps(job.to_dict(), ensure_ascii=False))
    assert not list(validator("crawl-job").iter_errors(data))
    assert CrawlJob.from_dict(data) == job
    with pytest.raises(ValueError, match="unknown keys"):
        CrawlJob.from_dict(data | {"candidates": {}})


def test_a_site_check_job_and_its_column_checks_round_trip_validate_and_are_closed():
    job = SiteCheckJob(sites=(a_site(),), result_path="/tmp/x/checks.json", timeout=3.0, workers=2,
                       settings={"DOWNLOAD_DELAY": 0})
    data = json.loads(json.dumps(job.to_dict(), ensure_ascii=False))
    assert not list(validator("site-check-job").iter_errors(data))
    assert SiteCheckJob.from_dict(data) == job
    check = ColumnCheck(site_id="zj-wsjkw", column="通知公告", url="http://x.gov.cn/tzgg/", status=200,
                        final_url="http://x.gov.cn/tzgg/index.html", items=15, newest="2024-03-01",
                        next_url="http://x.gov.cn/tzgg/index_1.html", next_items=0, next_listed=15)
    data = json.loads(json.dumps(check.to_dict(), ensure_ascii=False))
    assert not list(validator("column-check").iter_errors(data))
    assert ColumnCheck.from_dict(data) == check and check.stalls and check.redirected
    for record, data in ((SiteCheckJob, job.to_dict()), (ColumnCheck, check.to_dict())):
        with pytest.raises(ValueError, match="unknown keys"):
            record.from_dict(data | {"tls_error": None})


def test_a_crawl_summary_round_trips_validates_and_is_closed():
    summary = CrawlSummary(site_id="zj-wsjkw", counts={"list_pages": 3, "requests": 40}, skipped={"not_a_work_plan": 5},
                           errors={"http_500": 1}, listed=("http://x.gov.cn/a.html",), finish_reason="finished")
    data = json.loads(json.dumps(summary.to_dict()))
    assert not list(validator("crawl-summary").iter_errors(data))
    assert CrawlSummary.from_dict(data) == summary
    assert summary.count("detail_pages") == 0
    with pytest.raises(ValueError, match="unknown keys"):
        CrawlSummary.from_dict(data | {"candidates": {}})


def test_a_run_report_validates():
    report = RunReport(run_id="20261124T060000Z-1a2b", mode="nightly", store="wjw-data",
                       started_at="2026-11-24T06:00:00+00:00", sites=[SiteReport(site_id="zj-wsjkw", new=3, relinked=1)])
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), schema("run-report"))
