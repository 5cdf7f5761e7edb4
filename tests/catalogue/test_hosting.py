"""One catalogue for many installations: a council on this installation publishes, over HTTP,
to a catalogue another installation hosts; the host takes only what the council's key signed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx2 as httpx
import pytest
from local_http import serving
from starlette.applications import Starlette
from world import make_world

from borough.app import catalogue_routes
from builder.catalogue import council as catalogue_council
from builder.catalogue import keys, publishing
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
