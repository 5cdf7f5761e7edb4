"""Tenant isolation and roles, for every route of the staff app, read from its route table.

Two councils with data. A member of council A asking for council B's pages or objects, by
slug or id, always gets 404 (never 403, which would say B's thing exists), through HTML and
JSON alike, and nothing of B's changes. Each route refuses the roles it does not allow (403).
A new staff route is covered the day it is added; one with a new kind of path parameter fails
here until this test learns how to fill it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from staff_client import StaffClient, make_user
from starlette.routing import Route

from builder.app import builder_routes
from builder.draft_pages import editable
from runtime import store
from runtime.api.app import api_routes
from runtime.core.service import content_hash
from runtime.staff.app import staff_routes
from runtime.store import api_keys
from runtime.store import catalogue as catalogue_store
from runtime.store.models import (
    ApiKey,
    CatalogueSuggestion,
    OutboxMessage,
    Submission,
    WebhookDelivery,
)

ROLES = store.staff.ROLES
TESTS = Path(__file__).resolve().parents[1]
# in the installation's catalogue, with a page of it (a catalogue version's preview)
CATALOGUE_SERVICE = {"publisher": "gamma", "service": "report-pothole", "page_id": "location"}


def council_routes() -> list[Route]:
    """The staff app's council routes, with the builder's that the composition root hands it."""
    routes = [r for r in [*staff_routes(), *builder_routes()]
              if isinstance(r, Route) and getattr(r.endpoint, "staff_access", {}).get("council")]
    assert routes, "the staff app has council routes"
    return routes


def params_of(route: Route) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", route.path)


@dataclass
class World:
    alpha: store.Council
    beta: store.Council
    alice: store.StaffUser
    bob: store.StaffUser
    beta_endpoint: store.WebhookEndpoint
    alpha_endpoint: store.WebhookEndpoint
    beta_reference: str
    alpha_reference: str
    attempts: dict[str, int]
    deliveries: dict[str, int] = field(default_factory=dict)  # a dead webhook message each
    api_keys: dict[str, tuple[int, str]] = field(default_factory=dict)  # an API key each: id, key
    messages: dict[str, int] = field(default_factory=dict)  # a dead outbox email each
    files: dict[str, str] = field(default_factory=dict)  # a file uploaded with each council's application
    services: dict[str, str] = field(default_factory=dict)  # a service id each; beta's is beta's alone
    pages: dict[str, str] = field(default_factory=dict)  # a page of each one's draft of that service
    questions: dict[str, str] = field(default_factory=dict)  # a question of that page, by its answer (a.b)
    published_version: str = ""  # the version number each council published of its service
    draft_parts: dict[str, str] = field(default_factory=dict)  # a fee line, state and event of that service
    suggestions: dict[str, int] = field(default_factory=dict)  # a suggestion another council made to each

    def fill(self, route: Route, council: store.Council, objects_of: store.Council) -> str:
        values: dict[str, Any] = {"council": council.slug}
        for name in params_of(route):
            if name == "council":
                continue
            if name == "user_id":
                values[name] = self.bob.id if objects_of is self.beta else self.alice.id
            elif name == "endpoint_id":
                values[name] = (self.beta_endpoint if objects_of is self.beta else self.alpha_endpoint).id
            elif name == "reference":
                values[name] = self.beta_reference if objects_of is self.beta else self.alpha_reference
            elif name == "attempt_id":
                values[name] = self.attempts["beta" if objects_of is self.beta else "alpha"]
            elif name == "delivery_id":
                values[name] = self.deliveries["beta" if objects_of is self.beta else "alpha"]
            elif name == "key_id":
                values[name] = self.api_keys["beta" if objects_of is self.beta else "alpha"][0]
            elif name == "message_id":
                values[name] = self.messages["beta" if objects_of is self.beta else "alpha"]
            elif name == "file_id":
                values[name] = self.files["beta" if objects_of is self.beta else "alpha"]
            elif name == "service_id":
                values[name] = self.services["beta" if objects_of is self.beta else "alpha"]
            elif name == "version":  # a published version of that service: each council published the same one
                values[name] = self.published_version
            elif name == "suggestion_id":
                values[name] = self.suggestions["beta" if objects_of is self.beta else "alpha"]
            elif name == "item":  # an add-another item of the preview: the first
                values[name] = 1
            elif name in ("line_id", "state", "event"):  # a fee line, a workflow state and one of its events
                values[name] = self.draft_parts[name]
            elif name == "page_id" and "publisher" in values:  # a page of the catalogue's service
                values[name] = CATALOGUE_SERVICE[name]
            elif name == "page_id":
                values[name] = self.pages["beta" if objects_of is self.beta else "alpha"]
            elif name == "answer":
                values[name] = self.questions["beta" if objects_of is self.beta else "alpha"]
            elif name == "subscription":  # a catalogue subscribed to: the installation's, operators' alone
                values[name] = "no-such-catalogue"
            elif name in ("publisher", "service"):
                # The catalogue is the installation's, not a council's: every council sees the
                # same services, so "beta's" is one no catalogue has, not found.
                values[name] = CATALOGUE_SERVICE[name] if objects_of is self.alpha else f"no-such-{name}"
            else:
                raise AssertionError(f"teach the isolation test to fill {{{name}}} in {route.path}")
        path = route.path
        for name, value in values.items():
            path = re.sub("{" + name + r"(?::\w+)?}", str(value), path)
        return "/staff" + path


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A catalogue the installation subscribes to, where council gamma (on another installation)
    publishes report-pothole, synced into the cache the catalogue pages read."""
    if str(TESTS / "catalogue") not in sys.path:
        sys.path.insert(0, str(TESTS / "catalogue"))
    from world import make_world, shipped, static_server

    from builder.catalogue.client import Client

    published = make_world(tmp_path / "catalogue")
    published.add("gamma")
    published.publish("gamma", shipped("report-pothole"))
    monkeypatch.setenv("BOROUGH_CATALOGUE_CACHE", str(tmp_path / "catalogues"))
    with static_server(published.repo.public_dir) as url:
        client = Client(tmp_path / "catalogues")
        assert client.sync(client.subscribe(url)).refused == []
    yield


@pytest.fixture
async def world(demo: store.Council, staff_app: Any, catalogue: None) -> World:
    alpha = await store.create_council("alpha", "Alpha Borough Council")
    beta = await store.create_council("beta", "Beta District Council")
    alice = await make_user("alice@alpha.test", alpha, list(ROLES))
    bob = await make_user("bob@beta.test", beta, list(ROLES))
    box = store.SecretBox("staff-test-secret-" + "y" * 32)
    endpoint = await store.webhooks.add_endpoint(beta, box, "https://beta.example/hook", "s3cret", ["submission.created"])
    alpha_endpoint = await store.webhooks.add_endpoint(alpha, box, "https://alpha.example/hook", "s3cret",
                                                       ["submission.created"])
    demo = await store.get_council("demo")
    assert demo is not None
    version = (await store.latest_versions(demo))[0]
    references, attempts = {}, {}
    for council in (alpha, beta):
        published = await store.publish_version(council, version.definition, version.content_hash)
        journey = await store.start_journey(council, published)
        submission, _ = await store.submit(journey, {}, "received")
        attempt, _ = await store.payments.begin_attempt(council, submission, "sandbox", 1000, {"lines": []},
                                                        timedelta(minutes=90))
        references[council.slug], attempts[council.slug] = submission.reference, attempt.id
    await store.audit.record(beta, bob, "settings-changed", "beta")
    found = World(alpha, beta, alice, bob, endpoint, alpha_endpoint, references["beta"], references["alpha"], attempts)
    files = store.FileStore(staff_app.state.settings.files_dir)
    for council in (alpha, beta):  # a file uploaded with each application (casework downloads)
        sent = await store.get_by_reference(council, references[council.slug])
        assert sent is not None
        upload = await files.save_upload(council, await sent.journey, "/photo", f"{council.slug}.png", "image/png",
                                         b"\x89PNG\r\n\x1a\n")
        found.files[council.slug] = str(upload.id)
    beta_only = {**version.definition, "id": "beta-only-service"}  # type: ignore[dict-item]
    await store.publish_version(beta, beta_only, content_hash(beta_only))
    found.services = {"alpha": version.service_id, "beta": "beta-only-service"}
    found.published_version = version.version
    for council in (alpha, beta):  # each council's draft of its service (the builder's pages)
        latest = await store.get_latest(council, found.services[council.slug])
        assert latest is not None
        draft = await store.drafts.create_draft(council, dict(latest.definition), source="published",
                                                actor=None, from_published=True)
        pages: Any = draft.definition["pages"]
        asking = next(page for page in pages if editable(page))  # the page's and its questions' forms open
        found.pages[council.slug] = asking["id"]
        found.questions[council.slug] = asking["fields"][0]["answer"].strip("/").replace("/", ".")
        workflow: Any = draft.definition["workflow"]
        fees: Any = draft.definition["fees"]
        found.draft_parts = {"line_id": fees["lines"][0]["id"], "state": workflow["initial"],
                             "event": next(iter(workflow["states"][workflow["initial"]]["on"]))}
    for council in (alpha, beta):  # a suggestion another council made to each one's service
        suggestion = await catalogue_store.add_suggestion(
            council, service=found.services[council.slug], version=version.version, address="0" * 64,
            from_council="gamma", from_name="Gamma Council", via="upload", message=f"For {council.name}",
            patch=[{"op": "replace", "path": "/summary", "value": "Suggested"}])
        found.suggestions[council.slug] = suggestion.id
    for council in (alpha, beta):  # each submission queued a webhook message: make it a dead letter
        delivery = await WebhookDelivery.filter(council_id=council.id).order_by("id").first()
        assert delivery is not None
        await WebhookDelivery.filter(id=delivery.id).update(dead_at=delivery.created_at, attempts=32, last_status=500)
        found.deliveries[council.slug] = delivery.id
    for council in (alpha, beta):
        key, secret = await api_keys.create_key(council, f"{council.name} CRM", list(api_keys.SCOPES))
        found.api_keys[council.slug] = (key.id, secret)
    for council in (alpha, beta):  # an email each, refused for good: a dead outbox message
        message = await store.enqueue_email(council, f"resident@{council.slug}.example", f"About {council.name}",
                                            f"From {council.name}", f"isolation:{council.slug}")
        await OutboxMessage.filter(id=message.id).update(dead_at=message.created_at, attempts=1, last_error="550")
        found.messages[council.slug] = message.id
    return found


async def snapshot(world: World) -> tuple[Any, ...]:
    return (
        [(e.action, e.target) for e in await store.audit.entries(world.beta, limit=1000)],
        [(e.id, e.url) for e in await store.webhooks.endpoints(world.beta)],
        await WebhookDelivery.filter(council_id=world.beta.id).order_by("id").values_list("id", "attempts", "dead_at"),
        [(m.user_id, tuple(m.roles)) for m in await store.staff.members_of(world.beta)],
        await ApiKey.filter(council_id=world.beta.id).order_by("id").values_list("id", "name", "scopes", "revoked_at"),
        await Submission.filter(council_id=world.beta.id).order_by("id").values_list("id", "state", "version"),
        await OutboxMessage.filter(council_id=world.beta.id).order_by("id").values_list("id", "attempts", "dead_at"),
        (await store.get_council("beta")).name,  # type: ignore[union-attr]
        await store.ServiceDraft.filter(council_id=world.beta.id).order_by("id").values_list("id", "version"),
        await store.ServiceVersion.filter(council_id=world.beta.id).order_by("id").values_list("id", "version"),
        await CatalogueSuggestion.filter(council_id=world.beta.id).order_by("id").values_list("id", "state"),
    )


async def signed_in(new_client: Callable[[], StaffClient], email: str) -> StaffClient:
    client = new_client()
    response = await client.sign_in(email)
    assert response.status_code == 303, response.text[:300]
    return client


async def test_another_councils_pages_and_objects_are_not_found(world: World, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, world.alice.email)
    before = await snapshot(world)
    checked = 0
    for route in council_routes():
        targets = {world.fill(route, world.beta, world.beta)}
        if set(params_of(route)) - {"council"} and not route.endpoint.staff_access["operator"]:  # type: ignore[attr-defined]
            targets.add(world.fill(route, world.alpha, world.beta))  # B's object through A's URL
        for url in targets:
            for method in sorted(route.methods or {"GET"}):
                if method == "HEAD":
                    continue
                response = await (alice.http.get(url) if method == "GET" else alice.post(url, {}))
                assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
                if method == "GET":
                    twin = await alice.http.get(url + ".json")
                    assert twin.status_code == 404
                    assert twin.json()["error"]["code"] == "page_not_found"
                checked += 1
    assert checked >= len(council_routes())
    assert await snapshot(world) == before


async def test_listings_never_include_another_councils_rows(world: World, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, world.alice.email)
    secrets_of_beta = [world.bob.email, world.beta_reference, "beta.example", "Beta District Council", "/staff/beta"]
    for route in council_routes():
        if "GET" not in (route.methods or set()) or set(params_of(route)) - {"council"}:
            continue
        if route.endpoint.staff_access["operator"]:  # type: ignore[attr-defined]
            continue  # alice is no operator: the operator's pages show the installation's catalogues
        for url in (world.fill(route, world.alpha, world.alpha), world.fill(route, world.alpha, world.alpha) + ".json"):
            response = await alice.http.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            for secret in secrets_of_beta:
                assert secret not in response.text, f"{url} shows {secret}"


@pytest.mark.parametrize("role", ROLES)
async def test_each_route_refuses_the_roles_it_does_not_allow(world: World, new_client: Callable[[], StaffClient],
                                                             role: str) -> None:
    await make_user(f"{role}@alpha.test", world.alpha, [role])
    person = await signed_in(new_client, f"{role}@alpha.test")
    for route in council_routes():
        allowed = route.endpoint.staff_access["roles"]  # type: ignore[attr-defined]
        operators_only = route.endpoint.staff_access["operator"]  # type: ignore[attr-defined]
        url = world.fill(route, world.alpha, world.alpha)
        method = "GET" if "GET" in (route.methods or set()) else "POST"
        response = await (person.http.get(url) if method == "GET" else person.post(url, {}))
        if (allowed and role not in allowed) or operators_only:
            assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
        else:
            assert response.status_code not in (401, 403, 404), f"{role} {method} {url}: {response.status_code}"


async def test_signed_out_visitors_are_sent_to_sign_in_and_json_gets_401(world: World, new_client: Callable[[], StaffClient]) -> None:
    visitor = new_client()
    for route in council_routes():
        if "GET" not in (route.methods or set()):
            continue
        url = world.fill(route, world.alpha, world.alpha)
        page = await visitor.http.get(url)
        assert page.status_code == 303 and page.headers["location"].startswith("/staff/sign-in?next=")
        twin = await visitor.http.get(url + ".json")
        assert twin.status_code == 401 and twin.json()["error"]["code"] == "signed_out"


async def test_only_operators_create_councils(world: World, new_client: Callable[[], StaffClient]) -> None:
    alice = await signed_in(new_client, world.alice.email)
    assert (await alice.http.get("/staff/councils/new")).status_code == 403
    refused = await alice.post("/staff/councils/new", {"slug": "gamma", "name": "Gamma"})
    assert refused.status_code == 403 and await store.get_council("gamma") is None
    await make_user("op@borough.test", operator=True)
    operator = await signed_in(new_client, "op@borough.test")
    created = await operator.post("/staff/councils/new", {"slug": "gamma", "name": "Gamma Council"})
    assert created.status_code == 303 and await store.get_council("gamma") is not None


async def test_one_councils_api_key_never_reaches_anothers_applications(
        world: World, new_client: Callable[[], StaffClient], staff_settings: Any) -> None:
    """Every route of the JSON API (runtime/api/app.py), with council A's key and B's objects: 404,
    as for objects that do not exist, and nothing of B's changes. The key, not the URL, picks
    the council, so there is no council in the path to swap."""
    http = new_client().http
    headers = {"Authorization": f"Bearer {world.api_keys['alpha'][1]}"}
    beta_submission = await store.get_by_reference(world.beta, world.beta_reference)
    assert beta_submission is not None
    files = store.FileStore(staff_settings.files_dir)
    journey = await beta_submission.journey
    beta_file = await files.save_upload(world.beta, journey, "/photo", "b.png", "image/png", b"\x89PNG\r\n\x1a\n")
    before = await snapshot(world)
    checked = 0
    for route in api_routes():
        if "{reference}" not in route.path:
            continue  # the description (public) and the listing (below)
        path = "/staff/api/v1" + route.path.replace("{reference}", world.beta_reference).replace(
            "{file_id}", str(beta_file.id))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            response = await http.request(method, path, headers=headers, json={"event": "approve"} if method == "POST" else None)
            assert response.status_code == 404, f"{method} {path} gave {response.status_code}"
            assert response.json()["error"]["code"] == "not_found" and world.beta_reference not in response.text
            checked += 1
    listing = await http.get("/staff/api/v1/submissions?limit=100", headers=headers)
    assert listing.status_code == 200 and world.beta_reference not in listing.text
    assert world.alpha_reference in listing.text
    assert checked >= 3
    assert await snapshot(world) == before
