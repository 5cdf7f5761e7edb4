"""Designers' Markdown, rendered with GOV.UK classes and sanitised: no raw HTML gets through."""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

_CLASSES = {
    "paragraph_open": "govuk-body",
    "bullet_list_open": "govuk-list govuk-list--bullet",
    "ordered_list_open": "govuk-list govuk-list--number",
    "link_open": "govuk-link",
}
_HEADINGS = {"h1": "govuk-heading-m", "h2": "govuk-heading-m", "h3": "govuk-heading-s"}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image"])

    def with_class(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        token = tokens[idx]
        css = _HEADINGS.get(token.tag) if token.type == "heading_open" else _CLASSES.get(token.type)
        if css:
            token.attrSet("class", css)
        return renderer.renderToken(tokens, idx, options, env)

    for rule in (*_CLASSES, "heading_open"):
        md.add_render_rule(rule, with_class)
    return md


_MD = _parser()
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "h2", "h3", "code", "br", "blockquote"}


@functools.lru_cache(maxsize=4096)
def render(text: str) -> str:
    """Sanitised HTML for Markdown `text`. Top-level headings are demoted below the page's h1."""
    html = _MD.render(text.replace("\r\n", "\n"))
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "class"}, "p": {"class"}, "ul": {"class"}, "ol": {"class"}, "h2": {"class"}, "h3": {"class"}},
        url_schemes={"https", "http", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )
