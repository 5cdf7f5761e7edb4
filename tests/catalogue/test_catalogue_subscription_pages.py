"""The catalogues page, subscribing and "Sync now" over HTTP through the assembled app, JavaScript
off, against the real catalogue tests/catalogue/conftest.py serves on 127.0.0.1: subscribing on
first use and from the operator's root file (the keys shown, and pinned only once confirmed),
refusals that store nothing, a sync in the background whose report the status page shows and
whose services search then finds, one sync for two clicks, CSRF, and who may do what (an
installation operator subscribes and syncs; the council's builders only see the list)."""

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
from catalogue_staff import HOME, Catalogue, Page, Resident, listed, make_user, person, press
from tuf.api.metadata import Metadata, Root
from world import shipped

from borough.cli import main
from builder.catalogue.client import Client, catalogue_name
from runtime import store
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
