"""A catalogue's service version previewed as residents would see it, before anyone uses it:
the builder's own preview pages (builder/preview_pages.py, preview_lists.py) over a `Source`
found here, at /staff/{council}/catalogue/services/{publisher}/{service}/versions/{version}/preview.

The version is found as the catalogue's service page finds it (404 when no catalogue the
installation knows lists it) and read through the catalogue client, which checks it again as
"Use this service" does (limits, meta-schema, lint, canonical form): a catalogue's definitions
are untrusted, and one that fails is not rendered. It is shown with the council's own name and
contacts where the publisher's stood. Nothing is imported or stored: the answers live only in
the preview's cookie, bound to the designer, the council and the version's content address.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from builder.catalogue.client import CatalogueError
from builder.catalogue.council import as_the_council_reads_it
from builder.catalogue.repository import Refused
from builder.catalogue_pages import catalogue_title, client, publisher_name
from builder.draft_requests import council_of
from builder.preview_state import Source, unavailable
from runtime.staff.context import Staff, path
from runtime.web.context import ClientError

ROUTES = "catalogue_"  # the catalogue preview's route names: catalogue_preview_start, ...
REFUSAL = ("This service cannot be previewed",
           "The catalogue's copy of this version does not pass Borough's checks, so it is not shown:")


async def catalogue_source(request: Request, staff: Staff) -> Source | Response:
    """The version of a catalogue service the URL names, as the council would read it."""
    council = council_of(staff)
    params = {name: str(request.path_params[name]) for name in ("publisher", "service", "version")}
    found_client = client()
    found = next((item for item in found_client.versions(f"{params['publisher']}/{params['service']}")
                  if item.entry.version == params["version"]), None)
    if found is None:
        raise ClientError(404, "page_not_found")
    entry = found.entry
    back = path(request, "catalogue_service", council=council.slug, publisher=entry.council,
                service=entry.service) + f"?version={entry.version}"
    source = Source({}, ROUTES, params, f"catalogue:{council.id}:{entry.address}",
                    f"version {entry.version} of {entry.title}, from {publisher_name(found)} "
                    f"({catalogue_title(found)})", (back, "Back to the service"), REFUSAL)
    try:
        upstream = found_client.definition(found)
    except (CatalogueError, Refused) as refused:
        return unavailable(request, staff, source, [refused.message])
    return replace(source, definition=as_the_council_reads_it(upstream, council))
