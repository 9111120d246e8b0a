"""Class sets above 32,767 classes: 5-digit ids, WNIDs, int32 labels, bits (no database)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import packed, scoring
from submissions.scoring.formats.guesses import precise_parse
from submissions.scoring.formats.guesses_fast import fast_parse
from submissions.scoring.formats.text import prepare_body
from tests.scoring_reference import RefClassSet, ref_evaluate

N = 40_000
EDGE_IDS = [1, 9, 10, 99, 9999, 10000, 32767, 32768, 32769, 39999, 40000]


@pytest.fixture(scope="module")
def tsv_40k(tmp_path_factory):
    synthetic = scoring.synthetic_class_set(N, n_internal=12000, multi_parent=4000, seed=5)
    return scoring.write_class_set_tsv(synthetic, tmp_path_factory.mktemp("scale40k"))


@pytest.fixture(scope="module")
def cs(tsv_40k):
    return scoring.ClassSet.from_tsv(*tsv_40k)


@pytest.fixture(scope="module")
def ref(tsv_40k):
    return RefClassSet.from_tsv(*tsv_40k)


def test_a_class_set_above_32767_classes_is_accepted_with_int32_ids(cs):
    assert cs.n_classes == N and cs.label_dtype == np.int32
    assert int(cs.sorted_index_to_id.max()) == N
    assert [cs.wnids[i - 1] for i in cs.sorted_index_to_id[:3]] == sorted(cs.wnids)[:3]
    assert scoring.ClassSet.ilsvrc2012().label_dtype == np.int16  # 1000 classes stay compact


def test_it_parses_5_digit_ids_and_wnids_above_32767(cs):
    wnids = [cs.wnids[i - 1] for i in EDGE_IDS]
    data = (" ".join(map(str, EDGE_IDS[:5])) + "\n" + " ".join(map(str, EDGE_IDS[5:10])) + "\n"
            + " ".join(wnids[6:]) + "\n" + "040000 032768\n").encode()
    p = scoring.parse_classification(data, n_images=4, class_set=cs)
    assert p.labels.dtype == np.int32
    assert p.labels.tolist() == [EDGE_IDS[:5], EDGE_IDS[5:10], EDGE_IDS[6:], [40000, 32768, 0, 0, 0]]
    body = prepare_body(data)
    fast = fast_parse(body, boxes=False, n_images=4, class_set=cs, max_guesses=5)
    assert fast is not None and np.array_equal(fast[0], p.labels)  # the vectorized path took it


def test_it_reports_ids_above_the_class_count_and_unknown_wnids(cs):
    with pytest.raises(scoring.PredictionFileError) as info:
        scoring.parse_classification(b"40001\n99999\nn00000000\n", n_images=3, class_set=cs)
    assert [(e.line, e.message) for e in info.value.errors] == [
        (1, "label '40001' is outside 1..40000"),
        (2, "label '99999' is outside 1..40000"),
        (3, "unknown WNID n00000000: not one of the 40000 classes"),
    ]


def test_the_wnid_table_finds_every_leaf_and_nothing_else(cs):
    numbers = np.array([int(w[1:]) for w in cs.wnids])
    table = cs.wnid_table
    assert table.ids(numbers).tolist() == list(range(1, N + 1))
    assert table.max_probes >= 2  # the probing path is exercised, not only first hits
    others = np.setdiff1d(np.arange(10_000_000, 10_050_000), numbers)
    assert not table.ids(others).any()
    internal = np.array([int(w[1:]) for i, w in cs.synset_wnids.items() if i > N])
    assert not table.ids(internal).any()
    assert table._slot_id.nbytes < 2e6  # a collision-free modulus would take N**2 / 2 slots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_fast_and_the_precise_parser_agree_above_32767_classes(cs, data):
    lines = []
    for _ in range(data.draw(st.integers(1, 20))):
        k = data.draw(st.integers(1, 5))
        toks = []
        for _ in range(k):
            cid = data.draw(st.sampled_from(EDGE_IDS) | st.integers(1, N))
            kind = data.draw(st.sampled_from(["id", "id", "wnid", "zeros"]))
            toks.append(cs.wnids[cid - 1] if kind == "wnid" else ("0" * 3 + str(cid))[-8:] if kind == "zeros" else str(cid))
        if data.draw(st.booleans()):
            x1, y1 = data.draw(st.integers(0, 99999)), data.draw(st.integers(0, 99999))
            toks = [f"{t} {x1} {y1} {x1 + 5} {y1 + 7}" for t in toks]
            lines.append((" ".join(toks), True))
        else:
            lines.append((" ".join(toks), False))
    for boxes in (False, True):
        chosen = [text for text, has_boxes in lines if has_boxes == boxes]
        if not chosen:
            continue
        body = prepare_body("\n".join(chosen).encode())
        fast = fast_parse(body, boxes=boxes, n_images=len(chosen), class_set=cs, max_guesses=5)
        slow = precise_parse(body, boxes=boxes, n_images=len(chosen), class_set=cs)
        assert fast is not None
        assert fast[0].dtype == np.int32 and np.array_equal(fast[0], slow[0])
        if boxes:
            assert np.array_equal(fast[1], slow[1])


def test_it_scores_classification_and_hierarchical_above_32767_like_the_reference(cs, ref):
    rng = np.random.default_rng(8)
    truth = np.concatenate([EDGE_IDS, rng.integers(1, N + 1, 489)])
    lines = []
    for t in truth.tolist():
        guesses = rng.integers(32000, N + 1, int(rng.integers(1, 6))).tolist()
        if rng.random() < 0.5:
            guesses[int(rng.integers(0, len(guesses)))] = t
        lines.append(" ".join(cs.wnids[g - 1] if g % 3 == 0 else str(g) for g in guesses))
    data = "\n".join(lines).encode()
    gt = scoring.GroundTruth(labels=truth)
    assert gt.labels.dtype == np.int32
    for task in ("classification", "hierarchical"):
        ours = scoring.evaluate_bytes(task, data, gt, class_set=cs)
        expected = ref_evaluate(task, data, truth.tolist(), cs=ref)
        assert ours.top1_correct.tolist() == expected["top1_correct"]
        assert ours.top5_correct.tolist() == expected["top5_correct"]
        assert ours.metrics["top5_error"] == expected["top5_error"]
        assert ours.top1_labels.dtype == np.int32 and int(ours.top1_labels.max()) > 32767
    assert ours.hier_cost.tolist() == expected["hier_cost"]
    assert ours.metrics["hierarchical_error"] == expected["hierarchical_error"]


def test_the_per_image_bits_round_trip_labels_above_32767(cs):
    truth = scoring.GroundTruth(labels=np.array([40000, 32768, 1, 5]))
    r = scoring.evaluate_bytes("hierarchical", b"40000\n32769 32768\n39999\n5\n", truth, class_set=cs)
    bits = r.to_bits()
    assert len(bits["top1_labels"]) == 4 * 4  # 4 bytes per image above 32767 classes
    back = scoring.Result.from_bits(bits, task="hierarchical", images=4, max_height=cs.max_height)
    assert back.top1_labels.tolist() == [40000, 32769, 39999, 5]
    assert back.metrics == r.metrics and back.hier_cost.tolist() == r.hier_cost.tolist()
    assert packed.unpack_values(bits["top1_labels"], 4).tolist() == [40000, 32769, 39999, 5]
    small = scoring.evaluate_bytes("classification", b"7\n", scoring.GroundTruth(labels=[7]),
                                   class_set=scoring.ClassSet.ilsvrc2012())
    assert len(small.to_bits()["top1_labels"]) == 2  # 2 bytes per image up to 32767 classes


def test_it_reads_label_and_box_ground_truth_above_32767(cs):
    labels = scoring.read_labels(f"40000\n{cs.wnids[32767]}\n00012\n".encode(), class_set=cs, n_images=3)
    assert labels.dtype == np.int32 and labels.tolist() == [40000, 32768, 12]
    csv = (f"ImageId,PredictionString\n1,40000 0 0 9 9 {cs.wnids[39998]} 1 1 5 5\n"
           f"ILSVRC_val_2,{cs.wnids[32767]} 2 2 8 8\n3,12 0 0 1 1\n").encode()
    boxes = scoring.read_boxes_csv(csv, class_set=cs, n_images=3)
    assert boxes.label.dtype == np.int32 and boxes.label.tolist() == [40000, 39999, 32768, 12]
    assert boxes.image.tolist() == [0, 0, 1, 2]
    truth = scoring.GroundTruth(labels=labels, boxes=boxes)
    r = scoring.evaluate_bytes("localization", b"40000 0 0 9 9\n32768 2 2 8 8\n1 0 0 1 1\n", truth, class_set=cs)
    assert r.loc_correct.tolist() == [True, True, False]


def test_from_tsv_takes_the_id_from_the_first_column_whatever_its_name(tmp_path):
    (tmp_path / "synsets.tsv").write_text(
        "synset_id\twnid\twords\twordnet_height\n"
        "1\tn00000011\tcat\t0\n2\tn00000012\tdog\t0\n3\tn00000013\tanimal\t1\n"
    )
    (tmp_path / "edges.tsv").write_text("parent_id\tchild_id\n3\t1\n3\t2\n")
    cs = scoring.ClassSet.from_tsv(tmp_path / "synsets.tsv", tmp_path / "edges.tsv")
    assert cs.wnids == ("n00000011", "n00000012") and cs.distance(1, 2) == 1
    assert cs.internal_wnid_id("n00000013") == 3 and cs.words[2] == "dog"
    (tmp_path / "bad.tsv").write_text("wnid\tsynset_id\twordnet_height\nn00000011\t1\t0\n")
    with pytest.raises(ValueError, match="first column"):
        scoring.ClassSet.from_tsv(tmp_path / "bad.tsv", tmp_path / "edges.tsv")


def test_a_class_set_needs_at_least_one_class():
    with pytest.raises(ValueError, match="classes"):
        scoring.ClassSet([], {}, {})
