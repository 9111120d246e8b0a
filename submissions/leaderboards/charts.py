"""Charts drawn on the server as SVG: no JavaScript, readable without colour, with a title
and a description for screen readers (the pages also show the data as a table).

This module only computes geometry; `templates/leaderboards/_line_chart.svg` draws it, so
every text that reaches the SVG is autoescaped by the template engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Point:
    x_label: str
    value: float  # a fraction: 0.153 is drawn as 15.3%
    label: str
    confirmed: bool = True


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]
    css_class: str = "series"  # the stylesheet colours it; the dash pattern tells series apart without colour
    dash: str = ""


@dataclass
class _Layout:
    x_labels: list[str]
    top: float
    plot_w: float
    plot_h: float
    ticks: list[dict] = field(default_factory=list)


WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 56
SERIES_COLOURS = ["#1f4e99", "#8a4b08", "#2e7d32"]


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def line_chart_svg(*, points: list[Point] | None = None, series: list[Series] | None = None, title: str,
                   description: str, reference: tuple[float, str] | None = None,
                   y_max: float | None = None) -> SafeString:
    """A labelled line chart of fractions over categories (one or several series sharing the
    x labels, in order of first appearance), with an optional horizontal reference line."""
    series = series or [Series(name="", points=points or [])]
    x_labels = list(dict.fromkeys(p.x_label for s in series for p in s.points))
    values = [p.value for s in series for p in s.points] + ([reference[0]] if reference else [])
    layout = _Layout(x_labels=x_labels, top=y_max or max([0.05, *values]) * 1.1,
                     plot_w=WIDTH - LEFT - RIGHT, plot_h=HEIGHT - TOP - BOTTOM)
    step = layout.plot_w / max(len(x_labels), 1)

    def x(label: str) -> float:
        return round(LEFT + step * (x_labels.index(label) + 0.5), 1)

    def y(value: float) -> float:
        return round(TOP + layout.plot_h * (1 - value / layout.top), 1)

    ticks = [{"y": y(t / 100), "label_y": round(y(t / 100) + 4, 1), "label": f"{t}%"}
             for t in range(0, 101, 5) if t / 100 <= layout.top]
    drawn = []
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        marks = []
        for p in s.points:
            # Below the reference line the value goes under its point, so the line never crosses it.
            below = reference is not None and p.value < reference[0]
            marks.append({"x": x(p.x_label), "y": y(p.value), "label_y": round(y(p.value) + (18 if below else -10), 1),
                          "text": _percent(p.value), "point": p})
        path = " ".join(f"{'M' if i == 0 else 'L'}{m['x']},{m['y']}" for i, m in enumerate(marks))
        drawn.append({"series": s, "colour": colour, "marks": marks, "path": path, "legend_y": 18 + 16 * index})
    context = {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "tick_x": LEFT - 8, "reference_x": LEFT + 8,
        "legend_x": WIDTH - RIGHT - 200, "right_x": WIDTH - RIGHT, "top": TOP,
        "bottom_y": TOP + layout.plot_h, "axis_label_y": TOP + layout.plot_h + 20, "title": title,
        "description": description, "ticks": ticks, "series": drawn,
        "x_labels": [{"x": x(label), "text": label} for label in x_labels],
        "reference": {"y": y(reference[0]), "label_y": round(y(reference[0]) - 6, 1), "text": reference[1]}
        if reference else None,
        "legend": len(series) > 1,
    }
    return render_to_string("leaderboards/_line_chart.svg", context)
