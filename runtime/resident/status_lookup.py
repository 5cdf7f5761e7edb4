"""Finding an application without its link: a reference number and the email address it
was sent with. The answer is always the same ("if the details match, we have emailed a
link"), so the form tells nobody which references exist or whose they are; the link goes
only to the application's own email address. Lookups are counted per email address and per
network address; past the limit the answer is still the same, and nothing is sent.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.core.formats import is_email
from runtime.core.links import Links
from runtime.core.ui_text import ui
from runtime.store import workflow as workflows
from runtime.web import context as web

log = logging.getLogger("borough.status")

WINDOW = timedelta(hours=1)
PER_EMAIL = 5  # lookups an hour for one email address
PER_ADDRESS = 20  # lookups an hour from one network address
EMAIL_EVERY = 600  # seconds: the lookups of one application in one such slot send one email
REFERENCE, EMAIL = "reference", "email"


async def lookup(request: Request) -> Response:
    council = await web.council_or_404(request.path_params["council"])
    lang = web.language(request, council.languages or ["en"])
    values = {REFERENCE: "", EMAIL: ""}
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        values = {name: (form.get(name) or [""])[0].strip() for name in (REFERENCE, EMAIL)}
        errors = problems(values, lang)
        if not errors:
            address = request.client.host if request.client else "unknown"
            await send_link(request.app.state.links, council, values[REFERENCE], values[EMAIL], lang, address)
            answer = {"language": lang, "council": web.council_view(council),
                      "page": {"heading": ui(lang, "lookup_sent_title")},
                      "message": ui(lang, "lookup_sent_body"),
                      "links": {"again": request.url.path}}
            return web.page(request, "pages/status_lookup_sent.html", answer, lang,
                            languages=council.languages or ["en"])
    payload: dict[str, Any] = {
        "language": lang,
        "council": web.council_view(council),
        "page": {"heading": ui(lang, "lookup_title")},
        "values": values,
        "errors": errors,
        "error": {error["field"]: error["message"] for error in errors},
        "links": {"action": request.url.path, "council": web.path(request, "council", council=council.slug)},
    }
    return web.page(request, "pages/status_lookup.html", payload, lang, status_code=422 if errors else 200,
                    languages=council.languages or ["en"])


def problems(values: dict[str, str], lang: str) -> list[dict[str, str]]:
    """What is wrong with the form as typed: only its shape, never whether it matches anything."""
    found = []
    reference, email = values[REFERENCE], values[EMAIL]
    if not reference:
        found.append((REFERENCE, "lookup_reference_required"))
    elif len(reference) > 40 or store.normalise_reference(reference) is None:
        found.append((REFERENCE, "lookup_reference_format"))
    if not email:
        found.append((EMAIL, "save_email_required"))
    elif len(email) > 254 or not is_email(email):
        found.append((EMAIL, "save_email_format"))
    return [{"field": name, "href": f"#{name}", "message": ui(lang, key), "keyword": key} for name, key in found]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


async def send_link(links: Links, council: store.Council, reference: str, email: str, lang: str, address: str) -> None:
    """Email the application's link when the details match and neither limit is reached;
    `address` is the network address the lookup came from."""
    by_email = "lookup:email:" + email.casefold()
    by_address = "lookup:address:" + address
    since = datetime.now(UTC) - WINDOW
    if (await store.staff.failures_since(by_email, since) >= PER_EMAIL
            or await store.staff.failures_since(by_address, since) >= PER_ADDRESS):
        # Logged without the address itself: a digest is enough to see one being hammered.
        log.warning("status lookup refused: over the limit (email %s, address %s)", _digest(by_email),
                    _digest(by_address))
        return
    await store.staff.record_failure(by_email, by_address)
    submission = await store.get_by_reference(council, reference)
    if submission is None:
        return
    recipient = workflows.resident_email(submission)
    if recipient is None or recipient.casefold() != email.casefold():
        return
    version = await store.get_version(council, submission.service_version_id)
    if version is None:
        return
    definition: dict[str, Any] = version.definition
    words = {"reference": submission.reference, "service": workflows.service_title(definition, lang),
             "link": links.status_url(council.slug, submission.reference), "council": council.name}
    slot = int(time.time()) // EMAIL_EVERY
    await store.enqueue_email(council, recipient, ui(lang, "status_link_email_subject", **words),
                              ui(lang, "status_link_email_body", **words),
                              idempotency_key=f"status-link:{submission.id}:{slot}", language=lang)
