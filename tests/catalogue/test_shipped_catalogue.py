"""The services Borough ships as the built-in catalogue (builder/catalogue/shipped_catalogue.py),
over HTTP through the assembled app, JavaScript off (fixtures in tests/catalogue/conftest.py): a
new installation that subscribes to nothing lists them and searches them, "Use this service"
makes the council's draft and records its upstream, one council's copy is its own, a later
release's newer version is offered and taken through the catalogue's upgrade, and no subscribed
catalogue can publish as Borough."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from catalogue_staff import HOME, listed, make_user, person, text_of
from world import make_world, shipped, static_server

from builder import shipped as shipped_release
from builder.catalogue import shipped_catalogue
from builder.catalogue.canonical import canonical
from builder.catalogue.client import Client
from builder.shipped import SERVICES_DIR, shipped_services
from runtime import store
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.store.models import CatalogueFork, ServiceDraft

POTHOLE = HOME + "/services/borough/report-pothole"


def built_in(service: str) -> str:
    return f"borough/{service}"


async def test_a_new_installation_lists_and_searches_the_services_borough_ships(
        app: Any, council: store.Council, fresh: Path, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    everything = await designer.open(HOME)
    assert everything.status == 200
    assert listed(everything) == [built_in(service.service_id) for service in shipped_services()]
    assert "Only the services shipped with Borough are listed" in text_of(everything.soup.find("main"))
    definitions = {built_in(service.service_id): service.definition for service in shipped_services()}

    def having(test: Any) -> set[str]:
        return {key for key, definition in definitions.items() if test(definition)}

    assert listed(await designer.open(HOME + "?q=pothole")) == [built_in("report-pothole")]
    assert set(listed(await designer.open(HOME + "?q=waste"))) == having(
        lambda d: "waste" in " ".join([d["id"], d["title"], d["summary"], *d["tags"]]).lower())
    assert listed(await designer.open(HOME + "?lgsl=528")) == [built_in("book-bulky-waste")]
    assert set(listed(await designer.open(HOME + "?tag=waste&fee=no"))) == having(
        lambda d: "waste" in d["tags"] and not d.get("fees"))
    assert set(listed(await designer.open(HOME + "?language=cy"))) == having(lambda d: "cy" in d["languages"])
    assert set(listed(await designer.open(HOME + "?publisher=borough"))) == set(definitions)
    assert listed(await designer.open(HOME + "?publisher=northshire")) == []

    page = await designer.open(POTHOLE)
    assert page.status == 200 and page.heading == "Report a pothole"
    text = text_of(page.soup.find("main"))
    assert "From Borough" in text and shipped_catalogue.TITLE in text and "OGL-3.0" in text
    assert "Street or road name" in text  # its pages' outline
    assert await ServiceDraft.all().count() == 0 and await CatalogueFork.all().count() == 0


async def test_using_a_shipped_service_makes_a_draft_that_records_its_upstream(
        app: Any, council: store.Council, fresh: Path, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    form = await designer.open(POTHOLE + "/use")
    assert form.status == 200
    assert form.soup.find(id="setting-contact-phone")["value"] == "01632 000 222"  # the council's own
    done = await designer.submit(form)
    assert done.url.endswith("/staff/eastshire/services/report-pothole"), done.url
    assert "from Borough's version 1.0.0" in text_of(done.soup)

    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None
    assert draft.definition["provenance"] == {"forkedFrom": "report-pothole@1.0.0", "publisher": "borough"}
    assert draft.definition["publisher"] == {"id": "eastshire", "name": "Eastshire Council"}
    shipped_text = shipped("report-pothole")["start"]["before"]
    assert "01632 960 999" in shipped_text and "01632 000 222" in draft.definition["start"]["before"]
    assert "01632 960 999" not in draft.definition["start"]["before"]  # the demo council's number, replaced

    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None
    assert (fork.catalogue, fork.publisher, fork.upstream_service, fork.upstream_version) == (
        shipped_catalogue.CATALOGUE, "borough", "report-pothole", "1.0.0")
    client = Client(fresh, shipped=SERVICES_DIR)
    [found] = client.versions("borough/report-pothole")
    served = client.definition(found)
    assert fork.address == found.entry.address == hashlib.sha256(canonical(served)).hexdigest()
    assert served["publisher"] == {"id": "borough", "name": "Borough"} and "{{contact.phone}}" in json.dumps(served)


async def test_a_councils_copy_of_a_shipped_service_is_its_own(
        app: Any, council: store.Council, fresh: Path, browsers: list[httpx.AsyncClient]) -> None:
    westshire = await store.create_council("westshire", "Westshire Council", contact_phone="01632 000 333")
    await make_user("designer@westshire.test", westshire, ["designer"])
    east = await person(app, browsers, "designer")
    await east.submit(await east.open(POTHOLE + "/use"))
    west = await person(app, browsers, "designer", slug="westshire")
    assert (await west.open("/staff/westshire/services/report-pothole")).status == 404
    assert "uses no service from a catalogue" in text_of((await west.open("/staff/westshire/catalogue/updates")).soup)
    assert (await west.open(POTHOLE)).status == 404  # eastshire's catalogue pages are eastshire's staff's
    assert (await west.open(POTHOLE + "/use")).status == 404

    done = await west.submit(await west.open("/staff/westshire/catalogue/services/borough/report-pothole/use"))
    assert done.url.endswith("/staff/westshire/services/report-pothole"), done.url
    east_draft = await drafts.get_draft(council, "report-pothole")
    west_draft = await drafts.get_draft(westshire, "report-pothole")
    assert east_draft is not None and west_draft is not None and east_draft.id != west_draft.id
    assert "01632 000 222" in east_draft.definition["start"]["before"]
    assert "01632 000 333" in west_draft.definition["start"]["before"]
    assert await CatalogueFork.filter(council_id=council.id).count() == 1
    assert await CatalogueFork.filter(council_id=westshire.id).count() == 1


def _release(folder: Path, *services: dict[str, Any], earlier: tuple[dict[str, Any], ...] = ()) -> Path:
    """A release's schemas/services: the versions it ships, and those it keeps from earlier ones."""
    (folder / shipped_release.EARLIER).mkdir(parents=True)
    for document in services:
        (folder / f"{document['id']}.json").write_text(json.dumps(document), encoding="utf-8")
    for document in earlier:
        name = f"{document['id']}@{document['version']}.json"
        (folder / shipped_release.EARLIER / name).write_text(json.dumps(document), encoding="utf-8")
    return folder


async def test_a_later_release_offers_its_newer_version_through_the_upgrade(
        app: Any, council: store.Council, fresh: Path, browsers: list[httpx.AsyncClient], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = shipped("report-pothole")
    newer = {**first, "version": "1.1.0", "summary": "Tell us where a road is broken."}
    monkeypatch.setattr(shipped_release, "SERVICES_DIR", _release(tmp_path / "release-1", first))
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(POTHOLE + "/use"))
    assert "Every service your council uses" in text_of((await designer.open(HOME + "/updates")).soup)

    monkeypatch.setattr(shipped_release, "SERVICES_DIR", _release(tmp_path / "release-2", newer, earlier=(first,)))
    updates = await designer.open(HOME + "/updates")
    text = text_of(updates.soup)
    assert "update available" in text and "1.1.0" in text and "Tell us where a road is broken." in text
    done = await designer.submit(await designer.open(HOME + "/updates/report-pothole"))
    assert done.url.endswith("/staff/eastshire/services/report-pothole"), done.url
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and draft.definition["summary"] == "Tell us where a road is broken."
    assert draft.definition["provenance"]["forkedFrom"] == "report-pothole@1.1.0"
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and fork.upstream_version == "1.1.0"


def test_no_subscribed_catalogue_can_publish_as_borough(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.add("borough")
    world.publish("borough", {**shipped("report-pothole"), "title": "A forged pothole form"})
    world.publish("northshire", shipped("report-missed-bin"))
    client = Client(tmp_path / "cache", shipped=SERVICES_DIR)
    with static_server(world.repo.public_dir) as url:
        client.sync(client.subscribe(url))
    assert [found.catalogue for found in client.versions("borough/report-pothole")] == [shipped_catalogue.CATALOGUE]
    assert "A forged pothole form" not in [found.entry.title for found in client.search("pothole")]
    assert {found.entry.council for found in client.search("missed bin")} == {"borough", "northshire"}
