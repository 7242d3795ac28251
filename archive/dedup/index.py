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
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

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


def signature(text: str) -> tuple[LeanMinHash, int]:
    """The MinHash signature of a text and its number of distinct shingles."""
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
    minhash: LeanMinHash
    shingle_count: int
    seq: tuple[str, int]
    matches: list[tuple[str, float]] = field(default_factory=list)


class DedupIndex:
    """Every archived document's signature and links, loaded from and appended to the store."""

    def __init__(self) -> None:
        self.lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self.entries: dict[str, _Entry] = {}
        self.by_content: dict[str, set[str]] = {}
        self.edges: dict[str, dict[str, float]] = {}
        self.pending: list[_Entry] = []
        self.touched: set[str] = set()
        self._segment = "~pending"

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
            for n, line in enumerate(gzip.decompress(store.get(key)).decode("utf-8").splitlines()):
                if line.strip():
                    index._load_line(json.loads(line), (name, n))
        return index

    def _load_line(self, row: dict, seq: tuple[str, int]) -> None:
        hashvalues = np.frombuffer(base64.b64decode(row["hashvalues"]), dtype=np.uint64)
        entry = _Entry(member=Member(**row["member"] | {"figures": tuple(row["member"].get("figures", ()))}),
                       minhash=LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme=SCHEME),
                       shingle_count=row["shingles"], seq=seq, matches=[tuple(m) for m in row["matches"]])
        self._insert(entry)

    def _insert(self, entry: _Entry) -> None:
        """Make `entry` a document's current line; its links are exactly the matches it records.

        Links a document recorded earlier to this one are dropped with its old line:
        whichever of two documents was indexed later recorded the comparison of
        their current texts.
        """
        doc_id = entry.member.doc_id
        old = self.entries.get(doc_id)
        if old is not None:
            self.lsh.remove(doc_id)
            self.by_content.get(old.member.content_sha256, set()).discard(doc_id)
            for other in self.edges.pop(doc_id, {}):
                self.edges.get(other, {}).pop(doc_id, None)
        self.entries[doc_id] = entry
        self.lsh.insert(doc_id, entry.minhash)
        self.by_content.setdefault(entry.member.content_sha256, set()).add(doc_id)
        links = self.edges.setdefault(doc_id, {})
        for other, similarity in entry.matches:
            if other in self.entries:
                links[other] = similarity
                self.edges.setdefault(other, {})[doc_id] = similarity

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.entries

    def member(self, doc_id: str) -> Member | None:
        """What the index holds of a document, or None."""
        entry = self.entries.get(doc_id)
        return entry.member if entry else None

    def find(self, text: str, doc_id: str | None = None, plan_year: int | None = None) -> list[tuple[str, float]]:
        """The archived documents (other than `doc_id`) that duplicate `text`, with their similarity."""
        minhash, count = signature(text)
        return self._matches(content_sha256(text), minhash, count, doc_id, plan_year, figures(text))

    def _matches(self, content: str, minhash: LeanMinHash, count: int, doc_id: str | None,
                 plan_year: int | None, numbers: tuple[str, ...]) -> list[tuple[str, float]]:
        found: dict[str, float] = {d: 1.0 for d in self.by_content.get(content, ()) if d != doc_id}
        for other in self.lsh.query(minhash):
            if other == doc_id or other in found:
                continue
            entry = self.entries[other]
            # Plans of different years are different plans, however alike their stock phrases.
            if plan_year is not None and entry.member.plan_year not in (None, plan_year):
                continue
            similarity = containment(minhash, count, entry.minhash, entry.shingle_count)
            if similarity >= SIMILAR and figures_agreement(numbers, entry.member.figures) >= FIGURES_AGREE:
                found[other] = round(similarity, 4)
        return sorted(found.items(), key=lambda m: (-m[1], m[0]))

    def add(self, member: Member, text: str) -> list[tuple[str, float]]:
        """Index a new or changed document and return its duplicates; an unchanged one is left as it is."""
        current = self.entries.get(member.doc_id)
        if current is not None and current.member == member:
            return self.links(member.doc_id)
        minhash, count = signature(text)
        matches = self._matches(member.content_sha256, minhash, count, member.doc_id, member.plan_year,
                                member.figures)
        before = {m.doc_id for m in self.cluster(member.doc_id).members} if current else set()
        entry = _Entry(member, minhash, count, (self._segment, len(self.pending)), matches)
        self._insert(entry)
        self.pending.append(entry)
        self.touched |= before | {m.doc_id for m in self.cluster(member.doc_id).members}
        return self.links(member.doc_id)

    def links(self, doc_id: str) -> list[tuple[str, float]]:
        """A document's direct duplicates with similarity, best first."""
        return sorted(self.edges.get(doc_id, {}).items(), key=lambda m: (-m[1], m[0]))

    def cluster(self, doc_id: str) -> Cluster:
        """The connected set of duplicates holding `doc_id`, with its canonical member."""
        seen = {doc_id}
        frontier = [doc_id]
        while frontier:
            for other in self.edges.get(frontier.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
        members = sorted((self.entries[d].member for d in seen), key=lambda m: self.entries[m.doc_id].seq)
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
                "hashvalues": base64.b64encode(np.asarray(entry.minhash.hashvalues, dtype=np.uint64)
                                               .tobytes()).decode("ascii"),
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
        # The in-memory order must equal the order a later load will see.
        for n, entry in enumerate(self.pending):
            entry.seq = (f"{segment}.jsonl.gz", n)
        self.pending = []
        return index_segment_key(segment)


def containment(a: LeanMinHash, a_count: int, b: LeanMinHash, b_count: int) -> float:
    """Estimated share of the smaller shingle set found in the larger, from two signatures."""
    if not a_count or not b_count:
        return 1.0 if a_count == b_count else 0.0
    jaccard = a.jaccard(b)
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
