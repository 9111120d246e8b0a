"""What a file costs the site, whatever bytes it holds: hostile files against a normal one of the same size.

    .venv/bin/python bench/cost.py               # 50,000- and 1,000,000-image splits, files up to 32 MB
    .venv/bin/python bench/cost.py --quick       # the 50,000-image split only, files up to 8 MB
    .venv/bin/python bench/cost.py --max-mb 128  # larger files (each size is also capped at the split's limit)
    .venv/bin/python bench/cost.py --default-heap  # without the workers' heap setting (config/heap.py)

For each task kind (classification, localization, detection) and each split size, it writes a
normal file (valid, as a team writes it: for classification and localization one line an image
with 5 integer guesses; for detection detections up to the size) and hostile files of exactly the
same size, plus two as large as the split takes, then measures, each file in a fresh process
that keeps freed memory as the web and scoring workers do (``config.heap.keep_freed_memory``;
``--default-heap`` measures glibc's defaults instead), taking the least CPU of five runs after
an untimed one (one run for files over 16 MB):

* the web worker's validation path, as `services.validate_prediction_file` runs it: the size
  check, then `uploads.plain_text` reading the file in pieces (`scoring.iter_decompressed`)
  and passing them to `scoring.check_prediction_stream`; its CPU (time.process_time) and the
  process's peak resident memory (VmHWM) once it is done (Python, Django and numpy included);
* the scoring worker's path, as `services.evaluate_stored_file` runs it:
  `scoring.evaluate_stream` over `scoring.iter_decompressed` of the stored file, against ground
  truth built for the split (its CPU; the ground truth is built before the clock starts).

Sizes are capped at --max-mb. Hostile files: a bad token on the last line;
every line bad; lines at the length limit; one huge token; a NUL byte on the last line; a BOM
with CR-only line ends (one huge line); nothing but blank lines, then one token; two-byte bad
lines; brackets nested a thousand deep on every line; numbers such as 1e999, .5, 5., -0, +1,
0x10, nan, inf; valid files with odd but legal tokens (a 40-byte confidence, 36-digit
decimals, e-notation, %f and repr() coordinates, leading zeros); two-byte bad lines and blank
lines at the split's limit; and a gzip bomb that inflates past the split's limit. It prints, per
kind and split, every file's CPU and its ratio to the normal file's per byte of plain text (files
of another size than the normal one are compared per byte), then the lines

    hostile/normal CPU, web: N
    hostile/normal CPU, scoring: N
    CPU per 100 MB (plain text): N s
    peak memory of the validation path: N MB

(N = the worst ratio over all hostile files; the CPU per 100 MB is the worst over the normal
files of 8 MB or more, on the web path, n/a without one; the peak is the worst over every file).
Targets: ratios at most 1.5, at most 2 s per 100 MB, the web worker under 300 MB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.heap import keep_freed_memory  # noqa: E402
from submissions import scoring  # noqa: E402

KINDS = ("classification", "localization", "detection")
MB = 1 << 20
LINE_LIMIT = 2048  # the formats' longest line; files of lines at this length are hostile
TARGET_RATIO = 1.5
TARGET_SECONDS_PER_100MB = 2.0
TARGET_WEB_MB = 300
# A file up to this size is read SMALL_FILE_RUNS times after an untimed run, and its least CPU
# kept: a 1 MB file takes 5 ms, where the machine's noise is a millisecond.
SMALL_FILE_BYTES = 16 * MB
SMALL_FILE_RUNS = 5


# --- writing files without a Python loop per line ------------------------------------------------


class Column:
    """One column of generated lines: ``prefix`` + the number (zero-padded to ``width`` digits if given)."""

    def __init__(self, values: np.ndarray, prefix: bytes = b"", width: int = 0) -> None:
        self.values, self.prefix, self.width = values.astype(np.int64), prefix, width


def digits(values: np.ndarray) -> np.ndarray:
    count = np.ones(len(values), dtype=np.int64)
    for k in range(1, 12):
        count += values >= 10**k
    return count


def text_of(columns: list) -> np.ndarray:
    """Lines of space-separated columns (arrays of non-negative integers, or Columns), as bytes."""
    columns = [c if isinstance(c, Column) else Column(c) for c in columns]
    widths = [np.full(len(c.values), c.width) if c.width else digits(c.values) for c in columns]
    line_len = sum(len(c.prefix) + w + 1 for c, w in zip(columns, widths))
    start = np.cumsum(line_len) - line_len
    out = np.full(int(line_len.sum()), 32, dtype=np.uint8)
    offset = start.copy()
    for column, width in zip(columns, widths):
        for j, byte in enumerate(column.prefix):
            out[offset + j] = byte
        offset = offset + len(column.prefix)
        rest = column.values.copy()
        last = offset + width - 1
        for d in range(int(width.max())):
            has = width > d
            out[last[has] - d] = 48 + rest[has] % 10
            rest //= 10
        offset = offset + width + 1
    out[start + line_len - 1] = 10
    return out


def pad_lines(text: np.ndarray, size: int) -> np.ndarray:
    """The same lines, each padded with spaces before its newline, to exactly ``size`` bytes
    (or cut at a line end and padded, if they are longer)."""
    if len(text) > size:
        return cut_to(text, size)
    newlines = np.flatnonzero(text == 10)
    per_line, rest = divmod(size - len(text), len(newlines))
    pads = np.full(len(newlines), per_line, dtype=np.int64)
    pads[:rest] += 1
    starts = np.concatenate(([0], newlines[:-1] + 1))
    lengths = newlines + 1 - starts
    before = np.cumsum(pads) - pads
    out = np.full(size, 32, dtype=np.uint8)
    out[np.arange(len(text)) + np.repeat(before, lengths)] = text
    new_newlines = newlines + before
    out[new_newlines] = 32
    out[new_newlines + pads] = 10
    return out


def cut_to(text: np.ndarray, size: int) -> np.ndarray:
    """The whole lines of ``text`` that fit in ``size`` bytes, then spaces and a newline to fill it."""
    cut = int(np.flatnonzero(text[:size] == 10)[-1]) + 1
    out = np.full(size, 32, dtype=np.uint8)
    out[:cut] = text[:cut]
    out[-1] = 10
    return out


def normal_file(kind: str, n_images: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """A valid file of the kind as a team writes it: for classification and localization one line an
    image, 5 guesses (fewer for localization if they would pass ``size``), integer ids and boxes;
    for detection ``size`` bytes of detections (the split's image indices, 6-decimal confidences,
    integer boxes)."""
    if kind == "classification":
        return text_of([rng.integers(1, 1001, n_images) for _ in range(5)])
    if kind == "localization":
        guesses = 5
        while guesses > 1 and guesses * 20 * n_images > size:
            guesses -= 1
        columns = []
        for _ in range(guesses):
            x1, y1 = rng.integers(0, 300, (2, n_images))
            w, h = rng.integers(20, 200, (2, n_images))
            columns += [rng.integers(1, 1001, n_images), x1, y1, x1 + w, y1 + h]
        return text_of(columns)
    lines = size // 28 + 1
    x1, y1 = rng.integers(0, 400, (2, lines))
    w, h = rng.integers(10, 300, (2, lines))
    text = text_of([rng.integers(1, n_images + 1, lines), rng.integers(1, 201, lines),
                    Column(rng.integers(0, 1_000_000, lines), b"0.", 6), x1, y1, x1 + w, y1 + h])
    return cut_to(text, size)


def line_starts(text: np.ndarray) -> np.ndarray:
    ends = np.flatnonzero(text == 10)
    return np.concatenate(([0], ends[:-1] + 1))


def tiled(pattern: bytes, size: int) -> np.ndarray:
    unit = np.frombuffer(pattern, dtype=np.uint8)
    return np.resize(unit, size).copy()


def replaced_tokens(normal: np.ndarray, column: int, tokens: list[bytes], size: int | None) -> np.ndarray:
    """The normal file's lines with their ``column``-th token replaced by ``tokens`` in turn, cut or
    padded to ``size`` bytes (None: every line kept, whatever the size)."""
    data = normal.tobytes().split(b"\n")
    out = []
    for i, line in enumerate(data[:-1]):
        toks = line.split()
        if len(toks) > column:
            toks[column] = tokens[i % len(tokens)]
        out.append(b" ".join(toks))
    text = np.frombuffer(b"\n".join(out) + b"\n", dtype=np.uint8).copy()
    return text if size is None else pad_lines(text, size)


def hostile_files(kind: str, normal: np.ndarray, n_images: int) -> dict[str, np.ndarray]:
    """Hostile variants of ``normal``, each of exactly its size."""
    size = len(normal)
    starts = line_starts(normal)
    files: dict[str, np.ndarray] = {}
    last = normal.copy()
    last[starts[-1]] = ord("x")
    files["bad token on the last line"] = last
    every = normal.copy()
    every[starts] = ord("x")
    files["every line bad"] = every
    files["lines at the length limit"] = tiled(b"9 " * (LINE_LIMIT // 2 - 1) + b"9\n", size)
    huge = normal.copy()
    huge[: size // 2] = ord("9")
    files["one huge token"] = huge
    nul = normal.copy()
    nul[starts[-1]] = 0
    files["NUL on the last line"] = nul
    cr = normal.copy()
    cr[cr == 10] = 13
    cr = np.concatenate((np.frombuffer(b"\xef\xbb\xbf", np.uint8), cr[:-3]))
    files["BOM and CR-only line ends"] = cr
    blank = np.full(size, 10, dtype=np.uint8)
    blank[-2] = ord("1")
    files["blank lines, then one token"] = blank
    files["two-byte bad lines"] = tiled(b"x\n", size)
    files["brackets nested 1000 deep"] = tiled(b"[" * 1000 + b"]" * 1000 + b"\n", size)
    odd = [b"1e999", b".5", b"5.", b"-0", b"+1", b"0x10", b"nan", b"inf", b"1e-999", b"00000000000000000001"]
    column = 2 if kind == "detection" else (1 if kind == "localization" else 0)
    files["numbers like 1e999 .5 5. -0 +1 0x10 nan inf"] = replaced_tokens(normal, column, odd, size)
    if kind == "detection":
        long_conf = b"0." + b"1234567890" * 3 + b"12345678"
        files["valid: one 40-byte confidence"] = replaced_tokens_once(normal, 2, long_conf, size)
        files["valid: 36-digit confidences"] = replaced_tokens(normal, 2, [b"0." + b"123456789" * 4], size)
        files["valid: e-notation confidences"] = replaced_tokens(normal, 2, [b"1.2345e-05", b"9.87e-1"], size)
        files["valid: %f coordinates (the devkit's demo)"] = numbers_in(normal, range(3, 7), "%f", size)
        files["valid: repr() coordinates"] = numbers_in(normal, range(3, 7), "repr", size)
    elif kind == "localization":  # a line an image: these keep every line, whatever their size
        files["valid: leading zeros"] = replaced_tokens(normal, 0, [b"00000007"], None)
        files["valid: %f coordinates"] = numbers_in(normal, [c for c in range(25) if c % 5], "%f", None)
    else:
        files["valid: leading zeros"] = replaced_tokens(normal, 0, [b"00000007"], None)
    return files


def numbers_in(normal: np.ndarray, columns, style: str, size: int | None) -> np.ndarray:
    """The normal file with the integers of some columns written as a detector writes floats
    (``%f``: 6 decimals; ``repr``: Python's shortest round-trip form, about 17 digits), the value
    nudged by a fraction of a pixel so that the box stays valid."""
    rng = np.random.default_rng(1)
    out = []
    for line in normal.tobytes().split(b"\n")[:-1]:
        toks = line.split()
        for c in columns:
            if c < len(toks):
                value = int(toks[c]) + float(rng.random()) * 0.5
                toks[c] = (f"{value:f}" if style == "%f" else repr(value)).encode()
        out.append(b" ".join(toks))
    text = np.frombuffer(b"\n".join(out) + b"\n", dtype=np.uint8).copy()
    return text if size is None else pad_lines(text, size) if len(text) <= size else cut_to(text, size)


def replaced_tokens_once(normal: np.ndarray, column: int, token: bytes, size: int) -> np.ndarray:
    data = normal.tobytes()
    cut = data.index(b"\n")
    toks = data[:cut].split()
    toks[column] = token
    first = b" ".join(toks)
    text = np.frombuffer(first + data[cut:], dtype=np.uint8).copy()
    return pad_lines(text, size)


# --- measuring, in a fresh process ----------------------------------------------------------------


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return float("nan")


def class_set_of(kind: str) -> scoring.ClassSet:
    cs = scoring.ClassSet.ilsvrc2012()
    return scoring.detection_class_set(list(cs.wnids[:200])) if kind == "detection" else cs


def truth_of(kind: str, n_images: int, class_set: scoring.ClassSet):
    rng = np.random.default_rng(5)
    if kind == "detection":
        x1, y1 = rng.integers(0, 400, (2, n_images))
        w, h = rng.integers(10, 300, (2, n_images))
        boxes = np.stack([x1, y1, x1 + w, y1 + h], axis=1)
        return scoring.DetectionTruth(n_images=n_images, image=np.arange(n_images), label=rng.integers(1, 201, n_images),
                                      boxes=boxes)
    labels = rng.integers(1, 1001, n_images)
    if kind == "classification":
        return scoring.GroundTruth(labels=labels)
    x1, y1 = rng.integers(0, 300, (2, n_images))
    w, h = rng.integers(20, 200, (2, n_images))
    boxes = scoring.Boxes(np.arange(n_images, dtype=np.int32), labels.astype(np.int16),
                          np.stack([x1, y1, x1 + w, y1 + h], axis=1).astype(np.int32), n_images)
    return scoring.GroundTruth(labels=labels, boxes=boxes)


def child(spec: dict) -> dict:
    if spec["worker_heap"]:
        keep_freed_memory()  # as config/wsgi.py and score_pending do, before the rest
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-cost-not-secret")
    os.environ.setdefault("DEBUG", "True")
    import django

    django.setup()
    kind, n_images, path = spec["kind"], spec["images"], Path(spec["path"])
    class_set = class_set_of(kind)
    class_set.token_ids, class_set.wnid_table  # built once per process, outside the clock
    limit = scoring.max_upload_bytes(kind, n_images)
    out: dict = {}
    runs = SMALL_FILE_RUNS if path.stat().st_size <= SMALL_FILE_BYTES else 1
    out["web"], out["web_verdict"] = _least_cpu(runs, validate, kind, n_images, path, class_set, limit)
    out["web_peak_mb"] = peak_mb()
    truth = truth_of(kind, n_images, class_set)
    out["scoring"], out["scoring_verdict"] = _least_cpu(runs, score_file, kind, path, truth, class_set, limit)
    return out


def _least_cpu(runs: int, func, *args) -> tuple[float, str]:
    """The least CPU of ``runs`` calls and the verdict; with more than one, after an untimed call
    (a worker's first file pays for the code's first use and the heap's growth, once)."""
    if runs > 1:
        func(*args)
    timed = []
    for _ in range(runs):
        start = time.process_time()
        verdict = func(*args)
        timed.append((time.process_time() - start, verdict))
    return min(timed)


def validate(kind: str, n_images: int, path: Path, class_set: scoring.ClassSet, limit: int) -> str:
    """What the web worker runs on an upload (services.validate_prediction_file): its verdict."""
    from django.core.files import File

    from submissions import file_kinds, uploads

    with open(path, "rb") as handle:
        upload = File(handle, name=path.name)
        if upload.size > limit:
            return "refused (over the limit)"
        try:
            with uploads.plain_text(upload, limit=limit, error_cls=scoring.PredictionFileError,
                                    check=lambda pieces: scoring.check_prediction_stream(
                                        kind, pieces, n_images=n_images, class_set=class_set)):
                pass
        except scoring.PredictionFileError as exc:
            file_kinds.wrong_task_message(task_kind=kind, head=file_kinds.read_head(upload))  # the refusal's note
            return f"refused ({len(exc.errors)} errors, {exc.omitted} more)"
    return "accepted"


def score_file(kind: str, path: Path, truth, class_set: scoring.ClassSet, limit: int) -> str:
    """What the scoring worker runs on a stored file (services.evaluate_stored_file): its verdict."""
    try:
        with open(path, "rb") as handle:
            scoring.evaluate_stream(kind, scoring.iter_decompressed(handle, limit=limit), truth, class_set=class_set)
        return "scored"
    except scoring.PredictionFileError:
        return "refused"


def in_fresh_process(spec: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          check=False, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"child {spec} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- the run ---------------------------------------------------------------------------------------


def run_case(kind: str, n_images: int, max_bytes: int, folder: Path, *, worker_heap: bool = True) -> dict:
    limit = scoring.max_upload_bytes(kind, n_images)
    rng = np.random.default_rng(2015)
    normal = normal_file(kind, n_images, min(limit, max_bytes), rng)
    size = len(normal)
    files = {"normal": normal, **hostile_files(kind, normal, n_images)}
    large = min(limit, max_bytes)  # hostile files as large as the split takes (or --max-mb)
    if large > 2 * size:
        files["two-byte bad lines, at the limit"] = tiled(b"x\n", large)
        files["blank lines, then one token, at the limit"] = np.concatenate(
            (np.full(large - 2, 10, dtype=np.uint8), np.frombuffer(b"1\n", np.uint8)))
    paths, plain = {}, {}
    for i, (name, data) in enumerate(files.items()):
        paths[name] = folder / f"{kind}-{n_images}-{i}.txt"
        paths[name].write_bytes(data.tobytes())
        plain[name] = len(data)
    bomb = folder / f"{kind}-{n_images}-bomb.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        zeros = bytes(MB)
        for _ in range(limit // MB + 2):
            out.write(zeros)
    paths["gzip bomb (zeros past the limit)"] = bomb
    plain["gzip bomb (zeros past the limit)"] = limit + 1  # what is inflated before it is refused
    results = {}
    for name, path in paths.items():
        print(f"  {kind}, {n_images:,} images: {name} ...", file=sys.stderr, flush=True)
        results[name] = in_fresh_process({"kind": kind, "images": n_images, "path": str(path),
                                           "worker_heap": worker_heap})
        results[name]["bytes"] = plain[name]
        path.unlink()
    return {"kind": kind, "images": n_images, "size": size, "limit": limit, "files": results}


def report(cases: list[dict]) -> int:
    """Print every file's CPU and its ratio to the normal file's, per byte of plain text (the same
    size unless the name says otherwise); then the worst ratios and the targets."""
    worst = {"web": (0.0, ""), "scoring": (0.0, "")}
    per_100mb, peak = None, 0.0
    for case in cases:
        files = case["files"]
        normal = files["normal"]
        print(f"\n{case['kind']}, {case['images']:,} images: the normal file {case['size'] / 1e6:.1f} MB "
              f"(the split's limit: {case['limit'] / 1e6:.1f} MB)")
        print(f"{'file':<46} {'MB':>6} {'web s':>7} {'x':>6} {'scoring s':>9} {'x':>6} {'web MB':>7}  verdict")
        for name, r in files.items():
            scale = normal["bytes"] / r["bytes"]
            web_x, scoring_x = r["web"] / normal["web"] * scale, r["scoring"] / normal["scoring"] * scale
            print(f"{name:<46} {r['bytes'] / 1e6:>6.1f} {r['web']:>7.3f} {web_x:>6.2f} {r['scoring']:>9.3f} "
                  f"{scoring_x:>6.2f} {r['web_peak_mb']:>7.0f}  {r['web_verdict']}")
            peak = max(peak, r["web_peak_mb"])
            if name != "normal":
                for path, x in (("web", web_x), ("scoring", scoring_x)):
                    if x > worst[path][0]:
                        worst[path] = (x, f"{case['kind']}, {case['images']:,} images: {name}")
        if normal["bytes"] >= 8 * MB:  # smaller files time their fixed costs more than their bytes
            per_100mb = max(per_100mb or 0.0, normal["web"] / (normal["bytes"] / 1e8))
    print()
    print(f"hostile/normal CPU, web: {worst['web'][0]:.2f}  (worst: {worst['web'][1]})")
    print(f"hostile/normal CPU, scoring: {worst['scoring'][0]:.2f}  (worst: {worst['scoring'][1]})")
    per_100mb_text = "n/a (no normal file of 8 MB or more)" if per_100mb is None else f"{per_100mb:.2f} s"
    print(f"CPU per 100 MB (plain text): {per_100mb_text}")
    print(f"peak memory of the validation path: {peak:.0f} MB (process VmHWM, Python, Django and numpy included)")
    checks = [
        (f"hostile/normal CPU, web <= {TARGET_RATIO}", worst["web"][0] <= TARGET_RATIO),
        (f"hostile/normal CPU, scoring <= {TARGET_RATIO}", worst["scoring"][0] <= TARGET_RATIO),
        (f"web worker < {TARGET_WEB_MB} MB", peak < TARGET_WEB_MB),
    ]
    if per_100mb is not None:
        checks.insert(2, (f"CPU per 100 MB <= {TARGET_SECONDS_PER_100MB} s", per_100mb <= TARGET_SECONDS_PER_100MB))
    for name, ok in checks:
        print(f"[{'MET' if ok else 'NOT MET'}] {name}")
    return 0 if all(ok for _, ok in checks) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 50,000-image split only, files up to 8 MB")
    parser.add_argument("--max-mb", type=float, default=None, help="largest file, in MiB (default 32; 8 with --quick)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated task kinds")
    parser.add_argument("--default-heap", action="store_true",
                        help="measure with glibc's default heap, not the workers' setting (config/heap.py)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    max_bytes = int((args.max_mb or (8 if args.quick else 32)) * MB)
    splits = (50_000,) if args.quick else (50_000, 1_000_000)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for n_images in splits:
            for kind in args.kinds.split(","):
                cases.append(run_case(kind, n_images, max_bytes, Path(tmp), worker_heap=not args.default_heap))
    return report(cases)


if __name__ == "__main__":
    sys.exit(main())
