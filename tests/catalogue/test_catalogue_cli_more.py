"""`borough catalogue` sees the built-in catalogue of the services Borough ships (a new
installation imports one with no subscription), says in words when a release no longer ships
the version a council's copy came from, names publishers by name, and shows a sync's progress
(a bar on a terminal; at most a plain line every few seconds elsewhere). Commands that need no
database are called through `main`; the one that does runs as the real command on the test's
database, through tests/borough_command.py."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from borough_command import Command
from borough_command import borough as run_borough
from catalogue_staff import HOME, person, text_of
from world import make_world, shipped, static_server

from borough import catalogue_progress
from borough.catalogue_progress import SyncProgress, bar
from borough.cli import main
from builder import shipped as shipped_release
from builder.catalogue import council as catalogue_council
from builder.catalogue.client import Client, SyncStep
from builder.catalogue.repository import Refused
from builder.catalogue.upgrade import upgrade
from runtime import store
from runtime.store import drafts


def test_search_and_show_list_the_built_in_catalogue_with_no_subscription(
        fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "search", "pothole"]) == 0
    out = capsys.readouterr()
    assert out.out == "borough/report-pothole@1.0.0  Report a pothole (LGSL 557)\n"
    assert out.err == "borough: 1 service found\n"
    assert main(["catalogue", "show", "borough/report-pothole"]) == 0
    shown = capsys.readouterr().out
    assert "publisher: borough    catalogue: Services shipped with Borough" in shown
    assert "Shipped with Borough" in shown and "contact.phone" in shown


async def test_a_new_installation_imports_a_shipped_service_from_the_command_line(
        db: str, database_url: str, tmp_path: Path) -> None:
    eastshire = await store.create_council("eastshire", "Eastshire Council", contact_phone="01632 000 222")
    env = {"BOROUGH_DATABASE_URL": database_url, "BOROUGH_SECRET_KEY": "cli-more-" + "k" * 32,
           "BOROUGH_CATALOGUE_CACHE": str(tmp_path / "fresh-cache")}

    def borough(*args: str) -> Command:
        return run_borough(["catalogue", *args], env)

    imported = borough("import", "report-pothole", "--council", "eastshire")
    assert imported.returncode == 0, imported.stderr
    assert ("eastshire now has a draft of report-pothole, forked from borough/report-pothole@1.0.0"
            in imported.stdout)
    draft = await drafts.get_draft(eastshire, "report-pothole")
    assert draft is not None
    definition: dict[str, Any] = draft.definition
    assert definition["provenance"]["publisher"] == "borough"
    assert "01632 000 222" in json.dumps(definition)  # the council's own number filled in
    none = borough("updates", "--council", "eastshire")
    assert (none.returncode, none.stdout) == (0, "")
    assert "0 updates available for eastshire" in none.stderr
    current = borough("upgrade", "report-pothole", "--council", "eastshire")
    assert current.returncode == 1
    assert current.stderr.startswith("borough: report-pothole is up to date with borough/report-pothole@1.0.0")


def _release(folder: Path, *services: dict[str, Any], earlier: tuple[dict[str, Any], ...] = ()) -> Path:
    """A release's schemas/services: the versions it ships, and those it keeps from earlier ones."""
    (folder / shipped_release.EARLIER).mkdir(parents=True)
    for document in services:
        (folder / f"{document['id']}.json").write_text(json.dumps(document), encoding="utf-8")
    for document in earlier:
        name = f"{document['id']}@{document['version']}.json"
        (folder / shipped_release.EARLIER / name).write_text(json.dumps(document), encoding="utf-8")
    return folder


async def test_upgrading_says_when_a_release_no_longer_ships_the_version_a_copy_came_from(
        db: str, tmp_path: Path) -> None:
    first = shipped("report-pothole")
    newer = {**first, "version": "1.1.0", "summary": "Tell us where a road is broken."}
    eastshire = await store.create_council("eastshire", "Eastshire Council", contact_phone="01632 000 222")
    before = Client(tmp_path / "cache", shipped=_release(tmp_path / "release-1", first))
    [found] = before.versions("borough/report-pothole")
    await catalogue_council.import_service(eastshire, found, before.definition(found))

    kept = Client(tmp_path / "cache", shipped=_release(tmp_path / "release-2", newer, earlier=(first,)))
    dropped = Client(tmp_path / "cache", shipped=_release(tmp_path / "release-3", newer))
    with pytest.raises(Refused) as refused:
        await upgrade(eastshire, dropped, "report-pothole")
    assert refused.value.code == "base-missing"
    assert "this release of Borough no longer ships report-pothole 1.0.0" in refused.value.message
    assert "cache" not in refused.value.message and "sync" not in refused.value.message
    assert (await upgrade(eastshire, kept, "report-pothole")).applied  # kept: the merge has its base


async def test_the_upgrade_pages_name_the_publisher_by_its_name(
        app: Any, council: store.Council, fresh: Path, browsers: list[httpx.AsyncClient], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = shipped("report-pothole")
    newer = {**first, "version": "1.1.0", "summary": "Tell us where a road is broken."}
    monkeypatch.setattr(shipped_release, "SERVICES_DIR", _release(tmp_path / "release-1", first))
    designer = await person(app, browsers, "designer")
    await designer.submit(await designer.open(HOME + "/services/borough/report-pothole/use"))
    monkeypatch.setattr(shipped_release, "SERVICES_DIR", _release(tmp_path / "release-2", newer, earlier=(first,)))
    listed = text_of((await designer.open(HOME + "/updates")).soup.find("main"))
    assert "Borough published version 1.1.0; yours is from version 1.0.0" in listed, listed
    shown = text_of((await designer.open(HOME + "/updates/report-pothole")).soup.find("main"))
    assert "Your service came from Borough's version 1.0.0" in shown, shown


def test_the_progress_bar_fills_with_the_publishers_read() -> None:
    assert bar(SyncStep(0, 4, 0, 0, "northshire"), width=8) == "[--------] 0/4 publishers, 0/0 services  northshire"
    assert bar(SyncStep(2, 4, 3, 10, "northshire/report-pothole@1.0.0"), width=8) == (
        "[####----] 2/4 publishers, 3/10 services  northshire/report-pothole@1.0.0")
    assert bar(SyncStep(4, 4, 10, 10, ""), width=8) == "[########] 4/4 publishers, 10/10 services"
    assert bar(SyncStep(0, 0, 0, 0, "")).startswith("[" + "#" * catalogue_progress.WIDTH + "]")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_drawn_again_in_place() -> None:
    stream = Terminal()
    progress = SyncProgress(stream)
    progress(SyncStep(0, 2, 0, 1, "northshire/report-pothole@1.0.0"))
    progress(SyncStep(2, 2, 1, 1, ""))
    progress.done()
    drawn = stream.getvalue()
    assert drawn.count("\r") == 2 and drawn.endswith("\n") and drawn.count("\n") == 1
    first, second = drawn.split("\r")[1:]
    assert len(second.rstrip("\n")) == len(first)  # the longer line before is blanked, not left showing
    assert second.startswith("[" + "#" * catalogue_progress.WIDTH + "] 2/2 publishers, 1/1 services")


def test_elsewhere_a_plain_line_at_most_every_few_seconds() -> None:
    now = [100.0]
    stream = io.StringIO()
    progress = SyncProgress(stream, clock=lambda: now[0])
    progress(SyncStep(0, 3, 0, 0, "northshire"))
    now[0] += catalogue_progress.EVERY - 1
    progress(SyncStep(1, 3, 0, 0, "southshire"))
    assert stream.getvalue() == ""  # a quick sync says nothing until its summary
    now[0] += 1
    progress(SyncStep(2, 3, 0, 0, "westshire"))
    progress(SyncStep(3, 3, 0, 0, ""))
    progress.done()
    assert stream.getvalue() == f"borough: syncing: {bar(SyncStep(2, 3, 0, 0, 'westshire'))}\n"


def test_sync_to_a_file_prints_no_bar_and_the_same_summary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOROUGH_CATALOGUE_CACHE", str(tmp_path / "cache"))
    world = make_world(tmp_path / "cat")
    world.publish("northshire", shipped("report-pothole"), "First version")
    world.publish("southshire", shipped("book-bulky-waste"), "Bulky waste")
    with static_server(world.repo.public_dir) as url:
        assert main(["catalogue", "subscribe", url]) == 0
        capsys.readouterr()
        assert main(["catalogue", "sync"]) == 0
    out = capsys.readouterr()
    assert out.out == f"borough: {url}: 2 publishers, 2 new versions, 4 files fetched\n"
    assert "\r" not in out.err and "[" not in out.err
