from challenge.models.classes import ClassSet, Synset
from challenge.models.teams import (
    AuditEntry,
    DataFile,
    Membership,
    QuotaAdjustment,
    Team,
    TermsAcceptance,
)
from challenge.models.notices import Announcement, EmailKind, EmailOptOut, OutgoingEmail
from challenge.models.rates import RateCount
from challenge.models.signin import SignInFailure
from challenge.models.years import ChallengeYear, DeadlineChange, GroundTruth, Split, Task

__all__ = [
    "Announcement",
    "AuditEntry",
    "ChallengeYear",
    "ClassSet",
    "DataFile",
    "DeadlineChange",
    "EmailKind",
    "EmailOptOut",
    "GroundTruth",
    "Membership",
    "OutgoingEmail",
    "QuotaAdjustment",
    "RateCount",
    "SignInFailure",
    "Split",
    "Synset",
    "Task",
    "Team",
    "TermsAcceptance",
]
