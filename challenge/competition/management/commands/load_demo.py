"""Load the demo: ILSVRC2012 classes and hierarchy, the `demo` year, and an organizer.

The year's `classification` task is complete here. Its `detection` task (on the 200 ILSVRC DET
classes) gets its splits here and its synthetic boxes from `load_demo_entries`, which holds the
scoring core's generator.

Safe to run twice: every step looks for what is already there.
"""

import os
import secrets
from datetime import timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from challenge.accounts.roles import organizer_group
from challenge.accounts.services import password_changed
from challenge.annotation.demo import load_demo_task
from challenge.annotation.reassessed import REASSESSED_DATA_DIR
from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, Split, Task
from challenge.competition.services import SHIPPED_ILSVRC2012, import_ilsvrc2012, import_ilsvrc_det
from challenge.datafiles.services import add_data_file

# ReaL ("Are we done with ImageNet?", Beyer et al. 2020): the demo validation split's revision.
REAL_LABELS = REASSESSED_DATA_DIR / "real.json"
REAL_SOURCE = ("ReaL labels of Beyer et al. 2020, \"Are we done with ImageNet?\" "
               "(google-research/reassessed-imagenet, real.json; see challenge/data/reassessed/PROVENANCE.md)")
DEMO_TEST_SEED = 20120
DEMO_TEST_IMAGES = 100_000
# Small enough that a first `./scripts/run` scores the detection baselines in a second or two.
DEMO_DETECTION_IMAGES = {Split.Name.VAL: 1_000, Split.Name.TEST: 2_000}


def synthetic_test_labels(n_images: int = DEMO_TEST_IMAGES, seed: int = DEMO_TEST_SEED) -> bytes:
    """Hidden test labels for the demo: seeded, so every install has the same ones."""
    labels = np.random.default_rng(seed).integers(1, 1001, size=n_images)
    return ("\n".join(map(str, labels.tolist())) + "\n").encode()


class Command(BaseCommand):
    help = "Load the demo year, the ILSVRC2012 class set and an organizer account (idempotent)."

    def handle(self, *args, **options):
        class_set = import_ilsvrc2012()
        with transaction.atomic():
            year = self.demo_year(class_set)
            self.demo_ground_truth(year)
        organizer = self.organizer()
        self.demo_data_files(year, organizer)
        self.demo_verification(year, organizer)
        self.stdout.write(self.style.SUCCESS("Demo loaded: year 'demo' with tasks 'classification' and 'detection' "
                                             "(run load_demo_entries for the detection boxes and the baselines)."))

    def demo_year(self, class_set) -> ChallengeYear:
        now = timezone.now()
        year, created = ChallengeYear.objects.get_or_create(
            slug="demo",
            defaults=dict(
                title="ILSVRC Demo Challenge",
                class_set=class_set,
                status=ChallengeYear.Status.PUBLISHED,
                opens_at=now - timedelta(days=1),
                deadline=now + timedelta(days=60),
                results_at=now + timedelta(days=67),
                description=(
                    "A demonstration year on the real ILSVRC2012 classes. The validation split "
                    "uses the real 50,000 validation labels; the test split's 100,000 labels are "
                    "synthetic and hidden. The object detection task is on the 200 ILSVRC detection "
                    "classes, with synthetic boxes."
                ),
                rules=(
                    "* One team per person.\n"
                    "* The test server accepts **2 submissions per team per 7 days**, as ILSVRC's did.\n"
                    "* Declare outside training data; such entries are ranked separately."
                ),
                terms_of_access=(
                    "You (the \"Researcher\") may use the data only for **non-commercial research and "
                    "educational purposes**. The images belong to their owners; the organizers make no "
                    "warranties. You will not redistribute the data, and you accept full responsibility "
                    "for your use of it."
                ),
            ),
        )
        task, _ = Task.objects.get_or_create(
            year=year, slug="classification",
            defaults=dict(title="Classification", kind=Task.Kind.CLASSIFICATION),
        )
        Split.objects.get_or_create(
            task=task, name=Split.Name.VAL,
            defaults=dict(n_images=50_000, labels_public=True, quota_per_window=20, quota_window_days=1,
                          visibility=Split.Visibility.IMMEDIATE, max_final_entries=2),
        )
        Split.objects.get_or_create(
            task=task, name=Split.Name.TEST,
            defaults=dict(n_images=DEMO_TEST_IMAGES, quota_per_window=2, quota_window_days=7, quota_total=20,
                          visibility=Split.Visibility.HIDDEN, max_final_entries=2),
        )
        self.demo_detection_task(year)
        return year

    def demo_detection_task(self, year: ChallengeYear) -> Task:
        """ILSVRC's DET task on its 200 classes: validation boxes public, test boxes hidden."""
        task, _ = Task.objects.get_or_create(
            year=year, slug="detection",
            defaults=dict(title="Object detection", kind=Task.Kind.DETECTION, class_set=import_ilsvrc_det(),
                          position=1, description=(
                              "The 200 ILSVRC detection classes, scored by mean average precision as the DET "
                              "devkit does. The images and boxes are synthetic (seeded): "
                              f"{DEMO_DETECTION_IMAGES[Split.Name.VAL]:,} validation images whose boxes are "
                              f"public, {DEMO_DETECTION_IMAGES[Split.Name.TEST]:,} test images whose boxes are "
                              "hidden.")),
        )
        Split.objects.get_or_create(
            task=task, name=Split.Name.VAL,
            defaults=dict(n_images=DEMO_DETECTION_IMAGES[Split.Name.VAL], labels_public=True, quota_per_window=20,
                          quota_window_days=1, visibility=Split.Visibility.IMMEDIATE, max_final_entries=2),
        )
        Split.objects.get_or_create(
            task=task, name=Split.Name.TEST,
            defaults=dict(n_images=DEMO_DETECTION_IMAGES[Split.Name.TEST], quota_per_window=2, quota_window_days=7,
                          quota_total=20, visibility=Split.Visibility.HIDDEN, max_final_entries=2),
        )
        return task

    def demo_ground_truth(self, year: ChallengeYear) -> None:
        """The real validation labels with their ReaL revision (Beyer et al. 2020, shipped in
        challenge/data/reassessed/), so boards show both from the start; synthetic test labels.
        An older demo's validation split gets its revision from load_demo_entries, which rescores."""
        task = year.tasks.get(slug="classification")
        answers = {
            Split.Name.VAL: lambda: (SHIPPED_ILSVRC2012 / "ILSVRC2012_validation_ground_truth.txt").read_bytes(),
            Split.Name.TEST: synthetic_test_labels,
        }
        for split in task.splits.all():
            if split.current_ground_truth is None:
                revised = REAL_LABELS.read_bytes() if split.name == Split.Name.VAL else b""
                replace_ground_truth(split=split, labels=answers[split.name](), revised_labels=revised,
                                     revision_source=REAL_SOURCE if revised else "")

    def demo_verification(self, year: ChallengeYear, organizer) -> None:
        """A small crowd-verification task on generated images; the organizer annotates the year too."""
        split = year.tasks.get(slug="classification").splits.get(name=Split.Name.VAL)
        labels = [int(x) for x in (SHIPPED_ILSVRC2012 / "ILSVRC2012_validation_ground_truth.txt").read_text().split()[:40]]
        load_demo_task(year=year, split=split, labels=labels, organizer=organizer)

    def demo_data_files(self, year: ChallengeYear, organizer) -> None:
        """Small hosted files (public ILSVRC2012 devkit material) behind the terms of access."""
        files = [
            ("Development kit readme", "readme.txt", "The ILSVRC2012 devkit's readme: formats and evaluation."),
            ("Validation labels", "ILSVRC2012_validation_ground_truth.txt",
             "The 50,000 validation labels (ids 1..1000, in image order); public, as in ILSVRC."),
            ("Class list", "synset_words_sorted_wnid.txt", "WNIDs and words of the 1000 classes."),
        ]
        for title, filename, description in files:
            if not year.data_files.filter(filename=filename).exists():
                upload = ContentFile((SHIPPED_ILSVRC2012 / filename).read_bytes(), name=filename)
                add_data_file(user=organizer, year=year, upload=upload, title=title, description=description)

    def organizer(self):
        """The demo's `organizer` account: created on the first start with ORGANIZER_PASSWORD (or a
        password printed once); on a later start ORGANIZER_PASSWORD sets the password again when it
        differs (the API token is replaced, as with any password change)."""
        User = get_user_model()
        group = organizer_group()
        user = User.objects.filter(username="organizer").first()
        wanted = os.getenv("ORGANIZER_PASSWORD")
        if user is None:
            password = wanted or secrets.token_urlsafe(12)
            user = User.objects.create_user("organizer", "organizer@localhost", password, is_staff=True)
            if not wanted:
                self.stdout.write(f"Organizer account created: username 'organizer', password '{password}' "
                                  f"(printed once). {PASSWORD_HELP}")
        elif wanted and not user.check_password(wanted):
            user.set_password(wanted)
            user.save(update_fields=["password"])
            password_changed(user=user)
            self.stdout.write("The organizer's password was set from ORGANIZER_PASSWORD.")
        user.groups.add(group)
        return user


PASSWORD_HELP = ("To choose it, start with ORGANIZER_PASSWORD set (it also resets the password on a later start); "
                 "or run `.venv/bin/python manage.py changepassword organizer`.")
