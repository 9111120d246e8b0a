"""Markdown written by organizers, rendered to HTML that is safe to show."""

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}


def render_markdown(text: str) -> str:
    """Markdown to sanitized HTML: raw HTML and scripts are stripped, links get rel=noopener."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer nofollow")
