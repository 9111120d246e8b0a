"""The crowd's pages in a real headless Chromium (issue 25, section 3): an annotator answers on a
phone (390 px) with the keyboard, in the grid and without JavaScript; an organizer adds an
archive of candidate images, aggregates, sees the disagreement and publishes a revision."""

import pytest
from django.utils import timezone

from challenge.annotation import services
from challenge.annotation.images import generated_image
from challenge.annotation.models import Aggregation, Assignment, Publication, Question, Vote
from tests.annotation.helpers import annotator, archive, make_task
from tests.base import make_world
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return width <= inner


def test_an_annotator_answers_on_a_phone_with_keys_and_in_the_grid(live_server, browser):
    world = make_world()
    task = make_task(world, n_images=6)
    ann = annotator(world, "ann")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "ann", next_path="/annotate/")
    assert "Verify" in page.locator("main table").inner_text() and fits(page)
    with page.expect_navigation(wait_until="load"):  # the image too: a busy server may still be resizing it
        page.get_by_role("link", name="One at a time").click()
    assert page.locator(".synset-question").inner_text().startswith("Does this image show")
    image = page.locator("img.annotate-image")
    assert image.evaluate("i => i.complete && i.naturalWidth > 0")  # served to its annotator
    assert image.bounding_box()["width"] <= PHONE["width"] and fits(page)
    for button in ("Yes", "Maybe", "No"):
        box = page.get_by_role("button", name=button).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40  # thumbs can reach them
    first = int(page.locator("input[name=question]").input_value())
    with page.expect_navigation():
        page.keyboard.press("y")
    assert Vote.objects.get(annotator=ann, question_id=first).answer == 2
    assert int(page.locator("input[name=question]").input_value()) != first
    with page.expect_navigation():
        page.keyboard.press("n")
    assert Vote.objects.filter(annotator=ann).count() == 2
    page.get_by_role("link", name="Grid of one class").click()
    cards = page.locator(".grid-card")
    assert cards.count() >= 1 and fits(page)
    page.keyboard.press("m")
    assert cards.first.locator("input[value=maybe]").is_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Send these answers").click()
    assert Vote.objects.filter(annotator=ann, answer=1).count() == 1
    context.close()


def test_the_question_page_works_without_javascript(live_server, browser):
    world = make_world()
    task = make_task(world, n_images=2)
    ann = annotator(world, "ann")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "ann", next_path=f"/annotate/tasks/{task.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="No").click()
    assert Vote.objects.get(annotator=ann).answer == 0
    page.goto(f"{live_server.url}/annotate/tasks/{task.pk}/grid/")
    page.locator(".grid-card input[value=yes]").first.check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send these answers").click()
    assert Vote.objects.filter(annotator=ann, answer=2).count() == 1
    context.close()


def test_an_organizer_adds_candidates_aggregates_and_publishes(live_server, page, tmp_path):
    world = make_world()
    task = make_task(world, n_images=0)
    zipped = tmp_path / "candidates.zip"
    zipped.write_bytes(archive({f"{k}.png": generated_image(text=f"image {k}", seed=k, size=200) for k in (1, 2)},
                               "file,class,image\n1.png,1,1\n2.png,2,2\n2.png,7,2\n").getvalue())
    log_in(page, live_server.url, "olivia", next_path=f"/organize/years/{world.year.slug}/annotation/")
    page.get_by_role("link", name="Verify").click()
    page.get_by_label("Archive of candidate images (zip)").set_input_files(str(zipped))
    page.get_by_role("button", name="Add these questions").click()
    assert "3 question(s) added" in page.locator("main").inner_text()
    crowd = [annotator(world, f"a{i}") for i in range(3)]
    answers = {1: [2, 2, 2], 2: [2, 2, 2], 7: [2, 0, 0]}  # image 2 does not show class 7... say two of three
    for question in Question.objects.filter(task=task).select_related("synset"):
        for ann, value in zip(crowd, answers[question.synset.ilsvrc_id]):
            Assignment.objects.create(question=question, annotator=ann, assigned_at=timezone.now())
            services.record_answer(annotator=ann, question=question, answer=value)
    page.reload()
    page.locator("#id_algorithm").select_option("majority")
    page.get_by_role("button", name="Aggregate the votes").click()
    assert "Aggregated 9 votes by majority" in page.locator("main").inner_text()
    assert "1 / 0 / 2" in page.locator("#disagreements").inner_text()
    page.get_by_label("A label is valid above posterior").last.fill("0.5")
    page.get_by_role("button", name="Publish this aggregation").click()
    assert "Published: 2 images revised" in page.locator("main").inner_text()
    publication = Publication.objects.get()
    assert publication.aggregation == Aggregation.objects.get() and world.val.current_ground_truth.revised_labels_key
