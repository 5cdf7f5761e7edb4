"""Issue 13: SQLite runs in WAL mode with synchronous=NORMAL, so a commit does not wait for the
disk. The promise that keeps is that an answer the resident was told is saved (the redirect
after their POST) survives the server process being killed outright: `kill -9` straight after
the redirect, then the database file read by another process.

The real command, `borough serve --demo`, on a SQLite file of the test's own."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx2 as httpx
from local_http import HOST, free_port
from resident import Resident
from tortoise import connections
from walker import answer_page, page_id, service

from runtime import store
from runtime.settings import ROOT
from runtime.store.database import connection_name

SERVICE = "report-missed-bin"
START_SECONDS = 60


def serve(folder: Path, database: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ, "BOROUGH_DATABASE_URL": f"sqlite:///{database}", "BOROUGH_SECRET_KEY": "kill-test-" + "x" * 32,
        "BOROUGH_FILES_DIR": str(folder / "files"), "BOROUGH_VAR_DIR": str(folder / "var"), "BOROUGH_ENV": "test",
        "BOROUGH_BASE_URL": f"http://{HOST}:{port}",
    }
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "borough", "serve", "--demo", "--host", HOST, "--port", str(port)],
                              cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, (folder / "server.log").read_text()
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/demo", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"borough serve did not answer:\n{(folder / 'server.log').read_text()}")


async def test_answers_saved_before_the_redirect_survive_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "borough.db"
    port = free_port()
    server = serve(tmp_path, database, port)
    compiled = service(SERVICE)
    answered: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", follow_redirects=True) as client:
            resident = Resident(client)
            page = await resident.start("demo", SERVICE)
            for _ in range(20):
                assert page.status == 200, (page.url, page.error_summary())
                step, _ = page_id(page.url, SERVICE)
                definition_page = compiled.page(step)
                if step == "check-answers" or definition_page is None:
                    break
                if definition_page.kind != "content":
                    answer_page(page, definition_page)
                page = await resident.submit(page)
                answered.append(step)
        assert len(answered) >= 3, answered
        # The last answer's redirect has been read: kill the server at once, with no chance to flush.
        os.kill(server.pid, signal.SIGKILL)
        assert server.wait(timeout=10) == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    with sqlite3.connect(database) as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = reader.execute("SELECT visited, answers FROM journey").fetchall()
    assert len(rows) == 1
    visited, answers = json.loads(rows[0][0]), json.loads(rows[0][1])
    assert visited == answered, "every page the resident was redirected past is saved, the last one too"
    assert answers, answers


async def test_sqlite_commits_without_waiting_for_the_disk_unless_the_url_asks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'borough.db'}"
    for given, expected in ((url, 1), (f"{url}?synchronous=FULL", 2)):
        await store.migrate(given)
        await store.connect(given)
        try:
            connection = connections.get(connection_name(given))
            _, [[journal]] = await connection.execute_query("PRAGMA journal_mode")
            _, [[synchronous]] = await connection.execute_query("PRAGMA synchronous")
        finally:
            await store.disconnect()
        assert (journal, synchronous) == ("wal", expected)  # 1 is NORMAL, 2 is FULL
