"""Give the demo year's validation leaderboards a few baseline entries, so that a newcomer sees
ranks, confidence intervals and a statistically tied group on the first visit. Idempotent.

Classification: each image's true label is among the five guesses with a fixed probability, at
a random position; otherwise the guesses are random classes.

Detection: first the task's seeded synthetic ground truth (`scoring.synthetic_detection`: image
list, boxes, blacklist; the validation boxes also hosted as data files, being public), then two
entries on its validation board: the generator's noisy detector, and the same detector keeping
a random half of its detections.
"""

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.management.commands.load_demo import REAL_LABELS, REAL_SOURCE
from challenge.competition.models import ChallengeYear, Split
from challenge.datafiles.services import add_data_file
from challenge.storage import read_private_file
from challenge.teams.models import Membership, Team
from submissions import scoring, services
from submissions.ground_truth import scoring_class_set
from submissions.ground_truth_uploads import validate_ground_truth
from submissions.leaderboards.services import mark_dirty
from submissions.revision_uploads import upload_revised_labels

# (team, entry, probability that the label is among the guesses). The two 0.70 entries are
# close enough that McNemar's test cannot separate them: the board shows them as tied.
BASELINES = [
    ("Demo: near-oracle", "label among the guesses 85% of the time", 0.85),
    ("Demo: strong baseline", "label among the guesses 70% of the time", 0.70),
    ("Demo: twin baseline", "label among the guesses 70.2% of the time", 0.702),
    ("Demo: chance", "five random classes per image", 0.0),
]


# Seeds of the detection task's synthetic ground truth, per split; every install has the same boxes.
DETECTION_SEEDS = {Split.Name.VAL: 2013, Split.Name.TEST: 2017}
# (team, description, share of the detector's lines kept); seeds 5 and 6 follow the classification baselines.
DETECTION_BASELINES = [
    ("Demo: detector", "a noisy detector: finds about 75% of the objects, with jittered boxes, repeats and "
                       "false alarms", 1.0),
    ("Demo: half detector", "the same detector keeping a random half of its detections", 0.5),
]
VAL_BOX_FILES = [
    ("Detection validation images", "det_val_images.txt", "image_list",
     "The detection task's validation image list (`<name> <index>` a line)."),
    ("Detection validation boxes", "det_val_boxes.csv", "boxes_csv",
     "Its boxes (ImageId,PredictionString with `wnid xmin ymin xmax ymax` groups); public, as ILSVRC's were."),
    ("Detection validation blacklist", "det_val_blacklist.txt", "blacklist",
     "Its (image, class) pairs left out of the scoring."),
]


def thinned(predictions: bytes, *, keep: float, seed: int) -> bytes:
    """A random share `keep` of the detection lines (seeded), in their order: a detector that
    misses more objects but ranks what it finds as well."""
    lines = predictions.splitlines(keepends=True)
    kept = np.random.default_rng(seed).random(len(lines)) < keep
    return b"".join(line for line, k in zip(lines, kept.tolist()) if k)


def baseline_predictions(labels: np.ndarray, *, hit_rate: float, seed: int) -> bytes:
    """Five guesses per image; the true label is one of them with probability `hit_rate`."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    guesses = rng.integers(1, 1001, size=(n, 5))
    hits = rng.random(n) < hit_rate
    positions = rng.integers(0, 5, size=n)
    guesses[hits, positions[hits]] = labels[hits]
    return ("\n".join(" ".join(map(str, row)) for row in guesses.tolist()) + "\n").encode()


class Command(BaseCommand):
    help = "Add baseline entries to the demo year's validation leaderboards, and its detection boxes (idempotent)."

    def handle(self, *args, **options):
        split = Split.objects.filter(task__year__slug="demo", task__slug="classification", name="val").first()
        if split is None or split.current_ground_truth is None:
            raise CommandError("Run `manage.py load_demo` first.")
        if not split.current_ground_truth.revised_labels_key:  # a demo loaded before the ReaL revision
            upload_revised_labels(user=None, split=split, data=REAL_LABELS.read_bytes(), source=REAL_SOURCE)
            self.stdout.write("Demo validation labels: ReaL revision added (entries rescored by the worker).")
        labels = np.array(read_private_file(split.current_ground_truth.labels_key).split(), dtype=np.int64)
        added = self.add_baselines(split, BASELINES, first_seed=1, filename="baseline.txt",
                                   make_file=lambda hit_rate, seed: baseline_predictions(labels, hit_rate=hit_rate,
                                                                                         seed=seed))
        self.stdout.write(f"Demo entries: {added} added, {len(BASELINES) - added} already there.")
        task = split.task.year.tasks.filter(slug="detection").first()
        if task is not None:
            self.detection(task)

    def detection(self, task) -> None:
        """The detection task's synthetic ground truth (where missing) and its validation baselines."""
        wnids = scoring_class_set(task.classes).wnids
        files = {}
        for split in task.splits.all():
            files[split.name] = scoring.synthetic_detection(split.n_images, wnids, DETECTION_SEEDS[split.name],
                                                            prefix=f"SYNTH_DET_{split.name}_")
            if split.current_ground_truth is None:
                synthetic = files[split.name]
                truth = dict(labels=synthetic.image_list, boxes=synthetic.boxes_csv, blacklist=synthetic.blacklist)
                validate_ground_truth(split=split, **truth)
                replace_ground_truth(split=split, **truth)
        self.host_val_boxes(task.year, files[Split.Name.VAL])
        detector = files[Split.Name.VAL].predictions
        added = self.add_baselines(task.splits.get(name=Split.Name.VAL), DETECTION_BASELINES,
                                   first_seed=len(BASELINES) + 1, filename="detections.txt",
                                   make_file=lambda keep, seed: thinned(detector, keep=keep, seed=seed))
        self.stdout.write(f"Demo detection entries: {added} added, {len(DETECTION_BASELINES) - added} already there.")

    def add_baselines(self, split: Split, baselines: list[tuple], *, first_seed: int, filename: str,
                      make_file) -> int:
        """Each (team name, description, strength) as its team's scored entry on `split`, the file
        made by make_file(strength, seed), unless the team has one already; the board is then
        ranked. Returns how many were added."""
        added = 0
        for seed, (team_name, description, strength) in enumerate(baselines, start=first_seed):
            team, user = self.baseline_team(split.task.year, team_name, seed)
            if team.submissions.filter(split=split).exists():
                continue
            submission = services.create_submission(team=team, split=split, user=user, data=make_file(strength, seed),
                                                    filename=filename, entry_name="baseline",
                                                    description=description)
            services.score_submission(submission_id=submission.pk)
            added += 1
        if added:  # a first visit should find them ranked, with or without a scoring worker running
            mark_dirty(splits=[split], now=True)
        return added

    def host_val_boxes(self, year: ChallengeYear, synthetic: scoring.SyntheticDetection) -> None:
        """The public validation boxes as data files, beside the classification labels."""
        organizer = get_user_model().objects.filter(username="organizer").first()
        for title, filename, field, description in VAL_BOX_FILES:
            if not year.data_files.filter(filename=filename).exists():
                upload = ContentFile(getattr(synthetic, field), name=filename)
                add_data_file(user=organizer, year=year, upload=upload, title=title, description=description)

    def baseline_team(self, year: ChallengeYear, name: str, seed: int):
        user, created = get_user_model().objects.get_or_create(username=f"demo-baseline-{seed}")
        if created:
            user.set_unusable_password()  # a demo account nobody signs in with
            user.save(update_fields=["password"])
        team, _ = Team.objects.get_or_create(year=year, name=name, defaults={"affiliation": "Demo data"})
        Membership.objects.get_or_create(user=user, year=year, defaults={"team": team})
        return team, user
