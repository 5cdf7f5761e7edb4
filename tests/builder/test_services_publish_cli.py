"""`borough services publish FILE --council SLUG`, run as the real command (in this process:
tests/borough_command.py): a council keeping its services in git publishes a file from its
own CI. It prints the version; a file that fails the format's checks is refused with its
problems and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from borough_command import Command
from borough_command import borough as run_borough

from runtime import store
from runtime.settings import ROOT

SHIPPED = ROOT / "schemas" / "services" / "report-missed-bin.json"


def borough(url: str, tmp_path: Path, *args: str) -> Command:
    return run_borough(list(args), {"BOROUGH_DATABASE_URL": url, "BOROUGH_VAR_DIR": str(tmp_path / "var")})


def written(tmp_path: Path, definition: dict[str, Any], name: str = "service.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


async def test_a_reworded_hint_is_published_as_the_next_patch_version(
        database_url: str, demo: store.Council, tmp_path: Path) -> None:
    definition = json.loads(SHIPPED.read_text(encoding="utf-8"))
    definition["pages"][1]["fields"][0]["hint"] = "Tick every bin we missed."
    path = written(tmp_path, definition)

    result = borough(database_url, tmp_path, "services", "publish", str(path), "--council", "demo",
                     "--note", "Clearer hint")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "borough: published report-missed-bin 1.0.1 for demo"

    latest = await store.get_latest(demo, "report-missed-bin")
    assert latest is not None and latest.version == "1.0.1" and latest.change_note == "Clearer hint"
    assert latest.definition["pages"][1]["fields"][0]["hint"] == "Tick every bin we missed."
    draft = await store.drafts.get_draft(demo, "report-missed-bin")  # the builder's draft is level with it
    assert draft is not None and draft.definition["pages"][1]["fields"][0]["hint"] == "Tick every bin we missed."
    assert await store.AuditEntry.filter(action="service-published", target="report-missed-bin@1.0.1").exists()

    again = borough(database_url, tmp_path, "services", "publish", str(path), "--council", "demo")
    assert again.returncode == 0, again.stderr
    assert "already published" in again.stdout
    assert (await store.get_latest(demo, "report-missed-bin")).version == "1.0.1"  # type: ignore[union-attr]


async def test_a_new_service_is_published_at_its_own_version(
        database_url: str, demo: store.Council, tmp_path: Path) -> None:
    definition = json.loads(SHIPPED.read_text(encoding="utf-8"))
    definition |= {"id": "report-missed-recycling", "title": "Report a missed recycling collection"}
    result = borough(database_url, tmp_path, "services", "publish", str(written(tmp_path, definition)),
                     "--council", "demo")
    assert result.returncode == 0, result.stderr
    assert "published report-missed-recycling 1.0.0" in result.stdout
    assert (await store.get_latest(demo, "report-missed-recycling")) is not None


async def test_a_file_that_fails_the_checks_is_refused_and_nothing_is_stored(
        database_url: str, demo: store.Council, tmp_path: Path) -> None:
    definition = json.loads(SHIPPED.read_text(encoding="utf-8"))
    definition["pages"][1]["fields"][0]["answer"] = "/no-such-answer"
    path = written(tmp_path, definition)
    before = await store.ServiceVersion.filter(council_id=demo.id).count()

    result = borough(database_url, tmp_path, "services", "publish", str(path), "--council", "demo")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{path}: /") for line in lines), result.stderr
    assert await store.ServiceVersion.filter(council_id=demo.id).count() == before
    assert await store.drafts.get_draft(demo, "report-missed-bin") is None

    pothole = json.loads((ROOT / "schemas" / "services" / "report-pothole.json").read_text(encoding="utf-8"))
    [urgent] = [page for page in pothole["pages"] if page["id"] == "urgent"]
    urgent["when"] = {"properties": {"size": {"enum": ["huge", "enormous"]}}, "required": ["size"]}
    unreachable = borough(database_url, tmp_path, "services", "publish", str(written(tmp_path, pothole, "p.json")),
                          "--council", "demo")
    assert unreachable.returncode == 1 and "No resident can reach this page" in unreachable.stderr, unreachable.stderr
    assert await store.drafts.get_draft(demo, "report-pothole") is None

    for args, message in (
        (["--council", "nowhere"], "there is no council 'nowhere'"),
        (["--council", "demo", "--version", "0.0.1"], "newer than 1.0.0"),
    ):
        fine = json.loads(SHIPPED.read_text(encoding="utf-8"))
        fine["title"] = "Report a missed bin"
        refused = borough(database_url, tmp_path, "services", "publish", str(written(tmp_path, fine, "fine.json")),
                          *args)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
    assert await store.ServiceVersion.filter(council_id=demo.id).count() == before
