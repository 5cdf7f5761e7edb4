"""The catalogue's staff pages over HTTP through the assembled app, JavaScript off, against a real
catalogue on disk served over HTTP and synced into the installation's cache (fixtures in
tests/catalogue/conftest.py): searching with each filter (the services Borough ships listed
too), a service's page and outline (which create nothing), "Use this service" (a draft and its
fork, refused with a reason and nothing stored for a hostile definition or a taken
name), roles, another council's forks, and an upgrade whose collision the designer decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup
from catalogue_staff import BASE, HOME, Catalogue, Page, listed, person
from world import make_world, shipped

from borough.app import assemble
from builder import patch
from builder.catalogue import council as catalogue_council
from builder.catalogue import publishing
from builder.shipped import shipped_services
from runtime import store
from runtime.settings import ROOT, Settings
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.store.models import CatalogueFork, ServiceDraft

POTHOLE = HOME + "/services/northshire/report-pothole"


async def test_search_filters_narrow_the_results(app: Any, council: store.Council, catalogue: Catalogue,
                                                 browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    everything = await designer.open(HOME)
    assert everything.status == 200
    built_in = {f"borough/{service.service_id}": service.definition for service in shipped_services()}
    assert set(listed(everything)) == {*built_in, "southshire/book-bulky-waste", "northshire/report-pothole"}
    assert "Catalogue" in [link.get_text(strip=True) for link in everything.soup.select(".borough-staff-nav a")]
    assert listed(await designer.open(HOME + "?q=pothole")) == ["borough/report-pothole", "northshire/report-pothole"]
    assert listed(await designer.open(HOME + "?q=pothole+bulky")) == []
    assert listed(await designer.open(HOME + "?publisher=southshire")) == ["southshire/book-bulky-waste"]
    with_fee = {key for key, definition in built_in.items() if definition.get("fees")}
    assert set(listed(await designer.open(HOME + "?fee=yes"))) == {*with_fee, "southshire/book-bulky-waste"}
    assert set(listed(await designer.open(HOME + "?fee=no"))) == {*(set(built_in) - with_fee),
                                                                  "northshire/report-pothole"}
    pothole = shipped("report-pothole")
    both = ["borough/report-pothole", "northshire/report-pothole"]
    assert listed(await designer.open(HOME + f"?lgsl={pothole['lgsl']}")) == both
    assert listed(await designer.open(HOME + f"?tag={pothole['tags'][0]}&publisher=northshire")) == both[1:]
    assert listed(await designer.open(HOME + "?language=xx")) == []
    wrong = await designer.open(HOME + "?lgsl=pothole")
    assert wrong.status == 422
    assert wrong.error_summary() == [("Enter the LGSL code as a number, like 524", "#lgsl")]
    assert wrong.soup.find(id="lgsl")["value"] == "pothole"  # what was typed, kept


async def test_a_services_page_previews_it_and_creates_nothing(app: Any, council: store.Council,
                                                               catalogue: Catalogue,
                                                               browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    shown = await designer.open(POTHOLE)
    assert shown.status == 200 and shown.heading == "Report a pothole"
    text = shown.soup.get_text(" ", strip=True)
    assert "First shared version" in text and "OGL-3.0" in text
    assert "Street or road name" in text and "For example, High Street or B1234." in text  # the preview
    titles = [title.get_text(strip=True) for title in shown.soup.select("main .govuk-summary-card__title")]
    assert "About how big is the pothole?" in titles and "size" not in titles  # an untitled page, by its question
    assert shown.soup.find("a", string="Use this service") is not None
    assert await ServiceDraft.filter(council_id=council.id).count() == 0
    assert await CatalogueFork.filter(council_id=council.id).count() == 0
    assert (await designer.open(HOME + "/services/northshire/no-such-service")).status == 404
    assert (await designer.open(POTHOLE + "?version=9.9.9")).status == 404


async def test_use_this_service_makes_a_draft_and_its_fork(app: Any, council: store.Council, catalogue: Catalogue,
                                                           browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    form = await designer.open(POTHOLE + "/use?version=1.0.0")
    assert form.status == 200
    assert form.soup.find(id="setting-contact-phone")["value"] == "01632 000 222"  # the council's own
    form.fill("The phone number residents can call about this service", "")
    refused = await designer.submit(form)
    assert refused.status == 422
    assert refused.error_summary() == [("Enter the phone number residents can call about this service",
                                        "#setting-contact-phone")]
    assert await ServiceDraft.filter(council_id=council.id).count() == 0
    refused.fill("The phone number residents can call about this service", "0300 123 4567")
    done = await designer.submit(refused)
    assert done.url.endswith("/staff/eastshire/services/report-pothole"), done.url
    assert "now your council's draft" in done.soup.get_text(" ", strip=True)
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and "0300 123 4567" in draft.definition["start"]["before"]
    assert draft.definition["provenance"] == {"forkedFrom": "report-pothole@1.0.0", "publisher": "northshire"}
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and (fork.catalogue, fork.upstream_version) == (catalogue.url, "1.0.0")

    again = await designer.submit(await designer.open(POTHOLE + "/use"))
    assert again.status == 422
    assert "already a service called report-pothole" in again.soup.get_text(" ", strip=True)
    assert await CatalogueFork.filter(council_id=council.id).count() == 1


async def test_a_hostile_definition_is_refused_and_nothing_stored(app: Any, council: store.Council,
                                                                 catalogue: Catalogue,
                                                                 browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    form = await designer.open(POTHOLE + "/use")
    # The cached copy swapped for a hostile one after sync (a disk someone else can write to):
    # it is checked again when it is used.
    [found] = catalogue.client.search("pothole")
    [subscription] = catalogue.client.subscriptions()
    cached = catalogue.client.cache / subscription.name / "definitions" / f"{found.entry.address}.json"
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    cached.write_text('{"id": "report-pothole", "answers": ' + str(deep).replace("'", '"') + "}")
    refused = await designer.submit(form)
    assert refused.status == 422
    assert "This service cannot be used" in refused.soup.get_text(" ", strip=True)
    assert await ServiceDraft.filter(council_id=council.id).count() == 0
    assert await CatalogueFork.filter(council_id=council.id).count() == 0


async def test_roles_and_councils_hold(app: Any, council: store.Council, catalogue: Catalogue,
                                       browsers: list[httpx.AsyncClient]) -> None:
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.open(HOME)).status == 403
    assert (await caseworker.open(POTHOLE)).status == 403
    assert "Catalogue" not in [a.get_text(strip=True) for a in (await caseworker.open("/staff/eastshire")).soup.select(
        ".borough-staff-nav a")]
    publisher = await person(app, browsers, "publisher")
    assert (await publisher.open(POTHOLE)).status == 200
    assert (await publisher.open(POTHOLE + "/use")).status == 403  # browsing, not importing
    designer = await person(app, browsers, "designer")
    forged = await designer.client.post(POTHOLE + "/use", data={"setting-contact-phone": "1"})
    assert forged.status_code == 403  # no CSRF token
    assert await ServiceDraft.filter(council_id=council.id).count() == 0

    westshire = await store.create_council("westshire", "Westshire Council", contact_phone="01632 000 333")
    assert (await designer.open("/staff/westshire/catalogue")).status == 404
    [found] = catalogue.client.search("pothole")
    await catalogue_council.import_service(westshire, found, catalogue.client.definition(found))
    updates = await designer.open(HOME + "/updates")
    assert "uses no service from a catalogue" in updates.soup.get_text(" ", strip=True)
    assert (await designer.open(HOME + "/updates/report-pothole")).status == 404  # westshire's fork


async def _edit(council: store.Council, path: str, value: object) -> None:
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None
    operation = [{"op": "replace", "path": path, "value": value}]
    applied = patch.apply_with_inverse(draft.definition, operation)
    await drafts.apply_change(council, "report-pothole", draft.version,
                              drafts.Step("edit", f"changed {path}", operation, applied.inverse),
                              actor=None, patched=patch.apply)


async def test_an_upgrade_with_a_collision_saves_what_the_designer_chose(app: Any, council: store.Council,
                                                                          catalogue: Catalogue,
                                                                          browsers: list[httpx.AsyncClient]) -> None:
    newer = {**shipped("report-pothole"), "version": "1.1.0", "summary": "Tell us where a road is broken."}
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(POTHOLE + "/use"))
    await _edit(council, "/summary", "Report a pothole in Eastshire.")
    await _edit(council, "/confirmation/title", "Thank you: pothole reported")
    catalogue.world.publish("northshire", newer, "Shorter summary")
    catalogue.sync()

    updates = await designer.open(HOME + "/updates")
    text = updates.soup.get_text(" ", strip=True)
    assert "update available" in text and "Shorter summary" in text and "1.1.0" in text
    assert "Tell us where a road is broken." in text  # the diff, in words
    start = await designer.open(HOME + "/updates/report-pothole")
    assert start.status == 200 and "Their version 1.1.0: Shorter summary" in start.soup.get_text(" ", strip=True)
    collisions = await designer.submit(start)
    assert collisions.status == 200
    text = collisions.soup.get_text(" ", strip=True)
    assert "Report a pothole in Eastshire." in text and "Tell us where a road is broken." in text
    before = await drafts.get_draft(council, "report-pothole")
    assert before is not None and before.definition["summary"] == "Report a pothole in Eastshire."  # unchanged yet

    unchosen = await designer.submit(collisions)
    assert unchosen.status == 422 and unchosen.error_summary()[0][1] == "#choice-0"
    legend = unchosen.soup.select_one("legend").get_text(" ", strip=True)
    unchosen.choose(legend, "Take the publisher's")
    saved = await designer.submit(unchosen)
    assert saved.url.endswith("/staff/eastshire/services/report-pothole"), saved.url
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None
    assert draft.definition["summary"] == "Tell us where a road is broken."  # the designer's choice
    assert draft.definition["confirmation"]["title"] == "Thank you: pothole reported"  # the council's own kept
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and fork.upstream_version == "1.1.0"
    assert (await drafts.history(draft))[0].operation == "upgrade-from-catalogue"
    assert "Every service your council uses" in (await designer.open(HOME + "/updates")).soup.get_text(" ")


async def test_keeping_the_councils_side_and_a_clean_upgrade_in_one_step(app: Any, council: store.Council,
                                                                        catalogue: Catalogue,
                                                                        browsers: list[httpx.AsyncClient]) -> None:
    newer = {**shipped("report-pothole"), "version": "1.1.0", "summary": "Tell us where a road is broken."}
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(POTHOLE + "/use"))
    await _edit(council, "/summary", "Report a pothole in Eastshire.")
    catalogue.world.publish("northshire", newer, "Shorter summary")
    catalogue.sync()
    collisions = await designer.submit(await designer.open(HOME + "/updates/report-pothole"))
    legend = collisions.soup.select_one("legend").get_text(" ", strip=True)
    collisions.choose(legend, "Keep your council's")
    await designer.submit(collisions)
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and draft.definition["summary"] == "Report a pothole in Eastshire."
    assert draft.definition["provenance"]["forkedFrom"] == "report-pothole@1.1.0"

    newest = {**newer, "version": "1.2.0", "title": "Report a pothole or broken road"}
    catalogue.world.publish("northshire", newest, "A clearer name")
    catalogue.sync()
    done = await designer.submit(await designer.open(HOME + "/updates/report-pothole"))
    assert done.url.endswith("/staff/eastshire/services/report-pothole"), done.url
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and draft.definition["title"] == "Report a pothole or broken road"
    assert draft.definition["summary"] == "Report a pothole in Eastshire."


async def test_a_hosted_catalogue_lists_its_services_by_publisher_for_people(tmp_path: Path, db: str) -> None:
    world = make_world(tmp_path / "hosted")
    world.publish("northshire", shipped("report-pothole"), "First shared version")
    world.publish("northshire", {**shipped("report-pothole"), "version": "1.1.0"}, "A clearer hint")
    world.repo.accept(publishing.withdraw(
        world.repo.published_role("northshire"), world.repo.index("northshire"), council="northshire",
        signer=world.councils["northshire"], service="report-pothole", version="1.1.0", reason="Broke the map"))
    settings = Settings(database_url=db, base_url=BASE, secret_key="catalogue-pages-secret-" + "z" * 32,
                        environment="test", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")
    hosted = assemble(settings, "public", connect_database=False, catalogue=world.repo.path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hosted), base_url=BASE) as visitor:
        shown = await visitor.get("/catalogue/")
        twin = await visitor.get("/catalogue.json")
    assert shown.status_code == 200
    page = Page(shown, BeautifulSoup(shown.text, "html.parser"))
    assert page.heading == "Services councils share"
    assert [h.get_text(strip=True) for h in page.soup.select("main h2")] == ["Northshire Council"]
    text = page.soup.get_text(" ", strip=True)
    assert "Version 1.1.0" in text and "Broke the map" in text and "Version 1.0.0" in text
    assert f"borough catalogue subscribe {BASE}/catalogue" in text
    assert "in English, licence" in text and "in en," not in text  # languages by name, as the staff pages
    [publisher] = twin.json()["publishers"]
    [service] = publisher["services"]
    assert service["title"] == "Report a pothole" and [v["version"] for v in service["versions"]] == ["1.1.0", "1.0.0"]
    assert service["versions"][0]["withdrawn"] is True


async def test_choices_made_against_a_draft_that_moved_on_are_not_saved(app: Any, council: store.Council,
                                                                          catalogue: Catalogue,
                                                                          browsers: list[httpx.AsyncClient]) -> None:
    newer = {**shipped("report-pothole"), "version": "1.1.0", "summary": "Tell us where a road is broken."}
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(POTHOLE + "/use"))
    await _edit(council, "/summary", "Report a pothole in Eastshire.")
    catalogue.world.publish("northshire", newer, "Shorter summary")
    catalogue.sync()
    collisions = await designer.submit(await designer.open(HOME + "/updates/report-pothole"))
    legend = collisions.soup.select_one("legend").get_text(" ", strip=True)
    collisions.choose(legend, "Take the publisher's")
    await _edit(council, "/confirmation/title", "Changed by a colleague meanwhile")
    stale = await designer.submit(collisions)
    assert stale.status == 422
    assert "Someone changed the draft since this page was shown" in stale.soup.get_text(" ", strip=True)
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and draft.definition["summary"] == "Report a pothole in Eastshire."
    fork = await catalogue_store.get_fork(council, "report-pothole")
    assert fork is not None and fork.upstream_version == "1.0.0"
    stale.choose(legend, "Take the publisher's")
    saved = await designer.submit(stale)  # shown again against the draft as it is now: saved
    assert saved.url.endswith("/staff/eastshire/services/report-pothole"), saved.url
    draft = await drafts.get_draft(council, "report-pothole")
    assert draft is not None and draft.definition["summary"] == "Tell us where a road is broken."
    assert draft.definition["confirmation"]["title"] == "Changed by a colleague meanwhile"
