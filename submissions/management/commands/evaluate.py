"""Score a prediction file offline, like the devkit's eval_*.m (no database needed).

    python manage.py evaluate --task classification \\
        --ground-truth challenge/data/ilsvrc2012/ILSVRC2012_validation_ground_truth.txt \\
        --predictions preds.txt [--boxes FILE_OR_DIR] [--blacklist FILE] [--guesses K] \\
        [--class-set PATH] [--real-labels real.json] [--json]

    python manage.py evaluate --task detection --ground-truth val.txt --boxes boxes.csv_or_xml_dir \\
        --predictions dets.txt [--blacklist pairs.txt] [--class-set PATH] [--devkit-mean] [--json]

Class set and hierarchy: the shipped ILSVRC2012 files (the 200 DET classes for detection), or
with --class-set anything `import_devkit` accepts (a devkit folder with meta.mat, or synsets.tsv
+ is_a_edges.tsv). A bad file exits with status 2 and the line-numbered errors on stderr.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from challenge.competition.devkit import read_class_set_folder
from challenge.competition.services import SHIPPED_DET_CLASSES
from submissions import scoring
from submissions.ground_truth import scoring_class_set_from_rows

DETECTION = scoring.DETECTION
_ORDER = (
    "top1_error",
    "top5_error",
    "localization_error",
    "hierarchical_error",
    "hierarchical_error_normalized",
)


def run_evaluation(
    *,
    task: str,
    ground_truth: str,
    predictions: str,
    boxes: str | None = None,
    blacklist: str | None = None,
    guesses: int = scoring.MAX_GUESSES,
    class_set_path: str | None = None,
) -> scoring.Result:
    """The command's core: read the files, score, return the Result.

    Raises :class:`scoring.InputFileError` (prediction or ground-truth problems),
    ``OSError`` (unreadable file) or ``ValueError`` (bad arguments or class set).
    """
    if task == "localization" and boxes is None:
        raise ValueError("--task localization needs --boxes (a CSV file or a directory of XML files)")
    class_set = load_class_set(class_set_path, task=task)
    truth = scoring.load_ground_truth(ground_truth, class_set=class_set, boxes_path=boxes, blacklist_path=blacklist)
    return _evaluate_file(task, predictions, truth, class_set=class_set, guesses=guesses)


def _evaluate_file(task: str, predictions: str, truth, *, class_set: scoring.ClassSet,
                   guesses: int = scoring.MAX_GUESSES):
    """Score the prediction file at ``predictions`` (gzip or plain, found by its magic bytes) as the
    site's scoring workers do: read in pieces, parsed window by window, never whole."""
    path = Path(predictions)
    scoring.check_upload_size(path.stat().st_size, task, truth.n_images)  # before reading it
    with path.open("rb") as handle:
        pieces = scoring.iter_decompressed(handle, limit=scoring.max_decompressed_bytes(task, truth.n_images))
        return scoring.evaluate_stream(task, pieces, truth, class_set=class_set, guesses=guesses)


def run_real(*, real_labels: str, predictions: str, guesses: int = scoring.MAX_GUESSES,
             class_set_path: str | None = None) -> scoring.RealResult:
    """ReaL accuracies of a classification file against revised labels (the real.json layout,
    0-based indices in sorted-WNID order, or one line of class ids / WNIDs per image). Raises
    like run_evaluation."""
    class_set = load_class_set(class_set_path)
    revision = scoring.read_revision(Path(real_labels).read_bytes(), class_set=class_set)
    path = Path(predictions)
    scoring.check_upload_size(path.stat().st_size, "classification", revision.n_images)
    with path.open("rb") as handle:
        data = scoring.decompress_upload(handle, limit=scoring.max_decompressed_bytes("classification", revision.n_images))
    parsed = scoring.parse_predictions("classification", data, n_images=revision.n_images, class_set=class_set)
    return scoring.score_real(parsed, revision, guesses=guesses)


def load_class_set(path: str | None, *, task: str = "classification") -> scoring.ClassSet:
    """The shipped ILSVRC2012 class set (the 200 DET classes for detection), or the one in
    `path` (what import_devkit accepts)."""
    if path is None and task != DETECTION:
        return scoring.ClassSet.ilsvrc2012()
    files = read_class_set_folder(Path(path) if path else SHIPPED_DET_CLASSES)
    return scoring_class_set_from_rows(files.rows, files.edges)


def run_detection(*, ground_truth: str, boxes: str | None, predictions: str, blacklist: str | None = None,
                  class_set_path: str | None = None) -> scoring.DetectionResult:
    """Score a detection file: the image list (`<name> <index>` a line), the boxes (a CSV or a
    folder of devkit XML files) and an optional (image, class) blacklist. Raises like run_evaluation."""
    if boxes is None:
        raise ValueError("--task detection needs --boxes (a CSV file or a directory of XML files)")
    class_set = load_class_set(class_set_path, task=DETECTION)
    truth = scoring.load_detection_truth(ground_truth, boxes, class_set=class_set, blacklist_path=blacklist)
    return _evaluate_file(DETECTION, predictions, truth, class_set=class_set)


def detection_as_dict(result: scoring.DetectionResult, *, devkit_mean: bool = False) -> dict[str, Any]:
    """The JSON object printed by ``--json`` for detection; with ``devkit_mean`` also
    ``devkit_mean_average_precision``, the devkit's ``mean(ap)`` (null where the devkit's is NaN)."""
    out = {"images": result.images, "mean_average_precision": result.mean_average_precision,
           "average_precision": result.average_precision, "classes_evaluated": result.classes_evaluated}
    if devkit_mean:
        out["devkit_mean_average_precision"] = None if math.isnan(result.devkit_mean_ap) else result.devkit_mean_ap
    return out


def result_as_dict(result: scoring.Result) -> dict[str, Any]:
    """The JSON object printed by ``--json``: images, the metrics, guesses, warnings."""
    out: dict[str, Any] = {"images": result.images}
    out.update({k: result.metrics[k] for k in _ORDER if k in result.metrics})
    out["guesses"] = result.guesses
    if result.blacklist is not None:
        out["blacklisted"] = int(result.blacklist.sum())
    out["warnings"] = list(result.warnings)
    return out


def _command_error(exc: Exception, *, predictions: str) -> CommandError:
    """The command's exit (status 2) for a file that cannot be scored, saying which file."""
    if isinstance(exc, scoring.PredictionFileError):
        return CommandError(f"{predictions}: not scored\n{exc}", returncode=2)
    if isinstance(exc, scoring.GroundTruthError):
        return CommandError(f"ground truth: not usable\n{exc}", returncode=2)
    return CommandError(str(exc), returncode=2)


class Command(BaseCommand):
    help = "Score a prediction file against ground truth with the ILSVRC devkit rules."

    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--task", required=True, choices=scoring.ALL_TASKS)
        parser.add_argument("--ground-truth", required=True, help="One class id (or WNID) per line.")
        parser.add_argument("--predictions", required=True, help="The prediction file.")
        parser.add_argument("--boxes", help="Ground-truth boxes: a CSV (ImageId,PredictionString) or a VOC XML dir.")
        parser.add_argument("--blacklist", help="1-based image indices left out of the localization error.")
        parser.add_argument("--guesses", type=int, default=scoring.MAX_GUESSES, help="Use the first K guesses (1..5).")
        parser.add_argument("--class-set", dest="class_set", metavar="PATH",
                            help="A devkit folder (meta.mat, or synsets.tsv + is_a_edges.tsv); "
                                 "default: the shipped ILSVRC2012 set.")
        parser.add_argument("--devkit-mean", dest="devkit_mean", action="store_true",
                            help="Detection: also print mean(ap) as the devkit's demo_eval_det.m computes it "
                                 "(over classes 1..the highest with a ground-truth box, those without positives "
                                 "counted as 0, or NaN when the file names them).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument("--real-labels", dest="real_labels", metavar="FILE",
                            help="Classification: also the ReaL accuracies against these revised labels (real.json).")

    def handle(self, *args, **options):
        guesses = options["guesses"]
        if not 1 <= guesses <= scoring.MAX_GUESSES:
            raise CommandError(f"--guesses must be 1..{scoring.MAX_GUESSES}", returncode=2)
        if options["task"] == DETECTION:
            return self.handle_detection(options)
        if options.get("devkit_mean"):
            raise CommandError("--devkit-mean is for --task detection", returncode=2)
        try:
            result = run_evaluation(
                task=options["task"],
                ground_truth=options["ground_truth"],
                predictions=options["predictions"],
                boxes=options.get("boxes"),
                blacklist=options.get("blacklist"),
                guesses=guesses,
                class_set_path=options.get("class_set"),
            )
        except (scoring.PredictionFileError, scoring.GroundTruthError, OSError, ValueError) as exc:
            raise _command_error(exc, predictions=options["predictions"]) from exc
        data = result_as_dict(result)
        if options.get("real_labels"):
            data.update(self.real(options))
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        k = result.guesses
        labels = {
            "images": "images",
            "top1_error": "top-1 error",
            "top5_error": f"top-{k} error",
            "localization_error": f"localization error ({k} guesses)",
            "hierarchical_error": f"hierarchical error ({k} guesses)",
            "hierarchical_error_normalized": "hierarchical error / max height",
            "blacklisted": "blacklisted images",
            "real_top1_accuracy": "ReaL top-1 accuracy",
            "real_top5_accuracy": f"ReaL top-{k} accuracy",
            "real_images": "ReaL images",
        }
        width = max(len(v) for v in labels.values())
        for key, label in labels.items():
            if key not in data:
                continue
            value = data[key]
            text = f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
            self.stdout.write(f"{label:<{width}}  {text}")
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")

    def real(self, options) -> dict[str, Any]:
        """The ReaL figures of --real-labels (classification only)."""
        if options["task"] != "classification":
            raise CommandError("--real-labels applies to --task classification only", returncode=2)
        try:
            return run_real(real_labels=options["real_labels"], predictions=options["predictions"],
                            guesses=options["guesses"], class_set_path=options.get("class_set")).metrics()
        except (scoring.PredictionFileError, scoring.GroundTruthError, OSError, ValueError) as exc:
            if isinstance(exc, scoring.GroundTruthError):
                raise CommandError(f"{options['real_labels']}: not usable\n{exc}", returncode=2) from exc
            raise _command_error(exc, predictions=options["predictions"]) from exc

    def handle_detection(self, options) -> None:
        try:
            result = run_detection(ground_truth=options["ground_truth"], boxes=options.get("boxes"),
                                   predictions=options["predictions"], blacklist=options.get("blacklist"),
                                   class_set_path=options.get("class_set"))
        except (scoring.PredictionFileError, scoring.GroundTruthError, OSError, ValueError) as exc:
            raise _command_error(exc, predictions=options["predictions"]) from exc
        data = detection_as_dict(result, devkit_mean=options.get("devkit_mean", False))
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(f"images                  {data['images']:,}")
        self.stdout.write(f"mean average precision  {data['mean_average_precision']:.4f}")
        if options.get("devkit_mean"):
            self.stdout.write(f"devkit's mean(ap)       {result.devkit_mean_ap:.4f}")
        self.stdout.write(f"classes evaluated       {data['classes_evaluated']:,}")
        for wnid, ap in data["average_precision"].items():
            self.stdout.write(f"  {wnid}  {ap:.4f}")
