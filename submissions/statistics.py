"""How a year is going, for its organizers: teams and people, submissions per day per split,
refused uploads and why, scoring times, quota refusals, and the best score over time per split.

Organizers see every score (hidden ones too), so nothing here goes through the leaderboards'
viewer rule; these figures are never shown to anyone else.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate

from challenge.competition.models import ChallengeYear, Split
from challenge.teams.models import Membership, Team
from submissions.leaderboards.charts import Point, Series, line_chart_svg
from submissions.leaderboards import numbers
from submissions.leaderboards.ranking import HIGHER_IS_BETTER
from submissions.models import RefusedUpload, Score, Submission

DASHES = ["", "6 4", "2 3", "10 3 2 3"]


@dataclass
class SplitFigures:
    split: Split
    label: str
    accepted: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # by RefusedUpload.Kind
    best: list[tuple[date, float]] = field(default_factory=list)  # the best primary score so far (lowest error, highest mAP), per day

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


@dataclass
class YearFigures:
    year: ChallengeYear
    teams: int
    people: int
    splits: list[SplitFigures]
    days: list[date]
    top_reasons: list[tuple[str, str, int]]  # (kind label, reason, count)
    scoring_seconds: dict[str, float | None]  # p50 / p99 of scoring, and of upload-to-score

    @property
    def accepted(self) -> int:
        return sum(s.accepted for s in self.splits)

    @property
    def refused(self) -> int:
        return sum(s.refused_total for s in self.splits)

    @property
    def refused_share(self) -> float | None:
        attempts = self.accepted + self.refused
        return self.refused / attempts if attempts else None

    @property
    def has_scores(self) -> bool:
        return any(f.best for f in self.splits)

    @property
    def per_day_rows(self) -> list[tuple[str, list[int]]]:
        return [(day.isoformat(), [f.per_day.get(day, 0) for f in self.splits]) for day in self.days]

    @property
    def quota_refusals(self) -> int:
        return sum(s.refused.get(RefusedUpload.Kind.QUOTA, 0) for s in self.splits)


def year_figures(*, year: ChallengeYear) -> YearFigures:
    """Every figure of the statistics page (and of its CSV) for one year."""
    splits = list(Split.objects.filter(task__year=year).select_related("task").order_by("task__position", "task__slug", "-name"))
    figures = {s.pk: SplitFigures(split=s, label=f"{s.task.title} · {s.get_name_display()}") for s in splits}
    submissions = Submission.objects.filter(split__in=splits)
    for row in submissions.annotate(day=TruncDate("created_at")).values("split_id", "day").annotate(n=Count("id")):
        figures[row["split_id"]].per_day[row["day"]] = row["n"]
        figures[row["split_id"]].accepted += row["n"]
    refused = RefusedUpload.objects.filter(split__in=splits)
    for row in refused.values("split_id", "kind").annotate(n=Count("id")):
        figures[row["split_id"]].refused[row["kind"]] = row["n"]
    for split in splits:
        figures[split.pk].best = _best_over_time(split)
    days = _days(figures.values())
    reasons = refused.values("kind", "reason").annotate(n=Count("id")).order_by("-n", "reason")[:10]
    return YearFigures(
        year=year, teams=Team.objects.filter(year=year).count(),
        people=Membership.objects.filter(year=year).values("user").distinct().count(),
        splits=list(figures.values()), days=days,
        top_reasons=[(RefusedUpload.Kind(r["kind"]).label, r["reason"], r["n"]) for r in reasons],
        scoring_seconds=_scoring_seconds(submissions),
    )


def _best_over_time(split: Split) -> list[tuple[date, float]]:
    metric = split.task.primary_metric
    rows = (Score.objects.filter(submission__split=split, is_current=True, submission__disqualified=False)
            .exclude(**{f"{metric}__isnull": True})
            .order_by("submission__created_at").values_list("submission__created_at", metric))
    better = max if metric in HIGHER_IS_BETTER else min
    best: dict[date, float] = {}
    leading = None
    for created_at, value in rows:
        leading = value if leading is None else better(leading, value)
        best[created_at.date()] = leading
    return sorted(best.items())


def _days(figures) -> list[date]:
    seen = [day for f in figures for day in f.per_day]
    if not seen:
        return []
    first, last = min(seen), max(seen)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _scoring_seconds(submissions) -> dict[str, float | None]:
    rows = submissions.filter(status=Submission.Status.SCORED, claimed_at__isnull=False, scored_at__isnull=False)
    times = list(rows.values_list("created_at", "claimed_at", "scored_at"))
    scoring = [(scored - claimed).total_seconds() for _, claimed, scored in times]
    waited = [(scored - created).total_seconds() for created, _, scored in times]

    def percentile(values, q):
        return round(float(np.percentile(values, q)), 3) if values else None

    return {"scoring_p50": percentile(scoring, 50), "scoring_p99": percentile(scoring, 99),
            "upload_to_score_p50": percentile(waited, 50), "upload_to_score_p99": percentile(waited, 99)}


def _series(figures: YearFigures, points_of) -> list[Series]:
    return [Series(name=f.label, points=points_of(f), dash=DASHES[i % len(DASHES)])
            for i, f in enumerate(figures.splits)]


def submissions_chart(figures: YearFigures):
    labels = [day.isoformat() for day in figures.days]
    series = _series(figures, lambda f: [Point(day.isoformat(), f.per_day.get(day, 0), f.label) for day in figures.days])
    totals = "; ".join(f"{f.label}: {f.accepted}" for f in figures.splits)
    return line_chart_svg(series=series, unit="count", x_labels=labels, chart_id="per-day",
                          title="Submissions per day", description=f"Line chart of accepted submissions per day "
                          f"and split, {labels[0]} to {labels[-1]}. Totals: {totals}." if labels else "No data.")


def best_score_charts(figures: YearFigures) -> list:
    """The best score reached by each day, per split: one chart of the errors (lower is better,
    as percentages) and one of mean average precision (higher is better, as decimals), so that
    each is drawn on its own axis and named for what it plots. Only the charts that have points."""
    charts = []
    groups = [("score", "Best error so far, per split (lower is better)", "fraction", "error",
               [f for f in figures.splits if f.best and f.split.task.primary_metric not in HIGHER_IS_BETTER]),
              ("map", "Best mean average precision so far, per split (higher is better)", "score",
               "mean average precision", [f for f in figures.splits
                                          if f.best and f.split.task.primary_metric in HIGHER_IS_BETTER])]
    for chart_id, title, unit, what, splits in groups:
        if not splits:
            continue
        labels = sorted({day.isoformat() for f in splits for day, _ in f.best})
        series = [Series(name=f.label, points=[Point(day.isoformat(), value, f.label) for day, value in f.best],
                         dash=DASHES[i % len(DASHES)]) for i, f in enumerate(splits)]
        best = "; ".join(f"{f.label}: {numbers.metric_text(f.split.task.primary_metric, f.best[-1][1])}"
                         for f in splits)
        charts.append(line_chart_svg(series=series, x_labels=labels, chart_id=f"best-{chart_id}", unit=unit,
                                     title=title, description=f"Line chart of the best {what} reached by each "
                                     f"day. Now: {best}."))
    return charts


def figures_csv(figures: YearFigures) -> str:
    """The same figures as the page, one per line: figure, split, day or reason, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "split", "key", "value"])
    writer.writerows([("teams", "", "", figures.teams), ("people", "", "", figures.people),
                      ("submissions", "", "", figures.accepted), ("refused_uploads", "", "", figures.refused),
                      ("refused_share", "", "", _fixed(figures.refused_share)),
                      ("quota_refusals", "", "", figures.quota_refusals)])
    writer.writerows((name, "", "", "" if value is None else value) for name, value in figures.scoring_seconds.items())
    for f in figures.splits:
        name = str(f.split)
        writer.writerows(("submissions_per_day", name, day.isoformat(), f.per_day.get(day, 0)) for day in figures.days)
        writer.writerows(("refused_uploads", name, kind, n) for kind, n in sorted(f.refused.items()))
        # Kept under its old name for existing readers of the CSV: the primary score (an error, or mAP).
        writer.writerows(("best_primary_error", name, day.isoformat(), _fixed(error)) for day, error in f.best)
    writer.writerows(("refusal_reason", "", f"{kind}: {reason}", n) for kind, reason, n in figures.top_reasons)
    return out.getvalue()


def _fixed(value: float | None) -> str:
    return "" if value is None else f"{value:.5f}"

