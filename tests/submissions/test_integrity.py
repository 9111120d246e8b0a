"""Identical and near-identical prediction files from different teams are flagged."""

import pytest

from submissions import selectors, services
from submissions.models import IntegrityFlag
from tests.base import VAL_LABELS, make_team, make_user, predictions_file

pytestmark = pytest.mark.django_db


def _scored(world, team, user, rows, entry="e"):
    submission = services.create_submission(team=team, split=world.val, user=user,
                                            data=predictions_file(rows), entry_name=entry)
    return services.score_submission(submission_id=submission.pk)


def test_an_identical_file_from_another_team_is_flagged_naming_both_teams(world):
    rows = [[label, 500] for label in VAL_LABELS]
    original = _scored(world, world.alpha, world.alice, rows)
    copy = _scored(world, world.charlies_team, world.charlie, rows)
    flag = IntegrityFlag.objects.get()
    assert flag.kind == IntegrityFlag.Kind.IDENTICAL and flag.agreement == 1.0
    assert (flag.submission, flag.other) == (copy, original)
    assert {flag.team.name, flag.other_team.name} == {"Alpha", "Charlie's Angles"}
    assert list(selectors.integrity_flags(year=world.year)) == [flag]


def test_the_same_team_resubmitting_a_file_is_not_flagged(world):
    rows = [[label] for label in VAL_LABELS]
    _scored(world, world.alpha, world.alice, rows)
    _scored(world, world.alpha, world.bob, rows)
    assert not IntegrityFlag.objects.exists()


def test_same_top1_with_other_guesses_is_near_identical(world):
    _scored(world, world.alpha, world.alice, [[label, 900] for label in VAL_LABELS])
    _scored(world, world.charlies_team, world.charlie, [[label, 901, 902] for label in VAL_LABELS])
    flag = IntegrityFlag.objects.get()
    assert flag.kind == IntegrityFlag.Kind.NEAR_IDENTICAL and flag.agreement == 1.0


def test_ninety_percent_agreement_is_not_flagged(world):
    rows = [[label] for label in VAL_LABELS]
    _scored(world, world.alpha, world.alice, rows)
    rows[0] = [999]
    _scored(world, world.charlies_team, world.charlie, rows)
    assert not IntegrityFlag.objects.exists()


def test_it_compares_with_each_teams_latest_few_only(world):
    from submissions import integrity

    copied = [[label] for label in VAL_LABELS]
    _scored(world, world.alpha, world.alice, copied, entry="old")
    for index in range(integrity.LATEST_PER_TEAM):
        _scored(world, world.alpha, world.alice, [[(label % 1000) + 1 + index] for label in VAL_LABELS], entry="n")
    # The copy differs in its second guess only, so only the top-1 comparison could catch it,
    # and the copied entry is older than Alpha's latest few.
    _scored(world, world.charlies_team, world.charlie, [[label, 7] for label in VAL_LABELS])
    assert not IntegrityFlag.objects.exists()


def test_a_rescore_does_not_flag_a_pair_twice(world):
    rows = [[label] for label in VAL_LABELS]
    _scored(world, world.alpha, world.alice, rows)
    copy = _scored(world, world.charlies_team, world.charlie, rows)
    from submissions import integrity

    assert integrity.check_submission(submission=copy, score=copy.current_score) == []
    assert IntegrityFlag.objects.count() == 1


def test_a_third_team_copying_is_flagged_against_both(world):
    rows = [[label] for label in VAL_LABELS]
    _scored(world, world.alpha, world.alice, rows)
    _scored(world, world.charlies_team, world.charlie, rows)
    third = make_team(world.year, "Third", make_user("tess"))
    _scored(world, third, third.memberships.get().user, rows)
    assert IntegrityFlag.objects.filter(team=third).count() == 2


def test_a_copy_whose_few_changes_all_move_its_error_is_still_flagged(world):
    """Only scores whose top-1 errors are close enough to agree on 98% of the images are read;
    a copy changed on 1.5% of them, each change turning a right answer wrong, is that close."""
    from challenge.competition.models import Split
    from tests.base import make_task

    labels = [(i % 1000) + 1 for i in range(1000)]
    split = make_task(world.year, "big", val_labels=labels).splits.get(name=Split.Name.VAL)
    original = [[label] for label in labels]
    copy = [[(label % 1000) + 1] if i < 15 else [label] for i, label in enumerate(labels)]
    far = [[((label + 1) % 1000) + 1] if i < 30 else [label] for i, label in enumerate(labels)]
    for team, user, rows in ((world.alpha, world.alice, original), (world.charlies_team, world.charlie, copy),
                             (make_team(world.year, "Far", make_user("fay")), None, far)):
        user = user or team.memberships.get().user
        submission = services.create_submission(team=team, split=split, user=user, data=predictions_file(rows),
                                                entry_name="e")
        services.score_submission(submission_id=submission.pk)
    flag = IntegrityFlag.objects.get()
    assert flag.kind == IntegrityFlag.Kind.NEAR_IDENTICAL and flag.agreement == 0.985
    assert {flag.team.name, flag.other_team.name} == {"Alpha", "Charlie's Angles"}
