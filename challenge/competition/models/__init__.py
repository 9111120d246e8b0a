"""Challenge years, their tasks and splits, class sets and ground-truth versions. The tables keep
the names they had in the challenge app (db_table): moving the models moved no rows."""

from challenge.competition.models.classes import ClassSet, Synset
from challenge.competition.models.years import (
    ChallengeYear,
    ClassRevision,
    DeadlineChange,
    GroundTruth,
    Split,
    Task,
    new_subset_seed,
)

__all__ = ["ChallengeYear", "ClassRevision", "ClassSet", "DeadlineChange", "GroundTruth", "Split", "Synset", "Task", "new_subset_seed"]
