"""Exact and near-duplicate detection across the whole archive, with clusters and canonical members.

Exact duplicates share a *content hash*: the sha256 of the text after NFKC
and whitespace normalisation, so a copy that differs only in full-width
punctuation or line breaks is the same text. Near duplicates (a plan
republished by a city, copied by an aggregator with a few edits) are found
with MinHash LSH over character n-grams, since Chinese has no spaces.

The index lives in the store as append-only segments,
`index/minhash/seg/<name>.jsonl.gz`, one per ingested WARC that added or
changed a document. Each line is one document's signature, what the canonical
choice needs to know of it, and the matches found when it was added. Loading
reads signatures, never texts, so a new document is compared with the whole
archive without re-hashing it; nothing is rewritten or deleted.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import weakref
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from archive.store import KeyNotFound, Store
from archive.store.keys import INDEX_PARAMS, INDEX_SEGMENT_PREFIX, index_segment_key

PARAMS_KEY = INDEX_PARAMS
SEGMENT_PREFIX = INDEX_SEGMENT_PREFIX

# 9-character shingles: simweb's and real commissions' plans of different years reuse
# whole stock phrases, which at 5 characters look 75% alike; at 9 they stay below 0.65.
NGRAM = 9
NUM_PERM = 128
SEED = 1
# Pinned: datasketch's default hashing scheme has changed before, and signatures of two schemes never match.
SCHEME = "affine32"
# LSH finds candidates generously; a candidate is a duplicate when the estimated share
# of the smaller text's shingles found in the larger one (containment) reaches SIMILAR.
# Containment, not Jaccard, because a city's forwarding preface or an aggregator's
# leftover chrome adds text to one side only.
LSH_THRESHOLD = 0.5
SIMILAR = 0.85
# A plan's figures (targets, counts, dates) survive republication; plans of one kind drawn from the same
# stock phrasing differ in them. Two texts are duplicates only if their multisets of numbers agree this much.
FIGURES_AGREE = 0.85
PARAMS = {"ngram": NGRAM, "num_perm": NUM_PERM, "seed": SEED, "scheme": SCHEME, "lsh_threshold": LSH_THRESHOLD, "similar": SIMILAR,
          "figures_agree": FIGURES_AGREE, "normalisation": "NFKC, whitespace removed"}
_SIGNATURE_PARAMS = ("ngram", "num_perm", "seed", "scheme")

LEVEL_RANK = {"national": 0, "province": 1, "city": 2, "county": 3}

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Short and former forms of commission names, so 发布机构 "省卫健委" matches site "省卫生健康委员会". The
# 卫计委 became the 卫健委 in the 2018 reform: a 2018 page names the same body by its former name.
_AGENCY_FORMS = (("卫生和计划生育委员会", "卫健委"), ("卫生健康委员会", "卫健委"), ("卫生计生委", "卫健委"),
                 ("卫计委", "卫健委"), ("卫生健康委", "卫健委"), ("卫生和计划生育局", "卫健局"),
                 ("卫生健康局", "卫健局"), ("卫生计生局", "卫健局"))
_GOVERNMENT_NAME = re.compile(r"(委员会|卫健委|卫计委|人民政府|政府|厅|局|委|办公室|中心|部)$")


@lru_cache(maxsize=64)
def normalize_text(text: str) -> str:
    """The text as compared: NFKC (full-width forms folded) and every whitespace run removed.

    Chinese needs no spaces, so removing them (rather than collapsing) also makes
    a line broken differently by two sites' templates the same text.
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def content_sha256(text: str) -> str:
    """The exact-duplicate key of a text: sha256 of its normalised UTF-8 bytes."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, n: int = NGRAM) -> set[str]:
    """The character n-grams of a text's normalised form (the whole text if shorter)."""
    norm = normalize_text(text)
    if len(norm) <= n:
        return {norm} if norm else set()
    return {norm[i:i + n] for i in range(len(norm) - n + 1)}


def figures(text: str) -> tuple[str, ...]:
    """The numbers a text states, as a sorted multiset (NFKC folds full-width digits first)."""
    return tuple(sorted(_NUMBER.findall(normalize_text(text))))


def figures_agreement(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Multiset Jaccard of two texts' numbers; 1.0 when there are too few numbers to tell."""
    x, y = Counter(a), Counter(b)
    union = sum((x | y).values())
    if union <= 2:
        return 1.0
    return sum((x & y).values()) / union


def signature(text: str):
    """The MinHash signature of a text (a datasketch LeanMinHash) and its number of distinct shingles."""
    # datasketch pulls in scipy (2 s): imported by the first signature, not by whoever imports the index.
    from datasketch import LeanMinHash, MinHash

    grams = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch([g.encode("utf-8") for g in grams])
    return LeanMinHash(minhash), len(grams)


def normalize_agency(name: str | None) -> str:
    """An agency or site name in one spelling, for matching 发布机构 against site names."""
    if not name:
        return ""
    value = normalize_text(name)
    for long, short in _AGENCY_FORMS:
        value = value.replace(long, short)
    return value


def same_agency(a: str | None, b: str | None) -> bool:
    """Whether two names denote the same agency (one may name an office inside the other)."""
    x, y = normalize_agency(a), normalize_agency(b)
    return bool(x and y) and (x == y or x.startswith(y) or y.startswith(x))


def is_government_site(name: str, url: str) -> bool:
    """Whether a site belongs to a government body: a .gov.cn host or an agency's name."""
    host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0]
    return host.endswith(".gov.cn") or bool(_GOVERNMENT_NAME.search(normalize_text(name)))


@dataclass(frozen=True)
class Member:
    """What the index keeps of one document to choose a cluster's canonical member."""

    doc_id: str
    url: str
    text_sha256: str
    content_sha256: str
    site_id: str
    site_name: str
    agency: str | None
    level: str
    government: bool
    published: str | None
    length: int
    plan_year: int | None = None
    figures: tuple[str, ...] = ()


def member_for(doc_id: str, url: str, text: str, text_sha256: str, site_id: str, site_name: str, site_url: str,
               level: str, stated_agency: str | None, published: str | None, plan_year: int | None) -> Member:
    """What the index keeps of a document.

    An aggregator's page that names no 发布机构 is no vote for the aggregator as
    issuer, so only a government site stands in for a missing one.
    """
    government = is_government_site(site_name, site_url)
    return Member(
        doc_id=doc_id, url=url, text_sha256=text_sha256, content_sha256=content_sha256(text), site_id=site_id,
        site_name=site_name, agency=stated_agency or (site_name if government else None), level=level,
        government=government, published=published, length=len(normalize_text(text)), plan_year=plan_year,
        figures=figures(text))


@dataclass
class Cluster:
    """Documents holding the same plan; `canonical` is the one a reader should get."""

    cluster_id: str
    members: list[Member]
    canonical: Member
    issuer: str | None


@dataclass
class _Entry:
    member: Member
    hashvalues: np.ndarray  # the MinHash signature, uint64
    shingle_count: int
    seq: tuple[str, int]
    matches: list[tuple[str, float]] = field(default_factory=list)


# LSH bands: 25 bands of 5 values, datasketch's optimum for threshold 0.5 at 128 permutations
# (MinHashLSH(threshold=0.5, num_perm=128).b, .r): the same candidates the in-memory LSH found.
BANDS, ROWS = 25, 5
# SQLite's page cache, per index: what the index holds in memory however large the archive grows.
_CACHE_KIB = 2 * 1024

_SCHEMA = """
CREATE TABLE entries (doc_id TEXT PRIMARY KEY, member TEXT NOT NULL, hashvalues BLOB NOT NULL,
                      shingles INTEGER NOT NULL, segment TEXT NOT NULL, line INTEGER NOT NULL,
                      content TEXT NOT NULL);
CREATE INDEX entries_by_content ON entries (content);
CREATE TABLE bands (bucket BLOB NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX bands_by_bucket ON bands (bucket);
CREATE INDEX bands_by_doc ON bands (doc_id);
CREATE TABLE edges (doc_id TEXT NOT NULL, other TEXT NOT NULL, similarity REAL NOT NULL,
                    PRIMARY KEY (doc_id, other)) WITHOUT ROWID;
"""


def band_buckets(hashvalues: np.ndarray) -> list[bytes]:
    """The LSH buckets of a signature: each band's number and values, so equal bands meet in one bucket."""
    values = np.asarray(hashvalues, dtype=np.uint64)
    return [bytes([band]) + values[band * ROWS:(band + 1) * ROWS].tobytes() for band in range(BANDS)]


class DedupIndex:
    """Every archived document's signature and links, loaded from and appended to the store.

    The loaded index lives in an SQLite file in a scratch folder, queried by
    band: a run's memory holds the page cache and its own new documents, not
    the archive, so it stays flat however large the corpus grows.
    """

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix=f"wjw-{os.getpid()}-dedup-"))
        self.db = sqlite3.connect(self._folder / "index.sqlite", isolation_level=None, check_same_thread=False)
        self._closer = weakref.finalize(self, _remove, self.db, self._folder)
        # The file is this run's alone and rebuilt from the store's segments by the next: no journal, no fsync.
        self.db.executescript(f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{_CACHE_KIB};"
                              f"PRAGMA temp_store=FILE; {_SCHEMA}")
        self.pending: list[_Entry] = []
        self.touched: set[str] = set()
        self._segment = "~pending"

    def close(self) -> None:
        """Remove the index's file (also done when the index is collected or the process exits)."""
        self._closer()

    @classmethod
    def from_store(cls, store: Store) -> DedupIndex:
        """Load every segment in the store, oldest first; later lines supersede a document's earlier ones."""
        index = cls()
        try:
            stored = json.loads(store.get(PARAMS_KEY))
        except KeyNotFound:
            stored = None
        if stored is not None and {k: stored.get(k) for k in _SIGNATURE_PARAMS} != \
                {k: PARAMS[k] for k in _SIGNATURE_PARAMS}:
            raise RuntimeError(f"{store.describe_key(PARAMS_KEY)}: index built with {stored}, code uses {PARAMS}; "
                               "signatures are not comparable")
        for key in store.list(SEGMENT_PREFIX):
            name = key[len(SEGMENT_PREFIX):]
            index.db.execute("BEGIN")
            for n, line in enumerate(gzip.decompress(store.get(key)).decode("utf-8").splitlines()):
                if line.strip():
                    index._load_line(json.loads(line), (name, n))
            index.db.execute("COMMIT")
        return index

    def _load_line(self, row: dict, seq: tuple[str, int]) -> None:
        hashvalues = np.frombuffer(base64.b64decode(row["hashvalues"]), dtype=np.uint64)
        entry = _Entry(member=_member(row["member"]), hashvalues=hashvalues, shingle_count=row["shingles"], seq=seq,
                       matches=[tuple(m) for m in row["matches"]])
        self._insert(entry)

    def _insert(self, entry: _Entry) -> None:
        """Make `entry` a document's current line; its links are exactly the matches it records.

        Links a document recorded earlier to this one are dropped with its old line:
        whichever of two documents was indexed later recorded the comparison of
        their current texts.
        """
        doc_id = entry.member.doc_id
        db = self.db
        db.execute("DELETE FROM bands WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM edges WHERE doc_id = ? OR other = ?", (doc_id, doc_id))
        db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (doc_id, json.dumps(asdict(entry.member), ensure_ascii=False),
                    np.asarray(entry.hashvalues, dtype=np.uint64).tobytes(), entry.shingle_count, entry.seq[0],
                    entry.seq[1], entry.member.content_sha256))
        db.executemany("INSERT INTO bands VALUES (?, ?)", [(b, doc_id) for b in band_buckets(entry.hashvalues)])
        links = []
        for other, similarity in entry.matches:
            if other == doc_id or other in self:
                links += [(doc_id, other, similarity), (other, doc_id, similarity)]
        db.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?)", links)

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def __contains__(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM entries WHERE doc_id = ?", (doc_id,)).fetchone() is not None

    def member(self, doc_id: str) -> Member | None:
        """What the index holds of a document, or None."""
        row = self.db.execute("SELECT member FROM entries WHERE doc_id = ?", (doc_id,)).fetchone()
        return _member(json.loads(row[0])) if row else None

    def find(self, text: str, doc_id: str | None = None, plan_year: int | None = None) -> list[tuple[str, float]]:
        """The archived documents (other than `doc_id`) that duplicate `text`, with their similarity."""
        minhash, count = signature(text)
        return self._matches(content_sha256(text), np.asarray(minhash.hashvalues, dtype=np.uint64), count, doc_id,
                             plan_year, figures(text))

    def _matches(self, content: str, hashvalues: np.ndarray, count: int, doc_id: str | None,
                 plan_year: int | None, numbers: tuple[str, ...]) -> list[tuple[str, float]]:
        found: dict[str, float] = {d: 1.0 for (d,) in self.db.execute(
            "SELECT doc_id FROM entries WHERE content = ?", (content,)) if d != doc_id}
        buckets = band_buckets(hashvalues)
        candidates = self.db.execute(
            "SELECT DISTINCT e.doc_id, e.member, e.hashvalues, e.shingles FROM bands b JOIN entries e USING (doc_id) "
            f"WHERE b.bucket IN ({', '.join('?' * len(buckets))})", buckets).fetchall()
        for other, member_json, other_values, other_count in candidates:
            if other == doc_id or other in found:
                continue
            member = _member(json.loads(member_json))
            # Plans of different years are different plans, however alike their stock phrases.
            if plan_year is not None and member.plan_year not in (None, plan_year):
                continue
            similarity = containment(hashvalues, count, np.frombuffer(other_values, dtype=np.uint64), other_count)
            if similarity >= SIMILAR and figures_agreement(numbers, member.figures) >= FIGURES_AGREE:
                found[other] = round(similarity, 4)
        return sorted(found.items(), key=lambda m: (-m[1], m[0]))

    def add(self, member: Member, text: str) -> list[tuple[str, float]]:
        """Index a new or changed document and return its duplicates; an unchanged one is left as it is."""
        if self.member(member.doc_id) == member:
            return self.links(member.doc_id)
        minhash, count = signature(text)
        return self.add_signed(member, minhash.hashvalues, count)

    def add_signed(self, member: Member, hashvalues: np.ndarray, count: int) -> list[tuple[str, float]]:
        """`add` for a text already signed (in another process): its MinHash values and shingle count."""
        current = self.member(member.doc_id)
        if current == member:
            return self.links(member.doc_id)
        hashvalues = np.asarray(hashvalues, dtype=np.uint64)
        matches = self._matches(member.content_sha256, hashvalues, count, member.doc_id, member.plan_year,
                                member.figures)
        before = {m.doc_id for m in self.cluster(member.doc_id).members} if current else set()
        entry = _Entry(member, hashvalues, count, (self._segment, len(self.pending)), matches)
        self._insert(entry)
        self.pending.append(entry)
        self.touched |= before | {m.doc_id for m in self.cluster(member.doc_id).members}
        return self.links(member.doc_id)

    def links(self, doc_id: str) -> list[tuple[str, float]]:
        """A document's direct duplicates with similarity, best first."""
        rows = self.db.execute("SELECT other, similarity FROM edges WHERE doc_id = ?", (doc_id,)).fetchall()
        return sorted(rows, key=lambda m: (-m[1], m[0]))

    def cluster(self, doc_id: str) -> Cluster:
        """The connected set of duplicates holding `doc_id`, with its canonical member."""
        seen = {doc_id}
        frontier = [doc_id]
        while frontier:
            for (other,) in self.db.execute("SELECT other FROM edges WHERE doc_id = ?", (frontier.pop(),)).fetchall():
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
        rows = []
        for d in seen:
            row = self.db.execute("SELECT member, segment, line FROM entries WHERE doc_id = ?", (d,)).fetchone()
            if row is not None:
                rows.append(((row[1], row[2]), _member(json.loads(row[0]))))
        members = [member for _, member in sorted(rows, key=lambda r: r[0])]
        canonical, issuer = choose_canonical(members)
        founder = members[0].doc_id
        cluster_id = "c-" + hashlib.sha256(founder.encode("utf-8")).hexdigest()[:16] if len(members) > 1 else None
        return Cluster(cluster_id=cluster_id, members=members, canonical=canonical, issuer=issuer)

    def flush(self, store: Store, name: str) -> str | None:
        """Append the documents added since the last flush as one new segment; None when there are none."""
        if not self.pending:
            return None
        store.put(PARAMS_KEY, json.dumps(PARAMS, ensure_ascii=False, indent=1).encode("utf-8"), if_absent=True,
                  content_type="application/json")
        lines = []
        for entry in self.pending:
            lines.append(json.dumps({
                "member": asdict(entry.member),
                "shingles": entry.shingle_count,
                "hashvalues": base64.b64encode(np.asarray(entry.hashvalues, dtype=np.uint64).tobytes()).decode("ascii"),
                "matches": entry.matches,
            }, ensure_ascii=False, sort_keys=True))
        body = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=6, mtime=0)
        for attempt in range(100):
            segment = name if attempt == 0 else f"{name}.{attempt}"
            if store.put(index_segment_key(segment), body, if_absent=True,
                         content_type="application/gzip").written:
                break
        else:
            raise RuntimeError(f"{store.describe_key(SEGMENT_PREFIX + name)}: no free segment name")
        # The in-memory order must equal the order a later load will see. A document added twice since the
        # last flush has two lines; its current one (the later) names its place.
        for n, entry in enumerate(self.pending):
            entry.seq = (f"{segment}.jsonl.gz", n)
            self.db.execute("UPDATE entries SET segment = ?, line = ? WHERE doc_id = ? AND segment = ? AND line = ?",
                            (entry.seq[0], n, entry.member.doc_id, self._segment, n))
        self.pending = []
        return index_segment_key(segment)


def _member(row: dict) -> Member:
    return Member(**row | {"figures": tuple(row.get("figures", ()))})


def _remove(db: sqlite3.Connection, folder: Path) -> None:
    db.close()
    shutil.rmtree(folder, ignore_errors=True)


def containment(a: np.ndarray, a_count: int, b: np.ndarray, b_count: int) -> float:
    """Estimated share of the smaller shingle set found in the larger, from two signatures."""
    if not a_count or not b_count:
        return 1.0 if a_count == b_count else 0.0
    # datasketch's estimate (LeanMinHash.jaccard): the share of equal hash values.
    jaccard = float(np.count_nonzero(a == b)) / float(len(a))
    intersection = jaccard * (a_count + b_count) / (1 + jaccard)
    return min(1.0, intersection / min(a_count, b_count))


def choose_canonical(members: list[Member]) -> tuple[Member, str | None]:
    """The member a reader should get, and the issuing agency it was chosen for.

    The issuer is the agency most members name as 发布机构 (a province's plan is
    named as the province's by its own page and by the aggregators that copy it);
    its own site comes first, then other government sites, then the higher level
    (republication runs downward), the earliest, and the most complete.
    """
    named = Counter(normalize_agency(m.agency) for m in members if m.agency)
    issuer = None
    if named:
        top = max(named.values())
        tied = {a for a, n in named.items() if n == top}
        # On a tie, the agency of the highest-level government member.
        for m in sorted(members, key=lambda m: (not m.government, LEVEL_RANK.get(m.level, 9))):
            if normalize_agency(m.agency) in tied:
                issuer = m.agency
                break

    def rank(m: Member):
        return (0 if issuer and same_agency(m.site_name, issuer) else 1 if m.government else 2,
                LEVEL_RANK.get(m.level, 9), m.published or "9999", -m.length, m.doc_id)

    return min(members, key=rank), issuer
