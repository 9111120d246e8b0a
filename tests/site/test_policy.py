"""challenge.policy is the one place that decides time and visibility, and the one door to a
board rebuild: what each question answers, and that the second rules it replaced are gone."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from challenge import policy
from challenge.competition.models import ChallengeYear, Split
from submissions.leaderboards import services as boards
from submissions.leaderboards.models import BoardBuild
from submissions.models import RescoringJob
from tests.base import PASSWORD, make_year
from tests.leaderboard_helpers import open_quota, submit
from tests.submissions.test_rescoring import NEW_VAL_LABELS, replace

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the questions, at any moment

@pytest.mark.django_db
def test_a_years_phases_follow_its_dates():
    now = timezone.now()
    year = make_year("y2040", opens_at=now + timedelta(days=1), deadline=now + timedelta(days=10),
                     results_in_days=20)
    assert [policy.phase(year, at) for at in (now, now + timedelta(days=5), now + timedelta(days=15),
                                              now + timedelta(days=25))] == ["upcoming", "open", "closed", "results"]
    assert policy.year_takes_entries(year, now + timedelta(days=5))
    assert not policy.year_takes_entries(year, now + timedelta(days=15))
    assert policy.results_are_out(year, now + timedelta(days=25)) and not policy.results_are_out(year, now)
    draft = make_year("y2041", status=ChallengeYear.Status.DRAFT)
    assert not policy.year_takes_entries(draft) and policy.team_change_refusal(draft)
    historical = make_year("y2042", is_historical=True)
    assert policy.phase(historical) == "historical" and not policy.year_takes_entries(historical)


@pytest.mark.django_db
def test_who_may_submit_and_onto_which_board(world):
    opening = policy.may_submit(user=world.alice, team=world.alpha, split=world.val)
    assert (opening.allowed, opening.board) == (True, policy.Board.OFFICIAL)
    assert "Join or create a team" in policy.may_submit(user=world.charlie, team=world.alpha, split=world.val).reason
    after = world.year.deadline + timedelta(seconds=1)
    late = policy.may_submit(user=world.alice, team=world.alpha, split=world.val, at=after)
    # Refused with the reason and the dates that matter (issue 24: no more a bare "not accepting").
    assert (late.allowed, late.board) == (False, None)
    assert late.reason.startswith(f"{policy.NOT_ACCEPTING} Submissions closed at the deadline, ")
    assert "results are published on" in late.reason
    world.alpha.banned_until, world.alpha.ban_reason = timezone.now() + timedelta(days=1), "shared accounts"
    assert "shared accounts" in policy.may_submit(user=world.alice, team=world.alpha, split=world.val).reason


@pytest.mark.django_db
def test_entries_after_the_results_date_go_on_the_post_challenge_board(world):
    """Issue 24: a new phase is one change here. From the results date a split whose switch is on
    takes entries onto the post-challenge board; between the deadline and the results nothing."""
    deadline, results = world.year.deadline, world.year.results_at
    between, after = deadline + timedelta(hours=1), results + timedelta(seconds=1)
    assert policy.split_opening(world.test, deadline).board == policy.Board.OFFICIAL
    closed = policy.split_opening(world.test, between)
    assert closed.board is None and "from then on this split takes entries again" in closed.reason
    assert [policy.split_opening(s, after).board for s in (world.val, world.test)] == [policy.Board.POST_CHALLENGE] * 2
    assert policy.may_submit(user=world.alice, team=world.alpha, split=world.test, at=after).board == "post-challenge"
    assert policy.year_takes_entries(world.year, after) and not policy.year_takes_entries(world.year, between)
    assert policy.team_change_refusal(world.year, between) and not policy.team_change_refusal(world.year, after)
    assert policy.boards_of(world.test, between) == ["official"]
    assert policy.boards_of(world.test, after) == ["official", "post-challenge"]
    assert policy.bases_of(world.test, policy.Board.POST_CHALLENGE) == ["all"]
    anonymous = AnonymousUser()
    assert policy.board_basis(split=world.test, board="post-challenge", user=anonymous, at=between)[0] is None
    assert policy.board_basis(split=world.test, board="post-challenge", user=anonymous, at=after)[0] == "all"
    assert policy.entry_basis(split=world.test, user=anonymous, at=between, board="post-challenge") == "all"
    assert policy.year_state(world.year, after).post_challenge

    Split.objects.filter(pk=world.test.pk).update(post_challenge=False)
    world.test.refresh_from_db()
    refused = policy.split_opening(world.test, after)
    assert refused.board is None and refused.reason.endswith("This split takes no entries after the challenge.")
    assert "takes entries again" not in policy.split_opening(world.test, between).reason
    years = (make_year("y2043", is_historical=True), make_year("y2044", status=ChallengeYear.Status.DRAFT))
    assert [policy.phase(year, year.results_at + timedelta(days=1)) for year in years] == ["historical", "results"]
    assert not any(policy.year_takes_entries(year, year.results_at + timedelta(days=1)) for year in years)


def test_the_organizers_switch_is_on_the_split_form_and_on_by_default():
    from challenge.competition.forms import SplitForm

    assert "post_challenge" in SplitForm(split_name="test").fields
    assert Split._meta.get_field("post_challenge").default is True


@pytest.mark.django_db
def test_entries_and_teams_may_change_until_the_deadline_only(world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1)
    assert policy.entry_change_refusal(submission=entry, user=world.bob) == ""
    assert "Only members" in policy.entry_change_refusal(submission=entry, user=world.charlie)
    after = world.year.deadline + timedelta(seconds=1)
    assert "before the deadline" in policy.entry_change_refusal(submission=entry, user=world.bob, at=after)
    assert policy.team_change_refusal(world.year) == ""
    assert "deadline" in policy.team_change_refusal(world.year, after)


@pytest.mark.django_db
def test_what_a_viewer_sees_of_each_visibility_rule(world):
    split = world.test
    expected = {Split.Visibility.IMMEDIATE: "all", Split.Visibility.HIDDEN: None,
                Split.Visibility.PUBLIC_SUBSET: "public", Split.Visibility.LADDER: "ladder"}
    results = world.year.results_at + timedelta(seconds=1)
    for rule, basis in expected.items():
        split.visibility = rule
        assert policy.viewer_basis(split=split, user=AnonymousUser())[0] == basis
        assert policy.viewer_basis(split=split, user=world.olivia)[0] == "all"
        assert policy.viewer_basis(split=split, user=world.alice, at=results)[0] == "final"
        assert policy.entry_basis(split=split, user=world.alice, at=results) == (
            "private" if rule == Split.Visibility.PUBLIC_SUBSET else "all")
    assert policy.per_class_reports_shown(world.val) and not policy.per_class_reports_shown(world.test)


# ---------------------------------------------------------------- the second rules are gone

def test_the_rules_the_policy_replaced_are_gone():
    from challenge.teams import services as team_services
    from submissions import selectors as submission_selectors
    from submissions.leaderboards import selectors as board_selectors

    gone = [(ChallengeYear, ["is_open", "phase", "results_are_out"]), (Split, ["scores_are_public"]),
            (submission_selectors, ["may_change_entry", "default_final_entries"]),
            (board_selectors, ["viewer_basis", "bases_of", "final_basis", "scores_are_visible"]),
            (team_services, ["why_year_takes_no_teams"])]
    assert [(owner.__name__, name) for owner, names in gone for name in names if hasattr(owner, name)] == []


# What decides access reads these; forms, admin, serializers, the organizers' editors and the
# demo may still edit and show them.
DECIDING_ATTRIBUTES = {"deadline", "opens_at", "results_at", "visibility", "labels_public"}
MAY_READ = {"challenge/policy.py", "challenge/forms.py", "challenge/admin.py", "challenge/serializers.py",
            "challenge/services.py", "challenge/organizer/years.py", "submissions/notices.py"}


def _conditions(tree: ast.AST):
    """The parts of a module that decide: comparisons (`at < year.deadline`, `split.visibility ==
    ...`), truth tests of a flag (`if split.labels_public`) and query filters on these fields. A
    date's mere presence (`if year.deadline` before showing it) decides nothing."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            yield node
        elif isinstance(node, (ast.If, ast.IfExp, ast.While)):
            tests = node.test.values if isinstance(node.test, ast.BoolOp) else [node.test]
            for test in tests:
                flag = test.operand if isinstance(test, ast.UnaryOp) else test
                if isinstance(flag, ast.Attribute) and flag.attr in {"visibility", "labels_public"}:
                    yield flag
        elif isinstance(node, ast.keyword) and node.arg and node.arg.split("__")[0] in DECIDING_ATTRIBUTES:
            yield node  # a query filter on one of them


def test_only_the_policy_reads_dates_and_visibility_to_decide():
    found = []
    for path in sorted(list(ROOT.glob("challenge/**/*.py")) + list(ROOT.glob("submissions/**/*.py"))
                       + list(ROOT.glob("config/*.py"))):
        relative = path.relative_to(ROOT).as_posix()
        if relative in MAY_READ or "/migrations/" in relative or "/management/commands/" in relative:
            continue
        for condition in _conditions(ast.parse(path.read_text())):
            for node in ast.walk(condition):
                name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "arg", None)
                if name and name.split("__")[0] in DECIDING_ATTRIBUTES:
                    found.append(f"{relative}:{node.lineno} reads {name}")
    for path in sorted(ROOT.glob("templates/**/*.html")):
        if path.parent.name == "organize":  # the organizers' pages show the settings they edit
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for tag in re.findall(r"{%\s*(?:el)?if\b([^%]*)%}", line):
                flag = r"\b(?:year|split)\.(visibility|labels_public|is_open|results_are_out|phase)\b"
                date = r"\b(?:year|split)\.(deadline|opens_at|results_at)\b"
                deciding = re.search(flag, tag) or (re.search(date, tag) and re.search(r"[<>=]|\bnot\b", tag))
                if deciding:
                    found.append(f"{path.relative_to(ROOT)}:{number} decides on {tag.strip()}")
    assert found == [], "decisions outside challenge.policy:\n" + "\n".join(found)


# ---------------------------------------------------------------- one door to a rebuild

@pytest.mark.django_db
def test_a_writer_marks_boards_dirty_and_the_ranking_worker_rebuilds_them(world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    build = BoardBuild.objects.get(split=world.val)
    assert build.changes == build.built_changes  # the worker caught up
    boards.mark_dirty(splits=[world.val])
    build.refresh_from_db()
    assert build.changes == build.built_changes + 1
    assert boards.rebuild_due_boards(coalesce=False) is True
    build.refresh_from_db()
    assert build.changes == build.built_changes


@pytest.mark.django_db
def test_moderation_goes_through_the_same_door_at_once(client, world):
    from submissions.moderation import moderate_submission

    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1)
    moderate_submission(user=world.olivia, submission=entry, disqualified=True, disqualified_reason="copied",
                        not_comparable=False, not_comparable_reason="")
    build = BoardBuild.objects.get(split=world.val)
    assert build.changes == build.built_changes  # rebuilt in the request, counted like any change
    board = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"]),
                       {"split": "val"}).json()
    assert board["entries"][0]["excluded"] == "Disqualified: copied"


# ---------------------------------------------------------------- a failed rescore is visible

@pytest.mark.django_db
def test_entries_still_scored_on_an_older_ground_truth_are_marked_and_counted(client, world, private_storage):
    open_quota(world.val)
    lost = submit(world.val, world.alpha, world.alice, wrong=0, entry="file-lost")
    submit(world.val, world.charlies_team, world.charlie, wrong=0, entry="rescored")
    (private_storage / lost.file_key).unlink()
    replace(client, world, NEW_VAL_LABELS)
    call_command("score_pending")  # rescoring: one entry fails, one is rescored; then the boards
    assert RescoringJob.objects.get().failed == 1
    client.logout()
    board = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"]),
                       {"split": "val"}).json()
    assert board["older_ground_truth"] == 1
    assert {e["entry"]: e["older_ground_truth"] for e in board["entries"]} == {"file-lost": True, "rescored": False}
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]))
    text = page.content.decode()
    assert "1 entry is still scored on an earlier version of this split" in text
    assert text.count("scored on an earlier ground truth") == 1


# ---------------------------------------------------------------- the ledger's moderation records

@pytest.mark.django_db
def test_verify_ledger_compares_moderation_records_with_the_entries(world):
    from io import StringIO

    from submissions.models import Submission
    from submissions.moderation import moderate_submission

    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1)
    other = submit(world.val, world.charlies_team, world.charlie, wrong=2)
    moderate_submission(user=world.olivia, submission=entry, disqualified=True, disqualified_reason="copied",
                        not_comparable=False, not_comparable_reason="")

    def verify() -> tuple[int, str]:
        out = StringIO()
        try:
            call_command("verify_ledger", stdout=out, stderr=out)
        except CommandError as broken:
            return broken.returncode, str(broken)
        return 0, out.getvalue()

    status, said = verify()
    assert status == 0 and "Ledger intact" in said
    Submission.objects.filter(pk=entry.pk).update(disqualified=False)  # cleared behind the ledger's back
    status, said = verify()
    assert status == 1 and f"submission {entry.pk}'s moderation differs" in said
    Submission.objects.filter(pk=entry.pk).update(disqualified=True)
    Submission.objects.filter(pk=other.pk).update(not_comparable=True, not_comparable_reason="set by hand")
    status, said = verify()
    assert status == 1 and f"submission {other.pk} carries a moderation mark that no record sets" in said


# ---------------------------------------------------------------- the organizer's page says it too

@pytest.mark.django_db
def test_the_team_page_offers_no_changes_after_the_deadline(client, world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1)
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "Save final entries" in page and f'id="final-{entry.pk}"' in page
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    page = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "Save final entries" not in page and "disabled" in page
