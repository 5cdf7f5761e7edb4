"""`borough ARGUMENTS` run in the test process: the same `borough.cli.main` that `python -m
borough` runs, with the environment an operator's shell would hold, its standard input, output
and error captured, and its exit status.

A new interpreter for each command costs a second or more here (the imports of the app);
the suite runs a hundred commands. So the command runs in a thread of its own (its own event
loop, its own database connection, opened and closed by the command as in a process of its
own), while no other command runs and with `os.environ` holding exactly the `BOROUGH_*`
settings given. The command connects the process's store, as the real command does: a
test's own store connection (the `demo` fixture's) is set aside meanwhile and given back
after, untouched, so the test reads what the command wrote through its own connection, as
it would have after a separate process. tests/core/test_cli.py still runs the real
`python -m borough` entry point.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tortoise import context as tortoise_context

from borough.cli import main
from runtime.store import database

_ONE_AT_A_TIME = threading.Lock()  # a command changes os.environ and sys.stdin for the process


@dataclass(frozen=True)
class Command:
    """What a finished command left: the names match `subprocess.CompletedProcess`'s."""

    returncode: int
    stdout: str
    stderr: str


def borough(arguments: list[str], settings: Mapping[str, str], stdin: str = "") -> Command:
    """Run `borough ARGUMENTS` with the environment `settings` and no other `BOROUGH_*` variable."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(_run, list(arguments), dict(settings), stdin).result()


async def borough_async(arguments: list[str], settings: Mapping[str, str], stdin: str = "") -> Command:
    """`borough` from a coroutine, leaving the test's event loop free while the command runs."""
    import asyncio

    return await asyncio.to_thread(borough, arguments, settings, stdin)


def _run(arguments: list[str], settings: dict[str, str], stdin: str) -> Command:
    out, err = io.StringIO(), io.StringIO()
    with _ONE_AT_A_TIME, _set_aside(), _environment(settings), _stdin(stdin), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            status = main(arguments)
        except SystemExit as exit_:  # argparse's refusals and --help
            status = exit_.code if isinstance(exit_.code, int) else 1
    return Command(status, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(settings: dict[str, str]) -> Iterator[None]:
    """`os.environ` with no `BOROUGH_*` variable but those in `settings` (which may name
    others too, such as COLUMNS), then as it was."""
    touched = {name for name in os.environ if name.startswith("BOROUGH_")} | set(settings)
    before = {name: os.environ[name] for name in touched if name in os.environ}
    for name in touched:
        os.environ.pop(name, None)
    os.environ.update(settings)
    try:
        yield
    finally:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(before)


@contextlib.contextmanager
def _set_aside() -> Iterator[None]:
    """The test's store connection out of the command's way (the command would close it on
    connecting), and back once the command has closed its own."""
    active = database._Active
    kept = (active.context, active.client, active.reader, tortoise_context._global_context)
    active.context = active.client = active.reader = None
    tortoise_context._global_context = None
    try:
        yield
    finally:
        active.context, active.client, active.reader, tortoise_context._global_context = kept


@contextlib.contextmanager
def _stdin(text: str) -> Iterator[None]:
    before = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = before
