"""The one entry point: a task, a file (as pieces of its plain bytes, or whole) and the truth, scored.

The site's scoring workers and ``manage.py evaluate`` call :func:`evaluate_stream` with the pieces
of a stored file (``iter_decompressed``); tests and benches call :func:`evaluate_bytes` with
bytes in memory. Both read the file with :mod:`.formats` and score it with :mod:`.metrics`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .classes.class_set import ClassSet
from .formats.limits import check_upload_size
from .formats.streams import parse_detection_stream, parse_prediction_stream, pieces_of
from .metrics.detection import DetectionResult, score_detections
from .metrics.result import Result, score
from .tasks import DETECTION, MAX_GUESSES, TASKS
from .truth import DetectionTruth, GroundTruth

__all__ = ["evaluate_bytes", "evaluate_detection_bytes", "evaluate_stream"]


def evaluate_stream(
    task: str, pieces: Iterable[bytes], truth: GroundTruth | DetectionTruth, *, class_set: ClassSet,
    guesses: int = MAX_GUESSES,
) -> Result | DetectionResult:
    """Score a file given as pieces of its plain bytes, never holding its text whole: a
    :class:`.metrics.result.Result` for the tasks of guesses (with the first ``guesses``
    guesses), a :class:`.metrics.detection.DetectionResult` for detection.

    The caller bounds the file's size (``iter_decompressed``'s limit). Raises
    :class:`.errors.PredictionFileError` for a bad file, ``ValueError`` for an unknown task or
    truth that does not fit it (as :func:`.metrics.result.score` and
    :func:`.metrics.detection.score_detections`), and whatever iterating ``pieces`` raises.
    """
    if task == DETECTION:
        if not isinstance(truth, DetectionTruth):
            raise ValueError("detection is scored against a DetectionTruth")
        detections = parse_detection_stream(pieces, n_images=truth.n_images, class_set=class_set)
        return score_detections(detections, truth, class_set=class_set)
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join((*TASKS, DETECTION))}")
    if not isinstance(truth, GroundTruth):
        raise ValueError(f"{task} is scored against a GroundTruth")
    predictions = parse_prediction_stream(task, pieces, n_images=truth.n_images, class_set=class_set)
    return score(task, predictions, truth, class_set=class_set, guesses=guesses)


def evaluate_bytes(
    task: str,
    data: bytes,
    truth: GroundTruth,
    *,
    class_set: ClassSet,
    guesses: int = MAX_GUESSES,
) -> Result:
    """Parse ``data`` in the task's format for ``truth.n_images`` images, then score it.

    Raises :class:`.errors.PredictionFileError` for a bad file or one above the task's size
    limit, ``ValueError`` as :func:`.metrics.result.score`.
    """
    check_upload_size(len(data), task, truth.n_images)
    result = evaluate_stream(task, pieces_of(data), truth, class_set=class_set, guesses=guesses)
    assert isinstance(result, Result)
    return result


def evaluate_detection_bytes(data: bytes, truth: DetectionTruth, *, class_set: ClassSet) -> DetectionResult:
    """Parse a detection file for ``truth.n_images`` images and score it.

    Raises :class:`.errors.PredictionFileError` for a bad file, :class:`.errors.GroundTruthError`
    when no box counts.
    """
    result = evaluate_stream(DETECTION, pieces_of(data), truth, class_set=class_set)
    assert isinstance(result, DetectionResult)
    return result
