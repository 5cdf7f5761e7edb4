"""A council's brand: its colour as a tiny stylesheet over the compiled theme, the script
that starts GOV.UK Frontend (served as a file: the Content-Security-Policy forbids inline),
and the favicon themes/build.py draws (never GOV.UK's crown)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from runtime.settings import Settings
from runtime.web.context import council_or_404

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_BRAND = "#1d70b8"  # themes/build.py draws the favicon in it too
FAVICONS = {"favicon.ico": "image/x-icon", "favicon.svg": "image/svg+xml"}
FAVICON_CACHE = "public, max-age=31536000"  # a year: the icon changes only with Borough's build

SCRIPT = """import { initAll } from '/assets/govuk/govuk-frontend.min.js'
document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
for (const link of document.querySelectorAll('[data-borough-print]')) {
  link.addEventListener('click', (event) => { event.preventDefault(); window.print() })
}

// An add-another loop's pages arrive through htmx (see layout.html). Whatever its status (422
// is a page with its errors), the server's page is shown, as the browser would show it.
document.addEventListener('htmx:beforeSwap', (event) => {
  if (!(event.target instanceof HTMLElement) || event.target.id !== 'borough-content') return
  event.detail.shouldSwap = true
  event.detail.isError = false
})
// Then GOV.UK Frontend starts in the new content, and the focus moves as on a new page: to
// the error summary (which takes it itself), else a notification banner, else the heading.
document.addEventListener('htmx:afterSettle', (event) => {
  const content = event.target
  if (!(content instanceof HTMLElement) || content.id !== 'borough-content') return
  initAll({ scope: content })
  if (content.querySelector('.govuk-error-summary')) return
  const target = content.querySelector('.govuk-notification-banner') || content.querySelector('h1')
  if (!target) return
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
  target.focus()
})

// The builder's inline edits (builder/inline_edits.py): a form refused (422, or 409 when the
// draft changed meanwhile) answers with its fragment and its errors, shown like any other.
document.addEventListener('htmx:beforeSwap', (event) => {
  if (!(event.target instanceof HTMLElement) || !event.target.hasAttribute('data-borough-fragment')) return
  if (event.detail.xhr.status !== 422 && event.detail.xhr.status !== 409) return
  event.detail.shouldSwap = true
  event.detail.isError = false
})
// A change saved: the page's other forms are now at the draft's new version.
document.addEventListener('boroughDraftSaved', (event) => {
  const version = String(event.detail && event.detail.version)
  if (!/^\\d+$/.test(version)) return
  for (const input of document.querySelectorAll('main form input[name="version"]')) input.value = version
})
// Then GOV.UK Frontend starts in what came, and the focus goes to the error summary, else to
// the element the server marked (the button pressed, in its new place).
document.addEventListener('htmx:afterSettle', (event) => {
  const swapped = event.target
  if (!(swapped instanceof HTMLElement) || !swapped.closest('main')) return
  if (swapped.hasAttribute('data-borough-fragment')) initAll({ scope: swapped })
  if (swapped.id === 'page-preview') return  // fetched again after a change: the focus stays
  const summary = document.querySelector('#builder-errors .govuk-error-summary')
  if (summary instanceof HTMLElement) {
    if (!summary.hasAttribute('tabindex')) summary.setAttribute('tabindex', '-1')
    summary.focus()
    return
  }
  const marked = document.querySelector('main [data-borough-focus]')
  if (marked instanceof HTMLElement) {
    marked.removeAttribute('data-borough-focus')
    marked.focus()
    return
  }
  // Nothing marked, and the focus went with what was swapped (a Cancel): the part's heading.
  const heading = swapped.querySelector('h2[tabindex="-1"]')
  const lost = !document.activeElement || document.activeElement === document.body
  if (lost && heading instanceof HTMLElement) heading.focus()
})
"""


async def council_css(request: Request) -> Response:
    council = await council_or_404(request.path_params["council"])
    colour = council.brand_colour if COLOUR.match(council.brand_colour or "") else DEFAULT_BRAND
    css = f":root {{ --borough-brand: {colour}; }}\n"
    return Response(css, media_type="text/css", headers={"cache-control": "public, max-age=300"})


async def script(request: Request) -> Response:
    return Response(SCRIPT, media_type="text/javascript", headers={"cache-control": "public, max-age=3600"})


def favicon(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A handler for /favicon.ico or /favicon.svg, as themes/build.py wrote it into the build folder."""
    media_type = FAVICONS[name]

    async def serve(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        path = settings.themes_dir / "static" / "build" / name
        if not path.is_file():  # the assets were not built: `make` builds them
            return PlainTextResponse("Not found", status_code=404)
        return FileResponse(path, media_type=media_type, headers={"cache-control": FAVICON_CACHE})

    return serve
