"""Property tests: the fast scorer agrees with the slow reference on random files, and any
bytes give a result or a PredictionFileError (no database)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.formats.guesses import precise_parse
from submissions.scoring.formats.guesses_fast import fast_parse
from submissions.scoring.formats.text import prepare_body
from tests.scoring_reference import RefClassSet, RefInvalid, ref_evaluate

CS = scoring.ClassSet.ilsvrc2012()
REF = RefClassSet.ilsvrc2012()
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BAD_LABELS = ["0", "1001", "-3", "abc", "n00001740", "1.5", "000000001", "n0144076", "é", "+1", "\x0b", "00000", "x\x00"]
BAD_COORDS = ["-1", "1.5", "x", "n02119789", "123456789", "1e3"]


def label_token(draw, truth: int, clean: bool) -> str:
    kinds = ["truth"] * 3 + ["id"] * 3 + ["wnid", "wnid_truth", "zeros", "near"] + ([] if clean else ["bad"])
    kind = draw(st.sampled_from(kinds))
    if kind == "truth":
        return str(truth)
    if kind == "id":
        return str(draw(st.integers(1, 1000)))
    if kind == "wnid":
        return draw(st.sampled_from(CS.wnids))
    if kind == "wnid_truth":
        return CS.wnids[truth - 1]
    if kind == "zeros":
        return "0" * draw(st.integers(1, 4)) + str(truth)
    if kind == "near":
        return str(draw(st.sampled_from([1, 2, 3, 999, 1000])))
    return draw(st.sampled_from(BAD_LABELS))


def assemble(draw, lines: list[str], clean: bool) -> bytes:
    if not clean and draw(st.integers(0, 9)) == 0 and lines:  # sometimes a wrong line count
        if draw(st.booleans()):
            lines = lines[:-1]
        else:
            lines = lines + [draw(st.sampled_from(["1", "", " "]))]
    eol = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    tail = draw(st.sampled_from(["", "\n", "\r\n", "\n\n", " \n", "\t"]))
    bom = "\ufeff" if draw(st.integers(0, 9)) == 0 else ""
    return (bom + eol.join(lines) + tail).encode("utf-8")


def join_tokens(draw, toks: list[str]) -> str:
    sep = draw(st.sampled_from([" ", " ", "  ", "\t", " \r"]))
    lead = draw(st.sampled_from(["", "", "", " ", "\t"]))
    trail = draw(st.sampled_from(["", "", " ", "\r", " \r"]))
    return lead + sep.join(toks) + trail


@st.composite
def classification_files(draw):
    clean = draw(st.booleans())  # half the files have no deliberate error
    n = draw(st.integers(1, 12))
    truth = draw(st.lists(st.integers(1, 1000), min_size=n, max_size=n))
    lines = []
    for t in truth:
        k = draw(st.sampled_from([1, 1, 2, 3, 4, 5, 5, 5, 5] + ([] if clean else [0, 6])))
        lines.append(join_tokens(draw, [label_token(draw, t, clean) for _ in range(k)]))
    return assemble(draw, lines, clean), truth


@st.composite
def localization_files(draw):
    clean = draw(st.booleans())  # half the files have no deliberate error
    rare = (lambda: False) if clean else (lambda: draw(st.integers(0, 19)) == 0)
    n = draw(st.integers(1, 8))
    truth = draw(st.lists(st.integers(1, 6), min_size=n, max_size=n))  # few classes: more hits
    gt: dict[int, list] = {}
    for i, t in enumerate(truth):
        boxes = []
        for j in range(draw(st.integers(1, 3))):
            label = t if j == 0 else draw(st.integers(1, 6))
            x1, y1 = draw(st.integers(0, 10)), draw(st.integers(0, 10))
            boxes.append((label, (x1, y1, x1 + draw(st.integers(0, 6)), y1 + draw(st.integers(0, 6)))))
        gt[i] = boxes
    lines = []
    for i, t in enumerate(truth):
        toks: list[str] = []
        k = draw(st.sampled_from([1, 2, 3, 5, 5] + ([] if clean else [0, 6])))
        for _ in range(k):
            if rare():
                toks.append(draw(st.sampled_from(BAD_LABELS)))
            else:
                toks.append(str(draw(st.sampled_from([t, t, t, draw(st.integers(1, 6)), 1000]))))
            base = draw(st.sampled_from(gt[i]))[1]
            x1 = max(0, base[0] + draw(st.integers(-2, 2)))
            y1 = max(0, base[1] + draw(st.integers(-2, 2)))
            box = [x1, y1, max(x1, base[2] + draw(st.integers(-3, 3))), max(y1, base[3] + draw(st.integers(-3, 3)))]
            coords = [str(v) for v in box]
            if rare():
                coords[draw(st.integers(0, 3))] = draw(st.sampled_from(BAD_COORDS))
            if rare():
                coords[0], coords[2] = str(box[2] + 1), str(box[0])  # xmin > xmax
            toks.extend(coords)
        if rare() and toks:
            toks.pop()  # an incomplete group
        lines.append(join_tokens(draw, toks))
    blacklist = set(draw(st.lists(st.integers(0, n - 1), max_size=n - 1, unique=True))) if n > 1 else set()
    return assemble(draw, lines, clean), truth, gt, blacklist


def check_agreement(task, data, truth, k, ours_kwargs, ref_kwargs):
    try:
        ref = ref_evaluate(task, data, truth, cs=REF, guesses=k, **ref_kwargs)
    except RefInvalid as exc:
        ref = exc
    try:
        ours = scoring.evaluate_bytes(task, data, ours_kwargs["truth"], class_set=CS, guesses=k)
    except scoring.PredictionFileError as exc:
        ours = exc
    if isinstance(ref, RefInvalid):
        assert isinstance(ours, scoring.PredictionFileError), (data, ref)
        lines = [e.line for e in ours.errors if e.line is not None]
        assert lines == ref.bad_lines[: scoring.MAX_REPORTED_ERRORS], (data, ours, ref)
        assert ours.omitted == max(0, len(ref.bad_lines) - scoring.MAX_REPORTED_ERRORS)
        count_error = any(e.line is None and "lines (one per image" in e.message for e in ours.errors)
        assert count_error == (ref.file_problem == "line count")
        return
    assert isinstance(ours, scoring.Result), (data, ours)
    assert ours.top1_correct.tolist() == ref["top1_correct"]
    assert ours.top5_correct.tolist() == ref["top5_correct"]
    for key in ("top1_error", "top5_error", "localization_error", "hierarchical_error"):
        if key in ref:
            assert ours.metrics[key] == ref[key], key
    if "hierarchical_error_normalized" in ref:
        assert abs(ours.metrics["hierarchical_error_normalized"] - ref["hierarchical_error_normalized"]) < 1e-12
    if task == "localization":
        assert ours.loc_correct.tolist() == ref["loc_correct"]
    if task == "hierarchical":
        assert ours.hier_cost.tolist() == ref["hier_cost"]


def check_fast_equals_precise(data, n, boxes):
    try:
        body = prepare_body(data)
    except scoring.PredictionFileError:
        return
    fast = fast_parse(body, boxes=boxes, n_images=n, class_set=CS, max_guesses=5)
    if fast is None:
        return
    labels, coords = precise_parse(body, boxes=boxes, n_images=n, class_set=CS)
    assert np.array_equal(fast[0], labels)
    if boxes:
        assert np.array_equal(fast[1], coords)


@SETTINGS
@given(classification_files(), st.integers(1, 5), st.sampled_from(["classification", "hierarchical"]))
def test_it_agrees_with_the_reference_on_random_classification_files(case, k, task):
    data, truth = case
    truth_obj = scoring.GroundTruth(labels=np.array(truth))
    check_agreement(task, data, truth, k, {"truth": truth_obj}, {})
    check_fast_equals_precise(data, len(truth), boxes=False)


@SETTINGS
@given(localization_files(), st.integers(1, 5))
def test_it_agrees_with_the_reference_on_random_localization_files(case, k):
    data, truth, gt, blacklist = case
    rows = [(i, lab, box) for i, boxes in gt.items() for lab, box in boxes]
    boxes = scoring.Boxes(
        image=np.array([r[0] for r in rows], dtype=np.int32),
        label=np.array([r[1] for r in rows], dtype=np.int16),
        coords=np.array([r[2] for r in rows], dtype=np.int32),
        n_images=len(truth),
    )
    mask = np.zeros(len(truth), dtype=bool)
    mask[list(blacklist)] = True
    truth_obj = scoring.GroundTruth(labels=np.array(truth), boxes=boxes, blacklist=mask if blacklist else None)
    check_agreement(
        "localization", data, truth, k, {"truth": truth_obj}, {"boxes": gt, "blacklist": blacklist}
    )
    check_fast_equals_precise(data, len(truth), boxes=True)


@st.composite
def small_dags(draw):
    leaves = draw(st.integers(2, 7))
    internal = draw(st.integers(1, 6))
    total = leaves + internal
    parents: dict[int, list[int]] = {}
    for node in range(1, total):
        lo = max(node + 1, leaves + 1)
        if lo > total or draw(st.integers(0, 9)) == 0:
            continue  # a second root now and then
        parents[node] = draw(st.lists(st.integers(lo, total), min_size=1, max_size=2, unique=True))
    heights = {i: draw(st.integers(0, 20)) for i in range(1, total + 1)}
    wnids = [f"n{i:08d}" for i in range(1, leaves + 1)]
    return wnids, parents, heights


@settings(max_examples=150, deadline=None)
@given(small_dags())
def test_it_computes_the_lca_cost_matrix_of_any_dag_like_the_reference(dag):
    wnids, parents, heights = dag
    cs = scoring.ClassSet(wnids, parents, heights)
    ref = RefClassSet(wnids, parents, heights)
    n = len(wnids)
    expected = [[ref.lca_height(a, b) for b in range(1, n + 1)] for a in range(1, n + 1)]
    assert cs.lca_cost_matrix.tolist() == expected
    assert cs.max_height == ref.max_height()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000), st.integers(1, 6))
def test_it_gives_a_result_or_a_prediction_file_error_for_any_bytes(data, n):
    truth = scoring.GroundTruth(labels=np.arange(1, n + 1))
    for task in ("classification", "hierarchical"):
        try:
            scoring.evaluate_bytes(task, data, truth, class_set=CS)
        except scoring.PredictionFileError as exc:
            assert exc.errors and str(exc)
    try:
        scoring.parse_localization(data, n_images=n, class_set=CS)
    except scoring.PredictionFileError:
        pass


TEXTY = st.text(alphabet="0123456789 n\t\r\n-.,_xé\x00\ufeff", max_size=400).map(lambda s: s.encode("utf-8"))


@settings(max_examples=400, deadline=None)
@given(TEXTY, st.integers(1, 6))
def test_it_gives_a_result_or_an_error_for_any_text_near_the_format(data, n):
    for parse in (scoring.parse_classification, scoring.parse_localization):
        try:
            parse(data, n_images=n, class_set=CS)
        except scoring.PredictionFileError:
            pass
    check_fast_equals_precise(data, n, boxes=False)
    check_fast_equals_precise(data, n, boxes=True)
    for read in (
        lambda: scoring.read_labels(data, class_set=CS),
        lambda: scoring.read_blacklist(data, n_images=n),
        lambda: scoring.read_boxes_csv(data, class_set=CS, n_images=n),
    ):
        try:
            read()
        except scoring.GroundTruthError:
            pass
