"""The catalogues page, subscribing and "Sync now" over HTTP through the assembled app, JavaScript
off, against the real catalogue tests/catalogue/conftest.py serves on 127.0.0.1: subscribing on
first use and from the operator's root file (the keys shown, and pinned only once confirmed),
refusals that store nothing, a sync in the background whose report the status page shows and
whose services search then finds, one sync for two clicks, CSRF, and who may do what (an
installation operator subscribes, syncs and unsubscribes; the council's builders only see the
list). Unsubscribing, from the pages (asked first) and the command line: refused while a sync
runs; the catalogue's cache removed; a service a council imported from it still opens in the
builder, and its updates page says the catalogue is no longer subscribed to. The sync page's
live region: filled only by the poll that finds the sync over."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from catalogue_staff import HOME, Catalogue, Page, Resident, listed, make_user, person, press
from tuf.api.metadata import Metadata, Root
from world import shipped

from borough.cli import main
from builder.catalogue import council as catalogue_council
from builder.catalogue import syncing
from builder.catalogue.client import CatalogueError, Client, catalogue_name
from runtime import store
from runtime.store import catalogue as catalogue_store
from runtime.store.models import AuditEntry

CATALOGUES = HOME + "/catalogues"
SUBSCRIBE = CATALOGUES + "/subscribe"


@pytest.fixture
def unsubscribed(catalogue: Catalogue, fresh: Path) -> Catalogue:
    """The catalogue served (as conftest's `catalogue`), and an installation that subscribes to
    nothing yet: `fresh` is set up after `catalogue`, so its cache is the one the pages read."""
    return catalogue


@pytest.fixture
async def operator(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> Resident:
    """An installation operator who is also an admin of eastshire."""
    await make_user("operator@eastshire.test", council, ["admin"], operator=True)
    return await person(app, browsers, "operator")


def root_keys(data: bytes, *, shortened: bool = True) -> list[str]:
    keyids = Metadata[Root].from_bytes(data).signed.roles["root"].keyids
    return [keyid[:16] + "…" if shortened else keyid for keyid in keyids]


def shown_keys(page: Page) -> list[str]:
    return [code.get_text(strip=True) for code in page.soup.select("main code.borough-key-id")]


async def sync_finished(browser: Resident, url: str) -> Page:
    """The sync's status page once the sync is no longer running (reloaded, as its refresh link does)."""
    for _ in range(400):
        shown = await browser.open(url)
        assert shown.status == 200
        if not shown.soup.select_one("#sync-state").get_text(strip=True).startswith("Running"):
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"the sync at {url} did not finish")


def card(page: Page, url: str) -> str:
    found = page.soup.select_one(f"#catalogue-{catalogue_name(url)}")
    assert found is not None, f"no catalogue {url} listed"
    return str(found.get_text(" ", strip=True))


async def test_subscribing_on_first_use_shows_the_keys_and_pins_them_once_confirmed(
        app: Any, unsubscribed: Catalogue, fresh: Path, operator: Resident) -> None:
    listing = await operator.open(CATALOGUES)
    assert listing.status == 200 and listing.heading == "Catalogues"
    assert "subscribes to no other catalogue yet" in listing.soup.get_text(" ", strip=True)
    assert "Services shipped with Borough" in listing.soup.get_text(" ", strip=True)
    form = await operator.open(listing.soup.find("a", string="Subscribe to a catalogue")["href"])
    form.fill("The catalogue's URL", unsubscribed.url + "/")
    check = await operator.submit(form)
    assert check.status == 200 and check.heading == "Check the catalogue's keys"
    assert shown_keys(check) == root_keys(unsubscribed.world.repo.root_bytes(), shortened=False)
    text = check.soup.get_text(" ", strip=True)
    assert "trust on first use" in text and "check the key ids with the catalogue's operator" in text
    assert Client(fresh).subscriptions() == []  # shown, not pinned

    done = await press(operator, check, "Trust these keys and subscribe")
    assert done.url.endswith(CATALOGUES), done.url
    [subscription] = Client(fresh).subscriptions()
    assert subscription.url == unsubscribed.url and subscription.pinned_from == "first use"
    pinned = (fresh / subscription.name / "metadata" / "root.json").read_bytes()
    assert pinned == unsubscribed.world.repo.root_bytes()
    shown = card(done, unsubscribed.url)
    assert all(key in shown for key in root_keys(pinned)) and "trusted on first use" in shown
    assert "None known until it is synced" in shown and "No sync recorded yet" in shown
    assert await AuditEntry.filter(action="catalogue-subscribed", target=unsubscribed.url).count() == 1

    again = await operator.open(SUBSCRIBE)
    again.fill("The catalogue's URL", unsubscribed.url)
    refused = await operator.submit(again)
    assert refused.status == 422
    assert refused.error_summary() == [(f"Your installation already subscribes to {unsubscribed.url}", "#url")]


async def test_subscribing_from_the_operators_root_file(app: Any, unsubscribed: Catalogue, fresh: Path,
                                                        operator: Resident) -> None:
    form = await operator.open(SUBSCRIBE)
    form.fill("The catalogue's URL", unsubscribed.url)
    form.attach("The catalogue's root metadata file", "root.json", unsubscribed.world.repo.root_bytes(),
                "application/json")
    check = await operator.submit(form)
    assert check.status == 200 and shown_keys(check) == root_keys(unsubscribed.world.repo.root_bytes(), shortened=False)
    assert "The root metadata file you chose" in check.soup.get_text(" ", strip=True)
    assert Client(fresh).subscriptions() == []
    done = await press(operator, check, "Trust these keys and subscribe")
    [subscription] = Client(fresh).subscriptions()
    assert subscription.pinned_from == "file"
    assert "from its root metadata file" in card(done, unsubscribed.url)


async def test_a_refused_subscription_says_why_and_stores_nothing(app: Any, unsubscribed: Catalogue, fresh: Path,
                                                                  operator: Resident) -> None:
    cases = [
        ("", ("Enter the catalogue's URL", "#url")),
        ("ftp://127.0.0.1/catalogue",
         ("Enter the catalogue's URL in full, like https://catalogue.example.gov.uk/catalogue", "#url")),
        ("http://catalogue.example.gov.uk/catalogue",
         ("The catalogue's URL must start with https:// (http:// is only for a catalogue on this machine, "
          "at 127.0.0.1 or localhost)", "#url")),
        (unsubscribed.url + "?x=1",
         ("Enter the catalogue's URL in full, like https://catalogue.example.gov.uk/catalogue", "#url")),
    ]
    for url, expected in cases:
        form = await operator.open(SUBSCRIBE)
        form.fill("The catalogue's URL", url)
        refused = await operator.submit(form)
        assert refused.status == 422, url
        assert refused.error_summary() == [expected]
        assert refused.soup.find(id="url").get("value", "") == url  # what was typed, kept

    with socket.socket() as closed:  # a port nothing listens on: refused at once
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/catalogue"
    form = await operator.open(SUBSCRIBE)
    form.fill("The catalogue's URL", nowhere)
    refused = await operator.submit(form)
    assert refused.status == 422
    [(message, href)] = refused.error_summary()
    assert message.startswith("The catalogue cannot be reached: cannot fetch") and href == "#url"

    form = await operator.open(SUBSCRIBE)
    form.fill("The catalogue's URL", unsubscribed.url)
    form.attach("The catalogue's root metadata file", "root.json", b"<html>not a root</html>", "application/json")
    refused = await operator.submit(form)
    assert refused.status == 422
    [(message, href)] = refused.error_summary()
    assert message.startswith("The file is not the catalogue's root metadata") and href == "#root"
    assert refused.soup.find(id="url")["value"] == unsubscribed.url

    # a root whose signature no longer matches (one changed byte), as a confirmation might post it
    tampered = unsubscribed.world.repo.root_bytes().replace(b'"version": 1', b'"version": 2', 1)
    form = await operator.open(SUBSCRIBE)
    form.fill("The catalogue's URL", unsubscribed.url)
    form.attach("The catalogue's root metadata file", "root.json", tampered, "application/json")
    refused = await operator.submit(form)
    assert refused.status == 422 and refused.error_summary()[0][1] == "#root"

    assert Client(fresh).subscriptions() == []
    assert not fresh.exists() or list(fresh.iterdir()) == []
    assert await AuditEntry.filter(action="catalogue-subscribed").count() == 0


async def test_sync_now_runs_in_the_background_and_search_finds_what_it_fetched(
        app: Any, catalogue: Catalogue, operator: Resident) -> None:
    catalogue.world.publish("northshire", shipped("report-fly-tipping"), "Fly-tipping, shared")
    assert listed(await operator.open(HOME + "?publisher=northshire")) == ["northshire/report-pothole"]
    listing = await operator.open(CATALOGUES)
    shown = card(listing, catalogue.url)
    assert "Northshire Council (northshire)" in shown and "Southshire Council (southshire)" in shown
    started = await press(operator, listing, f"Sync now {catalogue.url}")
    assert started.status == 200 and f"Sync of {catalogue.url} started" in started.soup.get_text(" ", strip=True)
    done = await sync_finished(operator, started.url)
    assert done.soup.select_one("#sync-state").get_text(strip=True).startswith("Finished")
    report = done.soup.get_text(" ", strip=True)
    assert "northshire, southshire" in report
    assert [item.get_text(strip=True) for item in done.soup.select("#sync-added li")] == ["report-fly-tipping@1.0.0"]
    assert done.soup.select_one("#sync-refused") is None
    assert listed(await operator.open(HOME + "?publisher=northshire")) == ["northshire/report-pothole",
                                                                           "northshire/report-fly-tipping"]
    after = card(await operator.open(CATALOGUES), catalogue.url)
    assert "2 publishers, 1 new version, 2 files fetched, 0 refused" in after
    assert await AuditEntry.filter(action="catalogue-sync-started", target=catalogue.url).count() == 1

    assert main(["catalogue", "sync"]) == 0  # the command line's sync is shown too
    assert "2 publishers, 0 new versions, 0 files fetched, 0 refused" in card(await operator.open(CATALOGUES),
                                                                             catalogue.url)


@contextmanager
def stalled_catalogue() -> Iterator[tuple[str, list[socket.socket]]]:
    """A catalogue URL whose server takes connections and never answers, until the block ends
    (then it closes them and refuses any more): a sync of it runs as long as the test wants."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)
        for connection in accepted:
            connection.close()


async def test_two_clicks_on_sync_now_run_one_sync(app: Any, catalogue: Catalogue, operator: Resident,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with stalled_catalogue() as (url, accepted):
        catalogue.client.subscribe(url, catalogue.world.repo.root_bytes())
        listing = await operator.open(CATALOGUES)
        first = await press(operator, listing, f"Sync now {url}")
        assert first.soup.select_one("#sync-state").get_text(strip=True).startswith("Running")
        second = await press(operator, listing, f"Sync now {url}")  # the same button, pressed again
        assert f"{url} is being synced already" in second.soup.get_text(" ", strip=True)
        for _ in range(100):
            if accepted:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert len(accepted) == 1  # one sync asked the catalogue for its metadata
        assert main(["catalogue", "sync"]) == 1  # nor does the command line start another
        assert f"borough: {url} is being synced already" in capsys.readouterr().err
        assert len(accepted) == 1
        assert await AuditEntry.filter(action="catalogue-sync-started", target=url).count() == 1
    failed = await sync_finished(operator, first.url)
    assert failed.soup.select_one("#sync-state").get_text(strip=True).startswith("Failed")
    assert len(accepted) == 1


async def test_only_an_operator_subscribes_or_syncs_and_forms_need_their_token(
        app: Any, council: store.Council, catalogue: Catalogue, operator: Resident,
        browsers: list[httpx.AsyncClient]) -> None:
    [subscription] = catalogue.client.subscriptions()
    sync = f"{CATALOGUES}/{subscription.name}/sync"
    caseworker = await person(app, browsers, "caseworker")
    for url in (CATALOGUES, SUBSCRIBE, sync):
        assert (await caseworker.open(url)).status == 403, url
    admin = await person(app, browsers, "publisher")  # a builder of the council, not an operator
    listing = await admin.open(CATALOGUES)
    assert listing.status == 200 and catalogue.url in listing.soup.get_text(" ", strip=True)
    assert listing.soup.find("a", string="Subscribe to a catalogue") is None
    assert not [button for button in listing.soup.select("main button") if "Sync now" in button.get_text()]
    assert (await admin.open(SUBSCRIBE)).status == 403
    assert (await admin.open(sync)).status == 403
    token = (await operator.open(CATALOGUES)).soup.find("input", attrs={"name": "csrf_token"})["value"]
    assert (await admin.client.post(sync, data={"csrf_token": token})).status_code == 403

    forged = await operator.client.post(sync, data={"go": "1"})
    assert forged.status_code == 403  # no CSRF token
    forged = await operator.client.post(SUBSCRIBE, data={"url": "http://127.0.0.1:9/x"})
    assert forged.status_code == 403
    assert not (catalogue.client.cache / subscription.name / "sync.json").exists()  # no sync started
    assert (await operator.client.post(f"{CATALOGUES}/no-such-catalogue/sync", data={"csrf_token": token})
            ).status_code == 404


async def test_search_results_name_their_languages(app: Any, council: store.Council, catalogue: Catalogue,
                                                   operator: Resident) -> None:
    results = await operator.open(HOME + "?q=pothole")
    lines = [line.get_text(" ", strip=True) for line in results.soup.select("#results ~ ul p.govuk-body-s")]
    assert lines and all(line.endswith("in English") for line in lines), lines
    options = [option.get_text(strip=True) for option in results.soup.select("#language option")]
    assert options[0] == "Any" and "English" in options and "en" not in options


def unsubscribe_link(page: Page, url: str) -> str:
    [link] = [a for a in page.soup.select("main a") if a.get_text(" ", strip=True) == f"Unsubscribe from {url}"]
    return str(link["href"])


async def test_unsubscribing_asks_first_forgets_the_catalogue_and_keeps_what_councils_imported(
        app: Any, council: store.Council, catalogue: Catalogue, operator: Resident,
        browsers: list[httpx.AsyncClient]) -> None:
    [found] = catalogue.client.search("pothole")
    await catalogue_council.import_service(council, found, catalogue.client.definition(found))
    [subscription] = catalogue.client.subscriptions()
    folder = catalogue.client.cache / subscription.name
    assert (folder / "definitions").is_dir()

    listing = await operator.open(CATALOGUES)
    asked = await operator.open(unsubscribe_link(listing, catalogue.url))
    assert asked.status == 200 and asked.heading == f"Unsubscribe from {catalogue.url}?"
    assert [item.get_text(" ", strip=True) for item in asked.soup.select("#imported li")] == [
        "Eastshire Council: report-pothole"]
    assert "keep working as they are" in asked.soup.get_text(" ", strip=True)
    assert catalogue.client.subscriptions() == [subscription]  # asked, nothing done

    done = await press(operator, asked, "Unsubscribe")
    assert done.url.endswith(CATALOGUES), done.url
    text = done.soup.get_text(" ", strip=True)
    assert f"Unsubscribed from {catalogue.url}" in text and "keeps working as its council's own" in text
    assert "subscribes to no other catalogue yet" in text
    assert catalogue.client.subscriptions() == [] and not folder.exists()
    [entry] = await AuditEntry.filter(action="catalogue-unsubscribed", target=catalogue.url)
    assert entry.before["root_keyids"] == list(subscription.root_keyids) and entry.after == {"imported_services": 1}
    assert listed(await operator.open(HOME + "?publisher=northshire")) == []

    # the council's copy is its own: it keeps its upstream record and opens in the builder
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and fork.catalogue == catalogue.url and fork.publisher == "northshire"
    designer = await person(app, browsers, "designer")
    draft = await designer.open("/staff/eastshire/services/report-pothole")
    assert draft.status == 200, draft.status
    updates = await designer.open(HOME + "/updates")
    assert updates.status == 200
    explained = updates.soup.select_one("#unsubscribed").get_text(" ", strip=True)
    # its index is gone, and the publisher is still named as the fork recorded it on import
    assert f"report-pothole, from Northshire Council's version 1.0.0 in {catalogue.url}" in explained
    assert "no longer subscribed to" in explained
    assert "Every service your council uses from a catalogue is up to date" not in updates.soup.get_text(" ", strip=True)
    upgrade = await designer.open(HOME + "/updates/report-pothole")
    assert upgrade.status == 200
    assert "no longer subscribes to" in upgrade.soup.select_one("#unsubscribed").get_text(" ", strip=True)
    assert not [button for button in upgrade.soup.select("main button") if button.get_text(strip=True) == "Upgrade"]
    token = upgrade.soup.find("input", attrs={"name": "csrf_token"})["value"]
    posted = await designer.client.post(HOME + "/updates/report-pothole", data={"csrf_token": token})
    assert posted.status_code == 422 and "no longer subscribes to" in posted.text


async def test_only_an_operator_unsubscribes_and_the_form_needs_its_token(
        app: Any, council: store.Council, catalogue: Catalogue, operator: Resident,
        browsers: list[httpx.AsyncClient]) -> None:
    [subscription] = catalogue.client.subscriptions()
    unsubscribe = f"{CATALOGUES}/{subscription.name}/unsubscribe"
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.open(unsubscribe)).status == 403
    admin = await person(app, browsers, "publisher")  # a builder of the council, not an operator
    listing = await admin.open(CATALOGUES)
    assert not [a for a in listing.soup.select("main a") if a.get_text(strip=True).startswith("Unsubscribe")]
    assert (await admin.open(unsubscribe)).status == 403
    token = (await operator.open(unsubscribe)).soup.find("input", attrs={"name": "csrf_token"})["value"]
    assert (await admin.client.post(unsubscribe, data={"csrf_token": token})).status_code == 403
    forged = await operator.client.post(unsubscribe, data={"unsubscribe": "yes"})
    assert forged.status_code == 403  # no CSRF token
    assert catalogue.client.subscriptions() == [subscription]
    assert (catalogue.client.cache / subscription.name / "metadata" / "root.json").is_file()
    assert await AuditEntry.filter(action="catalogue-unsubscribed").count() == 0
    assert (await operator.client.post(f"{CATALOGUES}/no-such-catalogue/unsubscribe", data={"csrf_token": token})
            ).status_code == 404


async def test_a_catalogue_being_synced_is_not_unsubscribed_from(app: Any, catalogue: Catalogue, operator: Resident,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with stalled_catalogue() as (url, _):
        stalled = catalogue.client.subscribe(url, catalogue.world.repo.root_bytes())
        listing = await operator.open(CATALOGUES)
        asked = await operator.open(unsubscribe_link(listing, url))
        started = await press(operator, listing, f"Sync now {url}")
        assert started.soup.select_one("#sync-state").get_text(strip=True).startswith("Running")
        refused = await press(operator, asked, "Unsubscribe")
        assert refused.status == 422
        assert refused.error_summary() == [(f"{url} is being synced: you can unsubscribe once the sync is done",
                                            "#unsubscribe")]
        assert main(["catalogue", "unsubscribe", url]) == 1
        assert f"borough: {url} is being synced: unsubscribe once the sync is done" in capsys.readouterr().err
        assert stalled in catalogue.client.subscriptions()
        assert await AuditEntry.filter(action="catalogue-unsubscribed").count() == 0
    await sync_finished(operator, started.url)
    done = await press(operator, await operator.open(asked.url), "Unsubscribe")  # once the sync is over
    assert done.url.endswith(CATALOGUES)
    assert stalled not in catalogue.client.subscriptions() and len(catalogue.client.subscriptions()) == 1
    assert not (catalogue.client.cache / stalled.name).exists()


def test_the_command_line_unsubscribes_by_url_or_name(catalogue: Catalogue, capsys: pytest.CaptureFixture[str]) -> None:
    [subscription] = catalogue.client.subscriptions()
    assert main(["catalogue", "unsubscribe", "http://127.0.0.1:9/elsewhere"]) == 1
    assert capsys.readouterr().err == "borough: this installation does not subscribe to http://127.0.0.1:9/elsewhere\n"
    assert main(["catalogue", "unsubscribe", subscription.name]) == 0
    out = capsys.readouterr().out
    assert f"borough: unsubscribed from {catalogue.url}" in out and "keep working as their own" in out
    assert catalogue.client.subscriptions() == []
    assert not (catalogue.client.cache / subscription.name).exists()
    assert main(["catalogue", "search", "pothole"]) == 0
    assert "northshire/" not in capsys.readouterr().out  # only Borough's own
    assert main(["catalogue", "unsubscribe", catalogue.url + "/"]) == 1  # already gone
    # subscribing again starts afresh: its keys pinned again, synced again
    assert main(["catalogue", "subscribe", catalogue.url]) == 0
    catalogue.sync()
    assert [found.entry.council for found in catalogue.client.search("pothole")] == ["northshire"]


def test_a_sync_of_a_catalogue_forgotten_since_it_was_looked_up_starts_nothing(catalogue: Catalogue) -> None:
    [subscription] = catalogue.client.subscriptions()
    syncing.unsubscribe(catalogue.client, subscription)
    with pytest.raises(CatalogueError, match="no longer subscribes"):
        syncing.start(catalogue.client, subscription)
    with pytest.raises(CatalogueError, match="no longer subscribes"):
        syncing.run(catalogue.client, subscription)
    assert not (catalogue.client.cache / subscription.name).exists()


async def test_the_sync_page_tells_screen_readers_how_the_sync_ended_not_each_poll(
        app: Any, catalogue: Catalogue, operator: Resident) -> None:
    [subscription] = catalogue.client.subscriptions()
    status = f"{CATALOGUES}/{subscription.name}/sync"

    async def poll(url: str) -> Page:
        """The page as htmx fetches it every two seconds to swap its #sync-progress."""
        response = await operator.client.get(url, headers={"HX-Request": "true", "HX-Target": "sync-progress"})
        assert response.status_code == 200
        return Page(response, BeautifulSoup(response.text, "html.parser"))

    def region(page: Page) -> Any:
        found = page.soup.select_one("#sync-announcement")
        assert found is not None and found.get("aria-live") == "polite" and found.get("role") == "status"
        assert found.find_parent(id="sync-progress") is None  # outside what htmx swaps, so it stays
        return found

    with stalled_catalogue() as (url, _):
        stalled = catalogue.client.subscribe(url, catalogue.world.repo.root_bytes())
        started = await press(operator, await operator.open(CATALOGUES), f"Sync now {url}")
        assert region(started).get_text(strip=True) == ""
        running = await poll(f"{CATALOGUES}/{stalled.name}/sync")
        assert running.soup.select_one("#sync-progress").get("hx-trigger") == "every 2s"
        assert region(running).get_text(strip=True) == "" and not region(running).has_attr("hx-swap-oob")
    await sync_finished(operator, started.url)
    failed = await poll(f"{CATALOGUES}/{stalled.name}/sync")
    assert region(failed)["hx-swap-oob"] == "innerHTML"
    assert region(failed).get_text(strip=True).startswith("The sync failed: ")

    started = await press(operator, await operator.open(CATALOGUES), f"Sync now {catalogue.url}")
    done = await sync_finished(operator, started.url)
    assert region(done).get_text(strip=True) == ""  # a page loaded: nothing to announce
    polled = await poll(status)
    assert region(polled).get_text(strip=True) == ("The sync has finished: 2 publishers, 0 new versions, "
                                                   "0 files fetched, 0 refused.")
    assert polled.soup.select_one("#sync-progress").get("hx-trigger") is None  # polling stops
