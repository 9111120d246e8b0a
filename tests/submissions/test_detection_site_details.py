"""The smaller places where a detection task differs from the others: its format on the submit
page and its sample file, higher-is-better wherever the best entry is picked, and the ledger's
record of a detection score."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from submissions import scoring
from submissions.ground_truth_uploads import upload_ground_truth
from submissions.ledger import verify_chain
from submissions.management.commands.load_demo_entries import thinned
from submissions.models import Score, Submission
from submissions.selectors import final_entries
from submissions.services import create_submission, score_submission
from submissions.statistics import year_figures
from tests.base import PASSWORD
from tests.detection_site import det_class_set, expected_result, set_up_detection_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def det(world):
    return set_up_detection_task(world)


def _scored(world, split, data: bytes, entry: str) -> Submission:
    submission = create_submission(team=world.alpha, split=split, user=world.alice, data=data, entry_name=entry)
    return score_submission(submission_id=submission.pk)


def test_the_submit_page_gives_each_task_its_own_format_and_class_range(client, world, det):
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    detection = page[page.index('id="format-det"'):]
    detection = detection[:detection.index("</li>")]
    assert ("&lt;image_index&gt; &lt;class_id&gt; &lt;confidence&gt; &lt;xmin&gt; &lt;ymin&gt; &lt;xmax&gt; "
            "&lt;ymax&gt;") in detection and "class ids (1–200)" in detection
    classification = page[page.index('id="format-classification"'):]
    assert "up to 5 class ids (1–1000)" in classification[:classification.index("</li>")]
    assert "Object detection: Validation (300 images)" in page and "any (300 images)" in page


def test_the_sample_file_of_a_detection_split_is_detections_that_score(client, world, det):
    response = client.get(reverse("submissions:sample", args=[world.year.slug, "det", "val"]))
    assert response.status_code == 200
    detections = scoring.parse_detections(response.content, n_images=300, class_set=det_class_set())
    assert len(detections) == 300 and detections.label.max() == 200
    scored = _scored(world, det.split("val"), response.content, "sample")
    assert scored.status == Submission.Status.SCORED and 0 <= scored.current_score.mean_average_precision < 0.1


def test_the_default_final_entries_are_the_highest_map_not_the_lowest(world, det):
    val, test = det.split("val"), det.split("test")
    strong = det.files["val"].predictions
    _scored(world, val, thinned(strong, keep=0.3, seed=1), "weak")
    _scored(world, val, strong, "strong")
    _scored(world, val, thinned(strong, keep=0.6, seed=2), "middle")
    assert [s.entry_name for s in final_entries(team=world.alpha, split=val)] == ["strong"]
    _scored(world, test, thinned(det.files["test"].predictions, keep=0.3, seed=1), "weak")
    _scored(world, test, det.files["test"].predictions, "strong")
    # On test too, by the test entries' own mAP on the final ranking's images: the highest.
    assert [s.entry_name for s in final_entries(team=world.alpha, split=test)] == ["strong"]


def test_the_statistics_best_score_over_time_is_the_highest_map(world, det):
    val = det.split("val")
    strong = det.files["val"].predictions
    first = _scored(world, val, strong, "strong")
    _scored(world, val, thinned(strong, keep=0.3, seed=1), "weak")
    figures = next(f for f in year_figures(year=world.year).splits if f.split == val)
    assert figures.best[-1][1] == first.current_score.mean_average_precision


def test_the_ledger_records_a_detection_score_with_its_trace_digest_and_catches_a_changed_trace(world, det):
    scored = _scored(world, det.split("val"), det.files["val"].predictions, "strong")
    assert verify_chain() is None
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().startswith("Ledger intact: ")
    trace = bytes(scored.current_score.detection_trace)
    Score.objects.filter(pk=scored.current_score.pk).update(detection_trace=trace[:-1] + bytes([trace[-1] ^ 1]))
    broken = verify_chain()
    assert broken is not None and f"score {scored.current_score.pk} differs" in broken.reason


def test_replacing_detection_ground_truth_rescores_the_entries_against_the_new_boxes(world, det):
    val = det.split("val")
    scored = _scored(world, val, det.files["val"].predictions, "strong")
    before = scored.current_score
    other = scoring.synthetic_detection(val.n_images, det_class_set().wnids, 99, prefix="DET_val_")
    upload_ground_truth(user=world.olivia, split=val, labels=other.image_list, boxes=other.boxes_csv)
    call_command("score_pending", stdout=StringIO())
    scored.refresh_from_db()
    after = scored.current_score
    expected = expected_result(scoring.SyntheticDetection(other.image_list, other.boxes_csv, b"", b""),
                               det.files["val"].predictions)
    assert after.pk != before.pk and after.ground_truth == val.current_ground_truth
    assert after.mean_average_precision == pytest.approx(expected.mean_average_precision, abs=1e-12)
    assert after.mean_average_precision < before.mean_average_precision  # boxes it was not made for
    assert verify_chain() is None
