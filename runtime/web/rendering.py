"""One payload, three renderings: an HTML page, its JSON twin, and (for htmx) a fragment.

Templates are named after their endpoint and get the JSON payload as their context, plus a
few things only a browser needs (the CSRF token, the language switch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from runtime.core.fees import format_pence
from runtime.core.ui_text import ui
from runtime.web import markdown

JSON_SCOPE_KEY = "borough.json"


def wants_json(request: Request) -> bool:
    if request.scope.get(JSON_SCOPE_KEY):
        return True
    accept = request.headers.get("accept", "")
    return accept.startswith("application/json")


class Environment(jinja2.Environment):
    """Templates read plain dicts (payloads, component params): look keys up first."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def govuk_attributes(attributes: Any) -> Markup:
    """A component's `attributes` option as HTML attributes, each with a leading space.

    A mapping gives name="value" pairs (values escaped; true/false as "true"/"false"; null as
    ""). A value may be {"value": ..., "optional": true}: then an empty, null or false value is
    left out and true gives the bare name. A string is output as it is: the caller vouches.
    """
    if isinstance(attributes, str):
        return Markup(attributes)
    if not isinstance(attributes, dict):
        return Markup("")
    # Built with escape() and joined once: Markup.format costs several times as much, and
    # every field of a page rendered with errors comes through here.
    parts = []
    for name, item in attributes.items():
        option = item if isinstance(item, dict) else {"value": item, "optional": False}
        value = option.get("value")
        empty = value is None or isinstance(value, jinja2.Undefined)
        optional = option.get("optional") is True
        if optional and value is True:
            parts.append(f" {escape(name)}")
        elif not optional or not (empty or value is False):
            text = "" if empty else "true" if value is True else "false" if value is False else value
            parts.append(f' {escape(name)}="{escape(text)}"')
    return Markup("".join(parts))


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, whichever environment asked first.

    Each app builds its own environment (a worker builds one; the tests build hundreds), and
    compiling Borough's templates and the GOV.UK macros they import cost a new environment
    about 0.2 s of CPU per page kind on its first renders: half the time of the resident tests.
    Jinja keys the code by template name and file, and checks it against a checksum of the
    source, so an edited template is compiled again. Every environment shares the options
    `environment` gives it (the code depends on them: trim_blocks, autoescape)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def environment(themes_dir: Path) -> jinja2.Environment:
    env = Environment(
        bytecode_cache=_COMPILED,
        loader=jinja2.FileSystemLoader(str(themes_dir / "default" / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=lambda value: "" if value is None else value,
        auto_reload=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters["markdown"] = lambda text: Markup(markdown.render(text)) if text else ""
    env.filters["pence"] = format_pence
    env.globals["ui"] = ui
    env.globals["govukAttributes"] = govuk_attributes
    env.globals["field_params"] = field_params
    return env


def field_params(field: dict[str, Any], language: str) -> dict[str, Any]:
    """The label, legend, hint and error params every field partial passes to GOV.UK macros."""
    text = field["label"] + ((" " + ui(language, "optional")) if field.get("optional") else "")
    heading = bool(field.get("heading"))
    # A preview of the page inside another page (the builder's) draws the heading's size alone.
    large = heading or bool(field.get("looks_like_heading"))
    legend_classes = "govuk-fieldset__legend--l" if large else "govuk-fieldset__legend--m"
    if field.get("widget") == "declaration":
        legend_classes = "govuk-visually-hidden"
    return {
        "label": {"text": text, "isPageHeading": heading, "classes": "govuk-label--l" if large else ""},
        "legend": {"text": text, "isPageHeading": heading and field.get("widget") != "declaration",
                   "classes": legend_classes},
        "hint": {"text": field["hint"]} if field.get("hint") else None,
        # The hidden "Error:" before each message is read out by screen readers: in their language.
        "error": {"text": field["error"], "visuallyHiddenText": ui(language, "error")} if field.get("error") else None,
    }


class Renderer:
    def __init__(self, themes_dir: Path) -> None:
        self.env = environment(themes_dir)

    def page(
        self,
        request: Request,
        template: str,
        payload: dict[str, Any],
        *,
        status_code: int = 200,
        browser: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The page as HTML, or as JSON when asked (`.json` or `Accept: application/json`)."""
        if wants_json(request):
            return JSONResponse(payload, status_code=status_code, headers=headers)
        context = {**payload, **(browser or {}), "request_path": request.url.path}
        html = self.env.get_template(template).render(context)
        response = HTMLResponse(html, status_code=status_code, headers=headers)
        # Percent-encoded: a header is Latin-1, and a path may hold any character (or a newline).
        twin = quote(request.url.path + ".json", safe="/-._~!$&'()*+,;=:@")
        response.headers["Link"] = f'<{twin}>; rel="alternate"; type="application/json"'
        return response

    def render(self, template: str, context: dict[str, Any]) -> str:
        return self.env.get_template(template).render(context)

    def fragment(self, template: str, context: dict[str, Any]) -> str:
        return self.env.get_template(template).render(context)
