"""The embedded SQLite default: the quota holds across processes too (BEGIN IMMEDIATE)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_it_holds_the_quota_exactly_on_sqlite_under_several_processes(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
           "MEDIA_ROOT": str(tmp_path / "private"), "AWS_STORAGE_BUCKET_NAME": "", "VAR_DIR": str(tmp_path)}
    script = Path(__file__).resolve().parents[1] / "sqlite_quota_race.py"
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert sorted(report["outcomes"]) == ["created"] * 2 + ["over quota"] * 6
    assert report["rows"] == 2
