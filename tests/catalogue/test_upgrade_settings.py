"""An upgrade fills the publisher's versions with the values the council's copy holds, not only
with the council's settings: a designer who typed another phone number on "Use this service"
(or gave `--set contact.phone=...`) takes the publisher's later rewording of that text cleanly,
with their number in it, instead of a collision over a change they never made (found by the two
installations test, tests/catalogue/test_two_installations.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from world import make_world, shipped, static_server

from builder.catalogue import council as catalogue_council
from builder.catalogue.client import Client
from builder.catalogue.upgrade import upgrade
from runtime import store
from runtime.store import drafts

TYPED = "01632 960 321"  # typed on import: not the council's own contact number
BEFORE = shipped("report-pothole")["start"]["before"]


def reworded(version: str, before: str) -> dict[str, Any]:
    return {**shipped("report-pothole"), "version": version, "start": {**shipped("report-pothole")["start"],
                                                                         "before": before}}


async def test_the_publishers_rewording_of_a_filled_text_keeps_the_value_typed_on_import(
        db: str, tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"), "First version")
    eastshire = await store.create_council("eastshire", "Eastshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(world.repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        [found] = client.search("pothole")
        await catalogue_council.import_service(eastshire, found, client.definition(found),
                                               values={"contact.phone": TYPED})
        world.publish("northshire", reworded("1.1.0", BEFORE.replace("call us on", "ring us on")), "Plainer words")
        client.sync(subscription)
        done = await upgrade(eastshire, client, "report-pothole")
    assert done.result.collisions == () and done.applied
    draft = await drafts.get_draft(eastshire, "report-pothole")
    assert draft is not None
    definition: dict[str, Any] = draft.definition
    assert f"ring us on {TYPED}" in definition["start"]["before"]
    assert "01632 000 111" not in str(definition)


async def test_a_text_the_council_changed_still_collides_and_its_settings_fill_the_publishers_side(
        db: str, tmp_path: Path) -> None:
    from builder import patch

    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"), "First version")
    eastshire = await store.create_council("eastshire", "Eastshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(world.repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        [found] = client.search("pothole")
        draft, _ = await catalogue_council.import_service(eastshire, found, client.definition(found))
        operation = [{"op": "replace", "path": "/start/before", "value": "Call us on 01632 000 111 first."}]
        applied = patch.apply_with_inverse(draft.definition, operation)
        await drafts.apply_change(eastshire, "report-pothole", draft.version,
                                  drafts.Step("edit", "before", operation, applied.inverse),
                                  actor=None, patched=patch.apply)
        world.publish("northshire", reworded("1.1.0", BEFORE.replace("call us on", "ring us on")), "Plainer words")
        client.sync(subscription)
        done = await upgrade(eastshire, client, "report-pothole")
    [collision] = done.result.collisions
    assert collision.pointer == "/start/before" and not done.applied
    assert "ring us on 01632 000 111" in collision.theirs
