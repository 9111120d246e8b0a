"""The tamper-evident record: appends chain, and any edit or deletion is reported at its link."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from submissions.ledger import GENESIS_HASH, append_record, submission_received_payload, verify_chain
from submissions.models import LedgerRecord, Submission
from submissions.services import create_submission, score_submission
from tests.base import VAL_LABELS, predictions_file

RECEIVED = LedgerRecord.Kind.SUBMISSION_RECEIVED


def _submission(world, n: int) -> Submission:
    return Submission.objects.create(
        team=world.alpha, split=world.val, submitted_by=world.alice, entry_name=f"entry {n}",
        file_key=f"submissions/x/{n}.txt", file_sha256=f"{n:064x}", file_size=n,
    )


def _append_three(world) -> list[LedgerRecord]:
    return [append_record(kind=RECEIVED, payload=submission_received_payload(_submission(world, n))) for n in (1, 2, 3)]


@pytest.mark.django_db
def test_it_chains_each_record_to_the_one_before(world):
    records = _append_three(world)
    assert [r.sequence for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS_HASH
    assert records[1].prev_hash == records[0].hash and records[2].prev_hash == records[1].hash
    assert verify_chain() is None


@pytest.mark.django_db
def test_it_reports_a_tampered_payload_at_its_link(world):
    _append_three(world)
    record = LedgerRecord.objects.get(sequence=2)
    LedgerRecord.objects.filter(pk=record.pk).update(payload=record.payload.replace('"file_size":2', '"file_size":9'))
    broken = verify_chain()
    assert broken.sequence == 2 and "hash" in broken.reason


@pytest.mark.django_db
def test_it_reports_a_rehashed_record_at_the_next_link(world):
    from submissions.ledger import link_hash

    _append_three(world)
    record = LedgerRecord.objects.get(sequence=2)
    payload = record.payload.replace('"file_size":2', '"file_size":9')
    forged = link_hash(prev_hash=record.prev_hash, sequence=2, kind=record.kind, payload=payload)
    LedgerRecord.objects.filter(pk=record.pk).update(payload=payload, hash=forged)
    # The forged record is self-consistent; the rows check and the next link both catch it.
    assert verify_chain().sequence == 2
    assert verify_chain(check_rows=False).sequence == 3


@pytest.mark.django_db
def test_it_reports_a_deleted_record(world):
    _append_three(world)
    LedgerRecord.objects.filter(sequence=2).delete()
    broken = verify_chain()
    assert broken.sequence == 2 and "missing" in broken.reason


@pytest.mark.django_db
def test_it_reports_records_deleted_from_the_end(world):
    _append_three(world)
    LedgerRecord.objects.filter(sequence=3).delete()
    broken = verify_chain()
    assert broken.sequence == 3 and "missing" in broken.reason


@pytest.mark.django_db
def test_it_reports_a_database_row_edited_behind_the_ledger(world):
    _append_three(world)
    Submission.objects.filter(entry_name="entry 3").update(file_sha256="f" * 64)
    broken = verify_chain()
    assert broken.sequence == 3 and "differs" in broken.reason
    assert verify_chain(check_rows=False) is None


@pytest.mark.django_db
def test_the_command_exits_1_and_names_the_first_broken_link(world, capsys):
    _append_three(world)
    call_command("verify_ledger")
    assert "Ledger intact: 3 record(s)" in capsys.readouterr().out
    LedgerRecord.objects.filter(sequence=2).update(kind=LedgerRecord.Kind.SCORE_RECORDED)
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger")
    assert raised.value.returncode == 1 and "record #2" in str(raised.value)


@pytest.mark.django_db
def test_it_records_a_submission_and_its_score_through_the_services(world):
    data = predictions_file([[label] for label in VAL_LABELS])
    submission = create_submission(team=world.alpha, split=world.val, user=world.alice, data=data,
                                   entry_name="via services")
    score_submission(submission_id=submission.pk)
    kinds = list(LedgerRecord.objects.values_list("kind", flat=True))
    assert kinds == [LedgerRecord.Kind.SUBMISSION_RECEIVED, LedgerRecord.Kind.SCORE_RECORDED]
    assert submission.file_sha256 in LedgerRecord.objects.get(sequence=1).payload
    assert verify_chain() is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(world):
    submissions = [_submission(world, n) for n in range(1, 25)]
    errors = []

    def append(chunk):
        try:
            for submission in chunk:
                append_record(kind=RECEIVED, payload=submission_received_payload(submission))
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(submissions[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(LedgerRecord.objects.values_list("sequence", flat=True)) == list(range(1, 25))
    assert verify_chain() is None


@pytest.mark.django_db
def test_it_records_a_ground_truth_replacement_by_its_digests_only(world):
    from submissions.ground_truth_uploads import upload_ground_truth
    from tests.base import labels_file

    new_labels = labels_file(list(reversed(VAL_LABELS)))
    ground_truth = upload_ground_truth(user=world.olivia, split=world.val, labels=new_labels)
    record = LedgerRecord.objects.get(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED)
    assert ground_truth.labels_sha256 in record.payload and "10\\n9" not in record.payload
    assert verify_chain() is None
    type(ground_truth).objects.filter(pk=ground_truth.pk).update(labels_sha256="0" * 64)
    assert verify_chain().sequence == record.sequence


@pytest.mark.django_db
def test_it_records_each_moderation_of_an_entry(world):
    from submissions.moderation import moderate_submission

    submission = _submission(world, 1)
    moderate_submission(user=world.olivia, submission=submission, disqualified=True,
                        disqualified_reason="copied predictions", not_comparable=False, not_comparable_reason="")
    moderate_submission(user=world.olivia, submission=submission, disqualified=False, disqualified_reason="",
                        not_comparable=False, not_comparable_reason="")
    records = LedgerRecord.objects.filter(kind=LedgerRecord.Kind.SUBMISSION_MODERATED)
    assert records.count() == 2 and "copied predictions" in records.first().payload
    assert verify_chain() is None
