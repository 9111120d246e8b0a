"""How a board's ranked rows are shown: the HTML table body (a template) and the JSON payload
of the API, an empty board and an archive's export (one shape for all of them)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse

from challenge.models import Split
from submissions.leaderboards import ranking
from submissions.leaderboards.models import Basis

PAGE_SIZE = 100


def metrics_of(split: Split) -> list[str]:
    return ranking.METRICS_BY_KIND[split.task.kind]


def ranking_rule(split: Split) -> str:
    return ranking.ranking_rule(split.task.primary_metric)


def with_team_urls(rows: list[dict]) -> list[dict]:
    """Ranked rows with each team's public page (ranking itself knows no URLs)."""
    for row in rows:
        row["team"]["url"] = team_url(row["team"]["id"])
    return rows


@lru_cache(maxsize=100_000)
def team_url(team_id: int) -> str:
    # reverse() costs tens of microseconds; a rebuild asks for every team of the board again.
    return reverse("teams:detail", args=[team_id])


def render_rows(rows: list[dict], metrics: list[str]) -> str:
    shaped = [{**row, "cells": [row["scores"].get(m) for m in metrics],
               "when": datetime.fromisoformat(row["submitted_at"]).strftime("%Y-%m-%d %H:%M UTC")} for row in rows]
    return render_to_string("leaderboards/_rows.html",
                            {"rows": shaped, "labels": [ranking.METRIC_LABELS[m] for m in metrics]})


def board_payload(split: Split, *, basis: str | None, track: str, rows: list, count: int | None = None,
                  page: int = 1, pages: int = 1, frozen: bool | None = None) -> dict:
    """The JSON body of one board page (API), of an empty board, and of an archive's export."""
    return {
        "frozen": basis == Basis.FINAL if frozen is None else frozen, "year": split.task.year.slug,
        "task": split.task.slug, "split": split.name, "track": track, "basis": basis,
        "primary_metric": split.task.primary_metric, "count": len(rows) if count is None else count,
        "page": page, "pages": pages, "rule": ranking_rule(split), "entries": rows,
    }
