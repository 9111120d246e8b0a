from django import template
from django.utils.safestring import mark_safe

from challenge.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # nh3 has sanitized it


@register.filter
def score(value):
    """Scores are published rounded to 5 decimals, as ILSVRC did."""
    if value is None:
        return "—"
    return f"{value:.5f}"


@register.filter
def p_value(value):
    """A p-value as a reader wants it: 5 decimals, and "< 0.00001" rather than a flat zero."""
    if value is None:
        return "—"
    return "p < 0.00001" if value < 0.000005 else f"p = {value:.5f}"


@register.filter
def percent(value):
    """A fraction as a percentage with one decimal: 0.1234 → 12.3%."""
    return "—" if value is None else f"{value * 100:.1f}%"
