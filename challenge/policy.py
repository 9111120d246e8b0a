"""The one place that decides time and visibility.

Every question of the form "may this happen now?" or "what may this viewer see?" is answered
here, and only here: may a person submit to a split now, and onto which board; does a ban hold
a person; has a person confirmed the e-mail address they signed up with; may an entry still
change (its name, description, withdrawal, the final choice); does a year take teams;
which basis of a split's boards a viewer sees; are per-class reports shown; how precisely a
score is shown. Services, selectors, serializers and (through their views' context) templates
ask; nothing else reads a year's dates or a split's visibility to decide.

Every answer takes the moment it is asked for (`at`, now by default), so a test or a command
can ask about any time without freezing the clock.

Entries after the results date go on a board of their own (the post-challenge board, beside
the frozen official one): `split_opening` answers Board.POST_CHALLENGE from the results date
for a split whose switch is on; between the deadline and the results date nothing is taken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from challenge.accounts.models import EmailConfirmation
from challenge.accounts.roles import is_organizer
from challenge.competition.models import ChallengeYear, Split, Synset
from challenge.teams.models import Membership, Team
from config.formats import moment


class Basis(models.TextChoices):
    """Which images (or which filter) a board's scores are computed on."""

    ALL = "all", "All images of the split"
    PUBLIC = "public", "The public subset (live scores)"
    PRIVATE = "private", "The rest of the images (the final ranking)"
    LADDER = "ladder", "All images, through the Ladder"
    FINAL = "final", "The final ranking as frozen at the results date (written once)"


class Board(models.TextChoices):
    """The board an entry is ranked on."""

    OFFICIAL = "official", "Official"
    POST_CHALLENGE = "post-challenge", "After the challenge"


# What `board=` may ask for on the board pages, their exports and the board API: a stored board
# (Board), or REVISED, the official board's entries with their figures on the split's current
# revision of its labels (ReaL sets, retired classes). The revised view is not a stored board of
# its own kind: it reads the live board of the official entries (see board_basis), while the
# official board of a finished year stays as frozen. A post-challenge board is live, so its rows
# carry the revised figures already: it needs no revised view.
REVISED = "revised"
BOARD_VIEWS = (Board.OFFICIAL.value, Board.POST_CHALLENGE.value, REVISED)


def stored_board(board: str) -> str:
    """The stored board (Board) that one of BOARD_VIEWS reads."""
    return Board.POST_CHALLENGE if board == Board.POST_CHALLENGE else Board.OFFICIAL


# Scores are published rounded to 5 decimals, as ILSVRC did.
SCORE_DECIMALS = 5

NOT_ACCEPTING = "This challenge is not accepting submissions now."
NO_YEAR = "This challenge year does not take submissions."

# A ban holds the people in the team when it is set, and those who left it this shortly before
# (leaving a team the organizers are looking at must not escape its ban).
BAN_REACHES_BACK = timedelta(days=14)


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


# ---------------------------------------------------------------- a year's phases

def results_are_out(year: ChallengeYear, at: datetime | None = None) -> bool:
    """Whether the year's final results are announced. A missing results date means they are not."""
    return year.results_at is not None and _now(at) >= year.results_at


def frozen_results_due(at: datetime | None = None) -> Q:
    """The filter of splits whose final ranking is due to be frozen at `at`: results_are_out for
    the database, on published years held here (historical years have no boards)."""
    return Q(task__year__results_at__lte=_now(at), task__year__is_historical=False,
             task__year__status=ChallengeYear.Status.PUBLISHED)


def _takes_official_entries(year: ChallengeYear, at: datetime) -> bool:
    # A missing opens_at means open since creation; a missing deadline means no deadline yet.
    if year.is_historical or not year.is_published():
        return False
    if year.opens_at and at < year.opens_at:
        return False
    return year.deadline is None or at <= year.deadline


def _takes_post_challenge_entries(split: Split, at: datetime) -> bool:
    year = split.task.year
    return (split.post_challenge and not year.is_historical and year.is_published()
            and results_are_out(year, at))


def phase(year: ChallengeYear, at: datetime | None = None) -> str:
    """Where the year stands for its visitors: "historical", "upcoming" (not open yet), "open",
    "closed" (results pending) or "results" (announced)."""
    at = _now(at)
    if year.is_historical:
        return "historical"
    if results_are_out(year, at):
        return "results"
    if _takes_official_entries(year, at):
        return "open"
    if year.opens_at and at < year.opens_at:
        return "upcoming"
    return "closed"


# ---------------------------------------------------------------- submitting

@dataclass(frozen=True)
class Opening:
    """Whether something may be done now: `board` names where an entry goes (None: refused),
    `reason` says why not, for the person who asked ("" when allowed)."""

    board: str | None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.board is not None


def split_opening(split: Split, at: datetime | None = None) -> Opening:
    """Whether a split takes entries at `at` (whoever sends them), and onto which board: the
    official board until the deadline; the post-challenge board from the results date when the
    split's switch is on; none between the two (no test score may show before the results)."""
    at = _now(at)
    if _takes_official_entries(split.task.year, at):
        return Opening(Board.OFFICIAL)
    if _takes_post_challenge_entries(split, at):
        return Opening(Board.POST_CHALLENGE)
    return Opening(None, _closed_reason(split, at))


def _closed_reason(split: Split, at: datetime) -> str:
    """Why a split takes no entry now, with the dates that matter, for the person who asked."""
    year = split.task.year
    if year.is_historical or not year.is_published():
        return NO_YEAR
    if year.opens_at and at < year.opens_at:
        return f"{NOT_ACCEPTING} It opens for submissions on {moment(year.opens_at)}."
    closed = f"{NOT_ACCEPTING} Submissions closed at the deadline, {moment(year.deadline)}." if year.deadline \
        else NOT_ACCEPTING
    if not results_are_out(year, at):
        if split.post_challenge and year.results_at:
            return (f"{closed} The results are published on {moment(year.results_at)}; from then on this split "
                    "takes entries again, on a post-challenge board beside the official results.")
        results = f" The results are published on {moment(year.results_at)}." if year.results_at else ""
        return closed + results
    return f"{closed} This split takes no entries after the challenge."


def year_takes_entries(year: ChallengeYear, at: datetime | None = None) -> bool:
    """Whether the year takes entries on any of its splits now (the pages' "Submit" links)."""
    at = _now(at)
    return _takes_official_entries(year, at) or _post_challenge_year(year, at)


def _post_challenge_year(year: ChallengeYear, at: datetime) -> bool:
    """Whether one of the year's splits takes post-challenge entries now."""
    if year.is_historical or not year.is_published() or not results_are_out(year, at):
        return False
    return Split.objects.filter(task__year=year, post_challenge=True).exists()


def boards_of(split: Split, at: datetime | None = None) -> list[str]:
    """The boards a split takes entries on at `at`: the official one, and from the results date the
    post-challenge one when its switch is on (leaderboards.services.board_kinds keeps a board that
    has entries whatever the switch)."""
    if _takes_post_challenge_entries(split, _now(at)):
        return [Board.OFFICIAL, Board.POST_CHALLENGE]
    return [Board.OFFICIAL]


def may_submit(*, user, team: Team | None, split: Split, at: datetime | None = None) -> Opening:
    """May `user`, in `team`, send an entry to `split` now, and onto which board?"""
    year = split.task.year
    if team is None or team.year_id != year.pk or not Membership.objects.filter(team=team, user=user).exists():
        return Opening(None, "Join or create a team of this year to submit.")
    refusal = submit_refusal(user=user, team=team, at=at)
    if refusal:
        return Opening(None, refusal)
    return split_opening(split, at)


def submit_refusal(*, user, team: Team, at: datetime | None = None) -> str:
    """Why `user`, a member of `team`, may submit to no split of the team's year now, whatever the
    splits' own rules ("" when nothing holds them): the team's ban, a ban that holds the person,
    or an e-mail address they signed up with and have not confirmed yet."""
    if team.is_banned(_now(at)):
        return f"Team {team.name} is banned from submitting until {moment(team.banned_until)}: {team.ban_reason}"
    held_by = ban_holding(user=user, year=team.year, at=at)
    if held_by is not None:
        return _held_reason(held_by)
    if not email_confirmed(user):
        return unconfirmed_reason(user)
    return ""


# ---------------------------------------------------------------- bans on people, confirmed addresses

def ban_holding(*, user, year: ChallengeYear, at: datetime | None = None) -> Team | None:
    """The banned team of `year` whose ban holds this person at `at`: one they are in, or were in
    when the ban was set, or left in the BAN_REACHES_BACK before. None when no ban holds them.
    While one does, they can neither submit, nor change entries, nor create, join or change a
    team of that year."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Team.objects.filter(year=year).banning(user=user, at=_now(at), reaches_back=BAN_REACHES_BACK).first()


def people_held_by_ban(team: Team, at: datetime | None = None) -> list:
    """The people a team's ban holds at `at`, by username (none while the team is not banned): its
    members, and whoever left it in the BAN_REACHES_BACK before the ban was set, or since. For the
    organizers' page; asked person by person of the same rule as ban_holding."""
    at = _now(at)
    if not team.is_banned(at):
        return []
    candidates = {m.user for m in team.memberships.select_related("user")}
    candidates |= {f.user for f in team.former_memberships.select_related("user")}
    held = [person for person in candidates
            if Team.objects.filter(pk=team.pk).banning(user=person, at=at, reaches_back=BAN_REACHES_BACK).exists()]
    return sorted(held, key=lambda person: person.get_username())


def _held_reason(team: Team) -> str:
    return (f"You are banned from {team.year.title} until {moment(team.banned_until)}, with team {team.name}: "
            f"{team.ban_reason}")


def email_confirmed(user) -> bool:
    """Whether this person has confirmed their e-mail address, as submitting needs. Only those who
    signed up through the site's form ever have one to confirm: accounts made by organizers, the
    admin, commands or the shell, and every account from before confirmation existed, count as
    confirmed."""
    return not EmailConfirmation.objects.filter(user_id=user.pk, confirmed_at__isnull=True).exists()


def unconfirmed_reason(user) -> str:
    """What a person who has not confirmed their e-mail address is told, and how to get a new link."""
    profile = settings.SITE_URL + reverse("accounts:profile")
    return (f"Confirm your e-mail address before submitting: open the link we sent to {user.email} when you "
            f"signed up. For a new link, press “Send a new link” on your profile page ({profile}).")


# ---------------------------------------------------------------- changing entries and teams

def entries_may_change(split: Split, at: datetime | None = None) -> bool:
    """Whether entries of a split may still change (name, description, withdrawal, final
    choice): until the deadline, as the board they are ranked on is still open."""
    return _takes_official_entries(split.task.year, _now(at))


def entry_change_refusal(*, submission, user, at: datetime | None = None) -> str:
    """Why `user` may not rename, describe or withdraw this entry now ("" when they may): only its
    team's members may, never once the organizers moderated it (a team must not undo a
    disqualification by withdrawing the entry), nor while a ban holds the team or the person,
    nor after the deadline (an entry after the challenge may change while its split takes
    post-challenge entries)."""
    if not Membership.objects.filter(team_id=submission.team_id, user=user).exists():
        return "Only members of the entry's team can change it."
    if submission.disqualified or submission.not_comparable:
        mark = "disqualified this entry" if submission.disqualified else "marked this entry not directly comparable"
        return (f"The organizers {mark}: its name, description and place on the boards stay as they are "
                "(only the organizers can change them now).")
    refusal = _frozen_by_a_ban(team=submission.team, user=user, at=at)
    if refusal:
        return refusal
    if submission.board == Board.POST_CHALLENGE:
        if split_opening(submission.split, at).board != Board.POST_CHALLENGE:
            return "This split takes no entries after the challenge any more; its entries stay as they are."
        return ""
    if not entries_may_change(submission.split, at):
        return "Entries can only be changed before the deadline."
    return ""


def final_choice_refusal(*, team: Team, split: Split, user=None, at: datetime | None = None) -> str:
    """Why the team's choice of final entries on `split` cannot change now ("" when it can): not
    while a ban holds the team (or `user`, who asks), nor after the deadline."""
    refusal = _frozen_by_a_ban(team=team, user=user, at=at)
    if refusal:
        return refusal
    if not entries_may_change(split, at):
        return "Final entries can only be chosen before the deadline."
    return ""


def _frozen_by_a_ban(*, team: Team, user, at: datetime | None) -> str:
    if team.is_banned(_now(at)):
        return (f"Team {team.name} is banned until {moment(team.banned_until)}: its entries cannot change "
                f"meanwhile. {team.ban_reason}")
    held_by = ban_holding(user=user, year=team.year, at=at) if user is not None else None
    return _held_reason(held_by) if held_by is not None else ""


def team_change_refusal(year: ChallengeYear, at: datetime | None = None, *, user=None) -> str:
    """Why teams of this year can no longer form or change ("" while they can); with `user`, also
    why this person may not create, join or change a team of it (a ban that holds them)."""
    refusal = _year_team_refusal(year, _now(at))
    if refusal:
        return refusal
    held_by = ban_holding(user=user, year=year, at=at) if user is not None else None
    if held_by is not None:
        return _held_reason(held_by)
    return ""


def _year_team_refusal(year: ChallengeYear, at: datetime, post_challenge: bool | None = None) -> str:
    """Why no team of the year may form or change, whoever asks ("" while they can);
    ``post_challenge``: :func:`_post_challenge_year` when the caller has it already."""
    if year.is_historical or not year.is_published():
        return "This challenge year does not take teams."
    if year.deadline is not None and at > year.deadline:
        if not (_post_challenge_year(year, at) if post_challenge is None else post_challenge):
            # Joining after the deadline could only be used to get round per-person quotas; from the
            # results date a year that takes post-challenge entries takes newcomers again.
            return "The submission deadline of this year has passed."
    return ""


@dataclass(frozen=True)
class YearState:
    """What the pages of a year say about its phase, for templates (through the view's context)."""

    phase: str
    takes_entries: bool
    results_out: bool
    takes_teams: bool
    post_challenge: bool = False  # takes entries after the challenge, on the post-challenge boards


def year_state(year: ChallengeYear, at: datetime | None = None) -> YearState:
    at = _now(at)
    after = _post_challenge_year(year, at)
    return YearState(phase=phase(year, at), takes_entries=_takes_official_entries(year, at) or after,
                     results_out=results_are_out(year, at), takes_teams=not _year_team_refusal(year, at, after),
                     post_challenge=after)


# ---------------------------------------------------------------- what a viewer sees

def bases_of(split: Split, board: str = Board.OFFICIAL) -> list[str]:
    """The bases a split's boards are built on: all images, plus what its visibility rule shows
    on the official board; the post-challenge board is on all images only (the year is over)."""
    bases = [Basis.ALL]
    if board == Board.POST_CHALLENGE:
        return bases
    if split.visibility == Split.Visibility.PUBLIC_SUBSET:
        bases += [Basis.PUBLIC, Basis.PRIVATE]
    if split.visibility == Split.Visibility.LADDER:
        bases.append(Basis.LADDER)
    return bases


def public_subset_splits() -> Q:
    """The filter of splits whose live scores come from a public subset (has_public_subset)."""
    return Q(visibility=Split.Visibility.PUBLIC_SUBSET)


def has_public_subset(split: Split) -> bool:
    """Whether the split's live scores come from a fixed secret subset of its images."""
    return split.visibility == Split.Visibility.PUBLIC_SUBSET


def is_ladder(split: Split) -> bool:
    """Whether the split's live board shows each team's score through the Ladder."""
    return split.visibility == Split.Visibility.LADDER


def final_basis(split: Split) -> str:
    """The images the final ranking is computed on: the hidden rest for a public-subset split."""
    return Basis.PRIVATE if has_public_subset(split) else Basis.ALL


def viewer_basis(*, split: Split, user, at: datetime | None = None) -> tuple[str | None, str]:
    """Which board this viewer may see, and why. Organizers always see raw scores on all images;
    everyone else follows the split's visibility rule until the results date."""
    if is_organizer(user):
        return Basis.ALL, "Organizer view: raw scores on all images, whatever the visibility rule."
    if results_are_out(split.task.year, at):
        # The frozen board once freeze_results has run; until then the live one on final_basis.
        return Basis.FINAL, "Final results."
    rule = split.visibility
    if rule == Split.Visibility.IMMEDIATE:
        return Basis.ALL, "Scores on all images of this split, live."
    if rule == Split.Visibility.PUBLIC_SUBSET:
        return Basis.PUBLIC, ("Live scores on a fixed, secret subset of the images; the final ranking "
                              "uses the rest and is published at the results date.")
    if rule == Split.Visibility.LADDER:
        return Basis.LADDER, ("Ladder: a team's shown score changes only when a new submission beats its "
                              "shown best significantly (paired test on the same images); otherwise the "
                              "previous best is shown again.")
    return None, "Scores on this split are hidden until the results are announced."


POST_CHALLENGE_EXPLANATION = ("Entries sent after the challenge ended, scored on all images of the split and "
                              "ranked live; they are not part of the official results, which stay as published.")
REVISED_EXPLANATION = ("Figures on the current revision of the labels, computed now on the final ranking's "
                       "images, beside the official final results (which never change).")


def board_basis(*, split: Split, board: str, user, at: datetime | None = None) -> tuple[str | None, str]:
    """Which basis of one of the split's boards (`board`, one of BOARD_VIEWS) this viewer sees,
    and why. Post-challenge scores are public and on all images, whatever the split's visibility
    was. The revised view of the official board: after the results date the official board stays
    as it was frozen, so the figures on the revised labels are the live board on the final
    ranking's images; before, the board the viewer sees, which carries them beside the original
    ones."""
    if board == Board.POST_CHALLENGE:
        if is_organizer(user) or results_are_out(split.task.year, at):
            return Basis.ALL, POST_CHALLENGE_EXPLANATION
        return None, "The post-challenge board opens on the results date."
    basis, explanation = viewer_basis(split=split, user=user, at=at)
    if board == REVISED and basis == Basis.FINAL:
        return final_basis(split), REVISED_EXPLANATION
    return basis, explanation


def entry_basis(*, split: Split, user, at: datetime | None = None, board: str = Board.OFFICIAL) -> str | None:
    """The basis of one entry's scores this viewer may see (the final ranking's images after the
    results date; all images for an entry after the challenge), or None while they are hidden."""
    if board == Board.POST_CHALLENGE:
        return Basis.ALL
    basis, _ = viewer_basis(split=split, user=user, at=at)
    return final_basis(split) if basis == Basis.FINAL else basis


def scores_are_visible(*, split: Split, user, at: datetime | None = None) -> bool:
    """Whether this viewer may see any scores of the split now: live ones (perhaps on a public
    subset or through the Ladder) or the final ones."""
    return viewer_basis(split=split, user=user, at=at)[0] is not None


def secret_ground_truth() -> Q:
    """The filter of ground-truth versions whose files must never reach anyone: every version
    (labels, boxes and blacklist alike) of a split whose labels are not published with its data."""
    return Q(split__labels_public=False)


def per_class_reports_shown(split: Split) -> bool:
    """Whether a team's per-class report (per-image results aggregated by class) may be shown:
    only on a validation split whose labels are published anyway."""
    return split.name == Split.Name.VAL and split.labels_public


def label_report_refusal(*, user, team: Team | None, split: Split) -> str:
    """Why `user`, in `team`, may not report a label of this split as wrong ("" when they may):
    reports are on a validation split whose labels are published, by members of a team of its
    year, and go to the crowd's verification (challenge.annotation)."""
    if split.name != Split.Name.VAL or not split.labels_public:
        return "Labels can be reported only on a validation split whose labels are published."
    if team is None or team.year_id != split.task.year_id or not Membership.objects.filter(team=team, user=user).exists():
        return "Join or create a team of this year to report a label."
    return ""


def score_decimals(*, split: Split, basis: str | None) -> int:
    """How many decimals of a score on this split and basis are shown: 5, as ILSVRC published
    them; on a Ladder board the Ladder's step (ladder_decimals), never the exact count."""
    if basis == Basis.LADDER:
        return ladder_decimals(split)
    return SCORE_DECIMALS


def ladder_decimals(split: Split) -> int:
    """The decimals a Ladder releases its scores to: the step of Blum and Hardt's parameter-free
    Ladder, taken as a power of ten.

    Their Ladder releases a score rounded to its step (Algorithm 1, [R]_eta); the parameter-free
    variant sets the step from the data: a new score is released when it beats the shown one by
    more than one standard error of the paired difference, s/sqrt(n) (s the sample standard
    deviation of the per-image loss differences). A difference of losses lies in [-R, R] (R = 1
    for errors and mAP, the class set's largest height for LCA costs), so s <= R and no step is
    larger than R/sqrt(n). Released scores are rounded to the largest power of ten not above
    that bound: d = ceil(log10(sqrt(n) / R)) decimals (0.01 at 1,000 images, 0.001 from 50,000
    to 1M), at most SCORE_DECIMALS. It depends only on public facts (n and R), so the precision
    itself says nothing of the hidden images."""
    n = max(split.n_images, 1)
    decimals = math.ceil(math.log10(math.sqrt(n) / _loss_range(split)) - 1e-12)
    return min(max(decimals, 0), SCORE_DECIMALS)


def _loss_range(split: Split) -> int:
    # Per-image losses: 0/1 errors (and a detection's mAP lies in [0, 1]); LCA heights up to the
    # class set's tallest synset.
    if split.task.primary_metric != "hierarchical_error":
        return 1
    tallest = Synset.objects.filter(class_set=split.task.classes).aggregate(Max("wordnet_height"))
    return max(tallest["wordnet_height__max"] or 1, 1)
