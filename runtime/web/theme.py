"""A council's brand: its colour as a tiny stylesheet over the compiled theme, and the script
that starts GOV.UK Frontend (served as a file: the Content-Security-Policy forbids inline)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from runtime import store

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

SCRIPT = """import { initAll } from '/assets/govuk/govuk-frontend.min.js'
document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
"""


async def council_css(request: Request) -> Response:
    council = await store.get_council(request.path_params["council"])
    colour = council.brand_colour if council and COLOUR.match(council.brand_colour or "") else "#1d70b8"
    css = f":root {{ --borough-brand: {colour}; }}\n"
    return Response(css, media_type="text/css", headers={"cache-control": "public, max-age=300"})


async def script(request: Request) -> Response:
    return Response(SCRIPT, media_type="text/javascript", headers={"cache-control": "public, max-age=3600"})
