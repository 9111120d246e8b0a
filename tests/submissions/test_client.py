"""The command-line client, run as teams run it, against a live server."""

import hashlib
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from submissions.models import Submission
from tests.base import TEST_LABELS, VAL_LABELS, make_world, predictions_file

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = Path(settings.BASE_DIR) / "static" / "client" / "ilsvrc_submit.py"


def run_client(live_server, token, path, *args):
    command = [sys.executable, "-I", str(CLIENT), "--server", live_server.url, "--token", token,
               "--year", "y2030", "--task", "classification", "--entry", "cli entry", *args, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.fixture
def setup(live_server, tmp_path):
    world = make_world()
    token = Token.objects.create(user=world.alice).key
    return world, token, tmp_path


def test_it_is_downloadable_from_the_site(live_server):
    with urllib.request.urlopen(f"{live_server.url}/static/client/ilsvrc_submit.py") as response:
        assert response.read() == CLIENT.read_bytes()


def test_it_submits_and_prints_the_score(live_server, setup, scoring_worker):
    world, token, tmp = setup
    path = tmp / "val.txt"
    path.write_bytes(predictions_file([[label] for label in VAL_LABELS[:9]] + [[1000]]))
    result = run_client(live_server, token, path, "--split", "val", "--external-data")
    assert result.returncode == 0, result.stderr
    assert "Top-5 error: 10.000%" in result.stdout
    submission = Submission.objects.get()
    assert submission.entry_name == "cli entry" and submission.external_data and submission.status == "scored"


def test_it_sends_a_large_file_gzip_compressed(live_server, setup, scoring_worker):
    world, token, tmp = setup
    path = tmp / "val.txt"
    plain = predictions_file([[label] for label in VAL_LABELS[:9]] + [[1000]])
    path.write_bytes(plain)
    result = run_client(live_server, token, path, "--split", "val", "--gzip")
    assert result.returncode == 0, result.stderr
    assert "Top-5 error: 10.000%" in result.stdout
    assert Submission.objects.get().file_sha256 == hashlib.sha256(plain).hexdigest()  # its text was stored


def test_it_reports_line_errors_and_quota(live_server, setup, scoring_worker):
    world, token, tmp = setup
    bad = tmp / "bad.txt"
    bad.write_bytes(b"1\n2\nnot-a-class\n" + b"4\n" * 7)
    refused = run_client(live_server, token, bad, "--split", "val")
    assert refused.returncode == 1 and "line 3:" in refused.stderr

    good = tmp / "test.txt"
    good.write_bytes(predictions_file([[label] for label in TEST_LABELS]))
    hidden = run_client(live_server, token, good, "--split", "test")
    assert hidden.returncode == 0 and "hidden until the results" in hidden.stdout
    run_client(live_server, token, good, "--split", "test")
    over = run_client(live_server, token, good, "--split", "test")
    assert over.returncode == 2 and "Next free slot:" in over.stderr


def test_a_wrong_token_is_an_error(live_server, setup):
    world, token, tmp = setup
    path = tmp / "val.txt"
    path.write_bytes(predictions_file([[label] for label in VAL_LABELS]))
    result = run_client(live_server, "not-a-token", path)
    assert result.returncode == 4 and "401" in result.stderr


def test_it_uses_the_standard_library_only():
    imported = [line.split()[1].split(".")[0] for line in CLIENT.read_text().splitlines()
                if line.startswith(("import ", "from "))]
    assert set(imported) <= set(sys.stdlib_module_names)


def test_it_downloads_as_ilsvrc_submit_py(live_server):
    with urllib.request.urlopen(f"{live_server.url}/client/ilsvrc_submit.py") as response:
        assert response.read() == CLIENT.read_bytes()
        assert response.headers["Content-Disposition"] == 'attachment; filename="ilsvrc_submit.py"'


def test_it_checks_a_file_without_spending_quota_and_prints_scores_and_links_not_internals(live_server, setup,
                                                                                         scoring_worker):
    world, token, tmp = setup
    bad = tmp / "detections.txt"
    bad.write_bytes(b"".join(b"%d 5 0.9 10 20 30 40\n" % i for i in range(1, 11)))
    refused = run_client(live_server, token, bad, "--split", "val", "--check")
    assert refused.returncode == 1 and "This looks like an object detection file" in refused.stderr
    good = tmp / "val.txt"
    good.write_bytes(predictions_file([[label] for label in VAL_LABELS]))
    ready = run_client(live_server, token, good, "--split", "val", "--check")
    assert ready.returncode == 0 and "Ready to submit." in ready.stdout
    assert not Submission.objects.exists()

    scored = run_client(live_server, token, good, "--split", "val", "--paper", "https://arxiv.org/abs/1",
                        "--code", "https://example.org/code")
    assert scored.returncode == 0, scored.stderr
    out = scored.stdout
    assert "Top-5 error: 0.000%" in out and "Top-1 error: 0.000%" in out
    submission = Submission.objects.get()
    assert f"Entry: {live_server.url}/submissions/{submission.pk}/" in out
    assert f"Leaderboard: {live_server.url}/years/y2030/tasks/classification/val/leaderboard/" in out
    assert "basis" not in out and "ladder_accepted" not in out and "None" not in out
    assert (submission.method_url, submission.code_url) == ("https://arxiv.org/abs/1", "https://example.org/code")
