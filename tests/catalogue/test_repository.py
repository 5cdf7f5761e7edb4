"""The catalogue repository on disk: layout, keys, publishers, publishing and what it refuses."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from world import make_world, shipped

from builder.catalogue import keys, publishing
from builder.catalogue.canonical import canonical, content_address
from builder.catalogue.repository import Refused, Repository


def test_init_lays_out_tuf_metadata_and_keeps_keys_private(tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "cat")
    names = sorted(path.name for path in repo.metadata_dir.iterdir())
    assert {"1.root.json", "1.targets.json", "1.snapshot.json", "timestamp.json"} <= set(names)
    root = json.loads((repo.metadata_dir / "1.root.json").read_bytes())
    assert root["signed"]["consistent_snapshot"] is True
    for role in ("root", "targets", "snapshot", "timestamp"):
        key = repo.keys_dir / f"{role}.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert not list(repo.public_dir.rglob(f"{role}.pem")), "a key must never be among the served files"
    assert stat.S_IMODE(repo.keys_dir.stat().st_mode) == 0o700
    with pytest.raises(Refused, match="already holds a catalogue"):
        Repository.init(tmp_path / "cat")


def test_a_publisher_gets_its_own_delegated_role_for_its_own_paths(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    targets = json.loads((world.repo.metadata_dir / "targets.json").read_bytes())["signed"]
    role = next(role for role in targets["delegations"]["roles"] if role["name"] == "northshire")
    assert role["keyids"] == [world.councils["northshire"].public_key.keyid]
    assert role["paths"] == ["northshire/index.json", "northshire/*/*.json"]
    assert role["terminating"] is True
    with pytest.raises(Refused, match="already a publisher"):
        world.repo.add_publisher("northshire", keys.generate().public_key)
    with pytest.raises(Refused, match="cannot name a publisher"):
        world.repo.add_publisher("snapshot", keys.generate().public_key)


def test_publishing_stores_the_definition_by_content_address_with_an_index(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    entry = world.publish("northshire", shipped("report-pothole"), "First version")
    stored = world.repo.targets_dir / "northshire" / "report-pothole" / f"{entry.address}.1.0.0.json"
    document = json.loads(stored.read_bytes())
    assert canonical(document) == stored.read_bytes()
    assert content_address(document) == entry.address
    assert document["publisher"] == {"id": "northshire", "name": "Northshire Council"}
    index = world.repo.index("northshire")
    assert index is not None
    listed = index.find("report-pothole", "1.0.0")
    assert listed is not None
    assert (listed.title, listed.lgsl, listed.licence, listed.change_note) == (
        "Report a pothole", 557, "OGL-3.0", "First version")
    assert "contact.phone" in {setting.name for setting in listed.settings}
    assert "01632 960 999" not in stored.read_text(encoding="utf-8")
    assert (world.repo.metadata_dir / "1.northshire.json").is_file()


def test_publishing_again_is_a_new_version_and_nothing_published_changes(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    first = world.publish("northshire", shipped("report-pothole"))
    first_file = world.repo.targets_dir / "northshire" / "report-pothole" / f"{first.address}.1.0.0.json"
    before = first_file.read_bytes()
    with pytest.raises(Refused, match="already in the catalogue"):
        world.publish("northshire", shipped("report-pothole"))
    changed = shipped("report-pothole")
    changed["summary"] = "Tell us about a hole in a road."
    with pytest.raises(Refused, match="publish the service as a new version"):
        world.publish("northshire", changed)
    changed["version"] = "1.1.0"
    second = world.publish("northshire", changed, "Shorter summary")
    assert second.address != first.address
    assert first_file.read_bytes() == before
    index = world.repo.index("northshire")
    assert index is not None
    assert [entry.version for entry in index.entries] == ["1.0.0", "1.1.0"]


def test_withdrawing_marks_the_version_and_keeps_its_file(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    entry = world.publish("northshire", shipped("report-pothole"))
    signer = world.councils["northshire"]
    with pytest.raises(Refused, match="say why"):
        publishing.withdraw(world.repo.published_role("northshire"), world.repo.index("northshire"),
                            council="northshire", signer=signer, service="report-pothole", version="1.0.0",
                            reason=" ")
    world.repo.accept(publishing.withdraw(
        world.repo.published_role("northshire"), world.repo.index("northshire"), council="northshire",
        signer=signer, service="report-pothole", version="1.0.0", reason="Wrong repair times"))
    index = world.repo.index("northshire")
    assert index is not None
    withdrawn = index.find("report-pothole", "1.0.0")
    assert withdrawn is not None and withdrawn.withdrawn and withdrawn.withdrawn_reason == "Wrong repair times"
    assert (world.repo.targets_dir / "northshire" / "report-pothole" / f"{entry.address}.1.0.0.json").is_file()


def test_the_catalogue_refuses_a_publication_signed_with_another_key(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.councils["northshire"] = keys.generate()  # not the key the operator registered
    with pytest.raises(Refused, match="not signed with northshire's registered key"):
        world.publish("northshire", shipped("report-pothole"))
    assert world.repo.published_role("northshire") is None
    assert not list(world.repo.targets_dir.rglob("*.json"))


def test_the_catalogue_refuses_a_publisher_signing_another_councils_path(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    publication, _ = publishing.publish(None, None, council="northshire", council_name="Northshire",
                                        signer=world.councils["northshire"], definition=shipped("report-pothole"))
    data = publication.files["northshire/report-pothole/1.0.0.json"]
    from tuf.api.metadata import TargetFile

    role = publication.role
    role.signed.targets["southshire/report-pothole/1.0.0.json"] = TargetFile.from_data(
        "southshire/report-pothole/1.0.0.json", data, ["sha256"])
    role.sign(world.councils["northshire"])
    files = {**publication.files, "southshire/report-pothole/1.0.0.json": data}
    with pytest.raises(Refused, match="northshire may not publish southshire/report-pothole"):
        world.repo.accept(type(publication)("northshire", role, files))
    assert not (world.repo.targets_dir / "southshire").exists()


def test_the_catalogue_refuses_a_hostile_definition_before_storing_anything(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    hostile = shipped("report-pothole")
    hostile["pages"] = hostile["pages"] * 101  # 505 pages: over the format's limit
    with pytest.raises(Refused, match="the definition is refused"):
        world.publish("northshire", hostile)
    assert not list(world.repo.targets_dir.rglob("*.json"))
    assert world.repo.published_role("northshire") is None


def test_an_unknown_council_cannot_publish(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.councils["eastshire"] = keys.generate()
    with pytest.raises(Refused, match="eastshire is not a publisher"):
        world.publish("eastshire", shipped("report-pothole"))


def test_the_catalogue_refuses_changing_or_removing_a_published_file_and_replays(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"))
    signer = world.councils["northshire"]
    previous = world.repo.published_role("northshire")
    index = world.repo.index("northshire")
    assert previous is not None and index is not None
    # the council's own key signs 1.0.0 again with other content, bypassing its own checks
    changed = shipped("report-pothole")
    changed["summary"] = "Something else."
    index.entries.clear()
    publication, _ = publishing.publish(previous, index, council="northshire", council_name="Northshire",
                                        signer=signer, definition=changed)
    with pytest.raises(Refused, match=r"northshire/report-pothole/1\.0\.0\.json was published already"):
        world.repo.accept(publication)
    # or drops it
    dropped = world.repo.published_role("northshire")
    assert dropped is not None
    del dropped.signed.targets["northshire/report-pothole/1.0.0.json"]
    dropped.signed.version += 1
    dropped.sign(signer)
    with pytest.raises(Refused, match="cannot be changed or removed"):
        world.repo.accept(type(publication)("northshire", dropped, {}))
    # a publication accepted once cannot be sent again
    first, _ = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                  council="northshire", council_name="Northshire", signer=signer,
                                  definition={**shipped("report-pothole"), "version": "1.0.1"})
    world.repo.accept(first)
    with pytest.raises(Refused, match="the catalogue expects 3"):
        world.repo.accept(first)
