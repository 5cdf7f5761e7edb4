"""A service a council imported names its publisher by name ("Northshire Council", as the
publisher's signed index gives it) on the builder's pages, and still does once the installation
unsubscribes from the catalogue it came from: the name is kept on the fork when it is imported,
and taken again when it is upgraded. A fork imported before names were kept shows the slug."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from catalogue_staff import HOME, Catalogue, Page, person, press, text_of
from world import shipped

from borough.cli import main
from builder.catalogue import publishing, sharing
from runtime import store
from runtime.store import catalogue as catalogue_store
from runtime.store.models import CatalogueFork

POTHOLE = HOME + "/services/northshire/report-pothole"
RENAMED = "Northshire and Dale Council"


def main_text(page: Page) -> str:
    assert page.status == 200, (page.status, text_of(page.soup.find("main")))
    return text_of(page.soup.find("main"))


def publish_renamed(catalogue: Catalogue) -> None:
    """Northshire's version 1.1.0 of report-pothole, its index now naming it RENAMED."""
    world, council = catalogue.world, "northshire"
    newer = {**shipped("report-pothole"), "version": "1.1.0", "summary": "Tell us where a road is broken."}
    shared, settings = sharing.share(newer, sharing.Council(council, RENAMED))
    publication, _ = publishing.publish(world.repo.published_role(council), world.repo.index(council),
                                        council=council, council_name=RENAMED, signer=world.councils[council],
                                        definition=shared, settings=settings, change_note="Clearer summary")
    world.repo.accept(publication)


async def test_the_publishers_name_stays_on_the_pages_once_the_catalogue_is_unsubscribed_from(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    used = await designer.submit(await designer.open(POTHOLE + "/use"))  # "Use this service"
    assert used.url.endswith("/staff/eastshire/services/report-pothole"), used.url
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and (fork.publisher, fork.publisher_name) == ("northshire", "Northshire Council")

    # upgrading takes the name the publisher's index gives now
    publish_renamed(catalogue)
    catalogue.sync()
    upgraded = await press(designer, await designer.open(HOME + "/updates/report-pothole"), "Upgrade")
    assert "Upgraded to" in main_text(upgraded) and RENAMED in main_text(upgraded)
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and (fork.upstream_version, fork.publisher_name) == ("1.1.0", RENAMED)

    assert main(["catalogue", "unsubscribe", catalogue.url]) == 0  # the cache forgets the publisher
    assert catalogue.client.subscriptions() == []

    updates = await designer.open(HOME + "/updates")
    gone = text_of(updates.soup.select_one("#unsubscribed"))
    assert f"report-pothole, from {RENAMED}'s version 1.1.0 in {catalogue.url}" in gone, gone
    assert f"Suggest your changes to report-pothole to {RENAMED} (from {RENAMED}'s version 1.1.0)" in main_text(
        updates)
    upgrade = main_text(await designer.open(HOME + "/updates/report-pothole"))
    assert f"Your service came from {RENAMED}'s version 1.1.0" in upgrade, upgrade
    suggest = await designer.open(HOME + "/updates/report-pothole/suggest")  # saying why it cannot work them out
    assert suggest.heading == f"Suggest these changes to {RENAMED}"
    assert f"Your service came from {RENAMED}'s version 1.1.0" in text_of(suggest.soup.find("main"))

    # a fork imported before the name was kept has none: the pages name the publisher by its slug
    await CatalogueFork.filter(council_id=council.id, service_id="report-pothole").update(publisher_name=None)
    upgrade = main_text(await designer.open(HOME + "/updates/report-pothole"))
    assert "Your service came from northshire's version 1.1.0" in upgrade, upgrade
