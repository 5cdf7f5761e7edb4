"""A Borough installation serves a catalogue at /catalogue/metadata/ and /catalogue/targets/,
and installations sync from it over real HTTP; nothing beside those files is reachable."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
from local_http import serving
from world import make_world, shipped

from borough.app import assemble
from builder.catalogue.client import Client
from runtime.settings import Settings


def test_an_installation_serves_its_catalogue_and_another_syncs_from_it(tmp_path: Path) -> None:
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"))
    settings = Settings(secret_key="catalogue-serving-test", files_dir=tmp_path / "files")
    app = assemble(settings, "public", connect_database=False, catalogue=world.repo.path)
    with serving(app) as url:
        client = Client(tmp_path / "cache")
        subscription = client.subscribe(f"{url}/catalogue")
        report = client.sync(subscription)
        assert report.refused == [] and report.added == ["report-pothole@1.0.0"]
        for path in ("/catalogue/metadata/%2e%2e/%2e%2e/keys/root.pem", "/catalogue/keys/root.pem",
                     "/catalogue/metadata/../../keys/root.pem"):
            answer = httpx.get(f"{url}{path}")
            assert answer.status_code != 200 and b"PRIVATE" not in answer.content, path  # no database here: 500
        refused = httpx.post(f"{url}/catalogue/publish", content=b'{"council": "northshire", "files": {}}')
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad-upload"
    [found] = client.search("pothole")
    assert found.catalogue == f"{url}/catalogue"


def test_without_a_catalogue_nothing_is_served_at_catalogue(tmp_path: Path) -> None:
    settings = Settings(secret_key="catalogue-serving-test", files_dir=tmp_path / "files")
    app = assemble(settings, "public", connect_database=False)
    assert not [route for route in app.routes if getattr(route, "path", "").startswith("/catalogue")]
