"""The challenge's history: published ILSVRC results (2010–2017) loaded from the shipped CSV,
the history page with its chart, and one page per historical year."""

import csv
from pathlib import Path

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404

from challenge.competition.models import ChallengeYear, ClassSet, Task
from challenge.competition.selectors import revision_notes
from challenge.competition.services import SHIPPED_ILSVRC2012, import_ilsvrc2012, import_ilsvrc_det
from submissions.leaderboards import numbers
from submissions.leaderboards.charts import Point, Series, line_chart_svg
from submissions.leaderboards.models import HistoricalResult
from submissions.leaderboards.selectors import (best_since_challenge, historical_detection_winners,
                                                 historical_winners, year_winners)

HISTORICAL_CSV = SHIPPED_ILSVRC2012 / "historical_results.csv"
HUMAN_TOP5_ERROR = 0.051
HUMAN_SOURCE = "Russakovsky et al. 2015, IJCV, Sec. 6.4 (one trained annotator, 1,500 test images)"
TASKS = {
    "cls": ("classification", "Classification", Task.Kind.CLASSIFICATION),
    "clsloc": ("localization", "Classification with localization", Task.Kind.LOCALIZATION),
    "det": ("detection", "Object detection", Task.Kind.DETECTION),
}
POSITIONS = {"cls": 0, "clsloc": 1, "det": 2}


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


def _check_shown_row(row: dict) -> None:
    """A row the pages show needs its short citation and link, and a partly verified one its note."""
    if row["verified"] == HistoricalResult.Verified.NO:
        return
    if not (row.get("citation", "").strip() and row.get("url", "").startswith("http")):
        raise ValueError(f"a shown row needs a citation and a link: {row['year']} {row['task']} {row['team']}")
    if row["verified"] == HistoricalResult.Verified.PARTIAL and not row.get("note", "").strip():
        raise ValueError(f"a partly verified row needs a note: {row['year']} {row['task']} {row['team']}")


@transaction.atomic
def load_history(*, path: Path = HISTORICAL_CSV) -> int:
    """Create or refresh the historical years (slugs like ilsvrc2012), their tasks and results.

    Idempotent: a task's rows are replaced as a whole. Every row is stored with its verification
    status, its short citation and link, its note (what a partly verified row leaves unconfirmed)
    and its working notes (`source`, provenance only); pages show only `yes` and `partial` rows.
    Returns the rows loaded. Raises ValueError for a row with an unknown task or verification
    status, or a shown row without citation and link (or, when partial, without a note).
    """
    class_set = ClassSet.objects.filter(slug="ilsvrc2012").first() or import_ilsvrc2012()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_task: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if row["task"] not in TASKS or row["verified"] not in HistoricalResult.Verified.values:
            raise ValueError(f"unknown task or verification status in {row}")
        _check_shown_row(row)
        by_task.setdefault((row["year"], row["task"]), []).append(row)
    for (year_number, task_code), task_rows in by_task.items():
        year, _ = ChallengeYear.objects.update_or_create(
            slug=f"ilsvrc{year_number}",
            defaults=dict(title=f"ILSVRC {year_number}", class_set=class_set, is_historical=True,
                          status=ChallengeYear.Status.PUBLISHED,
                          description=f"Published results of the ImageNet Large Scale Visual Recognition "
                                      f"Challenge {year_number}, with their sources."),
        )
        slug, title, kind = TASKS[task_code]
        task, _ = Task.objects.update_or_create(
            year=year, slug=slug, defaults=dict(title=title, kind=kind, position=POSITIONS[task_code],
                                                class_set=import_ilsvrc_det() if task_code == "det" else None))
        task.historical_results.all().delete()
        HistoricalResult.objects.bulk_create(
            HistoricalResult(task=task, position=position, team_name=row["team"], entry=row["entry"],
                             extra_training_data=row["extra_training_data"],
                             top5_cls_error=_float(row["top5_cls_error"]), top5_loc_error=_float(row["top5_loc_error"]),
                             mean_ap=_float(row.get("mean_ap", "")),
                             citation=row.get("citation", ""), url=row.get("url", ""), note=row.get("note", ""),
                             source=row["source"], verified=row["verified"])
            for position, row in enumerate(task_rows, start=1)
        )
    return len(rows)


def winners_by_year() -> list[HistoricalResult]:
    """The lowest shown top-5 classification error of each historical year, oldest first."""
    return historical_winners()


def _points(results: list[HistoricalResult], field: str) -> list[Point]:
    """One point per year's winner: its `field` value, named after the team."""
    return [Point(r.task.year.slug.removeprefix("ilsvrc"), getattr(r, field), r.team_name,
                  confirmed=r.verified == HistoricalResult.Verified.YES) for r in results]


def _listed(points: list[Point], metric: str) -> str:
    return "; ".join(f"{p.x_label}: {p.label}, {numbers.published_text(metric, p.value)}" for p in points)


def history_context() -> dict:
    winners = winners_by_year()
    points = _points(winners, "top5_cls_error")
    detection = historical_detection_winners()
    det_points = _points(detection, "mean_ap")
    series = [Series("Top-5 classification error (lower is better)", points)]
    if det_points:
        series.append(Series("Detection mAP, provided data (higher is better)", det_points, dash="6 3",
                             unit="score"))
    described = [f"Classification: {_listed(points, 'top5_error')}"]
    if det_points:
        described.append(f"Detection (mean average precision): {_listed(det_points, 'mean_average_precision')}")
    chart = line_chart_svg(
        series=series,
        title="Winning top-5 classification error" + (" and detection mAP" if det_points else "") + " by year",
        description=f"Line chart. {'. '.join(described)}. Reference line: human top-5 error about "
                    f"{HUMAN_TOP5_ERROR * 100:.1f}% ({HUMAN_SOURCE}).",
        reference=(HUMAN_TOP5_ERROR, f"Human error ≈ {HUMAN_TOP5_ERROR * 100:.1f}% (Russakovsky et al. 2015)"),
        y_max=0.80 if det_points else 0.30,
    )
    years = ChallengeYear.objects.published().order_by("slug")
    held = [y for y in years if not y.is_historical]
    held_winners, since = year_winners(years=held), best_since_challenge(years=held)
    revisions = revision_notes(years=years)
    return {"chart": chart, "winners": winners, "detection_winners": detection,
            "historical_years": [{"year": y, "revisions": revisions.get(y.pk, [])} for y in years if y.is_historical],
            "site_years": [{"year": y, "winner": held_winners.get(y.pk), "best_since": since.get(y.pk),
                            "revisions": revisions.get(y.pk, [])} for y in held],
            "human_error": HUMAN_TOP5_ERROR, "human_source": HUMAN_SOURCE}


def is_historical(*, slug: str) -> bool:
    return ChallengeYear.objects.published().filter(slug=slug, is_historical=True).exists()


def year_context(*, slug: str) -> dict:
    year = ChallengeYear.objects.published().filter(slug=slug, is_historical=True).first()
    if year is None:
        raise Http404("No such historical year.")
    tasks = [(task, list(task.historical_results.all())) for task in year.tasks.prefetch_related(
        Prefetch("historical_results", queryset=HistoricalResult.objects.shown()))]
    # Each task's table shows only the error columns its results have (a phone has no room for empty ones).
    columns = [{"cls": any(r.top5_cls_error is not None for r in results),
                "loc": any(r.top5_loc_error is not None for r in results),
                "map": any(r.mean_ap is not None for r in results)} for _, results in tasks]
    return {"year": year, "tasks": [(task, results, shown) for (task, results), shown in zip(tasks, columns)]}
