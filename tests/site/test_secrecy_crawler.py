"""Nothing hidden leaks: a crawler visits every page, API answer, static and media-like path
as an anonymous visitor, a participant (the submitter herself) and a member of another team,
before the results date, and looks for ground truth, hidden scores and per-image results.
"""

import itertools
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

import numpy as np
import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import Split, Task
from submissions import scoring
from submissions.leaderboards.ranking import public_subset_mask
from submissions.services import create_submission, score_submission
from tests.base import labels_file, predictions_file
from tests.urlmap import fresh_throttles, make_matrix_world, site_routes  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("fresh_throttles")

# Hidden test labels of the crawl task: a sequence that no page shows by accident.
HIDDEN_LABELS = [837, 412, 953, 128, 764, 305, 691]
# alice's guesses: the first two right at the top, the next two right in second place.
ALICE_ROWS = [[837], [412], [1, 953], [1, 128], [1, 2], [1, 2], [1, 2]]
# Her hidden errors: top-5 3/7 = 0.428571..., top-1 5/7 = 0.714285...
HIDDEN_SCORE = re.compile(r"0\.4285|42\.85|0\.7142|71\.42")
HIDDEN_SEQUENCE = re.compile(r"\b837\D{1,20}412\D{1,20}953\b")
PER_IMAGE = re.compile(r"\b1,\s*1,\s*1,\s*1,\s*0,\s*0,\s*0\b|[Tt]rue,\s*[Tt]rue,\s*[Tt]rue,\s*[Tt]rue,\s*[Ff]alse|\b1111000\b")
# Ground-truth boxes of the localization task, with coordinates no page has reason to show.
BOX_ROWS = b"".join(b"%d,%d 4711 4712 4813 4914\n" % (i, label) for i, label in enumerate(HIDDEN_LABELS, 1))
HIDDEN_BOX = re.compile(r"\b4711\D{1,20}4712\b|\b4813\D{1,20}4914\b")
MAX_PAGES = 500
CLASS_SET = scoring.ClassSet.ilsvrc2012()
# A thousand class pages look alike; the seeds visit one of them. The API docs' vendored assets hold
# nothing of ours, and their CSS is full of numbers like 71.42% (a 7:5 aspect ratio, Alice's top-1 error).
NOT_FOLLOWED = re.compile(r"^/years/[^/]+/classes/n\d+/|^/accounts/logout|^/admin/|^/static/drf_spectacular_sidecar/")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "data-status-url"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.append(attrs["action"])


# A public-subset split and a Ladder split, each scored so that its hidden figures are distinctive:
# the hint of an entry read in sorted-WNID order (its figure is computed on every image), an honest
# entry's error on the private part and on all images, and a refused Ladder entry's own error.
# The two splits have 29 and 31 images, so that no figure of one is an interval bound of the other.
N_LIVE, N_LADDER, SUBSET_SEED = 29, 31, 4242


def _live_labels(n: int) -> list[int]:
    """Labels whose sorted-WNID position differs from the label, so a file of positions reads wrong."""
    rng, labels = np.random.default_rng(11), []
    while len(labels) < n:
        label = int(rng.integers(2, 1001))
        if int(CLASS_SET.id_to_sorted_index[label]) + 1 != label:
            labels.append(label)
    return labels


def _live_splits(mw) -> tuple[list, dict[str, re.Pattern]]:
    """The public-subset and Ladder splits with alice's entries; what each may never show."""
    w, labels, ladder_labels = mw.world, _live_labels(N_LIVE), _live_labels(N_LADDER)
    public = public_subset_mask(N_LIVE, seed=SUBSET_SEED, fraction=0.3)
    subset_task = Task.objects.create(year=w.year, slug="crawl-subset", title="Crawl subset", kind=Task.Kind.CLASSIFICATION)
    subset = Split.objects.create(task=subset_task, name=Split.Name.TEST, n_images=N_LIVE, quota_per_window=9,
                                  visibility=Split.Visibility.PUBLIC_SUBSET, public_subset_seed=SUBSET_SEED)
    ladder_task = Task.objects.create(year=w.year, slug="crawl-ladder", title="Crawl ladder", kind=Task.Kind.CLASSIFICATION)
    ladder = Split.objects.create(task=ladder_task, name=Split.Name.TEST, n_images=N_LADDER, quota_per_window=9,
                                  visibility=Split.Visibility.LADDER)
    replace_ground_truth(split=subset, labels=labels_file(labels))
    replace_ground_truth(split=ladder, labels=labels_file(ladder_labels))
    sorted_order = [[int(CLASS_SET.id_to_sorted_index[label]) + 1] if not shown else [1]
                    for label, shown in zip(labels, public)]
    private = [i for i in range(N_LIVE) if not public[i]]
    honest = [[1] if i in private[:7] else [label] for i, label in enumerate(labels)]
    entries = [(subset, "sorted order", sorted_order), (subset, "honest", honest),
               (ladder, "first", [[1] if i < 12 else [label] for i, label in enumerate(ladder_labels)]),
               (ladder, "not significantly better", [[1] if i < 11 else [label] for i, label in enumerate(ladder_labels)])]
    submissions = []
    for split, name, rows in entries:
        submission = create_submission(team=w.alpha, split=split, user=w.alice, entry_name=name,
                                       data=predictions_file(rows))
        submissions.append(score_submission(submission_id=submission.pk))
    assert "would give" in submissions[0].current_score.warnings[0]
    assert submissions[3].leaderboard_entry.ladder_accepted is False

    def figure(value: float) -> str:  # as pages (a percentage), hints (4 decimals) or JSON (rounded to 5) print it
        forms = {f"{value:.5f}", f"{value:.4f}", repr(round(value, 5)), f"{value * 100:.3f}%"}
        return r"(?<![\d.:])(?:" + "|".join(re.escape(form) for form in sorted(forms)) + r")(?!\d)"

    hidden = {
        "a hint's figure computed on hidden images": figure(public.sum() / N_LIVE),
        "a private-part score": figure(7 / len(private)),
        "an all-image score of a public-subset entry": figure(7 / N_LIVE),
        "a refused Ladder entry's own score": figure(11 / N_LADDER),
        "an accepted Ladder entry's exact score (the Ladder releases it rounded to its step)": figure(12 / N_LADDER),
    }
    return submissions, {what: re.compile(pattern) for what, pattern in hidden.items()}


def _secret_world():
    mw = make_matrix_world()
    year = mw.world.year
    crawl = Task.objects.create(year=year, slug="crawl", title="Crawl", kind=Task.Kind.CLASSIFICATION)
    test = Split.objects.create(task=crawl, name=Split.Name.TEST, n_images=len(HIDDEN_LABELS),
                                visibility=Split.Visibility.HIDDEN, quota_per_window=5)
    replace_ground_truth(split=test, labels=labels_file(HIDDEN_LABELS))
    loc = Task.objects.create(year=year, slug="crawl-loc", title="Crawl boxes", kind=Task.Kind.LOCALIZATION)
    loc_test = Split.objects.create(task=loc, name=Split.Name.TEST, n_images=len(HIDDEN_LABELS),
                                    visibility=Split.Visibility.HIDDEN, quota_per_window=5)
    replace_ground_truth(split=loc_test, labels=labels_file(HIDDEN_LABELS), boxes=BOX_ROWS)
    submission = create_submission(team=mw.world.alpha, split=test, user=mw.world.alice,
                                   data=predictions_file(ALICE_ROWS), entry_name="alpha hidden entry")
    submission = score_submission(submission_id=submission.pk)
    assert submission.status == submission.Status.SCORED
    mw.live_submissions, mw.live_secrets = _live_splits(mw)
    return mw, [test, loc_test], submission


def _seed_urls(mw, splits, submission) -> list[str]:
    w = mw.world
    choices = {
        "slug": [w.year.slug], "task": [w.task.slug, "crawl", "crawl-loc", "crawl-subset", "crawl-ladder"],
        "task_slug": [w.task.slug, "crawl"],
        "split": ["val", "test"], "split_name": ["val", "test"], "split_pk": [w.val.pk, w.test.pk, splits[0].pk],
        "pk": sorted({mw.val_submission.pk, mw.test_submission.pk, submission.pk, w.alpha.pk, w.charlies_team.pk,
                      mw.data_file.pk, *(s.pk for s in mw.live_submissions)}),
        "wnid": ["n01440764"], "token": [mw.invitation.token], "uidb64": ["MQ"], "filename": [mw.data_file.filename],
        "public_id": ["00000000-0000-4000-8000-000000000000"], "fmt": ["json", "csv"],
    }
    urls = ["/", "/api/schema/", "/api/schema/?format=json", "/static/site.css", "/robots.txt", "/media/", "/private/"]
    for route in site_routes():
        if route.name in ("logout",):
            continue
        for values in itertools.product(*(choices.get(name, ["x"]) for name in route.kwargs)):
            try:
                urls.append(reverse(route.name, kwargs=dict(zip(route.kwargs, values))))
            except NoReverseMatch:
                pass
    for task in (w.task.slug, "crawl", "crawl-loc", "crawl-subset", "crawl-ladder"):
        for split in ("val", "test"):
            for track in ("", "&track=open", "&track=closed"):
                urls.append(f"/api/years/{w.year.slug}/tasks/{task}/leaderboard/?split={split}{track}")
    urls.append(f"/api/submissions/?year={w.year.slug}")
    return urls


def _storage_probe_urls(keys: list[str]) -> list[str]:
    urls = []
    for key in keys:
        for prefix in ("/", "/media/", "/static/", "/private/", "/var/private/", "/static/../var/private/"):
            urls.append(prefix + key)
    return urls


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _crawl(client, seeds, secrets: dict[str, re.Pattern]):
    queue, seen, problems = deque(seeds), set(), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = _body(response)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        # A 404 page may repeat the path it was asked for; that is the visitor's own text.
        body_without_url = body.replace(url, "")
        for what, pattern in secrets.items():
            # A probe for a storage key (and the login link of its 404 page) names the key itself.
            if pattern.search(body_without_url) and not pattern.search(unquote(url)):
                problems.append(f"{url}: shows {what}")
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
        if "html" in response.get("Content-Type", ""):
            parser = _Links()
            parser.feed(body)
            for link in parser.links:
                target = urlsplit(urljoin(url, link))
                if not target.netloc and not NOT_FOLLOWED.match(target.path):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen, problems


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "alice", "charlie"])
def test_no_page_shows_ground_truth_hidden_scores_or_per_image_results(persona):
    mw, splits, submission = _secret_world()
    from challenge.competition.models import GroundTruth

    keys = [key for gt in GroundTruth.objects.all() for key in (gt.labels_key, gt.boxes_key) if key]
    secrets = {
        "hidden labels": HIDDEN_SEQUENCE, "hidden boxes": HIDDEN_BOX, "a hidden score": HIDDEN_SCORE,
        "per-image results": PER_IMAGE,
        "a ground-truth storage key": re.compile("|".join(re.escape(key.rsplit("/", 1)[-1].split(".")[0]) for key in keys)),
        **mw.live_secrets,
    }
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(getattr(mw.world, persona))
    seeds = _seed_urls(mw, splits, submission) + _storage_probe_urls(keys)
    seen, problems = _crawl(client, seeds, secrets)
    assert problems == []
    assert len(seen) > 100, "the crawl should reach most of the site"
    for url in _storage_probe_urls(keys):
        assert client.get(url).status_code in (400, 404), url


@pytest.mark.django_db
def test_the_crawler_would_notice_a_leak():
    """The detectors themselves: each fires on what it is meant to catch."""
    assert HIDDEN_SEQUENCE.search("<td>837</td><td>412</td><td>953</td>")
    assert HIDDEN_SEQUENCE.search('{"labels": [837, 412, 953]}')
    assert HIDDEN_SCORE.search("<td>0.42857</td>") and HIDDEN_SCORE.search('"top1_error": 0.7142857142857143')
    assert PER_IMAGE.search('"top5_correct": [true, true, true, true, false, false, false]')
    assert HIDDEN_BOX.search("4711 4712 4813 4914") and not HIDDEN_BOX.search("ab4711cd4712")


@pytest.mark.django_db
def test_the_crawler_finds_the_hidden_score_where_it_may_be_shown():
    """Organizers see hidden scores; crawling as one proves the crawl reaches them."""
    mw, splits, submission = _secret_world()
    client = Client(raise_request_exception=False)
    client.force_login(mw.world.olivia)
    _, problems = _crawl(client, _seed_urls(mw, splits, submission), {"a hidden score": HIDDEN_SCORE,
                                                                       **mw.live_secrets})
    # Organizers see every score on all images (a private part alone is shown after the results only).
    for what in ("a hidden score", *(w for w in mw.live_secrets if w != "a private-part score")):
        assert any(what in problem for problem in problems), what


@pytest.mark.django_db
def test_after_the_results_scores_show_but_answers_and_per_image_results_never_do():
    mw, splits, submission = _secret_world()
    from django.utils import timezone

    from challenge.competition.models import ChallengeYear, GroundTruth

    ChallengeYear.objects.filter(pk=mw.world.year.pk).update(results_at=timezone.now())
    keys = [key for gt in GroundTruth.objects.all() for key in (gt.labels_key, gt.boxes_key) if key]
    secrets = {
        "hidden labels": HIDDEN_SEQUENCE, "hidden boxes": HIDDEN_BOX, "per-image results": PER_IMAGE,
        "a ground-truth storage key": re.compile("|".join(re.escape(key.rsplit("/", 1)[-1].split(".")[0]) for key in keys)),
    }
    client = Client(raise_request_exception=False)
    client.force_login(mw.world.charlie)
    _, problems = _crawl(client, _seed_urls(mw, splits, submission) + _storage_probe_urls(keys), secrets)
    assert problems == []
    # The scores themselves are public now: the crawl reaches them, so the checks above were not blind.
    final = {"the score": HIDDEN_SCORE, "the private part": mw.live_secrets["a private-part score"]}
    _, shown = _crawl(client, _seed_urls(mw, splits, submission), final)
    assert all(any(what in problem for problem in shown) for what in final), shown
