"""Export a site's captures as a WACZ, the web-archive package ReplayWeb.page opens (WACZ 1.1.1, via py-wacz).

One `<site>.wacz` per site in the selection: the site's stored WARCs as they are
(up to the export's run), the CDXJ index of their responses (py-wacz indexes
with cdxj-indexer, which skips the capture metadata records, see
archive/run/captures.py, so every page replays as captured), `pages/pages.jsonl`
listing the detail pages of the selected documents, and `datapackage.json`
with each file's sha256. py-wacz is imported only here, when a WACZ is made.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from archive.run.captures import read_captures
from archive.scratch import scratch
from archive.store import Store
from archive.store.keys import STATE_PREFIX, WARC_PREFIX, parse_warc_key, site_of_state


class WaczError(RuntimeError):
    """A WACZ py-wacz could not write."""


def write_wacz(store: Store, out_dir: Path, lines: list[dict[str, Any]], run_id: str | None = None) -> list[Path]:
    """`<site>.wacz` for each site the selected manifest lines come from; the paths written."""
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_site[line["record"]["site_id"]].append(line)
    warcs = site_warcs(store, set(by_site), run_id)
    return [_write_site(store, out_dir, site_id, by_site[site_id], warcs[site_id])
            for site_id in sorted(by_site) if warcs[site_id]]


def site_warcs(store: Store, site_ids: set[str], run_id: str | None = None) -> dict[str, list[str]]:
    """The stored WARC keys of each site, oldest run first, up to `run_id` (a run id starts with its time)."""
    # Site and run ids both hold dashes: a WARC's site is the longest known id its name ends with.
    known = site_ids | {s for s in map(site_of_state, store.list(STATE_PREFIX)) if s}
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in store.list(WARC_PREFIX):
        name = parse_warc_key(key)
        site_id = name.site_among(known) if name else None
        if site_id in site_ids and (run_id is None or name.run_id_for(site_id) <= run_id):
            found[site_id].append((name.run_id_for(site_id), key))
    return {site_id: [key for _, key in sorted(found[site_id])] for site_id in site_ids}


def _write_site(store: Store, out_dir: Path, site_id: str, lines: list[dict[str, Any]], keys: list[str]) -> Path:
    target = out_dir / f"{site_id}.wacz"
    with scratch(f"wacz-{site_id}") as work:
        paths = []
        for key in keys:
            paths.append(work / key.rsplit("/", 1)[-1])
            store.get_to_file(key, paths[-1])
        pages = work / "pages.jsonl"
        _write_pages(pages, site_id, detail_pages(paths, lines))
        # Written beside the target, then renamed over it: a WACZ is never seen half-written.
        partial = out_dir / f".{target.name}.partial"
        try:
            _create(partial, paths, pages, site_id,
                    desc=f"The captures wjw archived of site {site_id}: {len(keys)} crawl(s), "
                         f"{len(lines)} document(s).")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return target


def detail_pages(paths: list[Path], lines: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each capture of a selected document's page (url, ts, title), in WARC order."""
    titles = {line["record"]["source_url"]: line["record"]["title"] for line in lines}
    pages = []
    for path in paths:
        with path.open("rb") as stream:
            # Only the headers matter here: no body is kept.
            for capture in read_captures(stream, max_body=0):
                source = capture.meta.listed or capture.url
                if capture.kind == "detail" and capture.status == 200 and source in titles:
                    pages.append({"url": capture.url, "ts": capture.fetched_at, "title": titles[source]})
    return pages


def _write_pages(path: Path, site_id: str, pages: list[dict[str, str]]) -> None:
    header = {"format": "json-pages-1.0", "id": "pages", "title": f"Detail pages of {site_id}"}
    with path.open("w", encoding="utf-8") as out:
        for row in (header, *pages):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _create(target: Path, warcs: list[Path], pages: Path, site_id: str, desc: str) -> None:
    from wacz.main import main as wacz_main

    args = ["create", "-o", str(target), "-p", str(pages), "--hash-type", "sha256", "--title", f"wjw: {site_id}",
            "--desc", desc, *map(str, warcs)]
    chatter = io.StringIO()  # py-wacz prints its progress; the CLI reports the result in one line
    try:
        with contextlib.redirect_stdout(chatter):
            status = wacz_main(args)
    except Exception as exc:  # noqa: BLE001 - a damaged WARC or a full disk: one line naming the site
        raise WaczError(f"site {site_id}: py-wacz could not write its WACZ: {exc}") from None
    if status != 0:
        said = (chatter.getvalue().strip().splitlines() or ["no reason given"])[-1]
        raise WaczError(f"site {site_id}: py-wacz could not write its WACZ: {said}")

