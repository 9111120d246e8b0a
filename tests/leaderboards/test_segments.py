"""A board stored in segments (leaderboards.segments), without the database: edited in place
it holds what a board stored whole from the same rows holds, and its pages show what ranking
the rows from scratch shows (positions, shared ranks, tie groups and their spans), on boards of
hundreds of rows cut in segments of 1 to 12 rows, with baselines (shown among the ranked rows at
their score's place, without a place of their own) and struck-through rows.

The tests against the next entry are a made-up function of the two rows' scores here (the
services compute real paired tests); the services' incremental updates against whole rankings,
through the database, are tests/leaderboards/test_incremental_ranking.py.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions.leaderboards import ranking, segments

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _better(a: int, b: int) -> bool:
    """A stand-in for a paired test: deterministic in the two scores, true about a third of the time."""
    return (a * 7 + b * 3) % 3 == 0


def _row(key: tuple, score: int) -> dict:
    section, value, baseline, submitted, entry = key
    row = {"position": None, "rank": None, "team": {"id": entry % 5, "name": f"T{entry % 5}"}, "entry": f"e{entry}",
           "scores": {"top5_error": {"value": value}}, "better_than_next": None, "p_value_next": None,
           "tie_group": None, "tied_with": None, "excluded": "Disqualified: x" if section else None,
           "older_ground_truth": entry % 4 == 0, "is_baseline": bool(baseline), "_k": list(key), "_s": score}
    if _ranked(key):
        row["_b"] = 0
    return row


def _ranked(key: tuple) -> bool:
    return key[0] == segments.RANKED and not key[2]


def _ranked_board(rows: dict[tuple, int]) -> list[dict]:
    """The board ranked from scratch: rows in key order with every derived field and their internals."""
    ordered = [_row(key, score) for key, score in sorted(rows.items())]
    ranked = [row for row in ordered if _ranked(tuple(row["_k"]))]
    flags = [_better(a["_s"], b["_s"]) for a, b in zip(ranked, ranked[1:])] + [False]
    groups = ranking.tie_groups(flags)
    place, previous = 0, None
    for position, (row, flag, group) in enumerate(zip(ranked, flags, groups), start=1):
        if row["_k"][1] != previous:
            place, previous = position, row["_k"][1]
        members = [p for p, g in enumerate(groups, start=1) if g == group]
        row.update(position=position, rank=place, tie_group=group,
                   tied_with=[members[0], members[-1]] if len(members) > 1 else None,
                   better_than_next=flag if position < len(ranked) else None,
                   p_value_next=(0.01 if flag else 0.5) if position < len(ranked) else None)
    return ordered


def _expected(rows: dict[tuple, int]) -> list[dict]:
    """The served rows of the board ranked from scratch."""
    return [segments.served(row) for row in _ranked_board(rows)]


class Store:
    """Segments by id, as the database keeps them (each id's rows never change)."""

    def __init__(self):
        self.rows: dict[int, str] = {}

    def write(self, rows: list[dict]) -> int:
        pk = len(self.rows) + 1
        self.rows[pk] = json.dumps(rows)
        return pk

    def load(self, pks: list[int]) -> dict[int, list[dict]]:
        return {pk: json.loads(self.rows[pk]) for pk in pks}


def _stored_whole(rows: dict[tuple, int], store: Store, size: int) -> list[segments.SegmentInfo]:
    stored = [segments.stored_row(row, key=row["_k"], score_id=row["_s"]) for row in _ranked_board(rows)]
    return [segments.summarize(chunk, pk=store.write(chunk)) for chunk in segments.chunked(stored, size)]


keys = st.tuples(st.sampled_from([segments.RANKED] * 4 + [segments.STRUCK]),
                 st.integers(0, 12).map(lambda v: v / 10), st.integers(0, 3), st.integers(0, 3),
                 st.integers(1, 400)).map(lambda k: (k[0], k[1], int(k[0] == segments.RANKED and k[2] == 0), *k[3:]))
boards = st.dictionaries(keys, st.integers(1, 50), max_size=160)


@SETTINGS
@given(rows=boards, size=st.integers(1, 12), page_size=st.integers(1, 30))
def test_pages_of_a_board_stored_whole_show_the_board_ranked_from_scratch(rows, size, page_size):
    store = Store()
    index = _stored_whole(rows, store, size)
    expected = _expected(rows)
    assert segments.all_rows(index, store.load) == expected
    pages = -(-len(expected) // page_size)
    assert [row for page in range(1, pages + 1)
            for row in segments.page_rows(index, page, store.load, size=page_size)] == expected
    totals = segments.totals(index)
    assert (totals.n_rows, totals.n_ranked) == (len(rows), sum(1 for k in rows if _ranked(k)))


@SETTINGS
@given(rows=boards, size=st.integers(1, 12), edits=st.lists(st.tuples(st.booleans(), keys, st.integers(1, 50)),
                                                            max_size=25))
def test_a_board_edited_in_place_equals_the_board_stored_whole(rows, size, edits):
    store = Store()
    index = _stored_whole(rows, store, size)
    for remove, key, score in edits:
        # As an update does: the rows that go and come, then the ties and the tests they touch.
        board = segments.SegmentedBoard(index, store.load, rows_per_segment=size)
        removals = [list(key)] if remove and key in rows else []
        insertions = [] if remove or key in rows else [_row(key, score)]
        if not (removals or insertions):
            continue
        touched = removals + [row["_k"] for row in insertions]
        board.give(store.load(board.wanted(touched)))
        for gone in removals:
            board.remove(gone)
            del rows[tuple(gone)]
        for row in insertions:
            board.insert(row)
            rows[tuple(row["_k"])] = row["_s"]
        for value in {k[1] for k in touched if k[0] == segments.RANKED}:
            board.renumber_ties(value)
        for row, following in board.pairs_to_test(touched):
            better = following is not None and _better(row["_s"], following["_s"])
            board.set_test(row, {"better_than_next": better if following is not None else None,
                                 "p_value_next": (0.01 if better else 0.5) if following is not None else None})
        ordered, _ = board.finish()
        for segment in ordered:
            if segment.info.pk is None:
                segment.info.pk = store.write(segment.rows)
            assert 0 < segment.info.n_rows <= 2 * size
        index = [segment.info for segment in ordered]
    assert segments.all_rows(index, store.load) == _expected(rows)
