"""Scoring core of the challenge server: parsing, validation and ILSVRC metrics.

Pure Python + numpy; no Django import anywhere in this package. Typical use::

    from submissions import scoring
    cs = scoring.ClassSet.ilsvrc2012()
    truth = scoring.GroundTruth(labels=scoring.read_labels(gt_bytes, class_set=cs))
    result = scoring.evaluate_bytes("classification", upload_bytes, truth, class_set=cs)
    result.metrics["top5_error"], result.to_bits()

Uploads may be gzip: ``decompress_upload(data, limit=max_decompressed_bytes(task, n_images))``; a
file of any size is read in pieces by ``iter_decompressed`` and validated window by window by
``check_prediction_stream`` (or parsed and scored, ``evaluate_stream``) without holding it whole.

See docs/scoring.md for the accepted formats and the exact rules.
"""

from .detection import DetectionResult, evaluate_detection_bytes, match_detections, score_detections
from .detection_bootstrap import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    DetectionPositives,
    DetectionTrace,
    PairedMapResult,
    bootstrap_map_ci,
    class_average_precisions,
    image_resample_weights,
    paired_map_test,
    subset_weights,
    weighted_map,
)
from .detection_parse import Detections, parse_detections
from .detection_synthetic import SyntheticDetection, synthetic_detection
from .detection_truth import (
    DetectionTruth,
    ImageList,
    detection_class_set,
    load_detection_truth,
    read_detection_blacklist,
    read_detection_boxes_csv,
    read_detection_boxes_xml_dir,
    read_detection_truth,
    read_image_list,
)
from .compression import GZIP_MAGIC, decompress_upload, is_gzip, iter_decompressed, max_decompressed_bytes
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
from .hierarchy import ILSVRC2012_DATA_DIR, MAX_CLASSES, ClassSet
from .lca import LcaIndex
from .metrics import Result, evaluate_bytes, score
from .parsing import (
    ALL_TASKS,
    DETECTION,
    MAX_GUESSES,
    TASKS,
    Predictions,
    check_upload_size,
    max_upload_bytes,
    parse_classification,
    parse_localization,
    parse_predictions,
)
from .streaming import check_prediction_stream, evaluate_stream, parse_prediction_stream
from .synthetic import SynsetRow, SyntheticClassSet, synthetic_class_set, write_class_set_tsv
from .samples import sample_file
from .real import LabelRevision, RealResult, read_label_sets, read_real_labels, read_revision, score_real
from .retirement import (
    RevisedResult,
    detection_kept_images,
    retire_revision,
    retired_mask,
    score_revised,
    score_revised_detection,
    skip_retired_guesses,
    without_retired_classes,
)

__all__ = [
    "GZIP_MAGIC",
    "MAX_CLASSES",
    "MAX_GUESSES",
    "MAX_REPORTED_ERRORS",
    "ALL_TASKS",
    "DETECTION",
    "TASKS",
    "ILSVRC2012_DATA_DIR",
    "Boxes",
    "ClassSet",
    "GroundTruth",
    "GroundTruthError",
    "InputFileError",
    "LcaIndex",
    "LineError",
    "PredictionFileError",
    "Predictions",
    "Result",
    "SynsetRow",
    "SyntheticClassSet",
    "check_prediction_stream",
    "check_upload_size",
    "decompress_upload",
    "evaluate_bytes",
    "evaluate_stream",
    "is_gzip",
    "iter_decompressed",
    "load_ground_truth",
    "max_decompressed_bytes",
    "max_upload_bytes",
    "parse_classification",
    "parse_localization",
    "parse_prediction_stream",
    "parse_predictions",
    "read_blacklist",
    "read_boxes_csv",
    "read_boxes_xml_dir",
    "read_labels",
    "sample_file",
    "score",
    # object detection (DET)
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "DetectionPositives",
    "DetectionResult",
    "DetectionTrace",
    "DetectionTruth",
    "Detections",
    "ImageList",
    "PairedMapResult",
    "bootstrap_map_ci",
    "class_average_precisions",
    "detection_class_set",
    "evaluate_detection_bytes",
    "image_resample_weights",
    "load_detection_truth",
    "match_detections",
    "paired_map_test",
    "parse_detections",
    "read_detection_blacklist",
    "read_detection_boxes_csv",
    "read_detection_boxes_xml_dir",
    "read_detection_truth",
    "read_image_list",
    "score_detections",
    "SyntheticDetection",
    "subset_weights",
    "synthetic_detection",
    "weighted_map",
    "synthetic_class_set",
    "write_class_set_tsv",
    # revisions of the labels: ReaL sets and retired classes
    "LabelRevision",
    "RealResult",
    "RevisedResult",
    "detection_kept_images",
    "read_label_sets",
    "read_real_labels",
    "read_revision",
    "retire_revision",
    "retired_mask",
    "score_real",
    "score_revised",
    "score_revised_detection",
    "skip_retired_guesses",
    "without_retired_classes",
]
