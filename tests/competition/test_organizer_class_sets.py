"""The organizer page of class sets: the stored ones, and importing one from a devkit's files
(a synsets TSV with its edges, or a meta.mat), at any size; refused files store nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.competition.models import ClassSet
from challenge.competition.services import SHIPPED_ILSVRC2012
from submissions import scoring
from tests.base import PASSWORD

pytestmark = pytest.mark.django_db
URL = "organize:class-sets"


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def _tsv_pair(tmp_path, n_classes, **kwargs):
    scoring.write_class_set_tsv(scoring.synthetic_class_set(n_classes, **kwargs), tmp_path)
    return {"synsets": SimpleUploadedFile("my synsets.tsv", (tmp_path / "synsets.tsv").read_bytes()),
            "edges": SimpleUploadedFile("../../edges.tsv", (tmp_path / "is_a_edges.tsv").read_bytes())}


def test_it_lists_the_class_sets_with_their_sizes(organizer):
    page = organizer.get(reverse(URL)).content.decode()
    assert "ilsvrc2012" in page and ">1000<" in page and ">1860<" in page


def test_an_organizer_imports_a_class_set_above_32767_classes_from_a_synsets_tsv(organizer, tmp_path):
    files = _tsv_pair(tmp_path, 33000, n_internal=40, multi_parent=10, seed=1)
    response = organizer.post(reverse(URL), {"slug": "big", "name": "Big set", **files})
    assert response.status_code == 302
    class_set = ClassSet.objects.get(slug="big")
    assert class_set.n_classes == 33000 and class_set.synsets.count() == 33040
    record = AuditEntry.objects.get(action="classset.import")
    assert record.details["n_classes"] == 33000 and record.actor.username == "olivia"
    assert "33,000 classes imported" in organizer.get(reverse(URL)).content.decode()


def test_an_organizer_imports_a_devkits_meta_mat(organizer):
    meta = SimpleUploadedFile("meta.mat", (SHIPPED_ILSVRC2012 / "meta.mat").read_bytes())
    response = organizer.post(reverse(URL), {"slug": "from-mat", "name": "From the devkit", "meta_mat": meta})
    assert response.status_code == 302
    assert ClassSet.objects.get(slug="from-mat").synsets.count() == 1860


def test_a_malformed_file_is_refused_with_its_line_and_stores_nothing(organizer, tmp_path):
    files = _tsv_pair(tmp_path, 50, n_internal=5, multi_parent=0, seed=1)
    lines = (tmp_path / "synsets.tsv").read_text().splitlines()
    lines[3] = lines[3].replace("\t", "\t\t", 1)
    files["synsets"] = SimpleUploadedFile("synsets.tsv", ("\n".join(lines) + "\n").encode())
    response = organizer.post(reverse(URL), {"slug": "broken", "name": "Broken", **files})
    assert response.status_code == 400
    assert "synsets.tsv line 4" in response.content.decode()
    assert not ClassSet.objects.filter(slug="broken").exists()


def test_it_needs_either_a_meta_mat_or_both_tsv_files(organizer, tmp_path):
    files = _tsv_pair(tmp_path, 20, n_internal=3, multi_parent=0)
    response = organizer.post(reverse(URL), {"slug": "half", "name": "Half", "synsets": files["synsets"]})
    assert response.status_code == 400
    assert "both synsets.tsv and is_a_edges.tsv" in response.content.decode()


def test_participants_may_not_import(client, world, tmp_path):
    client.login(username="alice", password=PASSWORD)
    files = _tsv_pair(tmp_path, 20, n_internal=3, multi_parent=0)
    assert client.post(reverse(URL), {"slug": "x", "name": "X", **files}).status_code == 403
    assert not ClassSet.objects.filter(slug="x").exists()
