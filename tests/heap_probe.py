"""Run as a script: start a process as one kind of worker, read a file again and again as an upload
is read, and print the page faults of the last reads (JSON).

    python tests/heap_probe.py plain          # glibc's defaults
    python tests/heap_probe.py keep           # config.heap.keep_freed_memory() alone
    python tests/heap_probe.py web            # a web worker: imports config/wsgi.py
    python tests/heap_probe.py scoring        # a scoring worker: runs score_pending once (mail only)

The file: 1 MB of two-byte bad lines for a 50,000-image classification split, a file of short
lines, whose every read mapped thousands of fresh pages with glibc's defaults (config/heap.py). Used by tests/site/test_worker_heap.py, which sets
DATABASE_URL for the scoring worker.
"""

import io
import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

READS_BEFORE, READS_COUNTED = 3, 3


def start(kind: str) -> None:
    if kind == "keep":
        from config.heap import keep_freed_memory

        assert keep_freed_memory()
    elif kind == "web":
        import config.wsgi  # noqa: F401
    elif kind == "scoring":
        import django

        django.setup()
        from django.core.management import call_command

        call_command("score_pending", only="mail")
    else:
        assert kind == "plain", kind


def faults_per_read() -> float:
    from submissions import scoring

    class_set = scoring.ClassSet.ilsvrc2012()
    data = b"x\n" * (1 << 19)
    limit = scoring.max_upload_bytes("classification", 50_000)

    def read() -> None:
        try:
            pieces = scoring.iter_decompressed(io.BytesIO(data), limit=limit)
            scoring.check_prediction_stream("classification", pieces, n_images=50_000, class_set=class_set)
        except scoring.PredictionFileError:
            pass

    for _ in range(READS_BEFORE):
        read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(READS_COUNTED):
        read()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / READS_COUNTED


if __name__ == "__main__":
    start(sys.argv[1])
    print(json.dumps({"faults_per_read": faults_per_read()}))
