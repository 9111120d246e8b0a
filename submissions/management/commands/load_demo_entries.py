"""Give the demo year's validation leaderboard a few baseline entries, so that a newcomer sees
ranks, confidence intervals and a statistically tied group on the first visit. Idempotent.

The entries are synthetic: each image's true label is among the five guesses with a fixed
probability, at a random position; otherwise the guesses are random classes.
"""

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from challenge.models import ChallengeYear, Membership, Split, Team
from challenge.services import read_private_file
from submissions import services
from submissions.leaderboards.services import rebuild_leaderboard

# (team, entry, probability that the label is among the guesses). The two 0.70 entries are
# close enough that McNemar's test cannot separate them: the board shows them as tied.
BASELINES = [
    ("Demo: near-oracle", "label among the guesses 85% of the time", 0.85),
    ("Demo: strong baseline", "label among the guesses 70% of the time", 0.70),
    ("Demo: twin baseline", "label among the guesses 70.2% of the time", 0.702),
    ("Demo: chance", "five random classes per image", 0.0),
]


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
    help = "Add baseline entries to the demo year's validation leaderboard (idempotent)."

    def handle(self, *args, **options):
        split = Split.objects.filter(task__year__slug="demo", task__slug="classification", name="val").first()
        if split is None or split.current_ground_truth is None:
            raise CommandError("Run `manage.py load_demo` first.")
        labels = np.array(read_private_file(split.current_ground_truth.labels_key).split(), dtype=np.int64)
        added = 0
        for seed, (team_name, description, hit_rate) in enumerate(BASELINES, start=1):
            team, user = self.baseline_team(split.task.year, team_name, seed)
            if team.submissions.exists():
                continue
            data = baseline_predictions(labels, hit_rate=hit_rate, seed=seed)
            submission = services.create_submission(team=team, split=split, user=user, data=data,
                                                    filename="baseline.txt", entry_name="baseline",
                                                    description=description)
            services.score_submission(submission_id=submission.pk)
            added += 1
        if added:  # a first visit should find them ranked, with or without a scoring worker running
            rebuild_leaderboard(split=split)
        self.stdout.write(f"Demo entries: {added} added, {len(BASELINES) - added} already there.")

    def baseline_team(self, year: ChallengeYear, name: str, seed: int):
        user, created = get_user_model().objects.get_or_create(username=f"demo-baseline-{seed}")
        if created:
            user.set_unusable_password()  # a demo account nobody signs in with
            user.save(update_fields=["password"])
        team, _ = Team.objects.get_or_create(year=year, name=name, defaults={"affiliation": "Demo data"})
        Membership.objects.get_or_create(user=user, year=year, defaults={"team": team})
        return team, user
