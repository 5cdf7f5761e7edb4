"""The baseline: a hand-written Starlette + Jinja2 app serving the same markup.

For each page it has one route whose handler does what a minimal hand-written page would:
check the signed journey cookie, read the journey row with one query
(``store.get_journey``, the council read once at start), and render a plain Jinja2 template
whose body is our own rendered HTML with the dynamic bits (the CSRF token and the resident's
answers) templated back in. What remains between it and us is the framework: the compile
cache, the flow, view models, partials and macros, middleware.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from runtime import store
from runtime.web.sessions import CSRF_COOKIE, Signer

WHAT_IT_DOES = (
    "checks the signed journey cookie, reads the journey row with one query "
    "(store.get_journey; council read once at start), renders a plain Jinja2 template of "
    "the same markup with the CSRF token and the answers templated in"
)
SHORTEST_TEMPLATED_ANSWER = 4  # shorter strings ("no", "car") are left as they were rendered
EMPTY_PATH = "/bench/empty"


@dataclass(frozen=True)
class Template:
    source: str
    slots: int  # how many places in the markup are rendered from the request's data


def answer_leaves(answers: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in the answers, with the keys that lead to it."""
    if isinstance(answers, Mapping):
        for key, value in answers.items():
            yield from answer_leaves(value, (*path, str(key)))
    elif isinstance(answers, list):
        for index, value in enumerate(answers):
            yield from answer_leaves(value, (*path, index))
    elif isinstance(answers, str):
        yield path, answers


def _expression(path: tuple[str | int, ...]) -> str:
    return "{{ answers" + "".join(f"[{key!r}]" for key in path) + " }}"


def template_from(html: str, csrf_token: str, answers: Mapping[str, Any]) -> Template:
    """Our rendered `html` as a Jinja2 template: static markup, with the CSRF token and each
    answer (as autoescape would write it) rendered from the request's data."""
    dynamic = {csrf_token: "{{ csrf_token }}"}
    for path, value in answer_leaves(answers):
        shown = str(escape(value))
        if len(value) >= SHORTEST_TEMPLATED_ANSWER and shown not in dynamic and shown in html:
            dynamic[shown] = _expression(path)
    pattern = re.compile("|".join(re.escape(text) for text in sorted(dynamic, key=len, reverse=True)))
    parts: list[str] = []
    slots = 0
    position = 0
    for match in pattern.finditer(html):
        parts.append(_static(html[position:match.start()]))
        parts.append(dynamic[match.group(0)])
        slots += 1
        position = match.end()
    parts.append(_static(html[position:]))
    return Template("".join(parts), slots)


def _static(text: str) -> str:
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return "{% raw %}" + text + "{% endraw %}"
    return text


def baseline_app(pages: Mapping[str, Template], council: store.Council, signer: Signer) -> Starlette:
    """One route per page path in `pages`, plus an empty route that shows the fixed cost of
    the client and transport."""
    env = jinja2.Environment(autoescape=True)
    templates = {path: env.from_string(template.source) for path, template in pages.items()}

    def page(template: jinja2.Template) -> Any:
        async def handler(request: Request) -> Response:
            journey_id = signer.journey_id(request)
            journey = await store.get_journey(council, journey_id) if journey_id else None
            if journey is None:
                return PlainTextResponse("No journey", status_code=404)
            csrf_token = signer.csrf_token(request.cookies.get(CSRF_COOKIE, ""))
            return HTMLResponse(template.render(answers=journey.answers, csrf_token=csrf_token))

        return handler

    async def empty(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [Route(path, page(template)) for path, template in templates.items()]
    return Starlette(routes=[*routes, Route(EMPTY_PATH, empty)])
