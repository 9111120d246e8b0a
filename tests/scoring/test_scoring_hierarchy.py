"""The class set, the is-a DAG and the LCA-height cost matrix (no database)."""

import numpy as np
import pytest

from submissions import scoring
from tests.scoring_reference import DATA, RefClassSet

CS = scoring.ClassSet.ilsvrc2012()


def test_it_loads_the_shipped_ilsvrc2012_class_set_once():
    assert scoring.ClassSet.ilsvrc2012() is CS
    assert CS.n_classes == 1000
    assert CS.wnids[0] == "n02119789" and CS.wnids[999] == "n03255030"
    assert CS.wnid_to_id["n01440764"] == 449  # tench
    assert CS.max_height == 19


def test_it_checks_the_data_readme_distances():
    m = CS.lca_cost_matrix
    assert m.dtype == np.uint8 and m.shape == (1000, 1000)
    assert m[0, 1] == 6  # kit fox vs English setter: canine
    assert m[1, 2] == 5  # English setter vs Siberian husky: dog
    assert m[0, 999] == 16  # kit fox vs dumbbell: whole
    assert m.max() == 19
    assert (np.diag(m) == 0).all() and (m == m.T).all()
    assert CS.distance(1, 2) == 6 and CS.distance(7, 7) == 0


def test_it_follows_every_parent_in_the_dag():
    # 75 synsets have two parents; through the dog's first parent alone the kit fox and the
    # English setter would only meet at height 13: the second parent (canine, 6) is lower.
    assert sum(1 for child in range(1, 1861) if len(CS._parents.get(child, ())) > 1) == 75
    canine = next(i for i, w in CS.synset_wnids.items() if w == "n02083346")
    assert canine in CS.ancestors(1) and canine in CS.ancestors(2)
    assert CS.distance(1, 2) == CS.height(canine) == 6


def test_it_matches_the_reference_lca_on_many_pairs():
    ref = RefClassSet.ilsvrc2012()
    m = CS.lca_cost_matrix
    rng = np.random.default_rng(0)
    pairs = [(int(a), int(b)) for a, b in rng.integers(1, 1001, size=(20000, 2))]
    pairs += [(a, b) for a in range(1, 21) for b in range(1, 1001)]
    for a, b in pairs:
        assert m[a - 1, b - 1] == ref.lca_height(a, b), (a, b)


def test_it_knows_the_sorted_wnid_order_of_torchvision_and_caffe():
    rows = (DATA / "classes.tsv").read_text().splitlines()[1:]
    sorted_index = {int(r.split("\t")[0]): int(r.split("\t")[2]) for r in rows}
    for cid, k in sorted_index.items():
        assert CS.id_to_sorted_index[cid] == k
        assert CS.sorted_index_to_id[k] == cid
    lines = (DATA / "synset_words_sorted_wnid.txt").read_text().splitlines()
    assert [CS.wnids[i - 1] for i in CS.sorted_index_to_id] == [ln.split()[0] for ln in lines]


def test_it_builds_a_class_set_from_plain_sequences():
    # leaves 1..4; 5 = root (height 3); 6 (height 1) over 1,2; 7 (height 2) over 2,3 (2 has two parents)
    cs = scoring.ClassSet(
        ["n00000001", "n00000002", "n00000003", "n00000004"],
        {1: [6], 2: [6, 7], 3: [7], 4: [5], 6: [5], 7: [5]},
        {1: 0, 2: 0, 3: 0, 4: 0, 5: 3, 6: 1, 7: 2},
    )
    assert cs.n_classes == 4 and cs.max_height == 3
    assert cs.lca_cost_matrix.tolist() == [
        [0, 1, 3, 3],
        [1, 0, 2, 3],
        [3, 2, 0, 3],
        [3, 3, 3, 0],
    ]


def test_it_rejects_a_cycle_a_bad_wnid_and_a_missing_height():
    with pytest.raises(ValueError, match="cycle"):
        scoring.ClassSet(["n00000001"], {1: [2], 2: [3], 3: [2]}, {1: 0, 2: 1, 3: 2})
    with pytest.raises(ValueError, match="WNID"):
        scoring.ClassSet(["cat"], {}, {1: 0})
    with pytest.raises(ValueError, match="height"):
        scoring.ClassSet(["n00000001"], {1: [2]}, {1: 0})
    with pytest.raises(ValueError, match="unique"):
        scoring.ClassSet(["n00000001", "n00000001"], {}, {1: 0, 2: 0})


def test_it_reads_the_tsv_files_given_explicitly():
    cs = scoring.ClassSet.from_tsv(DATA / "synsets_1860.tsv", DATA / "is_a_edges.tsv")
    assert cs.wnids == CS.wnids
    assert np.array_equal(cs.lca_cost_matrix, CS.lca_cost_matrix)
