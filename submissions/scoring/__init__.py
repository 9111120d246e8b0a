"""Scoring core of the challenge server: parsing, validation and ILSVRC metrics.

Pure Python + numpy; no Django import anywhere in this package. Typical use::

    from submissions import scoring
    cs = scoring.ClassSet.ilsvrc2012()
    truth = scoring.GroundTruth(labels=scoring.read_labels(gt_bytes, class_set=cs))
    result = scoring.evaluate_bytes("classification", upload_bytes, truth, class_set=cs)
    result.metrics["top5_error"], result.to_bits()

See docs/scoring.md for the accepted formats and the exact rules.
"""

from .errors import MAX_REPORTED_ERRORS, GroundTruthError, InputFileError, LineError, PredictionFileError
from .groundtruth import (
    Boxes,
    GroundTruth,
    load_ground_truth,
    read_blacklist,
    read_boxes_csv,
    read_boxes_xml_dir,
    read_labels,
)
from .hierarchy import ILSVRC2012_DATA_DIR, ClassSet
from .metrics import Result, evaluate_bytes, score
from .parsing import (
    MAX_GUESSES,
    TASKS,
    Predictions,
    check_upload_size,
    max_upload_bytes,
    parse_classification,
    parse_localization,
    parse_predictions,
)
from .samples import sample_file

__all__ = [
    "MAX_GUESSES",
    "MAX_REPORTED_ERRORS",
    "TASKS",
    "ILSVRC2012_DATA_DIR",
    "Boxes",
    "ClassSet",
    "GroundTruth",
    "GroundTruthError",
    "InputFileError",
    "LineError",
    "PredictionFileError",
    "Predictions",
    "Result",
    "check_upload_size",
    "evaluate_bytes",
    "load_ground_truth",
    "max_upload_bytes",
    "parse_classification",
    "parse_localization",
    "parse_predictions",
    "read_blacklist",
    "read_boxes_csv",
    "read_boxes_xml_dir",
    "read_labels",
    "sample_file",
    "score",
]
