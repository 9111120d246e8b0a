"""How a board's ranked rows are shown: the HTML table body (a template) and the JSON payload
of the API, an empty board and an archive's export (one shape for all of them)."""

from __future__ import annotations

import csv
import io
from functools import lru_cache

from django.template.loader import render_to_string
from django.urls import reverse

from challenge import policy
from challenge.competition.models import Split
from submissions.leaderboards import numbers, ranking
from submissions.leaderboards.models import Basis, Board


def metrics_of(split: Split) -> list[str]:
    return ranking.METRICS_BY_KIND[split.task.kind]


def board_metrics_of(split: Split) -> list[str]:
    """The metrics a board's rows carry: the task's own, then its revised ones (present only in
    the rows of entries scored on a revision)."""
    return metrics_of(split) + ranking.REVISED_METRICS_BY_KIND[split.task.kind]


def board_metrics(split: Split, basis: str | None) -> list[str]:
    """The metrics a board shows: its task's, or on a Ladder board the primary one alone (the
    Ladder releases one score per team)."""
    return [split.task.primary_metric] if basis == Basis.LADDER else metrics_of(split)


_REVISED = {m for metrics in ranking.REVISED_METRICS_BY_KIND.values() for m in metrics}


def shown_metrics(rows: list[dict], metrics: list[str]) -> list[str]:
    """The columns of a table or export: the task's metrics, then the revised ones some row has
    (a board without a revision looks as it always did)."""
    own = [m for m in metrics if m not in _REVISED]
    kinds = [kind for kind, names in ranking.METRICS_BY_KIND.items() if names == own]
    revised = ranking.REVISED_METRICS_BY_KIND[kinds[0]] if kinds else []
    return own + [m for m in revised if any(m in row.get("scores", {}) for row in rows)]


def ranking_rule(split: Split, basis: str | None = None) -> str:
    """The rule printed under a board of this split and basis (a Ladder's says what it releases)."""
    return ranking.ranking_rule(split.task.primary_metric, basis=basis,
                                decimals=policy.score_decimals(split=split, basis=basis))


def with_team_urls(rows: list[dict]) -> list[dict]:
    """Ranked rows with each team's public page (ranking itself knows no URLs)."""
    for row in rows:
        row["team"]["url"] = team_url(row["team"]["id"])
    return rows


@lru_cache(maxsize=100_000)
def team_url(team_id: int) -> str:
    # reverse() costs tens of microseconds; a rebuild asks for every team of the board again.
    return reverse("teams:detail", args=[team_id])


def render_rows(rows: list[dict], metrics: list[str], *, older_ground_truth: int = 0,
                decimals: int = ranking.DECIMALS) -> str:
    """A board's table; `older_ground_truth` counts the board's entries still scored on an
    earlier ground truth (said above the table, and each such row is marked); values are printed
    as every page prints them (submissions.leaderboards.numbers) with the board's `decimals`."""
    metrics = shown_metrics(rows, metrics)
    shaped = [{**row, "cells": [_cell(m, row["scores"].get(m), decimals) for m in metrics]} for row in rows]
    categories = any("categories_won" in row for row in rows)
    intervals = not rows or any(cell and cell.get("ci_low") is not None for row in shaped for cell in row["cells"])
    return render_to_string("leaderboards/_rows.html", {"rows": shaped, "categories": categories,
                                                        "intervals": intervals,
                                                        "labels": [ranking.METRIC_LABELS[m] for m in metrics],
                                                        "older_ground_truth": older_ground_truth})


def _cell(metric: str, score: dict | None, decimals: int) -> dict | None:
    if not score:
        return None
    text = numbers.metric_text
    interval = score.get("ci_low") is not None
    return {**score, "text": text(metric, score["value"], decimals),
            "low_text": text(metric, score["ci_low"], decimals) if interval else "",
            "high_text": text(metric, score["ci_high"], decimals) if interval else ""}


def mark_team_rows(html: str, *, team_id: int | None) -> str:
    """A stored board's rows with the viewer's own team marked (data-own-team), for highlighting.
    The stored HTML is the same for everyone; this is the one per-viewer touch."""
    if team_id is None:
        return html
    return html.replace(f' data-team="{team_id}">', f' data-team="{team_id}" data-own-team>')


def board_payload(split: Split, *, basis: str | None, track: str, rows: list, count: int | None = None,
                  page: int = 1, pages: int = 1, frozen: bool | None = None, older_ground_truth: int = 0,
                  board: str = Board.OFFICIAL) -> dict:
    """The JSON body of one board page (API), of an empty board, and of an archive's export.
    `older_ground_truth` counts the whole board's entries still scored on an earlier ground truth."""
    return page_payload(board_header(split, basis=basis, track=track, frozen=frozen, board=board), rows=rows,
                        count=count, page=page, pages=pages, older_ground_truth=older_ground_truth)


def board_header(split: Split, *, basis: str | None, track: str, frozen: bool | None = None,
                 board: str = Board.OFFICIAL) -> dict:
    """What every page of a board says besides its rows, as the board was ranked: kept with a
    stored board, so that its pages read the same whatever happens to the task meanwhile."""
    return {"frozen": basis == Basis.FINAL if frozen is None else frozen, "year": split.task.year.slug,
            "task": split.task.slug, "split": split.name, "board": board, "track": track, "basis": basis,
            "primary_metric": split.task.primary_metric, "rule": ranking_rule(split, basis),
            "decimals": policy.score_decimals(split=split, basis=basis), "metrics": board_metrics(split, basis)}


def page_payload(header: dict, *, rows: list, count: int | None = None, page: int = 1, pages: int = 1,
                 older_ground_truth: int = 0) -> dict:
    """board_payload from a board's header (board_header)."""
    return {
        "frozen": header["frozen"], "year": header["year"], "task": header["task"], "split": header["split"],
        "board": header.get("board", Board.OFFICIAL), "track": header["track"], "basis": header["basis"],
        "primary_metric": header["primary_metric"], "count": len(rows) if count is None else count, "page": page,
        "pages": pages, "rule": header["rule"], "decimals": header.get("decimals", ranking.DECIMALS),
        "older_ground_truth": older_ground_truth,
        "entries": rows,
    }


def board_csv(rows: list[dict], metrics: list[str], *, decimals: int = ranking.DECIMALS) -> str:
    """A board's rows as CSV (the frozen archive's export and the live board's download): one line
    per row, scores with their intervals as fixed text of the board's decimals (5; a Ladder's step)."""
    metrics = shown_metrics(rows, metrics)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["rank", "team", "entry", "submitted_at", "outside_data"]
    for m in metrics:
        header += [m, f"{m}_ci_low", f"{m}_ci_high"]
    writer.writerow(header + ["better_than_next", "p_value_next", "tie_group", "not_comparable", "excluded",
                              "baseline", "method_url", "code_url", "team_entries", "last_entry_at"])
    for r in rows:
        line = [r["rank"] or "", r["team"]["name"], r["entry"], r["submitted_at"], r["outside_data"]]
        for m in metrics:
            s = r["scores"].get(m) or {}
            line += [_fixed(s.get("value"), decimals), _fixed(s.get("ci_low"), decimals),
                     _fixed(s.get("ci_high"), decimals)]
        line += ["" if r["better_than_next"] is None else r["better_than_next"], _fixed(r["p_value_next"]),
                 r["tie_group"] or "", r["not_comparable"] or "", r["excluded"] or "",
                 # Rows ranked before these existed (a frozen board) have none of them.
                 r.get("is_baseline", False), r.get("method_url", ""), r.get("code_url", ""),
                 r.get("team_entries", ""), r.get("last_entry_at", "")]
        writer.writerow(line)
    return out.getvalue()


def _fixed(value: float | None, decimals: int = ranking.DECIMALS) -> str:
    return "" if value is None else f"{value:.{decimals}f}"
