"""The workers keep freed memory for the next file (config/heap.py): reading a file again touches
no new pages, where with glibc's defaults each read of a file of short lines touched thousands.
Each case runs in a fresh process (tests/heap_probe.py), as a worker starts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
FEW = 100  # page faults per read: a read of 1 MB made about 2,900 with glibc's defaults


def faults_per_read(kind: str, **env: str) -> float:
    done = subprocess.run([sys.executable, "tests/heap_probe.py", kind], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120,
                          env={**os.environ, "DEBUG": "True", "SECRET_KEY": "heap-probe", **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["faults_per_read"]


def test_a_process_that_keeps_freed_memory_reads_a_file_again_on_pages_it_has():
    default, kept = faults_per_read("plain"), faults_per_read("keep")
    assert default > 10 * FEW  # what the setting is for: without it each read maps fresh pages
    assert kept < FEW


def test_a_web_worker_keeps_freed_memory_from_its_start():
    assert faults_per_read("web") < FEW  # gunicorn's workers load config/wsgi.py


@pytest.mark.django_db
def test_a_scoring_worker_keeps_freed_memory_from_its_start():
    db = connections["default"].settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    assert faults_per_read("scoring", DATABASE_URL=database_url) < FEW
