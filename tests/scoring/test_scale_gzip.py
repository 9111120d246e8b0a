"""Gzip uploads: same results as plain files, bombs refused within the limit (no database)."""

import gzip
import io
import tracemalloc

import numpy as np
import pytest

from submissions import scoring
from tests.scoring_reference import DATA

CS = scoring.ClassSet.ilsvrc2012()
VAL = scoring.read_labels((DATA / "ILSVRC2012_validation_ground_truth.txt").read_bytes(), class_set=CS)


def refused(data, limit, **kw) -> scoring.InputFileError:
    with pytest.raises(scoring.InputFileError) as info:
        scoring.decompress_upload(data, limit=limit, **kw)
    assert len(info.value.errors) == 1 and info.value.errors[0].line is None
    return info.value


def test_a_gzip_file_scores_exactly_like_the_plain_file():
    rng = np.random.default_rng(3)
    preds = rng.integers(1, 1001, (len(VAL), 5))
    preds[::3, 2] = VAL[::3]
    plain = ("\n".join(" ".join(map(str, row)) for row in preds.tolist()) + "\n").encode()
    packed = gzip.compress(plain)
    assert scoring.is_gzip(packed) and len(packed) < len(plain) / 2
    limit = scoring.max_decompressed_bytes("hierarchical", len(VAL))
    truth = scoring.GroundTruth(labels=VAL)
    from_gzip = scoring.evaluate_bytes("hierarchical", scoring.decompress_upload(packed, limit=limit), truth, class_set=CS)
    from_plain = scoring.evaluate_bytes("hierarchical", plain, truth, class_set=CS)
    assert from_gzip.metrics == from_plain.metrics
    assert from_gzip.to_bits() == from_plain.to_bits()
    assert scoring.decompress_upload(io.BytesIO(packed), limit=limit) == plain


def test_several_gzip_members_are_read_one_after_the_other():
    assert scoring.decompress_upload(gzip.compress(b"1 2\n") + gzip.compress(b"3\n"), limit=100) == b"1 2\n3\n"


def test_a_gzip_bomb_is_refused_without_allocating_its_output():
    bomb = gzip.compress(b"\0" * 10_000_000, 9)  # 10 MB of zeros in ~10 KB
    assert len(bomb) < 20_000
    tracemalloc.start()
    error = refused(bomb, 1_000_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(error, scoring.PredictionFileError)
    assert "decompresses to more than 1,000,000 bytes" in str(error)
    assert peak < 3_000_000  # about the limit, never the 10 MB
    assert "more than 1,000,000" in str(refused(io.BytesIO(bomb), 1_000_000))


def test_the_limit_is_exact():
    data = b"7\n" * 500
    assert scoring.decompress_upload(gzip.compress(data), limit=len(data)) == data
    assert f"more than {len(data) - 1:,} bytes" in str(refused(gzip.compress(data), len(data) - 1))


def test_data_that_merely_starts_with_other_bytes_is_returned_unchanged():
    for data in (b"1 2 3\n", b"\x1f", b"\x1fx\x8b", b"\x8b\x1f", b"", b"n01440764\n"):
        assert scoring.decompress_upload(data, limit=0 if not data else 1) is data
    assert scoring.decompress_upload(bytearray(b"5\n"), limit=1) == b"5\n"
    assert scoring.decompress_upload(io.BytesIO(b"\x1fx rest"), limit=100) == b"\x1fx rest"


def test_a_plain_file_object_is_read_up_to_the_limit_only():
    assert scoring.decompress_upload(io.BytesIO(b"12345"), limit=5) == b"12345"
    assert "more than 4 bytes" in str(refused(io.BytesIO(b"12345"), 4))


def test_broken_gzip_data_is_refused_with_a_clear_message():
    good = gzip.compress(b"1 2 3\n" * 1000)
    assert "truncated" in str(refused(good[:-6], 10**6))
    assert "truncated" in str(refused(b"\x1f\x8b", 10**6))
    assert "data after its end" in str(refused(good + b"junk", 10**6))
    corrupt = good[:12] + bytes(b ^ 0x55 for b in good[12:40]) + good[40:]
    assert "not valid gzip data" in str(refused(corrupt, 10**6))


def test_ground_truth_uploads_can_ask_for_their_own_error_class():
    error = refused(gzip.compress(b"\0" * 100), 10, error_cls=scoring.GroundTruthError)
    assert isinstance(error, scoring.GroundTruthError)
    with pytest.raises(ValueError):
        scoring.decompress_upload(b"", limit=-1)


def test_the_decompressed_limit_is_the_parsers_own_bound():
    for task in scoring.TASKS:
        assert scoring.max_decompressed_bytes(task, 12345) == scoring.max_upload_bytes(task, 12345)
    widest = (" ".join(["n02119789"] * 5) + "\r\n").encode() * 1000
    limit = scoring.max_decompressed_bytes("classification", 1000)
    assert len(scoring.decompress_upload(gzip.compress(widest), limit=limit)) == len(widest)
