from challenge.models.classes import ClassSet, Synset
from challenge.models.teams import (
    AuditEntry,
    DataFile,
    Membership,
    QuotaAdjustment,
    Team,
    TermsAcceptance,
)
from challenge.models.signin import SignInFailure
from challenge.models.years import ChallengeYear, DeadlineChange, GroundTruth, Split, Task

__all__ = [
    "AuditEntry",
    "ChallengeYear",
    "ClassSet",
    "DataFile",
    "DeadlineChange",
    "GroundTruth",
    "Membership",
    "QuotaAdjustment",
    "SignInFailure",
    "Split",
    "Synset",
    "Task",
    "Team",
    "TermsAcceptance",
]
