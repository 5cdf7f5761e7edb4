"""Two Borough installations on one machine, for tests/catalogue/test_two_installations.py: each
a live server (tests/live_borough.py) over a SQLite file, files and var folder of its own, and
the `borough catalogue` command run against it the way its operator would (its database, secret
key, catalogue folder and cache told by environment variables).

The command runs in this process (tests/borough_command.py), with the installation's
environment in place while it runs: the same `borough.cli.main` as `python -m borough`,
without a second or two of interpreter start for each of the dozen commands the story needs.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from borough_command import Command, borough_async
from database_templates import run_folder, sqlite_template
from live_borough import borough_server, in_a_thread, require_assets


@dataclass(frozen=True)
class Installation:
    """One installation: where it lives, its settings, and (once serving) its URL."""

    name: str
    folder: Path
    secret_key: str
    hosts_catalogue: bool
    url: str = ""

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.folder / 'borough.db'}"

    @property
    def catalogue_dir(self) -> Path:
        """The catalogue it hosts (when it hosts one) at URL/catalogue."""
        return self.folder / "catalogue"

    @property
    def catalogue_url(self) -> str:
        return f"{self.url}/catalogue"

    def environment(self) -> dict[str, str]:
        """What its operator's shell holds: the database, the secret key, the catalogue's
        folder and where its subscriptions are cached (the server reads the same)."""
        settings = {"BOROUGH_DATABASE_URL": self.database_url, "BOROUGH_SECRET_KEY": self.secret_key,
                    "BOROUGH_CATALOGUE_CACHE": str(self.folder / "catalogues"), "BOROUGH_ENV": "test"}
        if self.hosts_catalogue:
            settings["BOROUGH_CATALOGUE_DIR"] = str(self.catalogue_dir)
        return settings

    async def borough(self, *arguments: str) -> Command:
        """`borough ARGUMENTS` as this installation's operator runs it."""
        return await borough_async(list(arguments), self.environment())

    def client(self) -> httpx.AsyncClient:
        """A browser without JavaScript on this installation (cookies kept, redirects not followed)."""
        return httpx.AsyncClient(base_url=self.url, timeout=30)


def prepare(tmp_path_factory: pytest.TempPathFactory, name: str, *, hosts_catalogue: bool) -> Installation:
    """A new installation's folder with a migrated database of its own (a copy of the suite's template)."""
    folder = tmp_path_factory.mktemp(name)
    template = in_a_thread(sqlite_template(run_folder(tmp_path_factory.getbasetemp()), "migrated"))
    shutil.copyfile(template, folder / "borough.db")
    return Installation(name, folder, f"{name}-two-installations-secret-" + "x" * 32, hosts_catalogue)


@contextlib.contextmanager
def serving(*installations: Installation) -> Iterator[list[Installation]]:
    """Serve every installation at once, each as `borough serve` runs it; yield them with their URLs."""
    require_assets()
    with contextlib.ExitStack() as stack:
        servers = [borough_server(item.folder, item.database_url, secret_key=item.secret_key,
                                  ready_path="/staff/sign-in", name=f"installation {item.name}",
                                  env={**item.environment(), "BOROUGH_EMBEDDED_WORKER": "0",
                                       "BOROUGH_SERVE_MODE": None})
                   for item in installations]
        with ThreadPoolExecutor(max_workers=len(servers)) as starting:  # they start side by side
            started = [starting.submit(server.__enter__) for server in servers]
        urls: list[str] = []
        for server, start in zip(servers, started, strict=True):
            if start.exception() is None:
                urls.append(start.result())
                stack.push(server.__exit__)  # stopped afterwards, even if another did not start
        for start in started:
            if start.exception() is not None:
                raise start.exception()  # type: ignore[misc]
        yield [Installation(item.name, item.folder, item.secret_key, item.hosts_catalogue, url)
               for item, url in zip(installations, urls, strict=True)]
