"""Extraction quality: char-F1 against gold text and metadata accuracy, ours beside bare trafilatura.

Sets:
- ``fixtures``: the gold pages kept in tests/fixtures/realpages;
- ``cwced``: the 69 pages of Chinese-Web-Content-Extraction-Dataset (tests/fixtures/realpages), hand-made gold;
- ``gov``: the government pages among those two sets and gov_checked/, with hand-checked fields (gov_checked/fields.json):
  char-F1, chrome lines (lines the gold does not hold) and each field exact where the page prints it;
- ``realpages``: every gold page of ../shared/realpages (when that folder exists);
- ``simweb``: every document of the simulated web on day 0, fetched over HTTP
  from an in-process SimWeb and compared with its ground truth.

Bare trafilatura gets the raw bytes and default options, as a user who simply
calls ``trafilatura.extract(body)`` would. Run: ``uv run python bench/extraction.py``.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import sys
import time
import urllib.request
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

warnings.filterwarnings("ignore", message="pkg_resources is deprecated")

import lxml.html
import trafilatura

from archive.classify import classify_title, plan_year
from archive.extract.attachments import AttachmentError, extract_attachment
from archive.extract.files import file_page
from archive.extract.html import ExtractedPage, document_text, extract_page, render_text
from archive.extract.region import place_code, region_for
from archive.extract.sniff import sniff_detail
from testkit.quality import char_f1

FIXTURES = ROOT / "tests" / "fixtures" / "realpages"
SHARED = ROOT.parent / "shared" / "realpages"
RESULTS = ROOT / "bench" / "results" / "extraction.json"
METADATA_FIELDS = ("title", "published", "written", "doc_number", "index_number", "agency", "plan_year", "is_plan",
                   "region_code", "encoding", "cover_notice")


@dataclass(frozen=True)
class GoldPage:
    """A saved page with the text a perfect extractor returns."""

    name: str
    html: Path
    url: str
    gold: str




def extra_lines(extracted: str, gold: str) -> list[str]:
    """Lines of the extraction that the gold text does not hold: chrome, spam or other noise."""
    squashed_gold = re.sub(r"\s", "", gold)
    return [line for line in extracted.splitlines()
            if re.sub(r"\s", "", line) and re.sub(r"\s", "", line) not in squashed_gold]


# ---------------------------------------------------------------- gold sets


def gold_pages(root: Path) -> list[GoldPage]:
    """The gold pages under a realpages folder laid out like ../shared/realpages."""
    pages: list[GoldPage] = []
    cx = root / "cx-extractor-python"
    for html in sorted((cx / "RawHtml").glob("*.html"), key=lambda p: int(p.stem)):
        gold = cx / "Text" / f"{html.stem}.txt"
        if gold.exists():
            # The dataset does not record its pages' URLs.
            pages.append(GoldPage(f"cx-{html.stem}", html, "http://money.163.com/", gold.read_bytes().decode("gbk")))
    readability = root / "html-cleaning-dataset-merged" / "readability"
    for html in sorted((readability / "input").glob("*.html")):
        gold = readability / "GoldStandard" / f"{html.stem}.txt"
        if gold.exists():
            fragment = lxml.html.fragment_fromstring(gold.read_text(encoding="utf-8"), create_parent="div")
            pages.append(GoldPage(f"readability-{html.stem}", html, f"http://{html.stem}.com/", render_text(fragment)))
    magic = root / "magic-html" / "benchmark" / "data" / "article"
    for html in sorted((magic / "htmls").glob("*.html")):
        gold, url = magic / "gold_derived" / f"{html.stem}.txt", magic / "gold_derived" / f"{html.stem}.url"
        if gold.exists():
            address = url.read_text().strip() if url.exists() else "http://example.com/"
            pages.append(GoldPage(f"magic-{html.stem[:8]}", html, address, gold.read_text(encoding="utf-8")))
    return pages


CWCED = "Chinese-Web-Content-Extraction-Dataset"


def cwced_pages(root: Path) -> list[GoldPage]:
    """immortal-autumn/Chinese-Web-Content-Extraction-Dataset: 69 hand-made gold texts (cleaned/*.txt).

    Where its gold keeps a page's disclosure table as text, the hand-checked gold
    in gold_checked/ (the table's rows removed: they are fields) replaces it.
    """
    folder = root / CWCED
    pages = []
    for html in sorted((folder / "original").glob("*.html")):
        checked = folder / "gold_checked" / f"{html.stem}.txt"
        gold = checked if checked.exists() else folder / "cleaned" / f"{html.stem}.txt"
        if gold.exists():
            # The dataset does not record its pages' URLs.
            pages.append(GoldPage(f"cwced-{html.stem[:8]}", html, "http://example.com/", gold.read_text(encoding="utf-8")))
    return pages


# Hand-checked fields of the government pages among the gold sets (the "gov" set).
GOV_CHECKED = FIXTURES / "gov_checked"
GOV_FIELDS = GOV_CHECKED / "fields.json"
# Government pages whose source has no gold text: ours, read by hand from the page (gov_checked/<name>.txt).
GOV_PAGES_WITHOUT_GOLD = {
    "gne-other-1": ("GeneralNewsExtractor/tests/other/1.html", "https://www.gov.cn/gongbao/content/2007/content_711039.htm"),
    "gne-gzggw-1": ("GeneralNewsExtractor/tests/gzggw/1.html", "http://fgw.zj.gov.cn/"),
    "gne-shanxi-1": ("GeneralNewsExtractor/tests/shanxi/1.html",
                     "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml"),
    "gne-cmse-1": ("GeneralNewsExtractor/tests/cmse/1.html",
                   "http://www.cmse.gov.cn/ztbd/xwfbh/201206/t20120624_43188.html"),
    "gne-cmse-visiable-1": ("GeneralNewsExtractor/visiable_test/cmse/1.html", "http://www.cmse.gov.cn/"),
}


def gov_checked_pages(root: Path) -> list[GoldPage]:
    """The government pages with hand-written gold text in gov_checked/."""
    return [GoldPage(name, root / path, url, (GOV_CHECKED / f"{name}.txt").read_text(encoding="utf-8"))
            for name, (path, url) in GOV_PAGES_WITHOUT_GOLD.items()]


def checked_gold(page: GoldPage) -> GoldPage:
    """The page with the gold read by hand from its body container, where its dataset's gold leaves lines out.

    (kepu.gov.cn: magic-html's gold drops the article's headline lines and photo captions;
    chinaneast.gov.cn: the dataset's gold drops the byline it keeps on its other pages.)
    """
    checked = GOV_CHECKED / f"{page.name}.txt"
    if page.name in GOV_PAGES_WITHOUT_GOLD or not checked.exists():
        return page
    return GoldPage(page.name, page.html, page.url, checked.read_text(encoding="utf-8"))
GOV_FIELD_NAMES = ("title", "published", "written", "doc_number", "index_number", "agency")


def score_gov(pages: list[GoldPage]) -> dict:
    """The government pages: char-F1, lines not in the gold (chrome), and each field exact where printed."""
    wanted = {name: row for name, row in json.loads(GOV_FIELDS.read_text(encoding="utf-8")).items()
              if not name.startswith("_")}
    f1: dict[str, float] = {}
    chrome: dict[str, list[str]] = {}
    fields: dict[str, list[bool]] = {name: [] for name in GOV_FIELD_NAMES}
    misses = []
    for page in map(checked_gold, pages):
        if page.name not in wanted:
            continue
        extracted = extract_page(page.html.read_bytes(), page.url)
        f1[page.name] = char_f1(extracted.text, page.gold)
        extra = extra_lines(extracted.text, page.gold)
        if extra:
            chrome[page.name] = extra
        for name in GOV_FIELD_NAMES:
            want = wanted[page.name][name]
            if want is None:
                continue
            ok = getattr(extracted, name) == want
            fields[name].append(ok)
            if not ok:
                misses.append({"page": page.name, "field": name, "got": getattr(extracted, name), "want": want})
    exact = {name: sum(oks) / len(oks) for name, oks in fields.items() if oks}
    return {
        "pages": len(f1),
        "sites": len({row["site"] for row in wanted.values()}),
        "mean_f1": _mean(f1.values()),
        "min_f1": min(f1.values(), default=0.0),
        "chrome_lines": sum(len(lines) for lines in chrome.values()),
        "chrome": chrome,
        "fields_exact": exact,
        "fields_exact_min": min(exact.values(), default=0.0),
        "field_misses": misses,
        "per_page": f1,
    }


def ours(body: bytes, url: str, headers: dict[str, str] | None = None) -> str:
    """Our page text (no attachments: the gold sets are single pages)."""
    return extract_page(body, url, headers).text


def bare_trafilatura(body: bytes, url: str, headers: dict[str, str] | None = None) -> str:
    """trafilatura as a user calls it without thinking: bytes in, default options."""
    return trafilatura.extract(body) or ""


def score_gold(pages: list[GoldPage], extractor: Callable[..., str]) -> dict:
    """Char-F1 of one extractor over a gold set, with per-page scores and speed."""
    scores: dict[str, float] = {}
    started = time.perf_counter()
    for page in pages:
        scores[page.name] = char_f1(extractor(page.html.read_bytes(), page.url), page.gold)
    elapsed = time.perf_counter() - started
    return {
        "pages": len(pages),
        "mean_f1": _mean(scores.values()),
        "min_f1": min(scores.values(), default=0.0),
        "docs_per_s": len(pages) / elapsed if elapsed else 0.0,
        "per_page": scores,
    }


# ---------------------------------------------------------------- simweb


def fetch(url: str, attempts: int = 3) -> tuple[bytes, dict[str, str]]:
    """GET a URL from the simulated web: the body (gzip undone, as a crawler's middleware does) and headers."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body, headers = response.read(), dict(response.headers.items())
            break
        except (OSError, http.client.HTTPException):
            # simweb injects transient faults (timeouts, 503s, truncated bodies); a crawler retries them.
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)
    encoding = next((value for key, value in headers.items() if key.lower() == "content-encoding"), "").lower()
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    return body, {key.lower(): value for key, value in headers.items()}


def simweb_captures() -> tuple[list[dict], dict[str, dict], dict[str, tuple[bytes, dict[str, str]]]]:
    """Ground truth of day 0, the registry rows by site, and every page and attachment fetched over HTTP."""
    from simweb import SimWeb, build_world

    with SimWeb(build_world(), day=0) as web:
        # Documents a polite crawler cannot get that day (404, WAF, robots, gzip bomb …) have no text to score.
        truth = [row for row in web.truth() if row.get("reachable", True)]
        sites = {row["id"]: row for row in web.registry_rows()}
        fetched: dict[str, tuple[bytes, dict[str, str]]] = {}
        for row in truth:
            fetched[row["url"]] = fetch(row["url"])
            page = extract_page(*_body_url_headers(fetched, row["url"]))
            for link in page.attachments:
                if link.url not in fetched:
                    try:
                        fetched[link.url] = fetch(link.url)
                    except OSError:
                        continue
    return truth, sites, fetched


def _body_url_headers(fetched: dict, url: str) -> tuple[bytes, str, dict[str, str]]:
    body, headers = fetched[url]
    return body, url, headers


def our_document(fetched: dict, url: str, site_agency: str | None = None) -> tuple[ExtractedPage, str, str]:
    """The page, the document text (the attachment's for a cover notice) and where the text came from.

    A plan that is a file (the list links a PDF or DOCX) is read as ingest reads it: by the attachment
    readers, with its fields from its text and its title from its first title line.
    """
    body, _, headers = _body_url_headers(fetched, url)
    if sniff_detail(body, url, headers.get("content-type")).kind == "file":
        read = extract_attachment(body, url, headers.get("content-type"))
        return file_page(read.text, read.kind, url), read.text, "file"
    page = extract_page(*_body_url_headers(fetched, url), site_agency=site_agency)
    attachments = []
    for link in page.attachments:
        if link.url in fetched:
            body, headers = fetched[link.url]
            try:
                attachments.append(extract_attachment(body, link.url, headers.get("content-type")))
            except AttachmentError:
                continue
    text, source = document_text(page, attachments)
    return page, text, source


def score_simweb(truth: list[dict], sites: dict[str, dict], fetched: dict) -> dict:
    """Char-F1, noise lines and metadata accuracy on the simulated web, ours beside bare trafilatura."""
    f1: list[float] = []
    noise: dict[str, list[str]] = {}
    fields: dict[str, list[bool]] = {name: [] for name in METADATA_FIELDS}
    misses: dict[str, list[dict]] = {name: [] for name in METADATA_FIELDS}
    # simweb's truth holds some values its pages never print (成文日期 of pages without a
    # metadata table, the 文号 an aggregator drops): those are counted apart.
    fields_shown: dict[str, list[bool]] = {name: [] for name in METADATA_FIELDS}
    not_shown: Counter[str] = Counter()
    started = time.perf_counter()
    for row in truth:
        site = sites[row["site_id"]]
        # As ingest does: the site's agency qualifies a bare department, the document's date picks the region code.
        page, text, _ = our_document(fetched, row["url"], site_agency=site.get("name"))
        f1.append(char_f1(text, row["text"]))
        extra = extra_lines(text, row["text"])
        if extra:
            noise[row["url"]] = extra
        got = {
            "title": page.title,
            "published": page.published,
            "written": page.written,
            "doc_number": page.doc_number,
            "index_number": page.index_number,
            "agency": page.agency,
            "plan_year": plan_year(page.title or ""),
            "is_plan": classify_title(page.title or "").is_plan,
            "region_code": region_for(site, page.agency, on=page.written or page.published).code,
            "encoding": page.encoding,
            "cover_notice": page.is_cover_notice,
        }
        # The issuer's region: the site's, unless the true agency's name starts with another place
        # (a plan republished by an aggregator or by a commission of another level).
        want_region = place_code(row.get("agency") or "", within=site["region_code"]) or site["region_code"]
        want = {name: row.get(name) for name in METADATA_FIELDS} | {"region_code": want_region}
        # simweb names the codec it wrote with; we name GBK and GB2312 pages by their superset.
        want["encoding"] = _codec(row.get("encoding")) if "encoding" in row else got["encoding"]
        if page.encoding == "binary":  # a file has no page charset to name
            want["encoding"] = "binary"
        want["cover_notice"] = row.get("cover_notice", got["cover_notice"])
        if not row.get("is_plan"):
            want["plan_year"] = got["plan_year"] if row.get("plan_year") is None else row["plan_year"]
        for name in METADATA_FIELDS:
            ok = got[name] == want[name]
            fields[name].append(ok)
            shown = ok or name not in PRINTED_FIELDS or _printed(name, want[name], page_html(fetched, row["url"]))
            if shown:
                fields_shown[name].append(ok)
            else:
                not_shown[name] += 1
            if not ok and shown and len(misses[name]) < 5:
                misses[name].append({"url": row["url"], "got": got[name], "want": want[name]})
    ours_elapsed = time.perf_counter() - started

    baseline: list[float] = []
    started = time.perf_counter()
    for row in truth:
        body, _ = fetched[row["url"]]
        baseline.append(char_f1(bare_trafilatura(body, row["url"]), row["text"]))
    baseline_elapsed = time.perf_counter() - started

    accuracy = {name: sum(oks) / len(oks) if oks else 0.0 for name, oks in fields.items()}
    accuracy_shown = {name: sum(oks) / len(oks) if oks else 0.0 for name, oks in fields_shown.items()}
    return {
        "documents": len(truth),
        "mean_f1": _mean(f1),
        "min_f1": min(f1, default=0.0),
        "baseline_mean_f1": _mean(baseline),
        "baseline_min_f1": min(baseline, default=0.0),
        "docs_per_s": len(truth) / ours_elapsed if ours_elapsed else 0.0,
        "baseline_docs_per_s": len(truth) / baseline_elapsed if baseline_elapsed else 0.0,
        "chrome_lines": sum(len(lines) for lines in noise.values()),
        "noisy_documents": {url: lines[:5] for url, lines in list(noise.items())[:10]},
        "metadata_accuracy": accuracy,
        "metadata_exact": min(accuracy_shown.values(), default=0.0),
        "metadata_accuracy_where_printed": accuracy_shown,
        "metadata_not_printed": dict(not_shown),
        "metadata_exact_all_truth": min(accuracy.values(), default=0.0),
        "metadata_misses": {name: rows for name, rows in misses.items() if rows},
    }


# Fields whose true value is a string the page must print for any extractor to find it.
PRINTED_FIELDS = ("written", "doc_number", "index_number")


def page_html(fetched: dict, url: str) -> str:
    """The page as text, decoded the way we decode it (for checking what it prints)."""
    from archive.extract.decode import decode_html

    body, headers = fetched[url]
    return decode_html(body, headers.get("content-type")).text


def _printed(field: str, value: object, html: str) -> bool:
    """Whether the page prints a field's value: a string as is; 成文日期 labelled, or as a signature (2019年7月9日)."""
    if value is None:
        return True
    text = re.sub(r"<[^>]+>", "", html)
    if field == "written" and isinstance(value, str):
        year, month, day = (int(part) for part in value.split("-"))
        signature = (f"{year}年{month}月{day}日", f"{year}年{month:02d}月{day:02d}日", _chinese_date(year, month, day))
        labelled = (value, f"{year}/{month:02d}/{day:02d}", f"{year}.{month}.{day}")
        # A 发布时间 of the same day is the page's date, not the document's.
        lines = {line.strip() for line in text.splitlines()}
        return any(form in lines for form in signature) or (
            bool(re.search(r"成\s*文\s*(?:日\s*期|时\s*间)|发文日期", text)) and any(form in text for form in labelled))
    return str(value) in text


def _chinese_date(year: int, month: int, day: int) -> str:
    digits = "〇一二三四五六七八九"

    def number(n: int) -> str:
        return (("" if n < 20 else digits[n // 10]) + "十" + (digits[n % 10] if n % 10 else "")) if n >= 10 else digits[n]

    return "".join(digits[int(d)] for d in str(year)) + f"年{number(month)}月{number(day)}日"


def _codec(label: str | None) -> str | None:
    from archive.extract.decode import normalize_encoding

    return normalize_encoding(label)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


# ---------------------------------------------------------------- report


def main() -> int:
    """Run every set, print the table and the summary line, write the JSON."""
    results: dict[str, dict] = {}
    sets = {"fixtures": gold_pages(FIXTURES), "cwced": cwced_pages(FIXTURES)}
    if SHARED.is_dir():
        sets["realpages"] = gold_pages(SHARED)
    for name, pages in sets.items():
        results[name] = {"ours": score_gold(pages, ours), "trafilatura": score_gold(pages, bare_trafilatura)}
    gov = score_gov(sets["fixtures"] + sets["cwced"] + gov_checked_pages(FIXTURES))
    results["gov"] = gov
    truth, sites, fetched = simweb_captures()
    simweb = score_simweb(truth, sites, fetched)
    results["simweb"] = simweb

    print(f"{'set':<10} {'docs':>5} {'ours F1':>8} {'min':>6} {'traf F1':>8} {'min':>6} {'ours d/s':>9} {'traf d/s':>9}")
    for name in sets:
        mine, theirs = results[name]["ours"], results[name]["trafilatura"]
        print(f"{name:<10} {mine['pages']:>5} {mine['mean_f1']:>8.4f} {mine['min_f1']:>6.3f} {theirs['mean_f1']:>8.4f}"
              f" {theirs['min_f1']:>6.3f} {mine['docs_per_s']:>9.1f} {theirs['docs_per_s']:>9.1f}")
    print(f"{'simweb':<10} {simweb['documents']:>5} {simweb['mean_f1']:>8.4f} {simweb['min_f1']:>6.3f}"
          f" {simweb['baseline_mean_f1']:>8.4f} {simweb['baseline_min_f1']:>6.3f} {simweb['docs_per_s']:>9.1f}"
          f" {simweb['baseline_docs_per_s']:>9.1f}")
    print(f"{'gov':<10} {gov['pages']:>5} {gov['mean_f1']:>8.4f} {gov['min_f1']:>6.3f}   ({gov['sites']} sites;"
          f" chrome_lines {gov['chrome_lines']}; fields exact min {gov['fields_exact_min']:.4f})")
    for miss in gov["field_misses"]:
        print(f"  gov miss {miss['field']}: got {miss['got']!r} want {miss['want']!r} ({miss['page']})")
    print()
    print("metadata on simweb (exact, where the page prints the value | against all truth; values never printed):")
    for name, accuracy in simweb["metadata_accuracy"].items():
        print(f"  {name:<13} {simweb['metadata_accuracy_where_printed'][name]:.4f} | {accuracy:.4f}"
              f"  {simweb['metadata_not_printed'].get(name, 0)}")
    for name, rows in simweb["metadata_misses"].items():
        for row in rows[:2]:
            print(f"  miss {name}: got {row['got']!r} want {row['want']!r} ({row['url']})")
    for url, lines in list(simweb["noisy_documents"].items())[:3]:
        print(f"  noise in {url}: {lines[:3]}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    realpages = results.get("realpages", results["fixtures"])
    print(f"simweb_f1={simweb['mean_f1']:.4f} realpages_f1={realpages['ours']['mean_f1']:.4f} "
          f"baseline_realpages_f1={realpages['trafilatura']['mean_f1']:.4f} chrome_lines={simweb['chrome_lines']} "
          f"metadata_exact={simweb['metadata_exact']:.4f} gov_f1={gov['mean_f1']:.4f} gov_min={gov['min_f1']:.4f} "
          f"gov_pages={gov['pages']} gov_sites={gov['sites']} gov_chrome_lines={gov['chrome_lines']} gov_fields_exact={gov['fields_exact_min']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
