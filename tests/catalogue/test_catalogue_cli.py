"""`borough catalogue`: each command prints what it did; a refusal is one line and exit 1.
The commands that need the database run as the real command on the test's database (in this
process: tests/borough_command.py); `catalogue serve` runs as a process of its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from borough_command import Command
from borough_command import borough as run_borough
from world import make_world, shipped, static_server

from borough.cli import main
from builder.catalogue.client import Client
from runtime import store

ROOT = Path(__file__).resolve().parents[2]


def test_operator_commands_and_one_line_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cat"
    assert main(["catalogue", "init", str(folder)]) == 0
    assert "created a catalogue" in capsys.readouterr().out
    assert main(["catalogue", "init", str(folder)]) == 1
    assert capsys.readouterr().err == f"borough: {folder} already holds a catalogue\n"
    assert main(["catalogue", "add-publisher", "northshire", "not-a-key", "--catalogue", str(folder)]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    key = "ab" * 32
    assert main(["catalogue", "add-publisher", "northshire", key, "--catalogue", str(folder)]) == 0
    assert "northshire may now publish" in capsys.readouterr().out
    assert main(["catalogue", "add-publisher", "northshire", key, "--catalogue", str(folder)]) == 1
    assert capsys.readouterr().err == "borough: northshire is already a publisher in this catalogue\n"
    assert main(["catalogue", "add-publisher", "northshire", "cd" * 32, "--replace", "--catalogue", str(folder)]) == 0
    assert "revoked northshire's old key" in capsys.readouterr().out
    assert main(["catalogue", "revoke-key", "northshire", "--catalogue", str(folder)]) == 0
    assert main(["catalogue", "revoke-key", "southshire", "--catalogue", str(folder)]) == 1
    assert capsys.readouterr().err == "borough: southshire is not a publisher in this catalogue\n"
    assert main(["catalogue", "refresh", "--catalogue", str(folder)]) == 0
    assert main(["catalogue", "refresh", "--catalogue", str(tmp_path / "none")]) == 1
    assert "holds no catalogue" in capsys.readouterr().err


def test_subscribe_sync_search_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOROUGH_CATALOGUE_CACHE", str(tmp_path / "cache"))
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"), "First version")
    with static_server(world.repo.public_dir) as url:
        assert main(["catalogue", "sync"]) == 1
        assert "no catalogues subscribed to" in capsys.readouterr().err
        assert main(["catalogue", "subscribe", url, "--root", str(world.repo.metadata_dir / "1.root.json")]) == 0
        assert f"subscribed to {url}" in capsys.readouterr().out
        assert main(["catalogue", "subscribe", url]) == 1
        assert capsys.readouterr().err == f"borough: already subscribed to {url}\n"
        assert main(["catalogue", "sync"]) == 0
        assert "1 publishers, 1 new versions" in capsys.readouterr().out
    assert main(["catalogue", "search", "557", "--publisher", "northshire"]) == 0
    assert capsys.readouterr().out == "northshire/report-pothole@1.0.0  Report a pothole (LGSL 557)\n"
    assert main(["catalogue", "show", "report-pothole"]) == 0
    shown = capsys.readouterr().out
    assert "contact.phone" in shown and "First version" in shown and "licence: OGL-3.0" in shown
    assert main(["catalogue", "show", "nothing"]) == 1
    assert capsys.readouterr().err == "borough: no service nothing in the catalogues subscribed to\n"


def borough(env: dict[str, str], *args: str) -> Command:
    return run_borough(["catalogue", *args], env)


async def test_a_council_publishes_and_another_imports_from_the_command_line(
        demo: store.Council, database_url: str, tmp_path: Path) -> None:
    await store.create_council("northshire", "Northshire Council", contact_phone="01632 000 222")
    env = {"BOROUGH_DATABASE_URL": database_url, "BOROUGH_SECRET_KEY": "cli-test-" + "k" * 32,
           "BOROUGH_CATALOGUE_DIR": str(tmp_path / "cat"), "BOROUGH_CATALOGUE_CACHE": str(tmp_path / "cache")}
    assert main(["catalogue", "init", str(tmp_path / "cat")]) == 0
    refused = borough(env, "publish", "report-pothole", "--council", "demo")
    assert refused.returncode == 1 and refused.stderr.endswith("add-publisher demo KEY`\n")
    assert refused.stderr.count("\n") == 1
    key = borough(env, "publisher-key", "--council", "demo")
    assert key.returncode == 0, key.stderr
    assert json.loads(key.stdout)["keytype"] == "ed25519" and "PRIVATE" not in key.stdout + key.stderr
    assert main(["catalogue", "add-publisher", "demo", key.stdout.strip(), "--catalogue", str(tmp_path / "cat")]) == 0
    published = borough(env, "publish", "report-pothole", "--council", "demo", "--note", "Shared")
    assert published.returncode == 0, published.stderr
    assert "published demo/report-pothole@1.0.0" in published.stdout
    assert "left out as a setting: contact.phone" in published.stdout
    again = borough(env, "publish", "report-pothole", "--council", "demo")
    assert (again.returncode, again.stderr) == (1, "borough: report-pothole@1.0.0 is already in the catalogue, unchanged\n")
    with static_server(tmp_path / "cat" / "public") as url:
        assert borough(env, "subscribe", url).returncode == 0
        synced = borough(env, "sync")
        assert synced.returncode == 0, synced.stderr
    imported = borough(env, "import", "demo/report-pothole", "--council", "northshire")
    assert imported.returncode == 0, imported.stderr
    assert "northshire now has a draft of report-pothole, forked from demo/report-pothole@1.0.0" in imported.stdout
    none = borough(env, "updates", "--council", "northshire")
    assert (none.returncode, none.stdout) == (0, "")
    assert "0 updates available for northshire" in none.stderr
    current = borough(env, "upgrade", "report-pothole", "--council", "northshire")
    assert current.returncode == 1 and current.stderr.startswith("borough: report-pothole is up to date with demo/")
    twice = borough(env, "import", "demo/report-pothole", "--council", "northshire")
    assert (twice.returncode, twice.stderr.count("\n")) == (1, 1)

    withdrawn = borough(env, "withdraw", "report-pothole@1.0.0", "--council", "demo", "--reason", "Wrong times")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "withdrew demo/report-pothole@1.0.0: Wrong times" in withdrawn.stdout
    with static_server(tmp_path / "cat" / "public") as url:
        # the cache keeps its subscription's URL: serve the same folder where it was
        env["BOROUGH_CATALOGUE_CACHE"] = str(tmp_path / "cache2")
        assert borough(env, "subscribe", url).returncode == 0
        assert borough(env, "sync").returncode == 0
    shown = borough(env, "show", "report-pothole")
    assert "WITHDRAWN: Wrong times" in shown.stdout
    assert borough(env, "search", "pothole", "--publisher", "demo").stdout == ""  # a withdrawn version is not offered
    resigned = borough(env, "resign", "--council", "demo")
    assert resigned.returncode == 0, resigned.stderr


def test_serve_serves_the_catalogue_on_its_own(tmp_path: Path) -> None:
    import socket
    import time
    import urllib.request

    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "borough", "catalogue", "serve", "--catalogue",
                                str(world.repo.path), "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/catalogue"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/metadata/1.root.json", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "borough catalogue serve did not start"
                time.sleep(0.2)
        client = Client(tmp_path / "cache")
        assert client.sync(client.subscribe(url)).added == ["report-pothole@1.0.0"]
    finally:
        process.terminate()
        process.wait(timeout=10)
