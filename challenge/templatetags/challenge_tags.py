from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from challenge.markup import render_markdown
from config.formats import moment as moment_text
from submissions.leaderboards import numbers

register = template.Library()


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # nh3 has sanitized it


@register.filter
def metric(value, name):
    """A score as every page shows it (submissions.leaderboards.numbers): an error as a percentage
    with the board's precision ({{ 0.1|metric:"top5_error" }} is 10.000%), mAP as a decimal."""
    return numbers.metric_text(name, value)


@register.filter
def published(value, name):
    """A figure of a published results table at its source's precision: 0.282 top-5 error is 28.2%."""
    return numbers.published_text(name, value)


@register.filter
def get_item(mapping, key):
    """A dict's value in a template: {{ counts|get_item:year.pk }}."""
    return mapping.get(key) if mapping else None


@register.filter
def attr_of(obj, name):
    """One named field of an object ({{ score|attr_of:"top5_error" }}), for a metric chosen by name."""
    return getattr(obj, name, None)


@register.filter
def metric_label(name):
    """A metric's heading: "Top-5 error", "Mean average precision" (never "error" for mAP)."""
    return numbers.metric_label(name)


@register.filter
def p_value(value):
    """A p-value as a reader wants it: 5 decimals, and "< 0.00001" rather than a flat zero."""
    if value is None:
        return "—"
    return "p < 0.00001" if value < 0.000005 else f"p = {value:.5f}"


@register.filter
def share(value):
    """A fraction as a percentage with one decimal: 0.1234 → 12.3%."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def moment(value):
    """A <time> element in the site's one date format (config.formats), ISO 8601 for machines."""
    if value is None or value == "":
        return ""
    machine = value if isinstance(value, str) else value.isoformat()
    return format_html('<time datetime="{}">{}</time>', machine, moment_text(value))
