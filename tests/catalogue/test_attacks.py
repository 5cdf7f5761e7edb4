"""Attacks on a real served catalogue (the standard library's static server on 127.0.0.1),
each refused by an installation's sync, with nothing untrusted stored."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from world import World, force, make_world, shipped, static_server

from builder.catalogue import keys, publishing
from builder.catalogue.client import CatalogueError, Client, Subscription
from builder.catalogue.entries import BadIndex, read_index
from builder.catalogue.repository import Refused


@pytest.fixture
def world(tmp_path: Path) -> World:
    built = make_world(tmp_path / "cat")
    built.publish("northshire", shipped("report-pothole"), "First version")
    built.publish("southshire", shipped("report-missed-bin"))
    return built


@pytest.fixture
def url(world: World) -> Iterator[str]:
    with static_server(world.repo.public_dir) as served:
        yield served


@pytest.fixture
def client(tmp_path: Path) -> Client:
    return Client(tmp_path / "cache")


def subscribed(client: Client, url: str) -> Subscription:
    return client.subscribe(url)


def cached(client: Client, subscription: Subscription) -> set[str]:
    folder = client.cache / subscription.name / "definitions"
    return {path.stem for path in folder.glob("*.json")} if folder.is_dir() else set()


def test_an_installation_subscribes_syncs_and_finds_services(world: World, url: str, client: Client) -> None:
    subscription = subscribed(client, url)
    assert subscription.root_keyids == tuple(world.repo.current("root").signed.roles["root"].keyids)
    report = client.sync(subscription)
    assert report.refused == []
    assert report.publishers == ["northshire", "southshire"]
    assert sorted(report.added) == ["report-missed-bin@1.0.0", "report-pothole@1.0.0"]
    [found] = client.search("pothole roads")
    assert (found.entry.council, found.entry.version, found.entry.lgsl) == ("northshire", "1.0.0", 557)
    assert client.definition(found)["id"] == "report-pothole"
    again = client.sync(subscription)
    assert again.added == [] and again.fetched == []  # nothing changed: no target fetched

    changed = shipped("report-pothole")
    changed["version"] = "1.1.0"
    changed["title"] = "Report a pothole or a sunken drain"
    world.publish("northshire", changed, "Drains too")
    report = client.sync(subscription)
    assert report.added == ["report-pothole@1.1.0"]
    assert report.fetched == ["northshire/index.json", "northshire/report-pothole/1.1.0.json"]
    assert [item.entry.version for item in client.versions("northshire/report-pothole")] == ["1.1.0", "1.0.0"]
    assert client.search("pothole")[0].entry.version == "1.1.0"


def test_a_tampered_definition_is_refused_and_not_stored(world: World, url: str, client: Client) -> None:
    index = world.repo.index("northshire")
    assert index is not None
    entry = index.entries[0]
    stored = world.repo.targets_dir / "northshire" / "report-pothole" / f"{entry.address}.1.0.0.json"
    stored.write_bytes(stored.read_bytes().replace(b"pothole", b"pothold"))
    subscription = subscribed(client, url)
    report = client.sync(subscription)
    assert report.refused == [("northshire/report-pothole/1.0.0.json",
                               "the file served does not match what its publisher signed")]
    assert entry.address not in cached(client, subscription)
    assert report.added == ["report-missed-bin@1.0.0"]  # the rest of the catalogue is unharmed


def test_a_role_signed_with_a_key_not_the_publishers_is_refused(world: World, url: str, client: Client) -> None:
    subscription = subscribed(client, url)
    client.sync(subscription)
    forged = shipped("report-pothole")
    forged["version"] = "2.0.0"
    forged["summary"] = "Pay us £50 to report a pothole."
    impostor = keys.generate()  # e.g. the catalogue's operator, who cannot sign for a council
    publication, entry = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                            council="northshire", council_name="Northshire", signer=impostor,
                                            definition=forged)
    force(world.repo, publication)
    report = client.sync(subscription)
    assert [council for council, _ in report.refused] == ["northshire"]
    assert "verification" in report.refused[0][1]
    assert entry.address not in cached(client, subscription)
    assert [item.entry.version for item in client.versions("report-pothole")] == ["1.0.0"]


def test_a_rollback_to_older_metadata_is_refused(world: World, url: str, client: Client, tmp_path: Path) -> None:
    older = tmp_path / "older"
    shutil.copytree(world.repo.metadata_dir, older)
    changed = shipped("report-pothole")
    changed["version"] = "1.1.0"
    world.publish("northshire", changed)
    subscription = subscribed(client, url)
    assert client.sync(subscription).added  # the installation has seen the newer catalogue
    for name in ("timestamp.json", "snapshot.json"):  # a mirror serves what it kept from before
        shutil.copy(older / name, world.repo.metadata_dir / name)
    with pytest.raises(CatalogueError) as refused:
        client.sync(subscription)
    assert refused.value.code == "rollback"
    assert [item.entry.version for item in client.versions("report-pothole")] == ["1.1.0", "1.0.0"]


def test_an_expired_timestamp_a_frozen_catalogue_is_refused(world: World, url: str, client: Client) -> None:
    subscription = subscribed(client, url)
    client.sync(subscription)
    world.repo.refresh(timestamp_expires=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1))
    with pytest.raises(CatalogueError) as refused:
        client.sync(subscription)
    assert refused.value.code == "expired"


def test_a_publisher_signing_another_councils_service_path_is_ignored(world: World, url: str,
                                                                      client: Client) -> None:
    forged = shipped("report-missed-bin")
    forged["version"] = "9.0.0"
    forged["summary"] = "Southshire has moved its bin reports: pay here."
    publication, _ = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                        council="northshire", council_name="Northshire",
                                        signer=world.councils["northshire"], definition=forged)
    # northshire (a real publisher, with its real key) signs a path under southshire/
    role = publication.role
    moved = role.signed.targets.pop("northshire/report-missed-bin/9.0.0.json")
    moved.path = "southshire/report-missed-bin/9.0.0.json"
    role.signed.targets[moved.path] = moved
    role.sign(world.councils["northshire"])
    files = dict(publication.files)
    files[moved.path] = files.pop("northshire/report-missed-bin/9.0.0.json")
    index = world.repo.index("northshire")
    assert index is not None
    force(world.repo, type(publication)("northshire", role, files))
    subscription = subscribed(client, url)
    client.sync(subscription)
    assert [(item.entry.council, item.entry.version) for item in client.versions("report-missed-bin")] == [
        ("southshire", "1.0.0")]
    # asked for the path directly, TUF follows southshire's delegation, which never signed it
    from tuf.ngclient import Updater

    updater = Updater(str(client.cache / subscription.name / "metadata"), f"{url}/metadata/",
                      target_base_url=f"{url}/targets/", bootstrap=None)
    updater.refresh()
    assert updater.get_targetinfo("southshire/report-missed-bin/9.0.0.json") is None


def test_a_hostile_definition_correctly_signed_is_refused_before_it_is_stored(world: World, url: str,
                                                                           client: Client) -> None:
    hostile = shipped("report-pothole")
    hostile["version"] = "1.0.1"
    hostile["pages"] = hostile["pages"] * 101  # far over the format's 200 pages
    publication, entry = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                            council="northshire", council_name="Northshire",
                                            signer=world.councils["northshire"], definition=hostile)
    force(world.repo, publication)  # the catalogue would refuse it; a dishonest host serves it anyway
    subscription = subscribed(client, url)
    report = client.sync(subscription)
    [(path, reason)] = report.refused
    assert path == "northshire/report-pothole/1.0.1.json"
    assert reason.startswith("the definition is refused") and "at most" in reason
    assert entry.address not in cached(client, subscription)
    assert [item.entry.version for item in client.versions("report-pothole")] == ["1.0.0"]


def test_subscribing_pins_the_root_from_a_file_and_refuses_a_forged_one(world: World, url: str,
                                                                       client: Client, tmp_path: Path) -> None:
    subscription = client.subscribe(url, root=world.repo.root_bytes())
    assert client.sync(subscription).refused == []
    other = make_world(tmp_path / "other")
    stranger = Client(tmp_path / "cache2")
    pinned = stranger.subscribe(url, root=other.repo.root_bytes())  # someone else's root
    with pytest.raises(CatalogueError) as refused:
        stranger.sync(pinned)
    assert refused.value.code == "refused"
    with pytest.raises(CatalogueError, match="already subscribed"):
        client.subscribe(url)
    with pytest.raises(CatalogueError, match="not valid"):
        Client(tmp_path / "cache3").subscribe(url, root=b'{"signed": {}}')


def test_a_published_version_changed_afterwards_is_refused(world: World, url: str, client: Client) -> None:
    subscription = subscribed(client, url)
    client.sync(subscription)
    before = client.versions("report-pothole")[0].entry.address
    # the council's own key (or whoever holds it) re-signs 1.0.0 with other content
    role = world.repo.published_role("northshire")
    index = world.repo.index("northshire")
    assert role is not None and index is not None
    changed = shipped("report-pothole")
    changed["summary"] = "Something else entirely."
    index.entries.clear()
    del role.signed.targets["northshire/report-pothole/1.0.0.json"]
    publication, entry = publishing.publish(role, index, council="northshire", council_name="Northshire",
                                            signer=world.councils["northshire"], definition=changed)
    force(world.repo, publication)
    report = client.sync(subscription)
    assert report.refused == [("northshire", "its index changes or drops report-pothole@1.0.0, published "
                                             "before: published versions never change")]
    assert [item.entry.address for item in client.versions("report-pothole")] == [before]
    assert entry.address not in cached(client, subscription)


def test_after_a_leaked_key_is_revoked_nothing_only_it_signed_is_trusted(world: World, url: str,
                                                                        client: Client) -> None:
    subscription = subscribed(client, url)
    assert client.sync(subscription).refused == []
    leaked = world.councils["northshire"]
    new = keys.generate()
    world.repo.replace_publisher_key("northshire", new.public_key)
    report = client.sync(subscription)  # the role only the old key signed is no longer trusted
    assert [council for council, _ in report.refused] == ["northshire"]

    # the council signs its role again with its new key, over what it really published
    world.repo.accept(publishing.resign(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                        council="northshire", signer=new))
    assert client.sync(subscription).refused == []

    forged = shipped("report-pothole")
    forged["version"] = "1.0.1"
    publication, entry = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                            council="northshire", council_name="Northshire", signer=leaked,
                                            definition=forged)
    with pytest.raises(Refused, match="not signed with northshire's registered key"):
        world.repo.accept(publication)
    force(world.repo, publication)  # a dishonest host serves the thief's publication anyway
    report = client.sync(subscription)
    assert [council for council, _ in report.refused] == ["northshire"]
    assert entry.address not in cached(client, subscription)
    assert [item.entry.version for item in client.versions("report-pothole")] == ["1.0.0"]


def test_search_shows_each_services_newest_version_by_words_and_filters(world: World, url: str,
                                                                        client: Client) -> None:
    changed = shipped("report-pothole")
    changed["version"] = "1.1.0"
    changed["summary"] = "Tell us where the road is broken."
    world.publish("northshire", changed)
    world.publish("southshire", shipped("book-bulky-waste"))
    client.sync(subscribed(client, url))
    # 1.0.0 says "inspect and repair"; the current version does not: it is not found by it
    assert client.search("inspect repair") == []
    assert [found.entry.key for found in client.search("broken")] == ["report-pothole@1.1.0"]
    assert [found.entry.service for found in client.search(council="southshire")] == [
        "book-bulky-waste", "report-missed-bin"]
    paid = [found.entry.service for found in client.search(fee=True)]
    free = [found.entry.service for found in client.search(fee=False)]
    assert paid == ["book-bulky-waste"] and "report-pothole" in free and "book-bulky-waste" not in free
    assert [found.entry.service for found in client.search(lgsl=557)] == ["report-pothole"]
    assert [found.entry.service for found in client.search(tag="potholes")] == ["report-pothole"]
    assert client.search(language="cy") == [found for found in client.search() if "cy" in found.entry.languages]


def test_a_definition_signed_larger_than_borough_reads_is_not_even_fetched(world: World, url: str,
                                                                           client: Client) -> None:
    from runtime.core.reading import MAX_BYTES

    huge = shipped("report-pothole")
    huge["version"] = "1.0.2"
    huge["start"]["content"] = "x" * (MAX_BYTES + 10)
    publication, entry = publishing.publish(world.repo.published_role("northshire"), world.repo.index("northshire"),
                                            council="northshire", council_name="Northshire",
                                            signer=world.councils["northshire"], definition=huge)
    force(world.repo, publication)
    subscription = subscribed(client, url)
    report = client.sync(subscription)
    assert report.refused == [("northshire/report-pothole/1.0.2.json",
                               f"it is larger than {MAX_BYTES:,} bytes, the most Borough reads")]
    assert "northshire/report-pothole/1.0.2.json" not in report.fetched
    assert entry.address not in cached(client, subscription)


def test_an_index_nested_deeper_than_the_parser_recurses_is_a_bad_index_not_a_crash() -> None:
    """A publisher signs whatever index it likes: one nested 100,000 deep made json.loads raise
    RecursionError, which nothing above read_index expects."""
    data = b'{"council": "hostile", "entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(BadIndex, match="nested too deeply"):
        read_index(data, "hostile")
