"""Scoring speed and memory: ours against numpy's C parse floor and the pure-Python reference.

    .venv/bin/python bench/scoring.py            # 100,000 and 1,000,000 lines (a few minutes)
    .venv/bin/python bench/scoring.py --quick    # 100,000 lines only, reference at 1M skipped
    .venv/bin/python bench/scoring.py --detection  # only the object detection (DET) section

Prints median seconds for reading the file, np.fromstring over the same bytes (the C parse
floor), the reference scorer (tests/scoring_reference.py) and ours (parse + validate + score,
i.e. scoring.evaluate_bytes), for classification and localization; the peak extra memory of
ours at 1,000,000 classification lines (tracemalloc); the ratios; and whether each target is met:

* classification, 100,000 lines: ours <= 2x the C parse floor and >= 8x faster than the reference;
* localization, 100,000 lines: ours >= 5x faster than the reference;
* classification, 1,000,000 lines: < 300 MB extra memory.

Object detection (DET): synthetic ground truth (20,000 images, 200 classes) and a noisy file
of 1,000,000 detections (scoring.synthetic_detection). Prints the median seconds of the C
parse floor, parsing, matching + AP, and both together (scoring.evaluate_detection_bytes);
the peak extra memory (tracemalloc); the bootstrap interval (200 resamples) and a paired test;
the trace's size; and the reference (tests/detection_reference.py) against ours on a smaller
file of 100,000 detections (2,000 images; --quick: 20,000 detections on 400 images), with the
mAPs checked equal. Targets:

* detection, 1M: parse + match + AP < 3 s and < 1 GB extra memory;
* detection, 1M: bootstrap interval (200 resamples) < 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from submissions import scoring  # noqa: E402
from tests.detection_reference import ref_evaluate as ref_detection  # noqa: E402
from tests.scoring_reference import RefClassSet, ref_evaluate  # noqa: E402

CS = scoring.ClassSet.ilsvrc2012()
REF = RefClassSet.ilsvrc2012()


def median_seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def make_case(n: int, seed: int = 0):
    """Random labels; predictions with the truth among 5 guesses for ~75% of the images."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 1001, n)
    preds = rng.integers(1, 1001, (n, 5))
    hit = rng.random(n) < 0.75
    preds[hit, rng.integers(0, 5, n)[hit]] = truth[hit]
    # ground-truth boxes: one of the image's class, sometimes a second one
    x1 = rng.integers(0, 300, n)
    y1 = rng.integers(0, 300, n)
    w = rng.integers(20, 200, n)
    h = rng.integers(20, 200, n)
    gt = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
    # predicted boxes: jittered copies of the ground-truth box
    jitter = rng.integers(-30, 31, (n, 5, 4))
    pb = gt[:, None, :] + jitter
    pb[..., 0] = np.clip(pb[..., 0], 0, None)
    pb[..., 1] = np.clip(pb[..., 1], 0, None)
    pb[..., 2] = np.maximum(pb[..., 2], pb[..., 0])
    pb[..., 3] = np.maximum(pb[..., 3], pb[..., 1])
    return truth, preds, gt, pb


def classification_bytes(preds: np.ndarray) -> bytes:
    return ("\n".join(" ".join(map(str, row)) for row in preds.tolist()) + "\n").encode()


def localization_bytes(preds: np.ndarray, boxes: np.ndarray) -> bytes:
    rows = np.concatenate([preds[..., None], boxes], axis=2).reshape(len(preds), 25)
    return ("\n".join(" ".join(map(str, row)) for row in rows.tolist()) + "\n").encode()


def c_floor(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.fromstring(data, dtype=np.int64, sep=" ")


def c_floor_float(data: bytes) -> np.ndarray:
    """The C parse floor for detection files: every token as a double (confidences are floats)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return np.fromstring(data, dtype=np.float64, sep=" ")


def read_back(data: bytes, folder: Path) -> float:
    path = folder / "preds.txt"
    path.write_bytes(data)
    return median_seconds(path.read_bytes, 5)


def bench_size(n: int, folder: Path, ref_repeat: int, our_repeat: int, run_reference: bool) -> dict:
    truth, preds, gt, pb = make_case(n)
    cls_data = classification_bytes(preds)
    loc_data = localization_bytes(preds, pb)
    boxes = scoring.Boxes(
        image=np.arange(n, dtype=np.int32),
        label=truth.astype(np.int16),
        coords=gt.astype(np.int32),
        n_images=n,
    )
    truth_cls = scoring.GroundTruth(labels=truth)
    truth_loc = scoring.GroundTruth(labels=truth, boxes=boxes)
    truth_list = truth.tolist()
    ref_boxes = {i: [(int(truth[i]), tuple(int(v) for v in gt[i]))] for i in range(n)}
    out: dict = {"n": n}
    for task, data, truth_obj, ref_kw in (
        ("classification", cls_data, truth_cls, {}),
        ("localization", loc_data, truth_loc, {"boxes": ref_boxes}),
    ):
        ours = scoring.evaluate_bytes(task, data, truth_obj, class_set=CS)
        row = {
            "bytes": len(data),
            "read": read_back(data, folder),
            "floor": median_seconds(lambda: c_floor(data), our_repeat),
            "ours": median_seconds(lambda: scoring.evaluate_bytes(task, data, truth_obj, class_set=CS), our_repeat),
        }
        if run_reference:
            ref = ref_evaluate(task, data, truth_list, cs=REF, **ref_kw)
            assert ref["top5_error"] == ours.metrics["top5_error"], "fast and reference scorers disagree"
            if task == "localization":
                assert ref["localization_error"] == ours.metrics["localization_error"]
            row["reference"] = median_seconds(
                lambda: ref_evaluate(task, data, truth_list, cs=REF, **ref_kw), ref_repeat
            )
        out[task] = row
    if n >= 1_000_000:
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        scoring.evaluate_bytes("classification", cls_data, truth_cls, class_set=CS)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out["peak_mb"] = (peak - base) / 1e6
    return out


def detection_case(n_images: int, per_image: float, wnids: list[str]):
    """Synthetic DET ground truth (with its blacklist) and prediction bytes."""
    cs = scoring.detection_class_set(wnids)
    syn = scoring.synthetic_detection(n_images, wnids, 2013, detections_per_image=per_image)
    truth = scoring.read_detection_truth(syn.image_list, syn.boxes_csv, class_set=cs, blacklist=syn.blacklist)
    return cs, truth, syn.predictions


def peak_mb(func) -> float:
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 1e6


def bench_detection(quick: bool) -> dict:
    """Time DET scoring at 1M detections, its bootstrap, and the reference on a smaller file."""
    wnids = list(CS.wnids[:200])
    cs, truth, data = detection_case(20_000, 50.0, wnids)
    dets = scoring.parse_detections(data, n_images=truth.n_images, class_set=cs)
    result = scoring.score_detections(dets, truth, class_set=cs)
    kept = np.arange(len(dets)) % 10 != 0  # a second entry on the same images: every 10th line dropped
    fewer = scoring.Detections(dets.image[kept], dets.label[kept], dets.confidence[kept], dets.boxes[kept])
    other = scoring.score_detections(fewer, truth, class_set=cs)
    out = {
        "n": len(dets), "bytes": len(data), "map": result.mean_average_precision,
        "floor": median_seconds(lambda: c_floor_float(data), 3),
        "parse": median_seconds(lambda: scoring.parse_detections(data, n_images=truth.n_images, class_set=cs), 3),
        "match": median_seconds(lambda: scoring.score_detections(dets, truth, class_set=cs), 3),
        "total": median_seconds(lambda: scoring.evaluate_detection_bytes(data, truth, class_set=cs), 3),
        "peak_mb": peak_mb(lambda: scoring.evaluate_detection_bytes(data, truth, class_set=cs)),
        "trace_bytes": len(result.trace.to_bytes()), "kept": result.trace.detections,
        "positives_bytes": len(result.positives.to_bytes()),
    }
    t0 = time.perf_counter()
    out["ci"] = scoring.bootstrap_map_ci(result.trace, result.positives)
    out["ci_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["paired"] = scoring.paired_map_test(result.trace, other.trace, result.positives)
    out["paired_seconds"] = time.perf_counter() - t0
    small_images = 400 if quick else 2_000
    cs, truth, data = detection_case(small_images, 50.0, wnids)
    ours = scoring.evaluate_detection_bytes(data, truth, class_set=cs)
    gt: dict[int, list] = {}
    for i, c, b in zip(truth.image.tolist(), truth.label.tolist(), truth.boxes.tolist()):
        gt.setdefault(i, []).append((c, tuple(b)))
    pairs = {(a, b) for a, b in truth.blacklist.tolist()}
    t0 = time.perf_counter()
    ref = ref_detection(data, n_images=small_images, wnids=wnids, gt=gt, blacklist=pairs)
    out["small"] = {
        "n": ours.detections, "reference": time.perf_counter() - t0,
        "ours": median_seconds(lambda: scoring.evaluate_detection_bytes(data, truth, class_set=cs), 5),
        "agree": abs(float(ref["map"]) - ours.mean_average_precision) < 1e-12,
    }
    return out


def print_detection(d: dict) -> list:
    """Print the DET table; return its target checks."""
    print(f"\nObject detection (DET), {d['n']:,} detections ({d['bytes'] / 1e6:.1f} MB), 20,000 images, "
          f"200 classes, mAP {d['map']:.4f}")
    print(f"{'C floor':>9} {'parse':>8} {'match+AP':>9} {'total':>8} {'total/floor':>12} {'peak MB':>8}")
    print(f"{d['floor']:>9.3f} {d['parse']:>8.3f} {d['match']:>9.3f} {d['total']:>8.3f} "
          f"{d['total'] / d['floor']:>12.2f} {d['peak_mb']:>8.0f}")
    p = d["paired"]
    print(f"bootstrap 95% interval (200 resamples): [{d['ci'][0]:.4f}, {d['ci'][1]:.4f}] in {d['ci_seconds']:.2f} s; "
          f"paired test against the entry without every 10th line: A better in {p.a_better}/{p.resamples}, "
          f"p = {p.p_value:.3f}, in {d['paired_seconds']:.2f} s")
    print(f"trace: {d['kept']:,} detections kept (up to each class's last TP), {d['trace_bytes'] / 1e6:.2f} MB; "
          f"positives: {d['positives_bytes'] / 1e3:.0f} kB (once per ground truth)")
    s = d["small"]
    print(f"reference on {s['n']:,} detections: {s['reference']:.2f} s, ours {s['ours']:.4f} s, "
          f"reference/ours {s['reference'] / s['ours']:.0f}x, same mAP: {s['agree']}")
    print("(median seconds; C floor = np.fromstring over the same bytes; total = scoring.evaluate_detection_bytes)")
    return [
        ("detection 1M: parse + match + AP < 3 s", d["total"] < 3, f"{d['total']:.2f} s"),
        ("detection 1M: < 1 GB extra memory", d["peak_mb"] < 1000, f"{d['peak_mb']:.0f} MB peak"),
        ("detection 1M: bootstrap interval (200 resamples) < 3 s", d["ci_seconds"] < 3, f"{d['ci_seconds']:.2f} s"),
        ("detection: agrees with the reference", s["agree"], str(s["agree"])),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 lines only (no 1M run)")
    parser.add_argument("--detection", action="store_true", help="only the object detection section")
    args = parser.parse_args()
    if args.detection:
        print("generating and timing 1,000,000 detections ...", file=sys.stderr, flush=True)
        checks = print_detection(bench_detection(args.quick))
        print()
        for name, ok, value in checks:
            print(f"[{'MET' if ok else 'NOT MET'}] {name}: {value}")
        return 0 if all(ok for _, ok, _ in checks) else 1
    CS.lca_index  # warm the caches outside the timings
    CS.token_ids
    CS.wnid_table
    sizes = [(100_000, 3, 7, True)]
    if not args.quick:
        sizes.append((1_000_000, 1, 3, True))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, ref_repeat, our_repeat, run_ref in sizes:
            print(f"generating and timing {n:,} lines ...", file=sys.stderr, flush=True)
            results.append(bench_size(n, Path(tmp), ref_repeat, our_repeat, run_ref))

    print(f"\n{'lines':>10} {'task':<15} {'MB':>6} {'read':>8} {'C floor':>8} {'reference':>10} {'ours':>8}"
          f" {'ours/floor':>10} {'ref/ours':>9}")
    for r in results:
        for task in ("classification", "localization"):
            row = r[task]
            ref = row.get("reference")
            ref_text = f"{ref:.4f}" if ref else "-"
            speedup = f"{ref / row['ours']:.1f}" if ref else "-"
            print(
                f"{r['n']:>10,} {task:<15} {row['bytes'] / 1e6:>6.1f} {row['read']:>8.4f} {row['floor']:>8.4f} "
                f"{ref_text:>10} {row['ours']:>8.4f} {row['ours'] / row['floor']:>10.2f} "
                f"{speedup:>9}"
            )
    print("(median seconds; ours = parse + validate + score with scoring.evaluate_bytes)")

    small = results[0]
    checks = [
        (
            "classification 100k: ours <= 2x C parse floor",
            small["classification"]["ours"] <= 2 * small["classification"]["floor"],
            f"{small['classification']['ours'] / small['classification']['floor']:.2f}x",
        ),
        (
            "classification 100k: >= 8x faster than reference",
            small["classification"]["reference"] >= 8 * small["classification"]["ours"],
            f"{small['classification']['reference'] / small['classification']['ours']:.1f}x",
        ),
        (
            "localization 100k: >= 5x faster than reference",
            small["localization"]["reference"] >= 5 * small["localization"]["ours"],
            f"{small['localization']['reference'] / small['localization']['ours']:.1f}x",
        ),
    ]
    if len(results) > 1:
        big = results[1]
        checks.append(
            ("classification 1M: < 300 MB extra memory", big["peak_mb"] < 300, f"{big['peak_mb']:.0f} MB peak")
        )
    print("generating and timing 1,000,000 detections ...", file=sys.stderr, flush=True)
    checks += print_detection(bench_detection(args.quick))
    print()
    for name, ok, value in checks:
        print(f"[{'MET' if ok else 'NOT MET'}] {name}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
