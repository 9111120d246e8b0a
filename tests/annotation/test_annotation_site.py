"""The crowd's verification through the site (issue 25, section 3): invitations and the annotator
role, the question page and its images (served to the annotators a question is assigned to
only), organizers' archives, dynamic consensus and stopping, teams' reports, aggregation and
publication as a revision, and the API."""

import io
import re

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from challenge.annotation import services
from challenge.annotation.images import generated_image
from challenge.annotation.models import (
    Aggregation,
    Annotator,
    AnnotatorInvitation,
    Assignment,
    LabelReport,
    Publication,
    Question,
    Standing,
    VerificationTask,
    Vote,
)
from challenge.audit.models import AuditEntry
from challenge.notices.models import OutgoingEmail
from challenge.storage import read_private_file
from submissions.ledger import verify_chain
from submissions.models import RescoringJob
from tests.annotation.helpers import annotator, archive, make_task
from tests.base import PASSWORD, make_user

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the role

def test_an_invited_person_becomes_an_annotator_of_the_year_not_a_team_member(client, world):
    client.login(username="olivia", password=PASSWORD)
    response = client.post(reverse("organize:annotation", args=[world.year.slug]), {"invite-email": "Ann@Example.org"})
    assert response.status_code == 302
    invitation = AnnotatorInvitation.objects.get()
    mail_row = OutgoingEmail.objects.get(to_address="ann@example.org")
    assert f"/annotate/invitations/{invitation.token}/" in mail_row.body
    ann = make_user("ann")
    client.login(username="ann", password=PASSWORD)
    assert client.post(reverse("annotation:accept", args=[invitation.token])).status_code == 302
    role = Annotator.objects.get(user=ann)
    assert role.year == world.year and not ann.memberships.exists()
    bob_client = client.__class__()
    bob_client.login(username="bob", password=PASSWORD)
    bob_client.post(reverse("annotation:accept", args=[invitation.token]))
    assert not Annotator.objects.filter(user=world.bob).exists()  # single use
    assert AuditEntry.objects.filter(action="annotation.invite").exists()


# ---------------------------------------------------------------- the question page

def test_the_question_page_shows_the_class_and_records_an_answer(client, world):
    task = make_task(world, n_images=2)
    make_user_annotator = annotator(world, "ann")
    client.login(username="ann", password=PASSWORD)
    page = client.get(reverse("annotation:question", args=[task.pk])).content.decode()
    question = Assignment.objects.get(annotator=make_user_annotator).question
    synset = question.synset
    assert f"Does this image show <strong>{synset.short_name}</strong>?" in page
    assert synset.gloss[:30] in page and "A kind of" in page
    assert synset.parents.first().words.split(",")[0] in page
    assert 'value="yes"' in page and 'value="maybe"' in page and 'value="no"' in page
    assert f'src="/annotate/images/{question.pk}/"' in page
    response = client.post(reverse("annotation:question", args=[task.pk]), {"question": question.pk, "answer": "yes"})
    assert response.status_code == 302
    assert Vote.objects.get(annotator=make_user_annotator).answer == 2
    client.get(reverse("annotation:question", args=[task.pk]))
    following = Assignment.objects.filter(annotator=make_user_annotator, answered_at=None).get().question
    assert following.pk != question.pk
    again = client.post(reverse("annotation:question", args=[task.pk]), {"question": question.pk, "answer": "no"})
    assert again.status_code == 302 and Vote.objects.get(question=question).answer == 2  # answered already


def test_images_are_served_only_to_the_annotators_a_question_is_assigned_to(client, world):
    task = make_task(world, n_images=1)
    ann, other = annotator(world, "ann"), annotator(world, "otto")
    question = services.next_question(annotator=ann, task=task)
    url = reverse("annotation:image", args=[question.pk])
    assert client.get(url).status_code == 404  # anonymous
    for name in ("otto", "olivia", "alice"):  # another annotator, an organizer, a team member
        client.login(username=name, password=PASSWORD)
        assert client.get(url).status_code == 404, name
        assert client.get(reverse("api:annotation-image", args=[question.pk])).status_code == 404, name
    client.login(username="ann", password=PASSWORD)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    thumb = Image.open(io.BytesIO(client.get(url, {"size": "thumb"}).content))
    assert max(thumb.size) <= 240
    assert other.assignments.count() == 0


def test_an_archive_adds_questions_and_its_problems_name_their_line(client, world):
    task = make_task(world, n_images=0)
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:annotation-task", args=[world.year.slug, task.pk])
    big = generated_image(text="kit fox", seed=1, size=1200)
    bad = archive({"a.png": big, "b.txt": b"not an image"},
                  "file,class,image,gold\na.png,1,1,\nmissing.png,2,,\nb.txt,3,,\na.png,n99999999,,\na.png,4,,maybe\n")
    response = client.post(url, {"archive": SimpleUploadedFile("c.zip", bad.getvalue())})
    text = response.content.decode()
    assert response.status_code == 400
    assert "line 3: &#x27;missing.png&#x27; is not in the archive" in text and "line 6: gold" in text
    assert not Question.objects.filter(task=task).exists()
    bad = archive({"a.png": big, "b.txt": b"x"}, "file,class\na.png,n99999999\nb.txt,3\n")
    text = client.post(url, {"archive": SimpleUploadedFile("c.zip", bad.getvalue())}).content.decode()
    assert "line 2: &#x27;n99999999&#x27; is not a class" in text and "line 3: b.txt: not an image Pillow can read" in text
    good = archive({"a.png": big, "g.png": generated_image(text="x", seed=2)},
                   "file,class,image,gold\na.png,1,1,\na.png,2,1,\ng.png,3,3,no\n")
    assert client.post(url, {"archive": SimpleUploadedFile("c.zip", good.getvalue())}).status_code == 302
    assert Question.objects.filter(task=task, is_gold=False).count() == 2
    gold = Question.objects.get(task=task, is_gold=True)
    assert (gold.gold_valid, gold.needs_votes) == (False, False)
    image = Question.objects.filter(task=task).first().image
    assert (image.width, image.height) == (1200, 1200) and image.image_index == 1
    assert client.post(url, {"archive": SimpleUploadedFile("c.zip", b"not a zip")}).status_code == 400


# ---------------------------------------------------------------- consensus

def answer(ann, task, value):
    question = services.next_question(annotator=ann, task=task)
    services.record_answer(annotator=ann, question=question, answer=value)
    return Question.objects.get(pk=question.pk)


def test_a_question_gets_its_votes_and_more_while_annotators_disagree(world):
    task = make_task(world, n_images=1, min_votes=3, max_votes=5, accept_at=0.95, reject_at=0.05)
    crowd = [annotator(world, f"a{i}") for i in range(7)]
    q = answer(crowd[0], task, 2)
    q = answer(crowd[1], task, 2)
    assert (q.n_votes, q.needs_votes, q.wanted) == (2, True, 3)
    q = answer(crowd[2], task, 2)
    assert (q.n_votes, q.posterior, q.needs_votes) == (3, 1.0, False)  # unanimous: decided
    assert services.next_question(annotator=crowd[3], task=task) is None

    task2 = make_task(world, n_images=1, min_votes=3, max_votes=5)
    task2.questions.update(synset=task2.questions.get().synset)
    for ann, value in zip(crowd, [2, 0, 2]):
        q = answer(ann, task2, value)
    assert (q.n_votes, q.needs_votes, q.wanted) == (3, True, 4)  # 2 yes, 1 no: undecided
    q = answer(crowd[3], task2, 0)
    q = answer(crowd[4], task2, 2)
    assert (q.n_votes, q.needs_votes) == (5, False)  # the most votes a question gets
    assert services.next_question(annotator=crowd[5], task=task2) is None


def test_gold_questions_are_mixed_in_unseen(client, world):
    task = make_task(world, n_images=3, gold=2, gold_share=0.0)
    ann = annotator(world, "ann")
    seen = [answer(ann, task, 2) for _ in range(5)]
    assert [q.is_gold for q in seen] == [False, False, False, True, True]  # gold only once nothing else is left
    client.login(username="ann", password=PASSWORD)
    assert "gold" not in client.get(reverse("annotation:question", args=[task.pk])).content.decode().lower()


def test_an_annotator_below_the_bar_is_stopped_and_their_votes_stop_counting(client, world):
    task = make_task(world, n_images=30, gold=10, judge_after=10, refit_every=5, min_votes=3, gold_share=0.3)
    careful = [annotator(world, f"c{i}") for i in range(4)]
    liar = annotator(world, "liar")
    valid = {q.pk: True for q in Question.objects.filter(task=task)}  # every label shown is valid
    rng = np.random.default_rng(0)
    for _ in range(25):
        for ann in careful:
            question = services.next_question(annotator=ann, task=task, rng=rng)
            if question is not None:
                services.record_answer(annotator=ann, question=question, answer=2 if rng.random() < 0.9 else 0)
        question = services.next_question(annotator=liar, task=task, rng=rng)
        if question is not None:
            services.record_answer(annotator=liar, question=question, answer=0 if valid[question.pk] else 2)
    standing = Standing.objects.get(task=task, annotator=liar)
    assert standing.stopped and standing.accuracy < 0.6
    assert not Standing.objects.filter(task=task, annotator__in=careful, stopped=True).exists()
    assert services.next_question(annotator=liar, task=task) is None
    voted = Question.objects.filter(task=task, votes__annotator=liar, is_gold=False).first()
    counted = Vote.objects.filter(question=voted).exclude(annotator=liar).count()
    assert voted.n_votes == counted  # the liar's vote no longer counts
    client.login(username="liar", password=PASSWORD)
    assert "no longer count" in client.get(reverse("annotation:question", args=[task.pk])).content.decode()


# ---------------------------------------------------------------- results

def test_organizers_aggregate_see_disagreements_and_publish_a_revision(client, world):
    task = make_task(world, n_images=4)
    crowd = [annotator(world, f"a{i}") for i in range(5)]
    # Images 1 and 2: yes; image 3: no (its label is not valid); image 4: split 3 to 2.
    plan = {1: [2, 2, 2], 2: [2, 2, 2], 3: [0, 0, 0], 4: [2, 2, 0, 0, 2]}
    for question in Question.objects.filter(task=task).select_related("synset"):
        for ann, value in zip(crowd, plan[question.image_index]):
            Assignment.objects.create(question=question, annotator=ann)
            services.record_answer(annotator=ann, question=question, answer=value)
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:annotation-aggregate", args=[world.year.slug, task.pk])
    assert client.post(url, {"algorithm": "majority"}).status_code == 302
    aggregation = Aggregation.objects.get()
    assert (aggregation.algorithm, aggregation.n_votes, aggregation.n_annotators) == ("majority", 14, 5)
    page = client.get(reverse("organize:annotation-task", args=[world.year.slug, task.pk])).content.decode()
    assert re.search(r"0\.600</td><td class=\"num\">3 / 0 / 2", page)  # image 4, the one disagreement
    publish = reverse("organize:annotation-publish", args=[world.year.slug, task.pk])
    assert client.post(publish, {"aggregation": aggregation.pk, "threshold": 0.5}).status_code == 302
    publication = Publication.objects.get()
    version = world.val.current_ground_truth
    assert publication.ground_truth == version and publication.images_revised == 4
    assert "crowd verification" in version.revision_source and "14 votes by 5 annotators" in version.revision_source
    assert aggregation.votes_sha256 in version.revision_source and "majority, posterior > 0.5" in version.revision_source
    lines = read_private_file(version.revised_labels_key).decode().split("\n")
    assert lines[:5] == ["1", "2", "", "4", "5"]  # image 3 left out; image 5 keeps its label
    assert AuditEntry.objects.filter(action="annotation.publish").exists() and verify_chain() is None
    assert client.post(publish, {"aggregation": aggregation.pk, "threshold": 0.5}).status_code == 400  # identical


# ---------------------------------------------------------------- teams' reports

def test_a_team_reports_a_wrong_label_and_the_crowd_gets_questions(client, world):
    client.login(username="alice", password=PASSWORD)
    url = reverse("annotation:report", args=[world.year.slug, "classification", "val"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"image": 3, "proposed": "7 n01440764", "note": "a tench in a bucket"})
    assert response.status_code == 302
    report = LabelReport.objects.get()
    asked = set(report.questions.values_list("synset__ilsvrc_id", flat=True))
    tench = world.year.class_set.synsets.get(wnid="n01440764").ilsvrc_id
    assert asked == {3, 7, tench} and report.team == world.alpha  # the current label 3 and the proposed ones
    assert client.post(url, {"image": 11, "proposed": "7"}).status_code == 400
    assert "not a class" in client.post(url, {"image": 2, "proposed": "n99999999"}).content.decode()
    test_url = reverse("annotation:report", args=[world.year.slug, "classification", "test"])
    assert "validation split" in client.post(test_url, {"image": 2, "proposed": "7"}).content.decode()
    make_user("loner")
    client.login(username="loner", password=PASSWORD)
    assert "Join or create a team" in client.post(url, {"image": 2, "proposed": "7"}).content.decode()


def test_a_team_reports_through_the_api(client, world):
    client.login(username="bob", password=PASSWORD)
    url = reverse("api:label-reports", args=[world.year.slug])
    response = client.post(url, {"task": "classification", "split": "val", "image": 4, "proposed": ["9"]},
                           content_type="application/json")
    assert response.status_code == 201 and response.json()["questions"] == 2
    refused = client.post(url, {"task": "classification", "split": "val", "image": 40, "proposed": ["9"]},
                          content_type="application/json")
    assert refused.status_code == 400 and "1..10" in refused.json()["errors"][0]["message"]


# ---------------------------------------------------------------- the API

def test_an_annotator_works_through_the_api(client, world):
    task = make_task(world, n_images=2)
    annotator(world, "ann")
    client.login(username="ann", password=PASSWORD)
    tasks = client.get(reverse("api:annotation-tasks")).json()
    assert tasks == [{"id": task.pk, "year": world.year.slug, "title": "Verify", "open_questions": 2, "your_answers": 0}]
    body = client.get(reverse("api:annotation-next", args=[task.pk])).json()
    question = body["question"]
    assert question["text"].startswith("Does this image show ") and question["label"]["gloss"]
    assert client.get(question["image_url"]).status_code == 200
    assert client.get(reverse("api:annotation-next", args=[task.pk])).json()["question"]["id"] == question["id"]
    answered = client.post(reverse("api:annotation-answer", args=[question["id"]]), {"answer": "maybe"},
                           content_type="application/json")
    assert answered.status_code == 201 and answered.json()["next"] == reverse("api:annotation-next", args=[task.pk])
    assert Vote.objects.get().answer == 1
    listed = client.get(reverse("api:annotation-tasks")).json()[0]  # one vote on two questions: counted once each
    assert (listed["open_questions"], listed["your_answers"]) == (2, 1)
    again = client.post(reverse("api:annotation-answer", args=[question["id"]]), {"answer": "yes"},
                        content_type="application/json")
    assert again.status_code == 400 and "answered this question already" in again.json()["errors"][0]["message"]
    bad = client.post(reverse("api:annotation-answer", args=[question["id"]]), {"answer": "perhaps"},
                      content_type="application/json")
    assert bad.status_code == 400
    client.login(username="alice", password=PASSWORD)
    assert client.get(reverse("api:annotation-next", args=[task.pk])).status_code == 404  # not an annotator
    assert client.post(reverse("api:annotation-answer", args=[question["id"]]), {"answer": "yes"},
                       content_type="application/json").status_code == 404
    assert RescoringJob.objects.count() == 0


def test_the_demo_holds_a_verification_task_the_organizer_can_try(client):
    call_command("load_demo")
    call_command("load_demo")  # safe to repeat
    task = VerificationTask.objects.get(year__slug="demo")
    assert task.split.name == "val" and task.images.count() == 20
    assert Question.objects.filter(task=task, is_gold=True).count() == 6
    assert Question.objects.filter(task=task, is_gold=False).count() == 24
    client.force_login(get_user_model().objects.get(username="organizer"))
    page = client.get(reverse("annotation:question", args=[task.pk])).content.decode()
    assert "Does this image show" in page
    question = Assignment.objects.get(annotator__user__username="organizer").question
    assert client.get(reverse("annotation:image", args=[question.pk]))["Content-Type"] == "image/jpeg"


def test_organizers_set_a_tasks_consensus_numbers_and_bad_ones_are_refused(client, world):
    client.login(username="olivia", password=PASSWORD)
    settings = {"task-title": "Person subtree", "task-split": world.val.pk, "task-is_open": "on", "task-min_votes": 5,
                "task-max_votes": 9, "task-accept_at": 0.95, "task-reject_at": 0.05, "task-gold_share": 0.1,
                "task-stop_below": 0.6, "task-judge_after": 20, "task-algorithm": "dawid-skene", "task-threshold": 0.5,
                "task-refit_every": 50}
    assert client.post(reverse("organize:annotation", args=[world.year.slug]), settings).status_code == 302
    task = VerificationTask.objects.get(title="Person subtree")
    assert (task.min_votes, task.max_votes, task.accept_at, task.gold_share, task.stop_below) == (5, 9, 0.95, 0.1, 0.6)
    url = reverse("organize:annotation-task", args=[world.year.slug, task.pk])
    changed = {**settings, "task-min_votes": 3, "task-max_votes": 7, "task-accept_at": 0.9, "task-reject_at": 0.1,
               "task-gold_share": 0.2, "task-stop_below": 0.7, "task-algorithm": "majority", "task-threshold": 0.8}
    assert client.post(url, changed).status_code == 302
    task.refresh_from_db()
    assert (task.min_votes, task.max_votes, task.accept_at, task.reject_at, task.gold_share, task.stop_below,
            task.algorithm, task.threshold) == (3, 7, 0.9, 0.1, 0.2, 0.7, "majority", 0.8)
    assert AuditEntry.objects.filter(action="annotation.task.change", year=world.year).exists()
    response = client.post(url, {**changed, "task-min_votes": 8})  # more than the most
    assert response.status_code == 400 and "min_votes" in response.content.decode()
    task.refresh_from_db()
    assert task.min_votes == 3
