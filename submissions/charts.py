"""Charts drawn on the server as SVG: no JavaScript, readable without colour, with a title
and a description for screen readers (the pages also show the data as a table)."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Point:
    x_label: str
    value: float  # a fraction: 0.153 is drawn as 15.3%
    label: str
    confirmed: bool = True


WIDTH, HEIGHT = 720, 380
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 56


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def line_chart_svg(*, points: list[Point], title: str, description: str, reference: tuple[float, str] | None = None,
                   y_max: float | None = None) -> SafeString:
    """A labelled line chart of fractions over categories, with an optional reference line."""
    values = [p.value for p in points] + ([reference[0]] if reference else [])
    top = y_max or max([0.05, *values]) * 1.1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step if len(points) > 1 else LEFT + plot_w / 2

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
        f'<text x="{LEFT}" y="24" class="chart-heading">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 5):
        value = tick / 100
        if value > top:
            break
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" class="axis">{tick}%</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" class="axis-line"/>')
    if reference:
        ref_y = y(reference[0])
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ref_y:.1f}" y2="{ref_y:.1f}" class="reference"/>'
                     f'<text x="{WIDTH - RIGHT}" y="{ref_y - 6:.1f}" text-anchor="end" class="reference-label">'
                     f'{escape(reference[1])}</text>')
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
        parts.append(f'<path d="{path}" class="series"/>')
    for i, p in enumerate(points):
        shape = "point" if p.confirmed else "point unconfirmed"
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="5" class="{shape}"><title>{escape(p.x_label)}: '
            f'{escape(p.label)}, {_percent(p.value)}{"" if p.confirmed else " (partly unconfirmed)"}</title></circle>'
            f'<text x="{x(i):.1f}" y="{y(p.value) - 10:.1f}" text-anchor="middle" class="value">{_percent(p.value)}'
            f'{"" if p.confirmed else "*"}</text>'
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" class="axis">{escape(p.x_label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text went through escape()
