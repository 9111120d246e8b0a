"""The demo's small verification task, on generated images: a newcomer signed in as the demo's
organizer (an annotator of the demo year too) can try the annotator's page, and the organizer's
consensus and publication. Each image stands in for one of the first validation images and
shows the name of a class in a box: "does this image show X?" has an answer anyone can see."""

from __future__ import annotations

from challenge.annotation.images import generated_image
from challenge.annotation.models import VerificationTask
from challenge.annotation.services import add_questions_for_demo, make_annotator
from challenge.competition.models import ChallengeYear, Split, Synset

DEMO_TITLE = "Demo: does this image show the class? (generated images)"
N_IMAGES = 16
N_GOLD = 4


def load_demo_task(*, year: ChallengeYear, split: Split, labels: list[int], organizer) -> VerificationTask:
    """The demo year's verification task (made once): for validation images 1..16, a generated
    image showing its label's name, asked about that label (yes) and, for every other image, a
    neighbouring class (no); four more gold questions with known answers. The organizer becomes
    an annotator of the year. `labels` are the split's labels (class ids, in image order)."""
    task = VerificationTask.objects.filter(year=year, title=DEMO_TITLE).first()
    if organizer is not None:
        make_annotator(year=year, user=organizer)
    if task is not None:
        return task
    task = VerificationTask.objects.create(
        year=year, split=split, title=DEMO_TITLE, min_votes=3, max_votes=5, refit_every=10,
        description="Generated images standing in for validation images 1-20; a published result revises their labels.")
    synsets = {s.ilsvrc_id: s for s in Synset.objects.filter(class_set=year.class_set, is_leaf=True)}
    n_classes = len(synsets)
    items = []
    for k in range(1, N_IMAGES + N_GOLD + 1):
        shown = synsets[labels[k - 1]]
        other = synsets[labels[k - 1] % n_classes + 1]
        data = generated_image(text=shown.short_name, seed=k)
        name = f"demo_{k:02d}.png"
        gold = k > N_IMAGES
        items.append((shown, name, data, k, True if gold else None))
        if k % 2 == 0:
            items.append((other, name, data, k, False if gold else None))
    add_questions_for_demo(task=task, items=items)
    return task
