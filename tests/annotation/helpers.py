"""Building blocks of the crowd tests: a task with generated images, annotators, archives."""

from __future__ import annotations

import io
import zipfile

from challenge.annotation import services
from challenge.annotation.images import generated_image
from challenge.annotation.models import Annotator, VerificationTask
from challenge.competition.models import Synset
from tests.base import make_user


def make_task(world, *, n_images: int = 4, gold: int = 0, **settings) -> VerificationTask:
    """A task on the world's validation split: image k (1..n) asked about its label (valid)
    and, for gold, about its label with the known answer yes."""
    values = {"min_votes": 3, "max_votes": 5, "gold_share": 0.0, **settings}
    task = VerificationTask.objects.create(year=world.year, split=world.val, title="Verify", **values)
    items = []
    for k in range(1, n_images + gold + 1):
        synset = Synset.objects.get(class_set=world.year.class_set, ilsvrc_id=k)
        data = generated_image(text=synset.short_name, seed=k, size=160)
        items.append((synset, f"img{k}.png", data, k, True if k > n_images else None))
    services.add_questions_for_demo(task=task, items=items)
    return task


def annotator(world, name: str) -> Annotator:
    user = make_user(name)
    return services.make_annotator(year=world.year, user=user)


def archive(files: dict[str, bytes], manifest: str) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("manifest.csv", manifest)
        for name, data in files.items():
            z.writestr(name, data)
    buffer.seek(0)
    buffer.name = "candidates.zip"
    return buffer
