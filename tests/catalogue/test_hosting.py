"""One catalogue for many installations: a council on this installation publishes, over HTTP,
to a catalogue another installation hosts; the host takes only what the council's key signed."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from borough_command import borough
from local_http import serving
from starlette.applications import Starlette
from world import make_world

from borough.app import catalogue_routes
from borough.cli import main
from builder.catalogue import council as catalogue_council
from builder.catalogue import keys, publishing, syncing
from builder.catalogue.client import CatalogueError, Client
from builder.catalogue.hosting import RemoteCatalogue
from builder.catalogue.repository import Refused
from runtime import store

BOX = store.SecretBox("catalogue-hosting-test-key")


async def test_a_council_publishes_to_a_catalogue_another_installation_hosts(demo: store.Council,
                                                                             tmp_path: Path) -> None:
    host = make_world(tmp_path / "host")  # installation A's catalogue
    key = await catalogue_council.council_key(demo, BOX)
    host.repo.add_publisher("demo", key.signer.public_key)
    with serving(Starlette(routes=catalogue_routes(host.repo.path))) as url:
        client = Client(tmp_path / "cache")  # installation B
        with pytest.raises(CatalogueError, match="subscribe to"):
            RemoteCatalogue.synced(client, f"{url}/catalogue")
        client.subscribe(f"{url}/catalogue")
        remote = RemoteCatalogue.synced(client, f"{url}/catalogue")
        entry = await catalogue_council.publish_service(demo, BOX, remote, "report-pothole", "From B")
        index = host.repo.index("demo")
        assert index is not None and index.find("report-pothole", "1.0.0") == entry

        remote = RemoteCatalogue.synced(client, f"{url}/catalogue")  # what A now serves, verified
        assert [found.entry.key for found in client.search("pothole")] == ["report-pothole@1.0.0"]
        second = await catalogue_council.publish_service(demo, BOX, remote, "report-missed-bin")
        assert host.repo.index("demo") is not None
        assert second.service == "report-missed-bin"

        # a publication signed with any other key is refused by the host, in one line
        remote = RemoteCatalogue.synced(client, f"{url}/catalogue")
        forged, _ = publishing.publish(remote.published_role("demo"), remote.index("demo"), council="demo",
                                       council_name="Demo", signer=keys.generate(),
                                       definition={**client.definition(client.search("pothole")[0]),
                                                   "version": "9.0.0"})
        with pytest.raises(Refused, match="not signed with demo's registered key"):
            remote.accept(forged)
        answer = httpx.post(f"{url}/catalogue/publish", content=b"{not json")
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "bad-upload"
        for junk in ({"council": "demo"}, {"council": "demo", "files": {}}, {"council": "demo", "files": {},
                                                                             "role": {"signed": {"_type": "root"}}},
                     {"council": "demo", "files": {"a": "not base64!"}, "role": None}):
            answer = httpx.post(f"{url}/catalogue/publish", content=json.dumps(junk).encode())
            assert (answer.status_code, answer.json()["error"]["code"]) == (422, "bad-upload"), junk
    index = host.repo.index("demo")
    assert index is not None and [item.version for item in index.entries] == ["1.0.0", "1.0.0"]
    assert not any(item.version == "9.0.0" for item in index.entries)


async def test_publish_to_waits_for_another_sync_of_the_catalogue_and_uploads_nothing(
        demo: store.Council, database_url: str, tmp_path: Path) -> None:
    """`publish --to` syncs the catalogue first, under its sync lock as every sync: while a sync
    of it runs (here, whoever holds CACHE/NAME/.sync.lock), it is refused in one line, and
    neither the cache nor the host changes. It keeps the lock until its upload is sent, so no
    other sync changes the cache it read the council's role from."""
    host = make_world(tmp_path / "host")
    cache = tmp_path / "cache"
    env = {"BOROUGH_DATABASE_URL": database_url, "BOROUGH_SECRET_KEY": "publish-to-" + "k" * 32,
           "BOROUGH_CATALOGUE_CACHE": str(cache)}
    key = borough(["catalogue", "publisher-key", "--council", "demo"], env)
    assert key.returncode == 0, key.stderr
    assert main(["catalogue", "add-publisher", "demo", key.stdout.strip(), "--catalogue", str(host.repo.path)]) == 0
    inner = Starlette(routes=catalogue_routes(host.repo.path))
    locks: list[Path] = []
    held_at_upload: list[bool] = []

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        """The host, noting at each upload whether the publisher still holds its sync lock."""
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/catalogue/publish":
            probe = os.open(locks[0], os.O_RDWR)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held_at_upload.append(False)
            except BlockingIOError:
                held_at_upload.append(True)
            finally:
                os.close(probe)
        await inner(scope, receive, send)

    with serving(watching) as url:
        catalogue = f"{url}/catalogue"
        client = Client(cache)
        subscription = client.subscribe(catalogue)
        publish = ["catalogue", "publish", "report-pothole", "--council", "demo", "--to", catalogue]
        lock = cache / subscription.name / syncing.LOCK
        locks.append(lock)
        held = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)  # as a sync in another process holds it
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            refused = borough(publish, env)
        finally:
            os.close(held)
        assert refused.returncode == 1
        assert refused.stderr == (f"borough: {catalogue} is being synced already (from the staff pages, or by "
                                  "another command): try again once it is done\n")
        assert host.repo.index("demo") is None  # nothing uploaded
        assert not (cache / subscription.name / "metadata" / "timestamp.json").exists()  # nothing synced
        assert syncing.last_sync(client, subscription) is None

        published = borough(publish, env)  # once no other sync runs
        assert published.returncode == 0, published.stderr
        assert f"published demo/report-pothole@1.0.0 to {catalogue}" in published.stdout
        assert held_at_upload == [True]  # its sync's lock kept until the publication was sent
    index = host.repo.index("demo")
    assert index is not None and index.find("report-pothole", "1.0.0") is not None
    last = syncing.last_sync(client, subscription)  # recorded as any sync, for the staff pages
    assert last is not None and (last.state, last.error) == ("done", "")


def test_any_upload_is_accepted_or_refused_never_an_error(tmp_path_factory: pytest.TempPathFactory) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from builder.catalogue.hosting import from_json, to_json
    from builder.catalogue.repository import Repository

    world = make_world(tmp_path_factory.mktemp("fuzz") / "cat")
    signer = world.councils["northshire"]
    genuine, _ = publishing.publish(None, None, council="northshire", council_name="Northshire", signer=signer,
                                    definition={**json.loads((Path(__file__).parents[2] / "schemas" / "services" /
                                                              "report-pothole.json").read_text()),
                                                "publisher": {"id": "northshire", "name": "Northshire"}})
    template = json.loads(to_json(genuine))
    values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=3), max_leaves=8)
    paths = st.sampled_from(["council", "role", "files", "role.signed", "role.signatures", "role.signed.targets",
                             "role.signed.version", "role.signed._type", "role.signed.expires"])

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(paths, values)
    def upload(path: str, value: object) -> None:
        repo = Repository(tmp_path_factory.mktemp("each"))  # a fresh copy of the catalogue each time
        shutil.copytree(world.repo.path, repo.path, dirs_exist_ok=True)
        document = json.loads(json.dumps(template))
        *parents, last = path.split(".")
        target = document
        for name in parents:
            target = target[name]
        target[last] = value
        try:
            publication = from_json(json.dumps(document).encode())
            repo.accept(publication)
        except Refused:
            assert repo.published_role("northshire") is None
            return
        # accepted: only what TUF reads as the genuine publication (a version of null reads as
        # 1, the default, and the signature is over what is read)
        assert publication.role.signed == genuine.role.signed
        assert dict(publication.files) == dict(genuine.files)

    upload()
