"""The catalogue's staff pages in a real browser, JavaScript on and off: browse, search (with
an error), a service's page and outline, its preview as a resident (a page, and with errors),
"Use this service" (with an error), the updates list
and an upgrade with a collision to choose (with an error), suggesting the council's changes back
to the publisher (with a message), the suggestions other councils sent (one) and uploading one
(empty, and with an error), the catalogues the installation subscribes to, subscribing to one
(with an error, and its keys to confirm), a sync started with "Sync now" (running or done, and
done; with JavaScript, the live region says how it ended), unsubscribing from it (asked, then
cancelled), and the hosted catalogue's page for people. axe finds no WCAG 2.2 A or AA violation on any
of them, and nothing breaks the CSP.

The server is a live Borough of this module's own, whose installation subscribes to a real
catalogue (on disk, served over HTTP while the server runs); Cara is an installation operator, so
she may subscribe and sync; the demo council imported "Report a road
defect" from it and changed its summary, and the publisher then changed the summary too; and
Westshire Council suggested a change to the demo council's own "Report a missed bin collection".
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from accessibility import Auditor, Console
from browser_contexts import auditor_for, fresh_tab, new_context
from browsing import assert_error_state, main_button, press
from database_templates import run_folder, sqlite_template
from live_borough import borough_server, in_a_thread, require_assets
from playwright.async_api import Browser, BrowserContext, Page, expect
from quick_passwords import quick_hash

from runtime import store

CATALOGUE_TESTS = Path(__file__).resolve().parents[1] / "catalogue"
if str(CATALOGUE_TESTS) not in sys.path:
    sys.path.insert(0, str(CATALOGUE_TESTS))

from world import make_world, shipped, static_server  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

EMAIL = "cara.catalogue@demo.borough.test"
SUGGESTION = "Residents here ask about recycling boxes too."
PASSWORD = "Quince meadow harbour 17"
SERVICE = "report-a-road-defect"


def road_defect(version: str, summary: str) -> dict[str, Any]:
    return {**shipped("report-pothole"), "id": SERVICE, "title": "Report a road defect", "version": version,
            "summary": summary}


async def _prepare(url: str, cache: Path) -> None:
    from builder import patch
    from builder.catalogue.client import Client
    from builder.catalogue.council import import_service
    from runtime.store import drafts

    await store.connect(url)
    try:
        council = await store.get_council("demo")
        assert council is not None
        council.contact_phone = "01632 000 444"
        await council.save()
        user = await store.staff.create_user(EMAIL, "Cara", quick_hash(PASSWORD), operator=True)
        await store.staff.grant(user, council, ["designer"])
        client = Client(cache)
        [found] = client.search("road defect")
        draft, _ = await import_service(council, found, client.definition(found))
        operation = [{"op": "replace", "path": "/summary", "value": "Report a road defect in the demo borough."}]
        applied = patch.apply_with_inverse(draft.definition, operation)
        await drafts.apply_change(council, SERVICE, draft.version,
                                  drafts.Step("edit", "summary", operation, applied.inverse),
                                  actor=None, patched=patch.apply)
        await _suggested_to(council)
    finally:
        await store.disconnect()


async def _suggested_to(council: store.Council) -> None:
    """A suggestion from another installation's council for one of the demo council's services."""
    from builder.catalogue import sharing
    from builder.catalogue.canonical import content_address
    from builder.catalogue.council import council_values
    from runtime.store import catalogue as catalogue_store

    latest = await store.get_latest(council, "report-missed-bin")
    assert latest is not None
    shared, _ = sharing.share(dict(latest.definition), council_values(council))
    await catalogue_store.add_suggestion(
        council, service="report-missed-bin", version=latest.version, address=content_address(shared),
        from_council="westshire", from_name="Westshire Council", via="upload", message=SUGGESTION,
        patch=[{"op": "replace", "path": "/summary", "value": "Tell us if we missed your bin or box."}])


@pytest.fixture(scope="module")
def catalogue_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_assets()
    folder = tmp_path_factory.mktemp("catalogue-server")
    world = make_world(folder / "catalogue")
    world.publish("northshire", road_defect("1.0.0", "Tell us about a pothole or a broken road."), "First version")
    world.publish("southshire", {**shipped("book-bulky-waste"), "id": "collect-bulky-items"}, "Shared")
    cache = folder / "catalogues"
    template = in_a_thread(sqlite_template(run_folder(tmp_path_factory.getbasetemp()), "demo"))
    shutil.copyfile(template, folder / "borough.db")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    with static_server(world.repo.public_dir) as url:
        from builder.catalogue.client import Client

        client = Client(cache)
        subscription = client.subscribe(url)
        assert client.sync(subscription).refused == []
        in_a_thread(_prepare(database_url, cache))
        world.publish("northshire", road_defect("1.1.0", "Tell us where a road is broken."), "Shorter summary")
        assert client.sync(subscription).refused == []
        with borough_server(folder, database_url, secret_key="catalogue-browser-secret-" + "x" * 32,
                            ready_path="/staff/sign-in", name="the catalogue server",
                            env={"BOROUGH_EMBEDDED_WORKER": "0", "BOROUGH_SERVE_MODE": None,
                                 "BOROUGH_CATALOGUE_CACHE": str(cache),
                                 "BOROUGH_CATALOGUE_DIR": str(world.repo.path)}) as base_url:
            yield base_url


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def catalogue_js(browser: Browser, catalogue_server: str) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, catalogue_server, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def catalogue_no_js(browser: Browser, catalogue_server: str) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, catalogue_server, javascript=False)
    yield context
    await context.close()


@pytest.fixture
def catalogue_context(request: pytest.FixtureRequest, javascript: bool) -> BrowserContext:
    chosen: BrowserContext = request.getfixturevalue("catalogue_js" if javascript else "catalogue_no_js")
    return chosen


@pytest_asyncio.fixture(loop_scope="session")
async def tab(catalogue_context: BrowserContext) -> AsyncIterator[Page]:
    async with fresh_tab(catalogue_context) as opened:
        yield opened


@pytest_asyncio.fixture(loop_scope="session")
async def audit(javascript: bool, catalogue_js: BrowserContext) -> AsyncIterator[Auditor]:
    async with auditor_for(javascript, catalogue_js) as auditor:
        yield auditor


async def test_catalogue_pages(tab: Page, audit: Auditor, javascript: bool) -> None:
    page, console = tab, Console().watch(tab)
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))

    await page.goto("/staff/demo")
    await press(page, page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Catalogue"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    await expect(page.get_by_role("link", name="Report a road defect")).to_be_visible()
    await audit.check(page, "browse")

    await page.locator("fieldset", has_text="Fee").get_by_label("No fee", exact=True).check()
    await page.get_by_label("Words").fill("road")
    await page.get_by_label("Publisher").select_option("northshire")  # not Borough's own report-pothole
    await press(page, main_button(page, "Search"))
    await expect(page.get_by_role("heading", level=2, name="1 service")).to_be_visible()
    await audit.check(page, "search results")
    await page.get_by_label("LGSL code").fill("roads")
    await press(page, main_button(page, "Search"))
    await assert_error_state(page, "search, with errors")
    await audit.check(page, "search, with errors")

    await page.get_by_label("LGSL code").fill("")
    await press(page, main_button(page, "Search"))
    await press(page, page.get_by_role("link", name="Report a road defect"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Report a road defect")
    await expect(page.get_by_text("Street or road name").first).to_be_visible()
    await audit.check(page, "a service and its outline")

    await press(page, page.get_by_role("link", name="Preview as a resident"))
    await expect(page.locator("#preview-banner")).to_contain_text("This is a preview of version 1.1.0 of "
                                                                  "Report a road defect")
    await audit.check(page, "a catalogue version's preview")
    await press(page, page.get_by_role("button", name="Start now"))
    await press(page, page.get_by_role("button", name="Continue"))
    await assert_error_state(page, "a catalogue version's preview, with errors")
    await audit.check(page, "a catalogue version's preview, with errors")
    await press(page, page.locator("#preview-banner").get_by_role("link", name="Back to the service"))

    await press(page, page.get_by_role("link", name="Use this service"))
    await page.get_by_label("The phone number residents can call about this service").fill("")
    await press(page, main_button(page, "Use this service"))
    await assert_error_state(page, "use this service, with errors")
    await audit.check(page, "use this service, with errors")

    await page.goto("/staff/demo/catalogue/updates")
    await expect(page.get_by_text("Shorter summary")).to_be_visible()
    await audit.check(page, "updates")
    await press(page, page.get_by_role("link", name=f"Upgrade {SERVICE} to version 1.1.0"))
    await audit.check(page, "upgrade")
    await press(page, main_button(page, "Upgrade"))
    await expect(page.get_by_text("Report a road defect in the demo borough.")).to_be_visible()
    await audit.check(page, "upgrade with a collision")
    await press(page, main_button(page, "Save as a draft change"))
    await assert_error_state(page, "upgrade with a collision, unchosen")
    await audit.check(page, "upgrade with a collision, unchosen")

    await page.goto("/staff/demo/catalogue/updates")
    await press(page, page.get_by_role("link", name=f"Suggest your changes to {SERVICE} to Northshire Council"))
    await page.get_by_label("Your message to Northshire Council").fill("Our residents say 'defect' more than 'pothole'.")
    await expect(page.locator("#changes")).to_contain_text("Report a road defect in the demo borough.")
    await audit.check(page, "suggest changes, with a message")

    await page.goto("/staff/demo/catalogue/updates")
    await press(page, page.get_by_role("link", name="Suggestions from other councils to your services"))
    await expect(page.get_by_text(SUGGESTION)).to_be_visible()
    await audit.check(page, "suggestions from other councils")
    await press(page, page.get_by_role("link", name="Upload a suggestion"))
    await audit.check(page, "upload a suggestion")
    await press(page, main_button(page, "Upload the suggestion"))
    await assert_error_state(page, "upload a suggestion, with errors")
    await audit.check(page, "upload a suggestion, with errors")

    await page.goto("/staff/demo/catalogue")
    await press(page, page.get_by_role("link", name="Catalogues this installation subscribes to"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Catalogues")
    await expect(page.get_by_text("Northshire Council (northshire)")).to_be_visible()
    await audit.check(page, "catalogues")
    catalogue_url = (await page.locator("main .govuk-summary-card__title").nth(1).inner_text()).strip()
    await press(page, page.get_by_role("link", name="Subscribe to a catalogue"))
    await audit.check(page, "subscribe to a catalogue")
    await page.get_by_label("The catalogue's URL").fill("http://catalogue.example.gov.uk/catalogue")
    await press(page, main_button(page, "Continue"))
    await assert_error_state(page, "subscribe to a catalogue, with errors")
    await audit.check(page, "subscribe to a catalogue, with errors")
    # the same catalogue by another name for this machine: a catalogue not subscribed to yet
    await page.get_by_label("The catalogue's URL").fill(catalogue_url.replace("127.0.0.1", "localhost"))
    await press(page, main_button(page, "Continue"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the catalogue's keys")
    await audit.check(page, "check the catalogue's keys")
    await press(page, page.locator("main").get_by_role("link", name="Cancel"))
    await press(page, main_button(page, f"Sync now {catalogue_url}"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(catalogue_url)
    await audit.check(page, "a sync, just started")
    running = (await page.locator("#sync-state").inner_text()).startswith("Running")
    if javascript:  # htmx fetches the page again every two seconds
        await expect(page.locator("#sync-state")).to_contain_text("Finished", timeout=30_000)
        if running:  # a fetch found it over: the live region, left in place, says how it ended
            await expect(page.locator("#sync-announcement")).to_have_text(
                "The sync has finished: 2 publishers, 0 new versions, 0 files fetched, 0 refused.")
    else:
        for _ in range(150):
            if not (await page.locator("#sync-state").inner_text()).startswith("Running"):
                break
            await page.wait_for_timeout(200)
            await press(page, page.get_by_role("link", name="Refresh to see how far it has got"))
        await expect(page.locator("#sync-state")).to_contain_text("Finished")
    await audit.check(page, "a sync, done")
    await press(page, page.get_by_role("link", name="Back to catalogues"))
    await press(page, page.get_by_role("link", name=f"Unsubscribe from {catalogue_url}"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Unsubscribe from {catalogue_url}?")
    await expect(page.locator("#imported")).to_contain_text(SERVICE)
    await audit.check(page, "unsubscribe from a catalogue")
    await press(page, page.locator("main").get_by_role("link", name="Cancel"))  # kept, for the other walk
    await expect(page.get_by_role("heading", level=1)).to_have_text("Catalogues")

    await page.goto("/catalogue/")  # the installation hosts the catalogue too: its page for people
    await expect(page.get_by_role("heading", level=2, name="Northshire Council")).to_be_visible()
    await audit.check(page, "the hosted catalogue")
    assert not console.errors, "\n".join(console.errors)
