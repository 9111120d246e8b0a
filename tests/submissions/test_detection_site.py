"""A detection challenge run on the site from end to end: an organizer sets the task up on the
organizer pages, teams submit on the submit page and through the API, the worker scores, the
board ranks by mAP with the categories each entry won, per-class AP shows on validation only,
and the results date freezes the final board."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from submissions import quotas
from submissions.management.commands.load_demo_entries import thinned
from submissions.models import Submission
from submissions.services import create_submission
from tests.base import PASSWORD
from tests.detection_site import expected_result, results_out, set_up_detection_task, submit_by_api, \
    submit_on_page

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _board(client, world, split, **params):
    url = reverse("leaderboards:leaderboard", args=[world.year.slug, "det", split])
    return client.get(url, params).content.decode()


def _board_api(client, world, split):
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "det"])
    return client.get(url, {"split": split}).json()


def _expected_categories(first: dict, second: dict) -> list[int]:
    """Classes won by the first and second ranked entries: the best AP, the first entry on a tie,
    nobody when both have AP 0."""
    won = [0, 0]
    for wnid, ap in first.items():
        best = max(ap, second[wnid])
        if best > 0:
            won[0 if ap == best else 1] += 1
    return won


def test_a_detection_challenge_runs_from_the_organizer_pages_to_a_frozen_board(world):
    det = set_up_detection_task(world)
    val, test = det.split("val"), det.split("test")
    strong = det.files["val"].predictions
    weak = thinned(strong, keep=0.4, seed=3)
    alice = _signed_in(world.alice)
    response = submit_on_page(alice, world, val, strong, "full detector")
    assert response.status_code == 302
    response = submit_by_api(world.charlie, world, "val", weak, "thin detector")
    assert response.status_code == 201, response.content
    assert submit_on_page(alice, world, test, det.files["test"].predictions, "full detector").status_code == 302
    assert submit_by_api(world.charlie, world, "test", thinned(det.files["test"].predictions, keep=0.4, seed=4),
                         "thin detector").status_code == 201
    call_command("score_pending", stdout=StringIO())
    submissions = {(s.team_id, s.split.name): s for s in Submission.objects.select_related("split")}
    assert len(submissions) == 4 and {s.status for s in submissions.values()} == {"scored"}

    # Each score is the scoring core's, on the task's 200 classes, with the split's blacklist.
    mine, theirs = submissions[(world.alpha.pk, "val")], submissions[(world.charlies_team.pk, "val")]
    expected = expected_result(det.files["val"], strong)
    assert mine.current_score.mean_average_precision == pytest.approx(expected.mean_average_precision, abs=1e-12)
    assert mine.current_score.average_precision == pytest.approx(expected.average_precision, abs=1e-12)
    assert expected.ignored > 0  # the blacklist took effect
    assert mine.current_score.top5_error is None and mine.current_score.top1_bits is None
    better, worse = mine.current_score, theirs.current_score
    assert better.mean_average_precision > worse.mean_average_precision

    # The public validation board ranks by mAP, with intervals and the categories each entry won.
    page = _board(Client(), world, "val")
    assert "Mean average precision" in page and "Categories won" in page and "higher is better" in page
    assert page.index("full detector") < page.index("thin detector")
    body = _board_api(Client(), world, "val")
    assert body["primary_metric"] == "mean_average_precision"
    rows = body["entries"]
    assert [(r["rank"], r["entry"]) for r in rows] == [(1, "full detector"), (2, "thin detector")]
    shown = rows[0]["scores"]["mean_average_precision"]
    assert shown["value"] == round(better.mean_average_precision, 5) and shown["ci_low"] < shown["ci_high"]
    assert [r["categories_won"] for r in rows] == _expected_categories(better.average_precision,
                                                                       worse.average_precision)

    # The API gives the validation mAP with its interval; the test score stays null until the results.
    api = APIClient()
    api.force_authenticate(world.charlie)
    body = api.get(f"/api/submissions/{theirs.pk}/").json()
    assert body["scores"]["mean_average_precision"] == round(worse.mean_average_precision, 5)
    assert body["scores"]["basis"] == "all" and len(body["scores"]["intervals"]["mean_average_precision"]) == 2
    their_test = submissions[(world.charlies_team.pk, "test")]
    assert api.get(f"/api/submissions/{their_test.pk}/").json()["scores"] is None

    # The team's submission page: the mAP row alone, and per-class AP on validation only.
    page = alice.get(reverse("submissions:detail", args=[mine.pk])).content.decode()
    assert "Mean average precision" in page and f"{better.mean_average_precision:.5f}" in page
    assert "Top-5 error" not in page and "Top-1 error" not in page
    per_class = reverse("leaderboards:per-class", args=[mine.pk])
    assert per_class in page
    report = alice.get(per_class)
    assert report.status_code == 200 and "Per-class average precision" in report.content.decode()
    assert _signed_in(world.charlie).get(per_class).status_code == 404
    mine_test = submissions[(world.alpha.pk, "test")]
    page = alice.get(reverse("submissions:detail", args=[mine_test.pk])).content.decode()
    assert reverse("leaderboards:per-class", args=[mine_test.pk]) not in page
    assert alice.get(reverse("leaderboards:per-class", args=[mine_test.pk])).status_code == 404

    # The test board shows nothing until the results date; then the final ranking is frozen.
    assert _board_api(Client(), world, "test")["entries"] == []
    results_out(world)
    out = StringIO()
    call_command("freeze_results", stdout=out)
    assert out.getvalue().startswith("froze ") and "froze 0" not in out.getvalue()
    final = _board_api(Client(), world, "test")
    assert final["frozen"] is True and final["basis"] == "final"
    assert [r["entry"] for r in final["entries"]] == ["full detector", "thin detector"]
    scored = submissions[(world.alpha.pk, "test")].current_score.mean_average_precision
    assert final["entries"][0]["scores"]["mean_average_precision"]["value"] == round(scored, 5)
    assert isinstance(final["entries"][0]["categories_won"], int)
    page = _board(Client(), world, "test")
    assert "permanent link" in page and f"{scored:.5f}" in page and "Categories won" in page
    final_score = api.get(f"/api/submissions/{their_test.pk}/").json()["scores"]["mean_average_precision"]
    assert final_score == round(their_test.current_score.mean_average_precision, 5)

    # An mAP is shown as a decimal under its own name, never called an error (issue 24, item 8):
    # on the team page and on the organizers' statistics chart.
    page = Client().get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert f'{scored:.5f} <span class="metric-name">Mean average precision</span>' in page
    assert "error" not in page.split("Published entries")[1].split("</table>")[0].lower()
    organizer = _signed_in(world.olivia)
    page = organizer.get(reverse("organize:statistics", args=[world.year.slug])).content.decode()
    assert "Best mean average precision so far, per split (higher is better)" in page
    assert "Best primary error" not in page


def test_a_bad_detection_file_is_refused_with_its_line_numbers_and_costs_no_quota(world):
    det = set_up_detection_task(world)
    val = det.split("val")
    left = quotas.quota_for(team=world.alpha, user=world.alice, split=val).remaining
    bad = (b"1 1 0.5 10 10 50 50\n"
           b"2 1 0.5 10 10 50\n"
           b"999 1 0.5 0 0 9 9\n"
           b"3 201 0.5 0 0 9 9\n"
           b"4 n02672831 high 0 0 9 9\n"
           b"5 1 0.5 9 0 8 nan\n")
    response = submit_on_page(_signed_in(world.alice), world, val, bad, "broken")
    assert response.status_code == 400
    page = response.content.decode()
    for line, message in [(2, "6 fields; expected 7 fields"), (3, f"image_index 999 is outside 1..{val.n_images}"),
                          (4, "class_id 201 is outside 1..200"), (5, "confidence &#x27;high&#x27; is not a decimal"),
                          (6, "ymax &#x27;nan&#x27; is not a decimal number")]:
        assert f"<strong>Line {line}:</strong> {message}" in page, (line, page[page.find('id="file-errors"'):][:1500])
    response = submit_by_api(world.alice, world, "val", bad, "broken")
    assert response.status_code == 400
    assert [e["line"] for e in response.json()["errors"]] == [2, 3, 4, 5, 6]
    # A classification file sent to the detection task: one id a line is not a detection, and the
    # first message says which task the file is for (issue 24); the line errors follow.
    response = submit_by_api(world.alice, world, "val", b"1\n2\n3\n", "wrong task")
    first, second = response.json()["errors"][:2]
    assert response.status_code == 400 and first["line"] is None and "looks like a classification file" in first["message"]
    assert second["line"] == 1 and "expected 7 fields" in second["message"]
    assert not Submission.objects.exists()
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=val).remaining == left


def test_the_worker_scores_a_detection_entry_left_waiting(world):
    det = set_up_detection_task(world)
    test = det.split("test")
    waiting = create_submission(team=world.alpha, split=test, user=world.alice, entry_name="queued",
                                data=det.files["test"].predictions)
    assert waiting.status == Submission.Status.RECEIVED
    out = StringIO()
    call_command("score_pending", stdout=out)
    assert "scored 1 submission" in out.getvalue()
    waiting.refresh_from_db()
    expected = expected_result(det.files["test"], det.files["test"].predictions).mean_average_precision
    assert waiting.status == Submission.Status.SCORED
    assert waiting.current_score.mean_average_precision == pytest.approx(expected, abs=1e-12)


def _secrets(det, scores: list[float]) -> list[str]:
    """What of the hidden test split must not show: image names, box groups of its ground truth,
    its blacklist lines, and the entries' test scores as pages and JSON write them."""
    rows = det.files["test"].boxes_csv.decode().splitlines()[1:]
    groups = [row.split(",", 1)[1] for row in rows if row.split(",", 1)[1]]
    blacklist = det.files["test"].blacklist.decode().splitlines()
    return (["DET_test_", *[" ".join(g.split()[:5]) for g in groups[:20]], *blacklist[:5]]
            + [f"{s:.5f}" for s in scores] + [str(round(s, 5)) for s in scores])


def test_the_hidden_boxes_and_the_test_scores_never_leave_the_server_before_the_results(world):
    det = set_up_detection_task(world)
    test = det.split("test")
    alice = _signed_in(world.alice)
    assert submit_on_page(alice, world, test, det.files["test"].predictions, "mine").status_code == 302
    assert submit_by_api(world.charlie, world, "test", thinned(det.files["test"].predictions, keep=0.5, seed=1),
                         "theirs").status_code == 201
    call_command("score_pending", stdout=StringIO())
    entries = list(Submission.objects.order_by("pk"))
    assert {s.status for s in entries} == {"scored"}
    secrets = _secrets(det, [s.current_score.mean_average_precision for s in entries])
    api = APIClient()
    responses = {}
    for user, client in ((world.alice, alice), (world.charlie, _signed_in(world.charlie)), (None, Client())):
        api.force_authenticate(user)
        own = [s for s in entries if user is not None and s.submitted_by_id == user.pk]
        urls = [reverse("challenge:year-detail", args=[world.year.slug]),
                reverse("leaderboards:leaderboard", args=[world.year.slug, "det", "test"]),
                reverse("leaderboard_api:leaderboard", args=[world.year.slug, "det"]) + "?split=test",
                reverse("teams:detail", args=[world.alpha.pk]), reverse("submissions:list", args=[world.year.slug])]
        urls += [reverse(name, args=[s.pk]) for s in own for name in ("submissions:detail", "submissions:status",
                                                                      "leaderboards:per-class")]
        for url in urls:
            responses[(str(user), url)] = client.get(url).content.decode()
        for url in ["/api/submissions/", *[f"/api/submissions/{s.pk}/" for s in own]]:
            responses[(str(user), url)] = api.get(url).content.decode() if user else ""
    assert len(responses) > 20
    leaks = [(where, secret) for where, body in responses.items() for secret in secrets if secret in body]
    assert leaks == []
    # The team sees that its entry was scored, and that the score waits for the results date.
    page = responses[(str(world.alice), reverse("submissions:detail", args=[entries[0].pk]))]
    assert "Scored" in page and "hidden until the results" in page
    # The secrets are written as the pages write them: the organizers' board shows the scores.
    organizer_board = _board(_signed_in(world.olivia), world, "test")
    assert all(f"{s.current_score.mean_average_precision:.5f}" in organizer_board for s in entries)
