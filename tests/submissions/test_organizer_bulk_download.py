"""Organizers download a split's submissions in bulk (issue 24, item 3): one streamed zip with
every file as stored and a manifest CSV (team, entry, submitted, SHA-256, scores, board), audited."""

import csv
import hashlib
import io
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.storage import read_private_file
from submissions.models import Submission
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def test_an_organizer_downloads_every_file_of_a_split_with_its_manifest_and_it_is_audited(world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="a one")
    submit(world.val, world.alpha, world.bob, wrong=2, entry="a two")
    submit(world.val, world.charlies_team, world.charlie, wrong=0, entry="c one")
    submit(world.test, world.alpha, world.alice, wrong=0, entry="on another split")
    client = Client()
    client.force_login(world.olivia)
    url = reverse("organize:split-submissions-zip", args=[world.year.slug, world.val.pk])
    response = client.get(url)
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert 'filename="y2030-classification-val-submissions.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert [r["entry"] for r in rows] == ["a one", "a two", "c one"]
    assert sorted(archive.namelist()) == sorted(["manifest.csv", *(r["file"] for r in rows)])
    for row in rows:
        submission = Submission.objects.get(pk=row["submission"])
        stored = read_private_file(submission.file_key)
        assert archive.read(row["file"]) == stored  # as stored
        assert row["sha256"] == hashlib.sha256(stored).hexdigest() == submission.file_sha256
        assert (row["team"], row["board"], row["status"]) == (submission.team.name, "official", "scored")
    assert [r["top5_error"] for r in rows] == ["0.10000", "0.20000", "0.00000"]
    audit = AuditEntry.objects.get(action="split.download_submissions")
    assert audit.actor == world.olivia and audit.details["submissions"] == 3


def test_only_organizers_may_download_a_split(world):
    url = reverse("organize:split-submissions-zip", args=[world.year.slug, world.val.pk])
    client = Client()
    client.force_login(world.alice)
    assert client.get(url).status_code in (302, 403, 404)
    assert not AuditEntry.objects.filter(action="split.download_submissions").exists()
