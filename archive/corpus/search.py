"""Full-text search over the corpus: a local SQLite index, rebuilt from the store and kept up to date from its manifests.

Chinese is written without spaces, so a word tokenizer would miss most
queries; a query of two or more characters must find every document whose
title or text contains it. SQLite's FTS5 with the trigram tokenizer answers
any substring of three or more characters from its index (a phrase of
consecutive trigrams is exactly a substring); two-character queries, which
trigrams cannot answer, go to a second FTS5 table holding each document's
distinct character bigrams as tokens. One character falls back to a scan.
SQLite ships with Python, needs no server and keeps the index in one file, so
`wjw search` and `wjw serve` work on any machine that can read the store.

The index is a cache, never the truth: it lives outside the store (the store
may be a read-only S3 bucket) and `update` brings it to the latest manifest by
re-reading only the documents whose pinned record version changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, Self

from archive.corpus.manifest import read_latest, read_manifest
from archive.corpus.select import CorpusFilter, lifecycle, record_year
from archive.store import Store

SNIPPET_CONTEXT = 40
# Bumped when the tables change; an index file of another version is rebuilt from the store.
INDEX_VERSION = "2"

# The text is the last column: SQLite reads a row's columns in order, so filtering and sorting on the small ones
# never touches the text's overflow pages.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, doc_key TEXT UNIQUE NOT NULL, doc_version_id TEXT, doc_id TEXT NOT NULL,
    title TEXT NOT NULL, published TEXT, agency TEXT, source_url TEXT, site_id TEXT,
    province TEXT, city TEXT, level TEXT, year INTEGER, doc_type TEXT, status TEXT, canonical INTEGER,
    line TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_by_doc_id ON docs (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, text, content='docs', content_rowid='rowid', tokenize='trigram case_sensitive 1');
CREATE VIRTUAL TABLE IF NOT EXISTS bigrams USING fts5(grams, content='', tokenize='unicode61');
"""


class SearchError(ValueError):
    """A query the index cannot answer (empty)."""


@dataclass(frozen=True)
class Hit:
    """One document that contains the query."""

    doc_id: str
    title: str
    published: str | None
    agency: str | None
    source_url: str
    site_id: str
    status: str
    snippet: str
    # Where the query sits in `snippet` (start, end), for highlighting; None when it matched only the title.
    match: tuple[int, int] | None

    def to_dict(self) -> dict[str, Any]:
        """The hit as JSON-ready data."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"match": list(self.match) if self.match else None}


@dataclass
class SearchResult:
    """The hits of one query: how many documents match in all, and the first `limit` of them."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class IndexUpdate:
    """What `update` did: documents added, re-read because their record changed, dropped, left alone."""

    added: int = 0
    changed: int = 0
    dropped: int = 0
    unchanged: int = 0


def default_index_path(store: Store) -> Path:
    """Where the index of a store lives: $WJW_INDEX_DIR, else the user's cache, one file per store URI."""
    root = os.environ.get("WJW_INDEX_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wjw"
    digest = hashlib.sha256(store.uri.encode("utf-8")).hexdigest()[:16]
    return Path(root) / "search" / f"{digest}.sqlite"


def bigram_tokens(*fields: str) -> str:
    """Each distinct two-character sequence of the fields as one alphanumeric token (hex code points), space-separated.

    Encoding the pair keeps every character searchable, punctuation included,
    whatever the tokenizer thinks a word character is.
    """
    grams = {f"{ord(a):x}x{ord(b):x}" for text in fields for a, b in pairwise(text)}
    return " ".join(sorted(grams))


class SearchIndex:
    """The search index file: open it, bring it up to date from a store, query it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False)
        # Common queries walk long posting lists; a page cache of 64 MB and a memory map keep them off the disk.
        self.db.execute("PRAGMA cache_size = -65536")
        self.db.execute("PRAGMA mmap_size = 536870912")
        self.db.executescript(_SCHEMA)
        if self._meta("version") != INDEX_VERSION:
            with self.db:
                self.db.executescript("DROP TABLE docs; DROP TABLE fts; DROP TABLE bigrams; DELETE FROM meta;")
            self.db.executescript(_SCHEMA)
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('version', ?)", (INDEX_VERSION,))

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def manifest(self) -> str | None:
        """The manifest (key and version) the index was last brought up to."""
        return self._meta("manifest")

    def update(self, store: Store) -> IndexUpdate:
        """Bring the index to the store's latest manifest, reading only the texts of new or changed records."""
        latest = read_latest(store)
        if latest is None:
            return IndexUpdate()
        pinned = f"{latest['manifest_key']}@{latest.get('manifest_version_id')}"
        if pinned == self.manifest:
            return IndexUpdate(unchanged=self.db.execute("SELECT count(*) FROM docs").fetchone()[0])
        lines = list(read_manifest(store))
        result = self.apply(lines, lambda line: pinned_text(store, line))
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('manifest', ?)", (pinned,))
        return result

    def apply(self, lines: Iterable[dict[str, Any]], text_of) -> IndexUpdate:
        """Make the index hold exactly these manifest lines; `text_of(line)` gives a line's text when it must be read."""
        held = dict(self.db.execute("SELECT doc_key, doc_version_id FROM docs"))
        added = changed = unchanged = 0
        seen: set[str] = set()
        with self.db:
            for line in lines:
                key = line["doc_key"]
                seen.add(key)
                if key in held and held[key] == line.get("doc_version_id") and held[key] is not None:
                    unchanged += 1
                    continue
                if key in held:
                    self._drop(key)
                    changed += 1
                else:
                    added += 1
                self._add(line, text_of(line))
            gone = [key for key in held if key not in seen]
            for key in gone:
                self._drop(key)
        return IndexUpdate(added=added, changed=changed, dropped=len(gone), unchanged=unchanged)

    def _add(self, line: dict[str, Any], text: str) -> None:
        record = line["record"]
        region = record.get("region") or {}
        state = lifecycle(line)
        canonical = record.get("canonical_id") in (None, record["doc_id"])
        cursor = self.db.execute(
            "INSERT INTO docs (doc_key, doc_version_id, doc_id, title, text, published, agency, source_url, site_id,"
            " province, city, level, year, doc_type, status, canonical, line)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (line["doc_key"], line.get("doc_version_id"), record["doc_id"], record["title"], text,
             record.get("published"), record.get("agency"), record["source_url"], record.get("site_id"),
             region.get("province"), region.get("city"), record.get("level"), record_year(record),
             record.get("doc_type"), state["status"], int(canonical), json.dumps(line, ensure_ascii=False)))
        rowid = cursor.lastrowid
        self.db.execute("INSERT INTO fts (rowid, title, text) VALUES (?, ?, ?)", (rowid, record["title"], text))
        self.db.execute("INSERT INTO bigrams (rowid, grams) VALUES (?, ?)", (rowid, bigram_tokens(record["title"], text)))

    def _drop(self, doc_key: str) -> None:
        rowid, title, text = self.db.execute("SELECT rowid, title, text FROM docs WHERE doc_key = ?", (doc_key,)).fetchone()
        # External-content and contentless FTS5 tables forget a row only when told the values they indexed.
        self.db.execute("INSERT INTO fts (fts, rowid, title, text) VALUES ('delete', ?, ?, ?)", (rowid, title, text))
        self.db.execute("INSERT INTO bigrams (bigrams, rowid, grams) VALUES ('delete', ?, ?)",
                        (rowid, bigram_tokens(title, text)))
        self.db.execute("DELETE FROM docs WHERE rowid = ?", (rowid,))

    def lines(self) -> list[dict[str, Any]]:
        """Every indexed manifest line (what filters are validated against)."""
        return [json.loads(row[0]) for row in self.db.execute("SELECT line FROM docs ORDER BY doc_key")]

    def search(self, query: str, chosen: CorpusFilter | None = None, limit: int = 20, offset: int = 0) -> SearchResult:
        """The documents whose title or text contains `query` exactly, newest first, title matches before text ones."""
        if not query:
            raise SearchError("the query is empty; give at least one character")
        chosen = chosen or CorpusFilter()
        candidates, params = self._candidates(query)
        where, filter_params = _filter_sql(chosen)
        # One pass over the matches gives both the total and the order (title matches, then newest first).
        matches = self.db.execute(
            f"SELECT rowid, instr(title, ?) > 0, coalesce(published, ''), doc_id FROM docs WHERE rowid IN ({candidates})"
            f"{where}", [query, *params, *filter_params]).fetchall()
        matches.sort(key=lambda m: (m[3],))
        matches.sort(key=lambda m: (m[1], m[2]), reverse=True)
        page = [m[0] for m in matches[offset:offset + limit]]
        return SearchResult(query=query, total=len(matches), hits=self._hits(page, query))

    def _hits(self, rowids: list[int], query: str) -> list[Hit]:
        """The hits for these rows, in this order; only here is any text read (for the snippets)."""
        if not rowids:
            return []
        marks = ",".join("?" * len(rowids))
        rows = {row[0]: row[1:] for row in self.db.execute(
            "SELECT rowid, doc_id, title, text, published, agency, source_url, site_id, status FROM docs"
            f" WHERE rowid IN ({marks})", rowids)}
        return [_hit(rows[rowid], query) for rowid in rowids]

    def browse(self, chosen: CorpusFilter | None = None, limit: int = 50, offset: int = 0) -> SearchResult:
        """The documents a filter keeps, newest first (the web view's list when nothing is searched)."""
        where, params = _filter_sql(chosen or CorpusFilter())
        total = self.db.execute(f"SELECT count(*) FROM docs WHERE 1{where}", params).fetchone()[0]
        page = self.db.execute(f"SELECT rowid FROM docs WHERE 1{where} ORDER BY published DESC, doc_id LIMIT ? OFFSET ?",
                               [*params, limit, offset]).fetchall()
        return SearchResult(query="", total=total, hits=self._hits([r[0] for r in page], ""))

    def line_of(self, doc_id: str) -> dict[str, Any] | None:
        """The indexed manifest line of a document, or None."""
        row = self.db.execute("SELECT line FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def facets(self) -> dict[str, list]:
        """The values each filter can take in the indexed corpus, for the web view's menus."""
        values = {}
        for column in ("province", "city", "level", "year", "doc_type", "status"):
            rows = self.db.execute(f"SELECT DISTINCT {column} FROM docs WHERE {column} IS NOT NULL ORDER BY 1")
            values[column] = [row[0] for row in rows]
        return values

    def _candidates(self, query: str) -> tuple[str, list[Any]]:
        """A subquery of exactly the rowids whose title or text contains the query.

        A trigram phrase matches consecutive trigrams within one column, which
        is the substring itself (case-sensitive, as the table is built); a
        bigram token is in a row's set only if the pair occurs in its title or
        text. A single character has no index and is scanned for.
        """
        if len(query) >= 3:
            return "SELECT rowid FROM fts WHERE fts MATCH ?", ['"' + query.replace('"', '""') + '"']
        if len(query) == 2:
            return "SELECT rowid FROM bigrams WHERE bigrams MATCH ?", [f"\"{bigram_tokens(query)}\""]
        return "SELECT rowid FROM docs WHERE instr(title, ?) > 0 OR instr(text, ?) > 0", [query, query]


def _filter_sql(chosen: CorpusFilter) -> tuple[str, list[Any]]:
    """The filter as SQL conditions on `docs` (prefix matches for names, as CorpusFilter.keeps does)."""
    conditions, params = [], []
    if not chosen.include_duplicates:
        conditions.append("canonical = 1")
    if chosen.status != "all":
        conditions.append("status = ?")
        params.append(chosen.status)
    for column, value in (("year", chosen.year), ("level", chosen.level), ("doc_type", chosen.doc_type)):
        if value not in (None, ""):
            conditions.append(f"{column} = ?")
            params.append(value)
    if chosen.province:
        if chosen.province.isdigit():
            conditions.append("substr(json_extract(line, '$.record.region.code'), 1, 2) = ?")
            params.append(chosen.province[:2])
        else:
            conditions.append("province LIKE ? || '%'")
            params.append(chosen.province)
    if chosen.city:
        conditions.append("city LIKE ? || '%'")
        params.append(chosen.city)
    return "".join(f" AND {c}" for c in conditions), params


def _hit(row: tuple, query: str) -> Hit:
    doc_id, title, text, published, agency, source_url, site_id, status = row
    snippet, match = make_snippet(text, query)
    return Hit(doc_id=doc_id, title=title, published=published, agency=agency, source_url=source_url,
               site_id=site_id, status=status, snippet=snippet, match=match)


def make_snippet(text: str, query: str, context: int = SNIPPET_CONTEXT) -> tuple[str, tuple[int, int] | None]:
    """The text around the query's first occurrence on one line, and where the query sits in it."""
    at = text.find(query) if query else -1
    if at < 0:
        return " ".join(text[:2 * context].split()), None
    start, end = max(0, at - context), min(len(text), at + len(query) + context)
    before, after = text[start:at].replace("\n", " "), text[at + len(query):end].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    snippet = prefix + before + query + after + suffix
    begin = len(prefix + before)
    return snippet, (begin, begin + len(query))


def pinned_text(store: Store, line: dict[str, Any]) -> str:
    """The text a manifest line pins."""
    return store.get(line["text_key"], line.get("text_version_id")).decode("utf-8")


def open_index(store: Store, path: Path | None = None) -> SearchIndex:
    """The store's search index, brought up to its latest manifest."""
    index = SearchIndex(path or default_index_path(store))
    index.update(store)
    return index
