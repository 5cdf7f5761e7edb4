"""Two installations, one machine: the catalogue's whole story over real HTTP, between two live
Borough servers with databases of their own.

Installation A hosts a catalogue at A/catalogue; its council Westshire publishes "Report a
pothole" there. On installation B, the council Northshire subscribes, imports it with its own
phone number, publishes it, and a resident reports a pothole. Westshire publishes 1.1.0 (a hint
reworded, a question added) while Northshire rewords another question; Northshire upgrades and
publishes, and a resident meets all three changes. Then both councils reword the same two
questions: the upgrade shows the collisions, the designer keeps one of each side, and residents
read exactly what was chosen; Westshire's new emergency page comes in beside them, with the
number Northshire typed on import, not as a collision. The other way round, Northshire publishes its own service from B
to A's catalogue (`publish --to`), and Westshire, on A, imports it, publishes it and a resident
uses it.

Staff work through the staff pages (sign-in form, CSRF tokens, the builder's forms, the
catalogue's "Use this service" and upgrade pages); residents through the service's pages. The
operators' steps the staff pages do not offer (a catalogue's keys and publishers, subscribing,
syncing, publishing to a catalogue) are `borough catalogue` commands against each
installation's database, secret key and folders.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import Tag
from installations import Installation, prepare, serving
from live_borough import in_a_thread

TESTS = Path(__file__).resolve().parents[1]
for _folder in ("web", "staff", "builder"):
    if str(TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(TESTS / _folder))

from designers import press  # noqa: E402
from resident import REFERENCE, Page, Resident, text_of  # noqa: E402
from staff_client import PASSWORD, make_user  # noqa: E402
from walker import answer_page, fill_card, page_id  # noqa: E402

from runtime import store  # noqa: E402
from runtime.core.definition import load  # noqa: E402
from runtime.core.service import compile_service, content_hash  # noqa: E402

SERVICES = TESTS.parent / "schemas" / "services"
POTHOLE = "report-pothole"
MISSED_BIN = "report-missed-bin"
WREN = "wren@westshire.test"  # Westshire's designer and publisher, on A
NELL = "nell@northshire.test"  # Northshire's, on B
NORTHSHIRE_PHONE = "01632 960 321"  # what Northshire types in for the pothole service

SIZE_HINT = "Measure the widest part: a dinner plate is 25cm across, a car tyre 60cm."
SIDE_LABEL = "Which side of the road is it on?"
NORTHSHIRE_STREET = "Name of the street or road"
NORTHSHIRE_LANDMARK = "House number or landmark nearest to it"
WESTSHIRE_STREET = "Road name"
WESTSHIRE_LANDMARK = "Nearest building or landmark"
URGENT = ("If someone has been hurt, call us now on {phone}, day or night.\n\n"
          "Otherwise, carry on with your report and we will inspect the pothole within 24 hours.")


async def _publish_shipped(council: store.Council, name: str) -> None:
    definition = load((SERVICES / f"{name}.json").read_bytes())
    definition["publisher"] = {"id": council.slug, "name": council.name}
    await store.publish_version(council, definition, content_hash(definition), change_note="Our first version")


async def _prepare_a(url: str) -> None:
    """Westshire on A, with "Report a pothole" published and a member of staff who may do everything."""
    await store.connect(url)
    try:
        council = await store.create_council("westshire", "Westshire Council", contact_phone="01632 960 999")
        await _publish_shipped(council, POTHOLE)
        await make_user(WREN, council, list(store.staff.ROLES))
    finally:
        await store.disconnect()


async def _prepare_b(url: str) -> None:
    """Northshire on B, with its own "Report a missed bin collection" published, and its staff."""
    await store.connect(url)
    try:
        council = await store.create_council("northshire", "Northshire Council", contact_phone="01632 960 111",
                                             contact_email="roads@northshire.test")
        await _publish_shipped(council, MISSED_BIN)
        await make_user(NELL, council, list(store.staff.ROLES))
    finally:
        await store.disconnect()


@pytest.fixture(scope="module")
def installations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Installation, Installation]]:
    """A (hosting a catalogue, made by `borough catalogue init`) and B, both serving."""
    a = prepare(tmp_path_factory, "a", hosts_catalogue=True)
    b = prepare(tmp_path_factory, "b", hosts_catalogue=False)
    in_a_thread(_prepare_a(a.database_url))
    in_a_thread(_prepare_b(b.database_url))
    made = in_a_thread(a.borough("catalogue", "init", str(a.catalogue_dir)))
    assert made.returncode == 0, made.stderr
    with serving(a, b) as (served_a, served_b):
        yield served_a, served_b


# Staff and residents ----------------------------------------------------------------------------

async def sign_in(installation: Installation, email: str) -> Resident:
    """A member of staff signed in through the staff sign-in form (its CSRF token included)."""
    staff = Resident(installation.client())
    form = await staff.open("/staff/sign-in")
    form.fill("Email address", email)
    form.fill("Password", PASSWORD)
    signed_in = await staff.submit(form)
    assert signed_in.status == 200 and "/sign-in" not in signed_in.url, signed_in.error_summary()
    return staff


def notice(page: Page) -> str:
    banner = page.soup.select_one(".govuk-notification-banner")
    return text_of(banner) if banner else ""


def main_text(page: Page) -> str:
    """The words of the page's main content, as read."""
    main = page.soup.find("main")
    assert isinstance(main, Tag), page.url
    return text_of(main)


def link(page: Page, words: str) -> str:
    """Where the link in the main content whose words are `words` goes."""
    found = [str(a["href"]) for a in page.soup.select("main a[href]") if text_of(a) == words]
    assert len(found) == 1, (words, page.url, found)
    return found[0]


def draft_url(council: str, service: str) -> str:
    return f"/staff/{council}/services/{service}"


async def draft_definition(staff: Resident, council: str, service: str) -> dict[str, Any]:
    """The draft as its JSON file, downloaded from the builder."""
    answer = await staff.client.get(f"{draft_url(council, service)}/json/file")
    assert answer.status_code == 200, answer.status_code
    definition: dict[str, Any] = json.loads(answer.content)
    return definition


async def open_draft(staff: Resident, council: str, service: str, published: str) -> None:
    """The service's draft, started from the published version when there is none (a draft
    lives on after it is published)."""
    shown = await staff.open(draft_url(council, service))
    summary = main_text(shown)
    assert f"Version {published} is published" in summary or f"Published version {published}" in summary, summary
    if "Start a draft" in summary:
        shown = await press(staff, shown, f"Start a draft from version {published}")
    assert shown.status == 200 and "Add a question page" in main_text(shown), shown.error_summary()


async def edit_question(staff: Resident, council: str, service: str, page: str, answer: str,
                        **changes: str) -> None:
    """Change a question's words on its builder form ("Question", "Hint")."""
    form = await staff.open(f"{draft_url(council, service)}/pages/{page}/questions/{answer}")
    assert form.status == 200, form.url
    for label, value in changes.items():
        form.fill(label, value)
    saved = await staff.submit(form)
    assert saved.status == 200 and not saved.error_summary(), saved.error_summary()


async def publish(staff: Resident, council: str, service: str, proposed: str, note: str) -> dict[str, Any]:
    """Publish the draft as the version the publish page proposes; returns what was published."""
    definition = await draft_definition(staff, council, service)
    form = await staff.open(f"{draft_url(council, service)}/publish")
    version = form.soup.find(id="version_number")
    assert isinstance(version, Tag) and version["value"] == proposed, main_text(form)
    form.fill("Change note", note)
    done = await staff.submit(form)
    assert f"Published version {proposed}" in notice(done), (done.url, done.error_summary())
    return definition


async def complete(installation: Installation, council: str, definition: dict[str, Any]) -> tuple[str, str]:
    """A resident completes the published service, answering each question by its label; returns
    every page's words, as read, and the reference on the confirmation page."""
    service = compile_service(definition)
    resident = Resident(installation.client())
    read: list[str] = []
    start = await resident.open(f"/{council}/{definition['id']}")
    assert start.status == 200, start.url
    read.append(main_text(start))
    page = await resident.submit(start)
    for _ in range(40):
        assert page.status == 200 and not page.error_summary(), (page.url, page.error_summary())
        read.append(main_text(page))
        if "/_sandbox/pay/" in page.url:
            fill_card(page, "4444333322221111")
        else:
            step, _item = page_id(page.url, definition["id"])
            if step == "confirmation":
                found = REFERENCE.search(read[-1])
                assert found, read[-1]
                await resident.client.aclose()
                return "\n".join(read), found.group()
            spec = service.page(step)
            if spec is not None and spec.kind == "add-another":
                legend = page.soup.select_one("fieldset legend")
                assert legend is not None, page.url
                page.choose(text_of(legend), "No")
            elif spec is not None and spec.kind != "content":
                answer_page(page, spec)
        page = await resident.submit(page)
    raise AssertionError(f"{definition['id']} did not reach its confirmation")


def collision_choices(page: Page, keep: dict[str, str]) -> dict[str, list[str]]:
    """The choice for each collision shown, by what the council's side says: `keep` maps the
    council's words to "ours" or "theirs"."""
    chosen: dict[str, list[str]] = {}
    for radios in page.soup.select("main form .govuk-radios"):
        choice, summary = radios.find("input"), radios.find_previous("dl", class_="govuk-summary-list")
        assert isinstance(choice, Tag) and isinstance(summary, Tag), page.url
        ours = text_of(summary.find_all("dd")[0])  # "Your council's", then the publisher's and the original
        chosen[str(choice["name"])] = [keep[ours]]
    return chosen


# The story --------------------------------------------------------------------------------------

async def test_two_installations_share_upgrade_and_publish_back(
        installations: tuple[Installation, Installation]) -> None:
    a, b = installations

    # A's operator registers Westshire's key; Westshire publishes its pothole service to A's catalogue.
    westshire_key = await a.borough("catalogue", "publisher-key", "--council", "westshire")
    assert westshire_key.returncode == 0, westshire_key.stderr
    added = await a.borough("catalogue", "add-publisher", "westshire", westshire_key.stdout.strip())
    assert added.returncode == 0, added.stderr
    shared = await a.borough("catalogue", "publish", POTHOLE, "--council", "westshire")
    assert shared.returncode == 0, shared.stderr
    assert "left out as a setting: contact.phone" in shared.stdout

    # B subscribes to A's catalogue over HTTP, pinning its root on first use, and syncs.
    subscribed = await b.borough("catalogue", "subscribe", a.catalogue_url)
    assert subscribed.returncode == 0, subscribed.stderr
    synced = await b.borough("catalogue", "sync")
    assert synced.returncode == 0 and "refused" not in synced.stderr, synced.stderr
    assert "1 publishers, 1 new versions" in synced.stdout

    # Northshire finds it in the staff pages, uses it with its own phone number, and publishes it.
    nell = await sign_in(b, NELL)
    found = await nell.open("/staff/northshire/catalogue?q=pothole&publisher=westshire")
    result = link(found, "Report a pothole")
    assert result.endswith(f"/services/westshire/{POTHOLE}"), result
    shown = await nell.open(result)
    assert "westshire" in main_text(shown)
    use = await nell.open(link(shown, "Use this service"))
    use.fill("The phone number residents can call about this service", NORTHSHIRE_PHONE)
    imported = await nell.submit(use)
    assert imported.url.endswith(draft_url("northshire", POTHOLE)), imported.error_summary()
    assert "from westshire's version 1.0.0" in notice(imported)
    first = await publish(nell, "northshire", POTHOLE, "1.0.0", "Northshire's pothole reports")
    assert first["provenance"] == {"forkedFrom": f"{POTHOLE}@1.0.0", "publisher": "westshire"}

    # A resident reports a pothole on B, and reads Northshire's number, not Westshire's.
    words, reference = await complete(b, "northshire", first)
    assert NORTHSHIRE_PHONE in words and "01632 960 999" not in words and reference

    # Westshire publishes 1.1.0: a hint reworded and a question added; Northshire meanwhile
    # rewords another question.
    wren = await sign_in(a, WREN)
    await open_draft(wren, "westshire", POTHOLE, "1.0.0")
    await edit_question(wren, "westshire", POTHOLE, "size", "size", Hint=SIZE_HINT)
    location = await wren.open(f"{draft_url('westshire', POTHOLE)}/pages/location")
    add = await wren.open(link(location, "Add a question to this page"))
    add.fill("Question", SIDE_LABEL)
    add.choose("Kind of answer", "Short text")
    add.choose("Must residents answer it?", "No")
    added_question = await wren.submit(add)
    assert added_question.status == 200 and not added_question.error_summary(), added_question.error_summary()
    await publish(wren, "westshire", POTHOLE, "1.1.0", "Clearer size hint; which side of the road")
    assert (await a.borough("catalogue", "publish", POTHOLE, "--council", "westshire")).returncode == 0

    await open_draft(nell, "northshire", POTHOLE, "1.0.0")
    await edit_question(nell, "northshire", POTHOLE, "location", "street", Question=NORTHSHIRE_STREET)

    # B syncs; Northshire sees the update and upgrades: all three changes are in its draft.
    synced = await b.borough("catalogue", "sync")
    assert synced.returncode == 0 and "1 new versions" in synced.stdout, synced.stderr
    updates = await nell.open("/staff/northshire/catalogue/updates")
    listed = main_text(updates)
    assert "Westshire Council published version 1.1.0; yours is from version 1.0.0" in listed, listed
    assert "Clearer size hint" in listed  # the publisher's note, and what changed in words:
    assert f"Question '{SIDE_LABEL}' added to page 'Where is the pothole?'" in listed
    assert "changed from 'Measure across the widest part." in listed and f"to '{SIZE_HINT}'" in listed
    upgrade = await nell.open(link(updates, f"Upgrade {POTHOLE} to version 1.1.0"))
    upgraded = await press(nell, upgrade, "Upgrade")
    assert "Upgraded to Westshire Council's version 1.1.0" in notice(upgraded), upgraded.error_summary()
    second = await publish(nell, "northshire", POTHOLE, "1.1.0", "Westshire's 1.1.0, our street wording")
    words, _ = await complete(b, "northshire", second)
    assert NORTHSHIRE_STREET in words and SIZE_HINT in words and SIDE_LABEL in words
    assert NORTHSHIRE_PHONE in words

    # Both councils reword the street and landmark questions: two collisions.
    await open_draft(wren, "westshire", POTHOLE, "1.1.0")
    await edit_question(wren, "westshire", POTHOLE, "location", "street", Question=WESTSHIRE_STREET)
    await edit_question(wren, "westshire", POTHOLE, "location", "landmark", Question=WESTSHIRE_LANDMARK)
    urgent = await wren.open(f"{draft_url('westshire', POTHOLE)}/pages/urgent")
    urgent.fill("Text under the heading", URGENT.format(phone="01632 960 999"))  # Westshire's own number
    saved = await wren.submit(urgent)
    assert saved.status == 200 and not saved.error_summary(), saved.error_summary()
    await publish(wren, "westshire", POTHOLE, "1.1.1", "Shorter questions, a plainer emergency page")
    assert (await a.borough("catalogue", "publish", POTHOLE, "--council", "westshire")).returncode == 0
    await open_draft(nell, "northshire", POTHOLE, "1.1.0")
    await edit_question(nell, "northshire", POTHOLE, "location", "landmark", Question=NORTHSHIRE_LANDMARK)
    assert (await b.borough("catalogue", "sync")).returncode == 0

    updates = await nell.open("/staff/northshire/catalogue/updates")
    upgrade = await nell.open(link(updates, f"Upgrade {POTHOLE} to version 1.1.1"))
    collided = await press(nell, upgrade, "Upgrade")
    shown_collisions = main_text(collided)
    assert "both changed 2 things" in shown_collisions, shown_collisions  # not the emergency page's number
    for words_shown in (NORTHSHIRE_STREET, WESTSHIRE_STREET, NORTHSHIRE_LANDMARK, WESTSHIRE_LANDMARK,
                        "Street or road name", "Nearest house number or landmark"):
        assert words_shown in shown_collisions, words_shown
    unchanged = await draft_definition(nell, "northshire", POTHOLE)
    assert NORTHSHIRE_STREET in json.dumps(unchanged)  # nothing changes until the designer chooses
    choices = collision_choices(collided, {NORTHSHIRE_STREET: "theirs", NORTHSHIRE_LANDMARK: "ours"})
    chose = await press(nell, collided, "Save as a draft change", choices)
    assert "with your choices" in notice(chose), chose.error_summary()
    third = await publish(nell, "northshire", POTHOLE, "1.1.1", "Westshire's street wording, our landmark")
    words, _ = await complete(b, "northshire", third)
    assert WESTSHIRE_STREET in words and NORTHSHIRE_LANDMARK in words
    assert NORTHSHIRE_STREET not in words and WESTSHIRE_LANDMARK not in words
    assert SIZE_HINT in words and SIDE_LABEL in words
    assert third["pages"][4]["content"] == URGENT.format(phone=NORTHSHIRE_PHONE)  # the number it typed
    up_to_date = await nell.open("/staff/northshire/catalogue/updates")
    assert "Every service your council uses from a catalogue is up to date." in main_text(up_to_date)

    # The other way: Northshire, on B, publishes its own service to A's catalogue over HTTP ...
    northshire_key = await b.borough("catalogue", "publisher-key", "--council", "northshire")
    assert northshire_key.returncode == 0, northshire_key.stderr
    assert (await a.borough("catalogue", "add-publisher", "northshire", northshire_key.stdout.strip())).returncode == 0
    sent = await b.borough("catalogue", "publish", MISSED_BIN, "--council", "northshire", "--to", a.catalogue_url)
    assert sent.returncode == 0, sent.stderr
    assert f"published northshire/{MISSED_BIN}@1.0.0 to {a.catalogue_url}" in sent.stdout
    hosted = await wren.client.get("/catalogue.json")
    assert MISSED_BIN in hosted.text

    # ... and Westshire, on A, imports it (nothing to fill in: its only phone number and email
    # address are examples of what to type), publishes it, and a resident uses it.
    assert (await a.borough("catalogue", "subscribe", a.catalogue_url)).returncode == 0
    synced = await a.borough("catalogue", "sync")
    assert synced.returncode == 0 and "2 publishers" in synced.stdout, synced.stderr
    use = await wren.open(f"/staff/westshire/catalogue/services/northshire/{MISSED_BIN}/use")
    assert use.soup.select("main form input:not([type=hidden])") == []
    imported = await press(wren, use, "Use this service")
    assert "from northshire's version 1.0.0" in notice(imported), imported.error_summary()
    theirs = await publish(wren, "westshire", MISSED_BIN, "1.0.0", "Northshire's missed bin service")
    assert theirs["provenance"] == {"forkedFrom": f"{MISSED_BIN}@1.0.0", "publisher": "northshire"}
    welsh = json.loads((SERVICES / f"{MISSED_BIN}.json").read_text())["translations"]["cy"]
    assert theirs["translations"]["cy"] == welsh  # its examples too, not Westshire's contacts
    words, reference = await complete(a, "westshire", theirs)
    assert "Report a missed bin collection" in words and reference
    await nell.client.aclose()
    await wren.client.aclose()
