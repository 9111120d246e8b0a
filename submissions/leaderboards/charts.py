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
    step = plot_w / max(len(points), 1)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" class="chart" font-family="sans-serif">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>',
        f'<text x="{LEFT}" y="24" class="chart-heading" font-size="15" font-weight="bold" fill="#111">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 5):
        value = tick / 100
        if value > top:
            break
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid" stroke="#ddd" stroke-width="1"/>'
                     f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" class="axis" font-size="12" fill="#444">{tick}%</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" class="axis-line" stroke="#444" stroke-width="1"/>')
    if reference:
        ref_y = y(reference[0])
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ref_y:.1f}" y2="{ref_y:.1f}" class="reference" stroke="#b00020" stroke-width="2" stroke-dasharray="6 4"/>'
                     f'<text x="{LEFT + 8}" y="{ref_y - 6:.1f}" text-anchor="start" class="reference-label" font-size="13" fill="#b00020">'
                     f'{escape(reference[1])}</text>')
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
        parts.append(f'<path d="{path}" class="series" fill="none" stroke="#1f4e99" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        # Below the reference line the value goes under its point, so the line never crosses it.
        label_y = y(p.value) + 18 if reference and p.value < reference[0] else y(p.value) - 10
        shape = 'class="point" fill="#1f4e99"' if p.confirmed else 'class="point unconfirmed" fill="#fff"'
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="5" {shape} stroke="#1f4e99" stroke-width="2"><title>{escape(p.x_label)}: '
            f'{escape(p.label)}, {_percent(p.value)}{"" if p.confirmed else " (partly unconfirmed)"}</title></circle>'
            f'<text x="{x(i):.1f}" y="{label_y:.1f}" text-anchor="middle" class="value" font-size="12" fill="#111">{_percent(p.value)}'
            f'{"" if p.confirmed else "*"}</text>'
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle" class="axis" font-size="12" fill="#444">{escape(p.x_label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text went through escape()
