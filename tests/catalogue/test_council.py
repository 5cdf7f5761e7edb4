"""A council's catalogue key (sealed, never shown), publishing its published services, and
importing another council's service as a builder draft that remembers its upstream."""

from __future__ import annotations

from pathlib import Path

import pytest
from world import static_server

from builder.catalogue import council as catalogue_council
from builder.catalogue import keys, publishing
from builder.catalogue.client import Client
from builder.catalogue.repository import Refused, Repository
from runtime import store
from runtime.store import catalogue as catalogue_store
from runtime.store import drafts
from runtime.store.models import CatalogueKey

BOX = store.SecretBox("catalogue-test-installation-key")


async def test_a_councils_key_is_made_once_and_sealed_at_rest(demo: store.Council) -> None:
    first = await catalogue_council.council_key(demo, BOX)
    again = await catalogue_council.council_key(demo, BOX)
    assert first.created and not again.created
    assert again.signer.public_key.keyid == first.signer.public_key.keyid
    [row] = await CatalogueKey.filter(council_id=demo.id)
    assert "PRIVATE KEY" not in row.sealed_private_key
    assert keys.public_key(row.public_key).keyid == row.keyid
    with pytest.raises(ValueError, match="another BOROUGH_SECRET_KEY"):
        catalogue_store.private_key(row, store.SecretBox("another installation"))


async def test_rotating_retires_the_old_key(demo: store.Council) -> None:
    old = (await catalogue_council.council_key(demo, BOX)).signer
    new = await catalogue_council.rotate_key(demo, BOX)
    assert (await catalogue_council.council_key(demo, BOX)).signer.public_key.keyid == new.public_key.keyid
    retired = await CatalogueKey.get(keyid=old.public_key.keyid)
    assert retired.retired_at is not None


async def test_a_council_publishes_once_registered_and_imports_elsewhere(demo: store.Council, tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "cat")
    with pytest.raises(Refused, match="demo is not a publisher in this catalogue"):
        await catalogue_council.publish_service(demo, BOX, repo, "report-pothole")
    key = await catalogue_council.council_key(demo, BOX)
    repo.add_publisher("demo", key.signer.public_key)
    with pytest.raises(Refused, match="no published service nothing-here"):
        await catalogue_council.publish_service(demo, BOX, repo, "nothing-here")
    entry = await catalogue_council.publish_service(demo, BOX, repo, "report-pothole", "Shared at last")
    assert (entry.council, entry.service, entry.change_note) == ("demo", "report-pothole", "Shared at last")
    with pytest.raises(Refused, match="already in the catalogue"):
        await catalogue_council.publish_service(demo, BOX, repo, "report-pothole")

    northshire = await store.create_council("northshire", "Northshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(repo.public_dir) as url:
        subscription = client.subscribe(url)
        assert client.sync(subscription).refused == []
    [found] = client.search("pothole")
    draft, fork = await catalogue_council.import_service(northshire, found, client.definition(found))
    assert draft.definition["publisher"] == {"id": "northshire", "name": "Northshire Council"}
    assert draft.definition["provenance"] == {"forkedFrom": "report-pothole@1.0.0", "publisher": "demo"}
    assert "01632 000 111" in draft.definition["start"]["before"]
    assert "{{" not in str(draft.definition)
    assert (fork.catalogue, fork.publisher, fork.upstream_service, fork.upstream_version, fork.address) == (
        url, "demo", "report-pothole", "1.0.0", entry.address)
    assert (await drafts.get_draft(northshire, "report-pothole")) is not None
    assert [setting.name for setting in catalogue_council.settings_to_set(northshire, found.entry)] == ["email.sender"]
    northshire.email_sender_address = "roads@northshire.gov.uk"
    assert catalogue_council.settings_to_set(northshire, found.entry) == []
    with pytest.raises(Refused, match="already a service called report-pothole"):
        await catalogue_council.import_service(northshire, found, client.definition(found))
    assert len(await catalogue_store.CatalogueFork.filter(council_id=northshire.id)) == 1

    southshire = await store.create_council("southshire", "Southshire Council")  # no phone number
    with pytest.raises(Refused, match=r"fill in the setting contact\.phone"):
        await catalogue_council.import_service(southshire, found, client.definition(found))
    assert await drafts.get_draft(southshire, "report-pothole") is None


async def test_an_imported_service_learns_of_its_upstreams_newer_version(demo: store.Council, tmp_path: Path) -> None:
    repo = Repository.init(tmp_path / "cat")
    key = await catalogue_council.council_key(demo, BOX)
    repo.add_publisher("demo", key.signer.public_key)
    await catalogue_council.publish_service(demo, BOX, repo, "report-pothole")
    northshire = await store.create_council("northshire", "Northshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        [found] = client.search("pothole")
        await catalogue_council.import_service(northshire, found, client.definition(found))
        assert await catalogue_council.updates(northshire, client) == []
        newer = {**client.definition(found), "version": "1.1.0", "summary": "Tell us where a road is broken."}
        publication, _ = publishing.publish(repo.published_role("demo"), repo.index("demo"), council="demo",
                                            council_name="Demo", signer=key.signer, definition=newer,
                                            change_note="Shorter summary")
        repo.accept(publication)
        assert await catalogue_council.updates(northshire, client) == []  # not synced yet
        client.sync(subscription)
        [update] = await catalogue_council.updates(northshire, client)
        assert (update.fork.upstream_version, update.newer.entry.version, update.newer.entry.change_note) == (
            "1.0.0", "1.1.0", "Shorter summary")
        repo.accept(publishing.withdraw(repo.published_role("demo"), repo.index("demo"), council="demo",
                                        signer=key.signer, service="report-pothole", version="1.1.0",
                                        reason="Broke the map page"))
        client.sync(subscription)
        assert await catalogue_council.updates(northshire, client) == []


async def edit(council: store.Council, service_id: str, path: str, value: object) -> None:
    from builder import patch

    draft = await drafts.get_draft(council, service_id)
    assert draft is not None
    operation = [{"op": "replace", "path": path, "value": value}]
    applied = patch.apply_with_inverse(draft.definition, operation)
    await drafts.apply_change(council, service_id, draft.version,
                              drafts.Step("edit", f"changed {path}", operation, applied.inverse),
                              actor=None, patched=patch.apply)


async def test_upgrading_merges_the_upstreams_change_with_the_councils_own(demo: store.Council,
                                                                          tmp_path: Path) -> None:
    from builder.catalogue.upgrade import upgrade

    repo = Repository.init(tmp_path / "cat")
    key = await catalogue_council.council_key(demo, BOX)
    repo.add_publisher("demo", key.signer.public_key)
    await catalogue_council.publish_service(demo, BOX, repo, "report-pothole")
    northshire = await store.create_council("northshire", "Northshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        [found] = client.search("pothole")
        await catalogue_council.import_service(northshire, found, client.definition(found))
        with pytest.raises(Refused, match="up to date"):
            await upgrade(northshire, client, "report-pothole")
        await edit(northshire, "report-pothole", "/confirmation/title", "Thank you: pothole reported")
        newer = {**client.definition(found), "version": "1.1.0", "summary": "Tell us where a road is broken."}
        publication, _ = publishing.publish(repo.published_role("demo"), repo.index("demo"), council="demo",
                                            council_name="Demo", signer=key.signer, definition=newer,
                                            change_note="Shorter summary")
        repo.accept(publication)
        client.sync(subscription)
        done = await upgrade(northshire, client, "report-pothole")
    assert done.applied and done.result.collisions == ()
    draft = await drafts.get_draft(northshire, "report-pothole")
    assert draft is not None
    assert draft.definition["summary"] == "Tell us where a road is broken."  # the publisher's change
    assert draft.definition["confirmation"]["title"] == "Thank you: pothole reported"  # the council's own
    assert "01632 000 111" in draft.definition["start"]["before"]  # its settings, still filled
    assert draft.definition["provenance"]["forkedFrom"] == "report-pothole@1.1.0"
    fork = await catalogue_store.get_fork(northshire, "report-pothole")
    assert fork is not None and fork.upstream_version == "1.1.0"
    assert (await drafts.history(draft))[0].operation == "upgrade-from-catalogue"  # undoable like any change


async def test_an_upgrade_that_collides_changes_nothing_until_someone_chooses(demo: store.Council,
                                                                             tmp_path: Path) -> None:
    from builder.catalogue.upgrade import upgrade

    repo = Repository.init(tmp_path / "cat")
    key = await catalogue_council.council_key(demo, BOX)
    repo.add_publisher("demo", key.signer.public_key)
    await catalogue_council.publish_service(demo, BOX, repo, "report-pothole")
    northshire = await store.create_council("northshire", "Northshire Council", contact_phone="01632 000 111")
    client = Client(tmp_path / "cache")
    with static_server(repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        [found] = client.search("pothole")
        await catalogue_council.import_service(northshire, found, client.definition(found))
        await edit(northshire, "report-pothole", "/summary", "Report a pothole in Northshire.")
        newer = {**client.definition(found), "version": "1.1.0", "summary": "Tell us where a road is broken."}
        publication, _ = publishing.publish(repo.published_role("demo"), repo.index("demo"), council="demo",
                                            council_name="Demo", signer=key.signer, definition=newer)
        repo.accept(publication)
        client.sync(subscription)
        before = await drafts.get_draft(northshire, "report-pothole")
        result = await upgrade(northshire, client, "report-pothole")
    assert not result.applied
    [collision] = result.result.collisions
    assert collision.pointer == "/summary" and collision.theirs == "Tell us where a road is broken."
    after = await drafts.get_draft(northshire, "report-pothole")
    assert before is not None and after is not None and after.version == before.version
    fork = await catalogue_store.get_fork(northshire, "report-pothole")
    assert fork is not None and fork.upstream_version == "1.0.0"


@pytest.mark.parametrize("typed", ["[" * 100_000 + "]" * 100_000, "not a key", '{"keytype": "rsa"}', "ab" * 31])
def test_a_public_key_typed_wrong_is_refused_in_words(typed: str) -> None:
    """What an operator pastes as a publisher's key: anything but a key is a BadKey with its
    reason, never another error (JSON nested deeper than the parser recurses included)."""
    with pytest.raises(keys.BadKey):
        keys.public_key(typed)
