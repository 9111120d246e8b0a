"""One way to show each number a person reads: an error (a fraction of images) as a percentage
with the board's precision, mean average precision and a mean LCA height as decimals, each under
its own name (mean average precision is never called an error). Exports and the API keep the
fractions; these texts are for pages and e-mail.

Pure: no Django, no database (the template filters and the selectors call it).
"""

from __future__ import annotations

from submissions.leaderboards.ranking import DECIMALS, METRIC_LABELS

# Metrics that are a share of the images: shown as a percentage.
PERCENT_METRICS = {"top5_error", "top1_error", "localization_error", "hierarchical_error_normalized",
                   "real_top5_error", "real_top1_error", "revised_top5_error", "revised_top1_error",
                   "revised_localization_error"}
NAMES = {**{metric: label.lower() for metric, label in METRIC_LABELS.items()},
         "hierarchical_error": "hierarchical error", "hierarchical_error_normalized": "normalized hierarchical error",
         "mean_average_precision": "mean average precision",
         "real_top5_error": "ReaL top-5 error", "real_top1_error": "ReaL top-1 error"}


def metric_text(metric: str, value: float | None, decimals: int = DECIMALS) -> str:
    """A score as pages show it: 0.12345 top-5 error is "12.345%" (a fraction rounded to
    `decimals` places keeps its digits as a percentage); mAP 0.45 is "0.45000"; "—" for None."""
    if value is None:
        return "—"
    if metric in PERCENT_METRICS:
        return f"{value * 100:.{max(decimals - 2, 0)}f}%"
    return f"{value:.{decimals}f}"


def published_text(metric: str, value: float | None) -> str:
    """A figure of a published (historical) results table, at its source's precision: 0.282 top-5
    error is "28.2%", 0.15315 is "15.315%" (padding it to the board's precision would invent digits)."""
    if value is None:
        return "—"
    if metric in PERCENT_METRICS:
        return f"{value * 100:.4f}".rstrip("0").rstrip(".") + "%"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def metric_name(metric: str) -> str:
    """The metric's name in running text: "top-5 error", "mean average precision"."""
    return NAMES.get(metric, metric.replace("_", " "))


def metric_label(metric: str) -> str:
    """The metric's name as a column or row heading: "Top-5 error", "Mean average precision"."""
    name = metric_name(metric)
    return name[:1].upper() + name[1:]

