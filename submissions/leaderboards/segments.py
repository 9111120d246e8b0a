"""A board stored in segments, its ranks apart: pure Python, no Django, no database.

A board is its rows in order, ranked rows first, then the struck-through ones. They are stored
in segments of about `rows_per_segment` rows (100, LEADERBOARD_SEGMENT_ROWS; between half and
twice that once edited), each segment immutable under its id, and an index (one short list per segment, kept with the
board) says in which order the segments come and what each holds. A row is stored without what
depends on the rows before it: its position, its rank, its tie group and the span of that group
are derived when a page is read, from the index and the row's own `_b` (how many rows right
before it share its rounded score). Inserting a row in the middle of a board of 10,000 then
rewrites the one segment it lands in (and a neighbour when its test against the next entry or a
run of exact ties crosses into it), never the 50 pages that its arrival moves down by one.

Stored rows keep, besides the served fields (the four positional ones set to None):

- `_k`: the row's place in the order, [section (0 ranked, 1 struck), best-first rounded primary
  score, 1 for a baseline (0 otherwise), submission time in microseconds, entry id]; rows that
  carry it can be edited;
- `_b`: for a ranked row, how many ranked rows right before it share its rounded score (a row
  without it is not ranked: struck through, or a baseline shown among the ranked rows at its
  score's place, after the ranked rows of an equal score, without a place of its own);
- `_s`: the score id, for the paired test that the row before it makes against it.

Readers get PAGE_SIZE rows a page (`page_rows`); the writer edits with `SegmentedBoard`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

PAGE_SIZE = 100  # rows a page shows (segments need not line up with pages)
POSITIONAL = ("position", "rank", "tie_group", "tied_with")
RANKED, STRUCK = 0, 1

Loader = Callable[[list[int]], dict[int, list[dict]]]  # segment ids -> their stored rows (those that exist)


class SegmentsGone(Exception):
    """An index names segments that are no longer stored: the board was updated since the index
    was read (its replaced segments deleted); read the board again."""


def stored_row(row: dict, *, key: Iterable | None = None, score_id: int | None = None) -> dict:
    """A served row as a segment keeps it: its positional fields emptied, how many rows before it
    share its rank (`_b`, ranked rows only), and, when given, its key and its score."""
    stored = {**row, **{name: None for name in POSITIONAL}}
    if row.get("position") is not None:
        stored["_b"] = row["position"] - row["rank"]
    if key is not None:
        stored["_k"] = list(key)
    if score_id is not None:
        stored["_s"] = score_id
    return stored


def is_ranked(row: dict) -> bool:
    return "_b" in row


def served(row: dict) -> dict:
    """A stored row without its internals (keys starting with "_"), positional fields as stored."""
    return {name: value for name, value in row.items() if not name.startswith("_")}


@dataclass
class SegmentInfo:
    """What the index says of one segment; `pk` is None until the segment is written."""

    pk: int | None
    n_rows: int = 0
    n_ranked: int = 0
    n_flags: int = 0  # ranked rows significantly better than the next: where tie groups end
    first_flag: int = -1  # how many ranked rows of the segment come before the first such row (-1: none)
    last_flag: int = -1
    n_older: int = 0  # rows still scored on an earlier ground truth
    first_key: list | None = None

    def to_json(self) -> list:
        return [self.pk, self.n_rows, self.n_ranked, self.n_flags, self.first_flag, self.last_flag, self.n_older,
                self.first_key]

    @classmethod
    def from_json(cls, item: list) -> SegmentInfo:
        return cls(*item)


def _flags(rows: list[dict]) -> list[int]:
    """Where tie groups end in these rows: for each ranked row significantly better than the
    next, how many ranked rows come before it among these rows."""
    ranked = [row for row in rows if is_ranked(row)]
    return [i for i, row in enumerate(ranked) if row.get("better_than_next")]


def summarize(rows: list[dict], pk: int | None = None) -> SegmentInfo:
    """The index entry of a segment holding these rows."""
    flags = _flags(rows)
    return SegmentInfo(pk=pk, n_rows=len(rows), n_ranked=sum(1 for row in rows if is_ranked(row)),
                       n_flags=len(flags), first_flag=flags[0] if flags else -1, last_flag=flags[-1] if flags else -1,
                       n_older=sum(1 for row in rows if row.get("older_ground_truth")),
                       first_key=rows[0].get("_k") if rows else None)


def chunked(rows: list[dict], size: int) -> list[list[dict]]:
    """Rows cut in segments of `size` (a whole board as the full rebuild stores it)."""
    return [rows[i:i + size] for i in range(0, len(rows), size)]


@dataclass(frozen=True)
class Totals:
    n_rows: int
    n_ranked: int
    n_pages: int
    n_older: int


def totals(index: list[SegmentInfo]) -> Totals:
    n_rows = sum(info.n_rows for info in index)
    return Totals(n_rows=n_rows, n_ranked=sum(info.n_ranked for info in index),
                  n_pages=max(1, -(-n_rows // PAGE_SIZE)), n_older=sum(info.n_older for info in index))


# ---------------------------------------------------------------- reading

def page_rows(index: list[SegmentInfo], page: int, load: Loader, *, size: int = PAGE_SIZE,
              ties: bool = True) -> list[dict]:
    """The served rows of one page (from 1) of a stored board: `size` rows, with position,
    rank, tie group and tied_with derived from the index and the rows themselves. Without
    `ties` (a board that runs no paired test: the Ladder's) rows have no tie group."""
    n_rows = sum(info.n_rows for info in index)
    return _rows_between(index, (page - 1) * size, min(page * size, n_rows), load, ties=ties)


def all_rows(index: list[SegmentInfo], load: Loader, *, ties: bool = True) -> list[dict]:
    """Every served row of a stored board, in order (`ties` as for page_rows)."""
    return _rows_between(index, 0, sum(info.n_rows for info in index), load, ties=ties)


def _rows_between(index: list[SegmentInfo], low: int, high: int, load: Loader, *, ties: bool) -> list[dict]:
    if low >= high:
        return []
    # Per segment: its first row's index in the board, how many ranked rows and tie-group ends
    # come before it. Positions count ranked rows only (a baseline among them has none).
    starts, ranked_before, flags_before, start, ranked, flags = [], [], [], 0, 0, 0
    for info in index:
        starts.append(start)
        ranked_before.append(ranked)
        flags_before.append(flags)
        start, ranked, flags = start + info.n_rows, ranked + info.n_ranked, flags + info.n_flags
    n_ranked = ranked
    wanted = [s for s, info in enumerate(index) if starts[s] < high and starts[s] + info.n_rows > low]
    loaded = load([index[s].pk for s in wanted])
    gone = [index[s].pk for s in wanted if index[s].pk not in loaded]
    if gone:
        raise SegmentsGone(f"segments {gone} are no longer stored")
    out = []
    for s in wanted:
        rows = loaded[index[s].pk]
        flag_offsets = _flags(rows)  # in ranked rows of this segment
        first_offset = max(low - starts[s], 0)
        r = sum(1 for row in rows[:first_offset] if is_ranked(row))  # ranked rows of the segment before
        for offset in range(first_offset, min(high - starts[s], len(rows))):
            row = {**rows[offset]}
            if is_ranked(row):
                g = ranked_before[s] + r  # the row's index among the board's ranked rows
                before = bisect.bisect_left(flag_offsets, r)  # flags in this segment before the row
                last_flag = (ranked_before[s] + flag_offsets[before - 1] if before
                             else _last_flag_before(index, ranked_before, s))
                at_or_after = flag_offsets[before] if before < len(flag_offsets) else None
                end = (ranked_before[s] + at_or_after if at_or_after is not None
                       else _first_flag_after(index, ranked_before, s))
                end = n_ranked - 1 if end is None else end
                first = 0 if last_flag is None else last_flag + 1
                row.update(position=g + 1, rank=g + 1 - row["_b"], tie_group=flags_before[s] + before + 1,
                           tied_with=[first + 1, end + 1] if end > first else None)
                if not ties:
                    row.update(tie_group=None, tied_with=None)
                r += 1
            out.append(served(row))
    return out


def _last_flag_before(index: list[SegmentInfo], ranked_before: list[int], s: int) -> int | None:
    for t in range(s - 1, -1, -1):
        if index[t].last_flag >= 0:
            return ranked_before[t] + index[t].last_flag
    return None


def _first_flag_after(index: list[SegmentInfo], ranked_before: list[int], s: int) -> int | None:
    for t in range(s + 1, len(index)):
        if index[t].first_flag >= 0:
            return ranked_before[t] + index[t].first_flag
    return None


# ---------------------------------------------------------------- editing

@dataclass
class _Segment:
    info: SegmentInfo
    rows: list[dict] | None = None  # None: not loaded
    dirty: bool = False
    keys: list[list] | None = field(default=None, repr=False)  # the rows' keys, while unchanged

    def row_keys(self) -> list[list]:
        if self.keys is None:
            self.keys = [row["_k"] for row in self.rows]
        return self.keys


class BoardInconsistent(Exception):
    """The stored board does not hold what its index or its teams' placements say."""


class SegmentedBoard:
    """A stored board being edited in place: rows removed and inserted by key, the rank of exact
    ties and the tests against the next entry set again where the edits touched them, and the
    segments that changed cut or merged to size (`rows_per_segment`: a changed segment of more
    than twice that is cut, one of less than half is merged with the next). Segments are loaded
    when first needed (`load`), and only those are written again (`finish`)."""

    def __init__(self, index: list[SegmentInfo], load: Loader, *, rows_per_segment: int):
        self.segments = [_Segment(info=info) for info in index]
        self._load = load
        self.rows_per_segment = rows_per_segment
        self._pending_tests: dict[tuple, int] = {}  # rows handed out by pairs_to_test: their segment

    # -------------------------------------------------------- finding rows

    def wanted(self, keys: Iterable[list]) -> list[int]:
        """The ids of the segments where these keys are or would go, and of their neighbours
        (the rows before and after a change): what an edit of these keys reads first."""
        found = set()
        for key in keys:
            s = self._locate(key)
            found.update(t for t in (s - 1, s, s + 1) if 0 <= t < len(self.segments))
        return [self.segments[t].info.pk for t in sorted(found) if self.segments[t].rows is None]

    def give(self, rows_by_pk: dict[int, list[dict]]) -> None:
        """Segments' rows read beforehand (with other boards' in one query), to edit in place."""
        for seg in self.segments:
            if seg.rows is None and seg.info.pk in rows_by_pk:
                seg.rows = rows_by_pk[seg.info.pk]

    def _ensure(self, segments: list[_Segment]) -> None:
        missing = [seg for seg in segments if seg.rows is None]
        if missing:
            loaded = self._load([seg.info.pk for seg in missing])
            for seg in missing:
                seg.rows = list(loaded[seg.info.pk])

    def _rows(self, s: int) -> list[dict]:
        self._ensure([self.segments[s]])
        return self.segments[s].rows

    def _locate(self, key: list) -> int:
        """The segment that holds (or would hold) this key: the last whose first key is not after it."""
        firsts = [seg.info.first_key for seg in self.segments]
        return max(bisect.bisect_right(firsts, key) - 1, 0)

    def _bisect(self, s: int, key: list) -> int:
        self._rows(s)
        return bisect.bisect_left(self.segments[s].row_keys(), key)

    def _position(self, key: list) -> tuple[int, int] | None:
        """Where the first row with a key not before `key` is, or None past the end."""
        if not self.segments:
            return None
        s = self._locate(key)
        return self._normalized(s, self._bisect(s, key))

    def _normalized(self, s: int, j: int) -> tuple[int, int] | None:
        while s < len(self.segments):
            if j < len(self._rows(s)):
                return s, j
            s, j = s + 1, 0
        return None

    def _before(self, key: list) -> tuple[int, int] | None:
        """The last row whose key is before `key`, or None."""
        if not self.segments:
            return None
        s = self._locate(key)
        j = self._bisect(s, key) - 1
        while j < 0:
            s -= 1
            if s < 0:
                return None
            j = len(self._rows(s)) - 1
        return s, j

    def _after(self, s: int, j: int) -> tuple[int, int] | None:
        return self._normalized(s, j + 1)

    def _ranked_before(self, key: list) -> tuple[int, int] | None:
        """The last ranked row whose key is before `key`, or None (baselines are passed over)."""
        at = self._before(key)
        while at is not None and not is_ranked(self._row(at)):
            at = self._before(self._row(at)["_k"])
        return at

    def _ranked_after(self, s: int, j: int) -> tuple[int, int] | None:
        """The first ranked row after this one, or None when the ranked rows end (baselines are
        passed over; struck rows come after every ranked one)."""
        at = self._after(s, j)
        while at is not None and self._row(at)["_k"][0] == RANKED and not is_ranked(self._row(at)):
            at = self._after(*at)
        return at if at is not None and is_ranked(self._row(at)) else None

    def _row(self, at: tuple[int, int]) -> dict:
        return self._rows(at[0])[at[1]]

    def _touch(self, s: int) -> None:
        self.segments[s].dirty = True
        self.segments[s].keys = None

    # -------------------------------------------------------- edits

    def remove(self, key: list) -> dict:
        """Take out the row with this key; raises BoardInconsistent when there is none."""
        at = self._position(key)
        if at is None or self._row(at)["_k"] != key:
            raise BoardInconsistent(f"no row with key {key}")
        self._touch(at[0])
        return self.segments[at[0]].rows.pop(at[1])

    def insert(self, row: dict) -> None:
        """Put a row (with its key) in its place; raises BoardInconsistent when its key is taken."""
        key = row["_k"]
        if not self.segments:
            self.segments.append(_Segment(info=SegmentInfo(pk=None, first_key=key), rows=[], dirty=True))
        s = self._locate(key)
        j = self._bisect(s, key)
        rows = self.segments[s].rows
        if j < len(rows) and rows[j]["_k"] == key:
            raise BoardInconsistent(f"a row with key {key} is already there")
        rows.insert(j, row)
        self._touch(s)
        if s == 0 and key < self.segments[0].info.first_key:
            self.segments[0].info.first_key = key

    def renumber_ties(self, value: float) -> None:
        """Set `_b` again along the run of ranked rows whose rounded score is `value` (a baseline
        of that score comes after them)."""
        at, back = self._position([RANKED, value]), 0
        while at is not None:
            row = self._row(at)
            if row["_k"][0] != RANKED or row["_k"][1] != value or not is_ranked(row):
                break
            if row.get("_b") != back:
                row["_b"] = back
                self._touch(at[0])
            back += 1
            at = self._after(*at)

    def pairs_to_test(self, keys: Iterable[list]) -> list[tuple[dict, dict | None]]:
        """For each of these keys (rows inserted, or places rows left), the ranked rows whose
        test against the next entry may have changed: the row with the key if it is still
        there, and the ranked row before its place; each with the row after it (None for the
        last ranked row). A row appears once."""
        found: dict[tuple, tuple[dict, dict | None, int]] = {}
        for key in keys:
            if key[0] != RANKED:
                continue
            places = [self._ranked_before(key)]
            here = self._position(key)
            if here is not None and self._row(here)["_k"] == key and is_ranked(self._row(here)):
                places.append(here)
            for at in places:
                if at is None:
                    continue
                row = self._row(at)
                nxt = self._ranked_after(*at)
                following = self._row(nxt) if nxt is not None else None
                found[tuple(row["_k"])] = (row, following, at[0])
        self._pending_tests = {k: s for k, (_, _, s) in found.items()}
        return [(row, following) for row, following, _ in found.values()]

    def set_test(self, row: dict, fields: dict) -> None:
        """Give a row (one of pairs_to_test's) its test against the next entry."""
        if any(row.get(name) != value for name, value in fields.items()):
            row.update(fields)
            self._touch(self._pending_tests[tuple(row["_k"])])

    # -------------------------------------------------------- writing

    def finish(self) -> tuple[list[_Segment], list[int]]:
        """The segments in order after the edits, each changed one cut or merged to size (those
        have no pk yet: they are to be written), and the ids of the segments they replace."""
        out: list[_Segment] = []
        replaced: list[int] = []
        s = 0
        while s < len(self.segments):
            seg = self.segments[s]
            if not seg.dirty:
                out.append(seg)
                s += 1
                continue
            rows = list(seg.rows)
            replaced += [seg.info.pk] if seg.info.pk is not None else []
            largest, smallest = 2 * self.rows_per_segment, max(self.rows_per_segment // 2, 1)
            while len(rows) < smallest and s + 1 < len(self.segments):
                following = self.segments[s + 1]
                size = len(following.rows) if following.rows is not None else following.info.n_rows
                if len(rows) + size > largest:
                    break
                rows += self._rows(s + 1)
                replaced += [following.info.pk] if following.info.pk is not None else []
                s += 1
            pieces = [rows] if len(rows) <= largest else chunked(rows, self.rows_per_segment)
            out += [_Segment(info=summarize(piece), rows=piece, dirty=True) for piece in pieces if piece]
            s += 1
        return out, replaced
