"""A live Borough for tests over real HTTP: the app as `borough serve` builds it
(``borough.app:app_from_environment``), served by uvicorn in a subprocess on 127.0.0.1 and a
free port, over a database and a folder of the test's own.

Test modules anywhere under tests/ import it by name: the folder of tests/conftest.py is on
``sys.path``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from local_http import HOST, free_port

from runtime.settings import ROOT

SERVER_START_SECONDS = 30
ASSETS = ROOT / "themes" / "static" / "build"
LOG = "server.log"  # in the server's folder: uvicorn's output

T = TypeVar("T")


def in_a_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` (Tortoise, preparing the server's database) in an event loop and a thread of
    its own: the calling thread may be inside the session's event loop."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def require_assets() -> None:
    """Fail (not skip) when the theme's assets are not built: the pages would be unstyled."""
    if not (ASSETS / "council.css").is_file():
        pytest.fail("the theme's assets are not built: run `make assets`", pytrace=False)


@contextmanager
def borough_server(folder: Path, database_url: str, *, secret_key: str, ready_path: str,
                   env: Mapping[str, str | None] | None = None, name: str = "the server") -> Iterator[str]:
    """Serve Borough over `database_url`, with its files and var folders in `folder`, and yield
    its base URL once GET `ready_path` answers 200; stop it afterwards.

    The server inherits this process's environment with the installation's settings added;
    `env` adds more, or takes one away with None. Its output goes to ``folder / LOG``, quoted
    when it exits early or does not answer within SERVER_START_SECONDS.
    """
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    environment = _environment(folder, database_url, secret_key, {"BOROUGH_BASE_URL": base_url, **(env or {})})
    command = [sys.executable, "-m", "uvicorn", "--factory", "borough.app:app_from_environment",
               "--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    with _running(command, environment, folder, f"{base_url}{ready_path}", name):
        yield base_url


@contextmanager
def borough_serve(folder: Path, database_url: str, *, secret_key: str, ready_path: str, arguments: Sequence[str] = (),
                  env: Mapping[str, str | None] | None = None, name: str = "borough serve") -> Iterator[str]:
    """Run the real command, ``borough serve ARGUMENTS``, told where to listen only by the
    ``HOST`` and ``PORT`` environment variables (127.0.0.1 and a free port) and without
    ``BOROUGH_BASE_URL``, as an operator's `PORT=8911 make run` would; yield the address it
    listens on, as in `borough_server`."""
    port = free_port()
    base_url = f"http://{HOST}:{port}"
    environment = _environment(folder, database_url, secret_key, {
        "BOROUGH_BASE_URL": None, "HOST": HOST, "PORT": str(port), **(env or {})})
    command = [sys.executable, "-m", "borough", "serve", *arguments]
    with _running(command, environment, folder, f"{base_url}{ready_path}", name):
        yield base_url


def _environment(folder: Path, database_url: str, secret_key: str,
                 env: Mapping[str, str | None]) -> dict[str, str]:
    """This process's environment with the installation's settings; `env` adds more, or takes
    one away with None."""
    environment = {
        **os.environ,
        "BOROUGH_DATABASE_URL": database_url,
        "BOROUGH_SECRET_KEY": secret_key,
        "BOROUGH_FILES_DIR": str(folder / "files"),
        "BOROUGH_VAR_DIR": str(folder / "var"),
        "BOROUGH_ENV": "test",
    }
    for variable, value in env.items():
        if value is None:
            environment.pop(variable, None)
        else:
            environment[variable] = value
    return environment


@contextmanager
def _running(command: list[str], environment: dict[str, str], folder: Path, ready_url: str,
             name: str) -> Iterator[None]:
    log = folder / LOG
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(ready_url, server, log, name)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path, name: str) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer within {SERVER_START_SECONDS}s:\n{log.read_text()}")
