"""A detection task set up as an organizer does it, through the organizer pages, for the site's
detection tests: the 200 DET classes imported on the class-sets page, the task created on the
task form, and synthetic ground truth uploaded on the ground-truth page of each split."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from challenge.competition.devkit import read_class_set_folder
from challenge.competition.models import ChallengeYear, ClassSet, Split, Task
from challenge.competition.services import SHIPPED_DET_CLASSES
from submissions import scoring
from submissions.ground_truth import scoring_class_set_from_rows
from tests.base import PASSWORD
from tests.competition.test_organizer_years import split_form

N_IMAGES = {"val": 300, "test": 400}
SEEDS = {"val": 11, "test": 12}


@dataclass
class DetectionSetup:
    task: Task
    files: dict[str, scoring.SyntheticDetection]  # by split name: ground truth and a noisy detector

    def split(self, name: str) -> Split:
        return self.task.splits.get(name=name)


def det_class_set() -> scoring.ClassSet:
    """The scoring core's view of the shipped DET classes, read from the files, not the database."""
    files = read_class_set_folder(SHIPPED_DET_CLASSES)
    return scoring_class_set_from_rows(files.rows, files.edges)


def expected_result(files: scoring.SyntheticDetection, predictions: bytes) -> scoring.DetectionResult:
    """What the scoring core gives for these files, read straight from their bytes."""
    class_set = det_class_set()
    truth = scoring.read_detection_truth(files.image_list, files.boxes_csv, class_set=class_set,
                                         blacklist=files.blacklist)
    return scoring.evaluate_detection_bytes(predictions, truth, class_set=class_set)


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def set_up_detection_task(world) -> DetectionSetup:
    """Olivia imports the DET classes, creates the task `det` and uploads both splits' ground truth."""
    organizer = Client()
    assert organizer.login(username=world.olivia.username, password=PASSWORD)
    response = organizer.post(reverse("organize:class-sets"), {
        "slug": "ilsvrc-det", "name": "ILSVRC detection (200 classes)",
        "synsets": _upload("synsets.tsv", (SHIPPED_DET_CLASSES / "synsets.tsv").read_bytes()),
        "edges": _upload("is_a_edges.tsv", (SHIPPED_DET_CLASSES / "is_a_edges.tsv").read_bytes())})
    assert response.status_code == 302, response.content.decode()[-2000:]
    det = ClassSet.objects.get(slug="ilsvrc-det")
    page = organizer.get(reverse("organize:task-create", args=[world.year.slug])).content.decode()
    assert "Object detection (mean average precision)" in page and f'value="{det.pk}"' in page
    data = {"slug": "det", "title": "Object detection", "kind": "detection", "class_set": str(det.pk),
            "description": "", "position": "2",
            **split_form("val", n_images=str(N_IMAGES["val"]), visibility="immediate", labels_public="on",
                         quota_per_window="20", quota_window_days="1"),
            **split_form("test", n_images=str(N_IMAGES["test"]), quota_per_window="20", quota_window_days="1")}
    response = organizer.post(reverse("organize:task-create", args=[world.year.slug]), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    task = Task.objects.get(year=world.year, slug="det")
    wnids = det_class_set().wnids
    files = {}
    for name in ("val", "test"):
        files[name] = scoring.synthetic_detection(N_IMAGES[name], wnids, SEEDS[name], prefix=f"DET_{name}_")
        url = reverse("organize:ground-truth", args=[world.year.slug, "det", name])
        assert "Image list" in organizer.get(url).content.decode()
        response = organizer.post(url, {"labels": _upload("images.txt", files[name].image_list),
                                        "boxes": _upload("boxes.csv", files[name].boxes_csv),
                                        "blacklist": _upload("blacklist.txt", files[name].blacklist)})
        assert response.status_code == 302, response.content.decode()[-2000:]
    return DetectionSetup(task, files)


def submit_on_page(client: Client, world, split: Split, data: bytes, entry: str):
    """Through the submit page, as the signed-in team member."""
    return client.post(reverse("submissions:submit", args=[world.year.slug]), {
        "split": str(split.pk), "entry_name": entry, "description": "", "file": _upload("dets.txt", data)})


def submit_by_api(user, world, split_name: str, data: bytes, entry: str):
    api = APIClient()
    api.force_authenticate(user)
    return api.post("/api/submissions/", {"year": world.year.slug, "task": "det", "split": split_name,
                                          "file": _upload("dets.txt", data), "entry": entry}, format="multipart")


def results_out(world) -> None:
    ChallengeYear.objects.filter(pk=world.year.pk).update(
        deadline=timezone.now() - timedelta(hours=2), results_at=timezone.now() - timedelta(minutes=1))
