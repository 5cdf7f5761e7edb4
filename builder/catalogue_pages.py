"""The catalogue as a council's staff see it, at /staff/{council}/catalogue: the services
Borough ships (the built-in catalogue, builder/catalogue/shipped_catalogue.py) and every
catalogue the installation subscribes to, searched by words, LGSL code, tag, publisher, language
and fee (a GET form, so it works without JavaScript and a search can be linked to); a service's
page with its versions, licence, change notes, an outline of its pages and a link to preview it
as residents would (builder/catalogue_preview.py); and "Use this service", which fills the
settings the service needs and imports it as the council's own draft that remembers its
upstream (builder/catalogue/council.py).

Nothing here writes to a catalogue or its cache: the installation's verified cache is read as
`borough catalogue sync` left it (BOROUGH_CATALOGUE_CACHE, else var/catalogues).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from builder import shipped
from builder.catalogue import sharing, shipped_catalogue
from builder.catalogue.client import CatalogueError, Client, Found, default_cache
from builder.catalogue.council import (
    as_the_council_reads_it,
    council_settings,
    import_service,
    settings_to_set,
)
from builder.catalogue.entries import Entry
from builder.catalogue.repository import Refused
from builder.draft_requests import EDITOR_ROLES, council_of
from builder.locations import page_name
from runtime.core.digits import is_digits
from runtime.staff.context import Staff, audit, page, path
from runtime.staff.council_settings import LANGUAGE_NAMES
from runtime.staff.forms import Errors, error, first, form_page, posted
from runtime.staff.notices import redirect_with_notice
from runtime.web.context import ClientError

FEES = {"": "Any", "yes": "With a fee", "no": "No fee"}
# Settings an importer types in: the placeholders in residents' text. The others (payment
# account, email sender) are the council's settings, named but not asked for here.
TYPED = (sharing.COUNCIL_NAME, sharing.CONTACT_EMAIL, sharing.CONTACT_PHONE)
MAX_SETTING = 200


def client() -> Client:
    """The services this release ships, and the installation's catalogues as `borough catalogue
    sync` verified and cached them."""
    return Client(default_cache(), shipped=shipped.SERVICES_DIR)


def catalogue_title(found: Found) -> str:
    """The catalogue a version is listed in, as people read it."""
    return shipped_catalogue.TITLE if found.catalogue == shipped_catalogue.CATALOGUE else found.catalogue


def publisher_name(found: Found) -> str:
    return shipped_catalogue.PUBLISHER_NAME if found.catalogue == shipped_catalogue.CATALOGUE else found.entry.council


def _filters(request: Request) -> dict[str, str]:
    query = request.query_params
    return {name: query.get(name, "").strip()[:200] for name in ("q", "lgsl", "tag", "publisher", "language", "fee")}


def _entry_row(request: Request, slug: str, found: Found) -> dict[str, Any]:
    entry = found.entry
    return {
        "service": entry.service, "version": entry.version, "title": entry.title, "summary": entry.summary,
        "publisher": entry.council, "publisher_name": publisher_name(found), "lgsl": entry.lgsl, "tags": list(entry.tags), "languages": list(entry.languages),
        "language_names": [language_name(code) for code in entry.languages],
        "fee": entry.fee, "licence": entry.licence, "catalogue": catalogue_title(found),
        "href": path(request, "catalogue_service", council=slug, publisher=entry.council, service=entry.service),
    }


def language_name(code: str) -> str:
    """A language as staff read it ("Welsh (Cymraeg)"), its code when Borough has no name for it."""
    return LANGUAGE_NAMES.get(code, code)


def _choices(values: set[str], chosen: str, named: Callable[[str], str] = str) -> list[dict[str, Any]]:
    return [{"value": "", "text": "Any"}] + [{"value": value, "text": named(value), "selected": value == chosen}
                                            for value in sorted(values, key=named)]


async def browse(request: Request, staff: Staff) -> Response:
    """Search every subscribed catalogue; with nothing asked, every service's newest version."""
    slug = council_of(staff).slug
    found_client = client()
    wanted = _filters(request)
    errors: Errors = []
    lgsl: int | None = None
    if wanted["lgsl"]:
        if is_digits(wanted["lgsl"]) and len(wanted["lgsl"]) <= 5:
            lgsl = int(wanted["lgsl"])
        else:
            error(errors, "lgsl", "Enter the LGSL code as a number, like 524", "type")
    if wanted["fee"] not in FEES:
        error(errors, "fee", "Choose with a fee, no fee or any", "enum")
    everything = found_client.search()
    results = [] if errors else found_client.search(
        wanted["q"], tag=wanted["tag"] or None, council=wanted["publisher"] or None,
        language=wanted["language"] or None, lgsl=lgsl, fee={"yes": True, "no": False}.get(wanted["fee"]))
    payload = {
        "page": {"heading": "Catalogue"},
        "filters": wanted,
        "catalogues": [shipped_catalogue.TITLE, *(item.url for item in found_client.subscriptions())],
        "subscriptions": [{"url": item.url, "name": item.name} for item in found_client.subscriptions()],
        "tags": _choices({tag for item in everything for tag in item.entry.tags}, wanted["tag"]),
        "publishers": _choices({item.entry.council for item in everything}, wanted["publisher"]),
        "languages": _choices({lang for item in everything for lang in item.entry.languages}, wanted["language"],
                              language_name),
        "fees": [{"value": value, "text": text} for value, text in FEES.items()],
        "results": [_entry_row(request, slug, item) for item in results],
        "errors": errors,
        "links": {"search": path(request, "catalogue", council=slug),
                  "updates": path(request, "catalogue_updates", council=slug),
                  "catalogues": path(request, "catalogue_subscriptions", council=slug)},
    }
    return page(request, "builder/catalogue/browse.html", payload, staff, status_code=422 if errors else 200)


def _chosen(request: Request) -> tuple[list[Found], Found]:
    """The service's versions (newest first) and the one asked for (`?version=`, else the
    newest not withdrawn); 404 when the catalogue has no such service or version."""
    versions = client().versions(f"{request.path_params['publisher']}/{request.path_params['service']}")
    asked = request.query_params.get("version")
    if asked:
        chosen = next((item for item in versions if item.entry.version == asked), None)
    else:
        chosen = next((item for item in versions if not item.entry.withdrawn), versions[0] if versions else None)
    if chosen is None:
        raise ClientError(404, "page_not_found")
    return versions, chosen


def _option_texts(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    if schema.get("type") == "array":
        return _option_texts(schema.get("items"))
    choices = schema.get("oneOf") or schema.get("anyOf") or []
    texts = [str(item.get("title", item.get("const", ""))) for item in choices if isinstance(item, dict)]
    return texts or [str(value) for value in schema.get("enum", [])]


def _answer_schema(definition: dict[str, Any], pointer: str) -> Any:
    schema: Any = definition.get("answers", {})
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        if not isinstance(schema, dict):
            return None
        schema = schema.get("items", schema) if schema.get("type") == "array" else schema
        schema = schema.get("properties", {}).get(part.replace("~1", "/").replace("~0", "~"))
    return schema


def preview(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Each page with its questions as residents read them (labels, hints, options): shown,
    never answered, so nothing is made or stored."""
    pages: list[dict[str, Any]] = []
    for shown in definition.get("pages", []):
        if not isinstance(shown, dict):
            continue
        questions = []
        for field in shown.get("fields", []) or []:
            if isinstance(field, dict):
                schema = _answer_schema(definition, str(field.get("answer", "")))
                questions.append({"label": field.get("label", ""), "hint": field.get("hint", ""),
                                  "options": _option_texts(schema)})
        pages.append({"id": shown.get("id", ""), "title": page_name(shown),
                      "paragraphs": paragraphs(shown.get("content", "")), "questions": questions})
    return pages


def paragraphs(text: Any) -> list[str]:
    """A text's paragraphs (blank lines between them), as residents read them."""
    return [part.strip() for part in str(text or "").split("\n\n") if part.strip()]


def _settings(entry: Entry) -> list[dict[str, Any]]:
    return [{"name": setting.name, "description": setting.description, "typed": setting.name in TYPED,
             "id": "setting-" + setting.name.replace(".", "-")} for setting in entry.settings]


async def service(request: Request, staff: Staff) -> Response:
    """A catalogue service: its versions, publisher, licence, summary, languages, change notes,
    the settings it needs and a preview of its pages."""
    slug = council_of(staff).slug
    versions, chosen = _chosen(request)
    entry = chosen.entry
    try:
        definition = client().definition(chosen)
    except (CatalogueError, Refused) as refused:
        raise ClientError(404, "page_not_found") from refused
    here = {"council": slug, "publisher": entry.council, "service": entry.service}
    payload = {
        "page": {"heading": entry.title},
        "service": {**_entry_row(request, slug, chosen), "withdrawn": entry.withdrawn,
                    "withdrawn_reason": entry.withdrawn_reason, "change_note": entry.change_note,
                    "address": entry.address, "published_at": entry.published_at},
        "versions": [{"version": item.entry.version, "note": item.entry.change_note,
                      "published_at": item.entry.published_at, "withdrawn": item.entry.withdrawn,
                      "withdrawn_reason": item.entry.withdrawn_reason, "current": item is chosen,
                      "href": path(request, "catalogue_service", **here) + f"?version={item.entry.version}"}
                     for item in versions],
        "settings": _settings(entry),
        "preview": preview(as_the_council_reads_it(definition, council_of(staff))),
        "can_use": staff.can(*EDITOR_ROLES) and not entry.withdrawn,
        "links": {"back": path(request, "catalogue", council=slug),
                  "use": path(request, "catalogue_use", **here) + f"?version={entry.version}",
                  "preview": path(request, "catalogue_preview_start", **here, version=entry.version)},
    }
    return page(request, "builder/catalogue/service.html", payload, staff)


async def use_service(request: Request, staff: Staff) -> Response:
    """Fill the settings a service needs and import it as the council's own draft."""
    council = council_of(staff)
    _, chosen = _chosen(request)
    entry = chosen.entry
    if entry.withdrawn:
        raise ClientError(404, "page_not_found")
    settings = _settings(entry)
    ours = council_settings(council)
    values = {item["name"]: ours.get(item["name"], "") for item in settings if item["typed"]}
    errors: Errors = []
    if request.method == "POST":
        form = await posted(request)
        for item in settings:
            if not item["typed"]:
                continue
            value = values[item["name"]] = first(form, item["id"])
            if not value:
                error(errors, item["id"], f"Enter {item['description'][0].lower()}{item['description'][1:]}",
                      "required")
            elif len(value) > MAX_SETTING:
                error(errors, item["id"], f"This must be {MAX_SETTING} characters or fewer", "maxLength")
        if not errors:
            try:
                draft, fork = await import_service(council, chosen, client().definition(chosen),
                                                   values=values, actor=staff.user)
            except (Refused, CatalogueError) as refused:
                error(errors, "use", f"This service cannot be used: {refused.message}", refused.code)
            else:
                await audit(request, staff, "catalogue-imported", draft.service_id,
                            after={"catalogue": fork.catalogue, "upstream": f"{entry.council}/{entry.key}",
                                   "address": entry.address})
                missing = settings_to_set(council, entry)
                told = (" Before publishing, set your council's " + " and ".join(s.name for s in missing) + "."
                        if missing else "")
                return redirect_with_notice(
                    request, path(request, "service_draft", council=council.slug, service_id=draft.service_id),
                    f"'{entry.title}' is now your council's draft, from {publisher_name(chosen)}'s version {entry.version}."
                    + told)
    here = {"council": council.slug, "publisher": entry.council, "service": entry.service}
    payload = {
        "page": {"heading": f"Use {entry.title}"},
        "service": {"title": entry.title, "version": entry.version, "publisher": publisher_name(chosen)},
        "settings": [{**item, "value": values.get(item["name"], "")} for item in settings],
        "to_set": [setting.name for setting in settings_to_set(council, entry)],
        "errors": errors,
        "links": {"action": path(request, "catalogue_use", **here) + f"?version={entry.version}",
                  "back": path(request, "catalogue_service", **here) + f"?version={entry.version}"},
    }
    return form_page(request, "builder/catalogue/use.html", payload, staff)
