"""ImageNet at its own scale: scoring-core time and peak memory at 1M/10M images, 1,000/21,841 classes,
and a gzip upload through the site to its score.

    .venv/bin/python bench/scale.py              # 1M and 10M images (~10 minutes, ~3 GB of temp files; as root)
    .venv/bin/python bench/scale.py --quick      # 1M images only (about a minute)
    .venv/bin/python bench/scale.py --no-site    # the scoring core only (no PostgreSQL, no root)
    .venv/bin/python bench/scale.py --site-only  # the path through the site only

Every measurement runs in a fresh Python process that loads the class set, the ground truth
and the file, then times ``scoring.evaluate_bytes`` twice: *cold* (the first call in the
process, which builds what the class set caches, such as the LCA index) and *warm*. The peak
is that process's VmHWM (peak resident memory, everything included). The 21,841-class set
is ``scoring.synthetic_class_set(seed=0)``; predictions have the label among their 5 guesses
for 75% of the images (as bench/scoring.py). Targets (printed MET / NOT MET):

* hierarchical, 21,841 classes, 1M images: peak < 400 MB, and time <= 2.5x the flat top-5
  (classification) evaluation of the same file in the same run (cold, and warm);
* ground-truth boxes (read_boxes_csv), 1M images / 2M boxes: < 2 s and < 400 MB peak;
* classification, 21,841 classes, 10M images: scoring-core peak <= 1.5 GB, parsing included;
* through the site (bench/scale_site.py): the 10M-image gzip file of ``make_scale_year`` is
  accepted by the API (and scored) and by the submit form, and the ``score_pending`` worker that
  scores it peaks under 1.5 GB. It starts a throwaway PostgreSQL (as root, like the rush bench),
  gunicorn with ``-c config/gunicorn.conf.py``, and one worker per upload; it prints each upload's
  answer time, the time from its start to its score on the status endpoint, and the peaks.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import scale_site  # noqa: E402
from submissions import scoring  # noqa: E402

CLASS_COUNTS = (1000, 21841)
TASKS = ("classification", "localization", "hierarchical")
ROWS_PER_WRITE = 250_000
MB = 1e6


# --- writing large text files without a Python loop per line ---------------------------------


@dataclass
class Field:
    """One column of a generated text line: ``prefix`` + the number (zero-padded to ``width``) + ``after``."""

    values: np.ndarray
    prefix: bytes = b""
    width: int = 0
    after: bytes = b" "


def n_digits(values: np.ndarray) -> np.ndarray:
    count = np.ones(len(values), dtype=np.int64)
    for k in range(1, 10):
        count += values >= 10**k
    return count


def format_lines(fields: list[Field]) -> bytes:
    """The lines (one per row of the fields' values), built with whole-array operations."""
    rows = len(fields[0].values)
    widths = [np.full(rows, f.width, dtype=np.int64) if f.width else n_digits(f.values) for f in fields]
    lengths = [len(f.prefix) + w + len(f.after) for f, w in zip(fields, widths)]
    line_len = sum(lengths)
    offset = np.cumsum(line_len) - line_len
    out = np.empty(int(line_len.sum()), dtype=np.uint8)
    for f, width, length in zip(fields, widths, lengths):
        for j, byte in enumerate(f.prefix):
            out[offset + j] = byte
        last = offset + len(f.prefix) + width - 1
        rest = f.values.astype(np.int64)
        for d in range(int(width.max())):
            has = width > d
            out[last[has] - d] = 48 + rest[has] % 10
            rest = rest // 10
        for j, byte in enumerate(f.after):
            out[last + 1 + j] = byte
        offset = offset + length
    return out.tobytes()


def chunk_case(n_classes: int, rows: int, seed: int) -> dict[str, np.ndarray]:
    """Labels, 5 guesses (75% include the label), a ground-truth box, jittered predicted boxes."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, n_classes + 1, rows)
    preds = rng.integers(1, n_classes + 1, (rows, 5))
    hit = rng.random(rows) < 0.75
    preds[hit, rng.integers(0, 5, rows)[hit]] = truth[hit]
    x1, y1 = rng.integers(0, 300, (2, rows))
    w, h = rng.integers(20, 200, (2, rows))
    gt = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
    pb = gt[:, None, :] + rng.integers(-30, 31, (rows, 5, 4))
    pb[..., :2] = np.clip(pb[..., :2], 0, None)
    pb[..., 2:] = np.maximum(pb[..., 2:], pb[..., :2])
    return {"truth": truth, "preds": preds, "gt": gt, "pred_boxes": pb}


def write_case(folder: Path, n_images: int, n_classes: int) -> None:
    """truth.npy, gt.npy, classification.txt and localization.txt for one size."""
    folder.mkdir(parents=True, exist_ok=True)
    truths, gts = [], []
    with open(folder / "classification.txt", "wb") as cls_out, open(folder / "localization.txt", "wb") as loc_out:
        for part, lo in enumerate(range(0, n_images, ROWS_PER_WRITE)):
            c = chunk_case(n_classes, min(ROWS_PER_WRITE, n_images - lo), seed=part)
            truths.append(c["truth"].astype(np.int32))
            gts.append(c["gt"].astype(np.int32))
            last = {"after": b"\n"}
            cls_out.write(format_lines([Field(c["preds"][:, j], **(last if j == 4 else {})) for j in range(5)]))
            fields = []
            for j in range(5):
                fields.append(Field(c["preds"][:, j]))
                fields += [Field(c["pred_boxes"][:, j, k], **(last if j == 4 and k == 3 else {})) for k in range(4)]
            loc_out.write(format_lines(fields))
    np.save(folder / "truth.npy", np.concatenate(truths))
    np.save(folder / "gt.npy", np.concatenate(gts))


def write_boxes_csv(path: Path, n_images: int, class_set: scoring.ClassSet) -> int:
    """A LOC_val_solution-style CSV: ``ILSVRC2012_val_%08d,<WNID> x1 y1 x2 y2 <WNID> ...``, 2 boxes per image."""
    numbers = np.array([int(w[1:]) for w in class_set.wnids])
    with open(path, "wb") as out:
        out.write(b"ImageId,PredictionString\n")
        for part, lo in enumerate(range(0, n_images, ROWS_PER_WRITE)):
            rows = min(ROWS_PER_WRITE, n_images - lo)
            rng = np.random.default_rng(1000 + part)
            fields = [Field(np.arange(lo + 1, lo + rows + 1), b"ILSVRC2012_val_", 8, b",")]
            for box in range(2):
                x1, y1 = rng.integers(0, 400, (2, rows))
                w, h = rng.integers(0, 300, (2, rows))
                label = numbers[rng.integers(0, class_set.n_classes, rows)]
                fields += [Field(label, b"n", 8), Field(x1), Field(y1), Field(x1 + w)]
                fields.append(Field(y1 + h, after=b"\n" if box else b" "))
            out.write(format_lines(fields))
    return path.stat().st_size


# --- measuring in a fresh process ----------------------------------------------------------------


def memory_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024 / MB
    return float("nan")


def load_class_set(n_classes: int) -> scoring.ClassSet:
    if n_classes == 1000:
        return scoring.ClassSet.ilsvrc2012()
    return scoring.synthetic_class_set(n_classes, seed=0).class_set()


def child_evaluate(spec: dict) -> dict:
    folder = Path(spec["folder"])
    class_set = load_class_set(spec["classes"])
    labels = np.load(folder / "truth.npy")
    boxes = None
    if spec["task"] == "localization":
        n = len(labels)
        boxes = scoring.Boxes(np.arange(n, dtype=np.int32), labels.astype(class_set.label_dtype), np.load(folder / "gt.npy"), n)
    truth = scoring.GroundTruth(labels=labels, boxes=boxes)
    name = "localization.txt" if spec["task"] == "localization" else "classification.txt"
    data = (folder / name).read_bytes()
    loaded = memory_mb("VmRSS")
    times = []
    for _ in range(2):
        t0 = time.perf_counter()
        result = scoring.evaluate_bytes(spec["task"], data, truth, class_set=class_set)
        times.append(time.perf_counter() - t0)
        metrics = result.metrics
        del result
    return {"cold": times[0], "warm": times[1], "peak": memory_mb("VmHWM"), "loaded": loaded,
            "file_mb": len(data) / MB, "metrics": metrics}


def child_read_boxes(spec: dict) -> dict:
    class_set = load_class_set(spec["classes"])
    data = Path(spec["path"]).read_bytes()
    loaded = memory_mb("VmRSS")
    t0 = time.perf_counter()
    if spec.get("line_by_line"):
        from submissions.scoring.formats.box_rows import NumberedImages, read_box_rows
        from submissions.scoring.formats.text import prepare_body

        boxes = read_box_rows(prepare_body(data), images=NumberedImages(spec["images"]), class_set=class_set)[0]
    else:
        boxes = scoring.read_boxes_csv(data, class_set=class_set, n_images=spec["images"])
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak": memory_mb("VmHWM"), "loaded": loaded, "boxes": len(boxes),
            "file_mb": len(data) / MB}


def in_fresh_process(kind: str, spec: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} {spec} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------------


def run_evaluations(sizes: list[int], tmp: Path) -> dict:
    results: dict = {}
    for n_images in sizes:
        for n_classes in CLASS_COUNTS:
            folder = tmp / f"{n_images}_{n_classes}"
            t0 = time.perf_counter()
            write_case(folder, n_images, n_classes)
            print(f"  wrote {n_images:,} images x {n_classes:,} classes in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)
            for task in TASKS:
                spec = {"folder": str(folder), "classes": n_classes, "task": task}
                results[(n_images, n_classes, task)] = in_fresh_process("evaluate", spec)
            for name in ("classification.txt", "localization.txt"):
                (folder / name).unlink()
    return results


def run_box_reads(n_images: int, tmp: Path, line_by_line: bool) -> dict:
    path = tmp / "boxes.csv"
    write_boxes_csv(path, n_images, scoring.ClassSet.ilsvrc2012())
    spec = {"path": str(path), "images": n_images, "classes": 1000}
    out = {"fast": in_fresh_process("read_boxes", spec)}
    if line_by_line:
        out["line_by_line"] = in_fresh_process("read_boxes", {**spec, "line_by_line": True})
    path.unlink()
    return out


def print_tables(results: dict, reads: dict, gt_images: int) -> None:
    print(f"\n{'images':>11} {'classes':>8} {'task':<15} {'file MB':>8} {'cold s':>7} {'warm s':>7} "
          f"{'peak MB':>8} {'x flat cold':>11} {'x flat warm':>11}")
    for (n_images, n_classes, task), r in sorted(results.items()):
        flat = results[(n_images, n_classes, "classification")]
        ratio = f"{r['cold'] / flat['cold']:>11.2f} {r['warm'] / flat['warm']:>11.2f}" if task == "hierarchical" else ""
        print(f"{n_images:>11,} {n_classes:>8,} {task:<15} {r['file_mb']:>8.1f} {r['cold']:>7.3f} {r['warm']:>7.3f} "
              f"{r['peak']:>8.0f} {ratio}")
    print("(cold: first evaluate_bytes in a fresh process, incl. the one-time LCA index build; peak: VmHWM of that "
          "process, incl. class set, ground truth and file bytes)")
    fast = reads["fast"]
    print(f"\nground-truth boxes (read_boxes_csv), {gt_images:,} images / {fast['boxes']:,} boxes, "
          f"{fast['file_mb']:.0f} MB: {fast['seconds']:.2f} s, peak {fast['peak']:.0f} MB "
          f"({fast['loaded']:.0f} MB before the call)")
    if "line_by_line" in reads:
        old = reads["line_by_line"]
        print(f"  the line-by-line reader on the same file: {old['seconds']:.2f} s, peak {old['peak']:.0f} MB")


def check_targets(results: dict, reads: dict, gt_images: int) -> list[tuple[str, bool | None, str]]:
    checks: list[tuple[str, bool | None, str]] = []
    hier, flat = results.get((1_000_000, 21841, "hierarchical")), results.get((1_000_000, 21841, "classification"))
    if hier and flat:
        checks.append(("hierarchical, 21,841 classes, 1M images: peak < 400 MB", hier["peak"] < 400,
                       f"{hier['peak']:.0f} MB"))
        cold, warm = hier["cold"] / flat["cold"], hier["warm"] / flat["warm"]
        checks.append(("hierarchical, 21,841 classes, 1M images: time <= 2.5x flat top-5", cold <= 2.5 and warm <= 2.5,
                       f"{cold:.2f}x cold ({hier['cold']:.3f} s / {flat['cold']:.3f} s), {warm:.2f}x warm"))
    fast = reads["fast"]
    label = f"ground-truth boxes, {gt_images:,} images / {fast['boxes']:,} boxes"
    checks.append((f"{label}: < 2 s", fast["seconds"] < 2, f"{fast['seconds']:.2f} s"))
    checks.append((f"{label}: peak < 400 MB", fast["peak"] < 400, f"{fast['peak']:.0f} MB"))
    big = results.get((10_000_000, 21841, "classification"))
    checks.append(("classification, 21,841 classes, 10M images: scoring-core peak <= 1.5 GB",
                   None if big is None else big["peak"] <= 1500,
                   "not measured (--quick)" if big is None else f"{big['peak']:.0f} MB"))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M images only (no 10M run, no old-reader baseline)")
    parser.add_argument("--no-site", action="store_true", help="skip the upload through the site")
    parser.add_argument("--site-only", action="store_true", help="only the upload through the site")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec = args.child
        runner = child_evaluate if kind == "evaluate" else child_read_boxes
        print(json.dumps(runner(json.loads(spec))))
        return 0
    sizes = [1_000_000] if args.quick else [1_000_000, 10_000_000]
    checks: list[tuple[str, bool | None, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        if not args.site_only:
            results = run_evaluations(sizes, Path(tmp))
            reads = run_box_reads(1_000_000, Path(tmp), line_by_line=not args.quick)
            print_tables(results, reads, 1_000_000)
            checks += check_targets(results, reads, 1_000_000)
        if not args.no_site:
            site = scale_site.upload_to_score_through_site([(n, c) for n in sizes for c in CLASS_COUNTS])
            scale_site.print_site(site)
            checks += scale_site.site_checks(site)
    print()
    for name, ok, value in checks:
        status = "n/a" if ok is None else ("MET" if ok else "NOT MET")
        print(f"[{status}] {name}: {value}")
    return 0 if all(ok is not False for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
