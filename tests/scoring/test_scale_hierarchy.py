"""Hierarchical error at ImageNet's own scale: the synthetic 21k set, the LCA index (no database)."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.classes.lca import NO_GUESS_COST, LcaIndex
from tests.scoring_reference import RefClassSet, ref_evaluate

N21K = 21841


@pytest.fixture(scope="module")
def synthetic_21k():
    return scoring.synthetic_class_set(N21K, n_internal=9000, multi_parent=3000, seed=7)


@pytest.fixture(scope="module")
def tsv_21k(synthetic_21k, tmp_path_factory):
    return scoring.write_class_set_tsv(synthetic_21k, tmp_path_factory.mktemp("scale21k"))


@pytest.fixture(scope="module")
def cs_21k(tsv_21k):
    return scoring.ClassSet.from_tsv(*tsv_21k)


@pytest.fixture(scope="module")
def ref_21k(tsv_21k):
    return RefClassSet.from_tsv(*tsv_21k)


def random_hierarchical_file(rng, n_images, n_classes, hit_rate=0.5):
    truth = rng.integers(1, n_classes + 1, n_images)
    lines = []
    for t in truth.tolist():
        guesses = rng.integers(1, n_classes + 1, int(rng.integers(1, 6))).tolist()
        if rng.random() < hit_rate:
            guesses[int(rng.integers(0, len(guesses)))] = t
        lines.append(" ".join(map(str, guesses)))
    return truth, ("\n".join(lines) + "\n").encode()


# --- the synthetic generator ----------------------------------------------------------------


def test_the_synthetic_set_has_imagenet_scale_and_shape(synthetic_21k):
    s = synthetic_21k
    assert s.n_classes == N21K and len(s.rows) == N21K + 9000
    assert [r.id for r in s.rows] == list(range(1, N21K + 9001))
    parents = s.parents()
    multi = sum(1 for ps in parents.values() if len(ps) > 1)
    assert 2900 <= multi <= 3000  # "several thousand" synsets with two parents or more
    assert any(len(ps) >= 3 for ps in parents.values())
    assert set(parents) == set(range(1, N21K + 9001)) - {N21K + 1}  # one root
    has_child = {p for ps in parents.values() for p in ps}
    assert has_child == set(range(N21K + 1, N21K + 9001))  # the leaves are exactly 1..n
    heights = {r.id: r.height for r in s.rows}
    children = {}
    for p, c in s.edges:
        children.setdefault(p, []).append(c)
    for r in s.rows:
        assert heights[r.id] == (1 + max(heights[c] for c in children[r.id]) if r.id in children else 0)
    assert 10 <= max(heights.values()) <= 254
    assert len({r.wnid for r in s.rows}) == len(s.rows)


def test_the_synthetic_set_is_deterministic_per_seed():
    a = scoring.synthetic_class_set(500, n_internal=200, multi_parent=60, seed=3)
    b = scoring.synthetic_class_set(500, n_internal=200, multi_parent=60, seed=3)
    c = scoring.synthetic_class_set(500, n_internal=200, multi_parent=60, seed=4)
    assert a == b
    assert a.edges != c.edges and a.rows != c.rows


def test_the_synthetic_set_refuses_impossible_counts():
    with pytest.raises(ValueError, match="leaf below them"):
        scoring.synthetic_class_set(3, n_internal=50, multi_parent=0)
    with pytest.raises(ValueError):
        scoring.synthetic_class_set(10, n_internal=5, multi_parent=100)


def test_the_written_tsv_files_read_back_to_the_same_class_set(synthetic_21k, cs_21k):
    direct = synthetic_21k.class_set()
    assert cs_21k.wnids == direct.wnids and cs_21k.max_height == direct.max_height
    rng = np.random.default_rng(0)
    p, t = rng.integers(1, N21K + 1, (2, 5000))
    assert np.array_equal(cs_21k.lca_costs(p, t), direct.lca_costs(p, t))
    assert cs_21k.words[1] == "synthetic class 1"


# --- scoring at 21,841 classes ----------------------------------------------------------------


def test_it_scores_21k_classes_hierarchically_exactly_like_the_reference(cs_21k, ref_21k):
    rng = np.random.default_rng(11)
    truth, data = random_hierarchical_file(rng, 2000, N21K)
    ours = scoring.evaluate_bytes("hierarchical", data, scoring.GroundTruth(labels=truth), class_set=cs_21k)
    ref = ref_evaluate("hierarchical", data, truth.tolist(), cs=ref_21k)
    assert ours.hier_cost.tolist() == ref["hier_cost"]
    assert ours.metrics["hierarchical_error"] == ref["hierarchical_error"]
    assert ours.metrics["hierarchical_error_normalized"] == ref["hierarchical_error_normalized"]
    assert ours.top5_correct.tolist() == ref["top5_correct"]
    assert 0 < ours.metrics["hierarchical_error"] < cs_21k.max_height


def test_the_lca_index_agrees_with_distance_on_21k_pairs(cs_21k, ref_21k):
    rng = np.random.default_rng(12)
    p, t = rng.integers(1, N21K + 1, (2, 3000))
    got = cs_21k.lca_costs(p, t).tolist()
    assert got == [cs_21k.distance(a, b) for a, b in zip(p.tolist(), t.tolist())]
    assert got == [ref_21k.lca_height(a, b) for a, b in zip(p.tolist(), t.tolist())]


def test_hierarchical_scoring_at_21k_classes_needs_no_n_by_n_table(cs_21k):
    # the n x n uint8 table alone took 477 MB (and a padded copy as much again)
    rng = np.random.default_rng(13)
    truth, data = random_hierarchical_file(rng, 2000, N21K)
    tracemalloc.start()
    scoring.evaluate_bytes("hierarchical", data, scoring.GroundTruth(labels=truth), class_set=cs_21k)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 40e6
    assert "lca_cost_matrix" not in cs_21k.__dict__
    assert cs_21k.lca_index.nbytes < 10e6


# --- the LCA index on any DAG -----------------------------------------------------------------


@st.composite
def dags(draw):
    """Leaves 1..n and internal synsets above; any synset may take 1..3 parents among higher ids
    (a leaf too, which makes it an internal synset of sorts), some none (several roots)."""
    leaves = draw(st.integers(1, 8))
    internal = draw(st.integers(0, 8))
    total = leaves + internal
    parents = {}
    for node in range(1, total):
        if draw(st.integers(0, 7)) == 0:
            continue
        above = st.integers(node + 1, total)
        parents[node] = draw(st.lists(above, min_size=1, max_size=3, unique=True))
    heights = {i: draw(st.integers(0, 254)) for i in range(1, total + 1)}
    return [f"n{i:08d}" for i in range(1, leaves + 1)], parents, heights


@settings(max_examples=300, deadline=None)
@given(dags())
def test_the_lca_index_equals_distance_and_the_reference_on_any_dag(dag):
    wnids, parents, heights = dag
    cs = scoring.ClassSet(wnids, parents, heights)
    ref = RefClassSet(wnids, parents, heights)
    n = len(wnids)
    ids = np.arange(1, n + 1)
    pred, truth = np.repeat(ids, n), np.tile(ids, n)
    got = cs.lca_costs(pred, truth).tolist()
    assert got == [cs.distance(a, b) for a, b in zip(pred.tolist(), truth.tolist())]
    assert got == [ref.lca_height(a, b) for a, b in zip(pred.tolist(), truth.tolist())]
    # a missing guess costs more than any height; the order of the pairs does not matter
    assert cs.lca_costs(np.zeros(n, dtype=int), ids).tolist() == [NO_GUESS_COST] * n
    order = np.random.default_rng(n).permutation(len(pred))
    assert cs.lca_costs(pred[order], truth[order]).tolist() == [got[i] for i in order]


def test_the_lca_index_handles_a_long_chain_and_a_wide_fan():
    # 300 internal synsets in a chain above leaf 1, 200 leaves directly under the root
    n, chain = 201, 300
    parents = {1: [n + 1]}
    parents.update({n + k: [n + k + 1] for k in range(1, chain)})
    parents.update({leaf: [n + chain] for leaf in range(2, n + 1)})
    heights = {i: 0 for i in range(1, n + 1)}
    heights.update({n + k: min(k, 254) for k in range(1, chain + 1)})
    cs = scoring.ClassSet([f"n{i:08d}" for i in range(1, n + 1)], parents, heights)
    index = LcaIndex(n, parents, heights, cs.max_height)
    assert index.costs(np.array([1, 2, 2, 0]), np.array([2, 3, 2, 5])).tolist() == [254, 254, 0, 255]
    assert cs.lca_costs(np.array([3]), np.array([4])).tolist() == [254]


def test_lca_costs_refuses_ids_outside_the_class_set():
    cs = scoring.ClassSet.ilsvrc2012()
    with pytest.raises(IndexError):
        cs.lca_costs(np.array([1001]), np.array([1]))
    with pytest.raises(IndexError):
        cs.lca_costs(np.array([-1]), np.array([1]))
    with pytest.raises(IndexError):
        cs.lca_costs(np.array([1]), np.array([0]))
    with pytest.raises(ValueError):
        cs.lca_costs(np.array([1, 2]), np.array([1]))
