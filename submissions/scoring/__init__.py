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

The package is cut by idea: ``classes/`` (class sets, hierarchy, LCA, WNIDs, the TSV files),
``formats/`` (each file kind's precise parser and vectorized path, the text layer, the window
reader, gzip), ``metrics/`` (classification, localization, hierarchical, detection),
``statistics/`` (intervals and paired tests), ``truth.py`` (ground truth), ``evaluate.py`` (the
one entry point: a task, its pieces, the truth) and ``synthetic/`` (seeded demo data). Callers
outside the core use only the names below.

See docs/scoring.md for the accepted formats and the exact rules.
"""

from .classes.class_set import ILSVRC2012_DATA_DIR, MAX_CLASSES, ClassSet, detection_class_set
from .classes.lca import LcaIndex
from .classes.tsv import MAX_SYNSETS, ClassSetTables, SynsetRecord, read_class_set_tsv
from .errors import MAX_REPORTED_ERRORS, GroundTruthError, InputFileError, LineError, PredictionFileError
from .evaluate import evaluate_bytes, evaluate_detection_bytes, evaluate_stream
from .formats.compression import GZIP_MAGIC, decompress_upload, is_gzip, iter_decompressed, max_decompressed_bytes
from .formats.detections import Detections
from .formats.ground_truth import (
    load_detection_truth,
    load_ground_truth,
    read_blacklist,
    read_boxes_csv,
    read_boxes_xml_dir,
    read_detection_blacklist,
    read_detection_boxes_csv,
    read_detection_boxes_xml_dir,
    read_detection_truth,
    read_image_list,
    read_labels,
)
from .formats.guesses import Predictions
from .formats.limits import check_upload_size, max_upload_bytes
from .formats.label_sets import read_label_sets, read_revision
from .formats.real_labels import read_real_labels
from .formats.samples import sample_file
from .formats.streams import (
    check_prediction_stream,
    parse_classification,
    parse_detection_stream,
    parse_detections,
    parse_localization,
    parse_prediction_stream,
    parse_predictions,
)
from .metrics.average_precision import DetectionTrace, class_average_precisions, subset_weights, weighted_map
from .metrics.detection import DetectionResult, match_detections, score_detections
from .metrics.real import RealResult, score_real
from .metrics.result import Result, score
from .metrics.revised import RevisedResult, score_revised, score_revised_detection
from .retirement import (
    detection_kept_images,
    retire_revision,
    retired_mask,
    skip_retired_guesses,
    without_retired_classes,
)
from .statistics.detection import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    PairedMapResult,
    bootstrap_map_ci,
    image_resample_weights,
    paired_map_test,
)
from .statistics.losses import (
    ALPHA,
    CONFIDENCE,
    LOSS_BOOTSTRAP_RESAMPLES,
    LOSS_BOOTSTRAP_SEED,
    PairedResult,
    bootstrap_ci,
    exact_binomial_two_sided,
    mcnemar_p,
    paired_test,
)
from .synthetic.class_set import SynsetRow, SyntheticClassSet, synthetic_class_set, write_class_set_tsv
from .synthetic.detection import SyntheticDetection, synthetic_detection
from .tasks import ALL_TASKS, DETECTION, MAX_GUESSES, TASKS
from .truth import Boxes, DetectionPositives, DetectionTruth, GroundTruth, ImageList, LabelRevision

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
    # revised labels (ReaL) and retired classes
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
    # classes: the class-set TSV files
    "ClassSetTables",
    "MAX_SYNSETS",
    "SynsetRecord",
    "read_class_set_tsv",
    # statistics on per-image losses
    "ALPHA",
    "CONFIDENCE",
    "LOSS_BOOTSTRAP_RESAMPLES",
    "LOSS_BOOTSTRAP_SEED",
    "PairedResult",
    "bootstrap_ci",
    "exact_binomial_two_sided",
    "mcnemar_p",
    "paired_test",
    "parse_detection_stream",
]
