"""Checking many catalogue definitions quickly, with the same answer as checking them one by one.

A first sync or a council's first publication checks thousands of definitions (limits,
meta-schema, lint, canonical form). Profiling a sync of 1,000 showed nine tenths of its time
there, not in TUF or HTTP. Three things make it faster:

- `valid` is `metaschema.check_document` finding nothing: its jsonschema-rs screen clears a
  definition with no problem in about a millisecond (runtime/core/metaschema.py), and only
  any other is reported in full, so a refusal's words are the ones Borough always gives.
- `surely_canonical` asks the json module's C encoder for the canonical form first, and
  trusts it only where it must write RFC 8785's bytes; otherwise `canonical` decides.
- `checkers` and `check_all` spread the checks over the machine's cores (processes: the checks
  are Python and hold the GIL) when there are enough of them to pay for starting the
  processes. They are spawned, not forked (the caller may be a web server, or have threads
  running), so a program that syncs or publishes must guard its main module
  (`if __name__ == "__main__":`), as Borough's entry points do.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from builder.catalogue.canonical import MAX_SAFE_INTEGER
from runtime.core import metaschema

# Fewer checks than this run in this process: starting worker processes takes about a second.
MANY = 200


def valid(document: dict[str, Any]) -> bool:
    """Whether the format's meta-schema finds no problem in `document`."""
    return not metaschema.check_document(document)


def surely_canonical(document: Any, data: bytes) -> bool:
    """True only when `data` is `document`'s RFC 8785 form (`canonical(document) == data`),
    found with the json module's C encoder: for a document with no decimal number, no integer
    beyond 2**53 and no member name outside Unicode's first plane (where sorting by UTF-16,
    as RFC 8785 does, and by code point could differ), both write the same bytes: the same
    escapes, separators and member order. False means "ask `canonical`", not "not canonical"."""
    if not _plain(document):
        return False
    try:
        written = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return written.encode("utf-8") == data
    except (ValueError, TypeError):  # a lone surrogate, or a value JSON has no word for
        return False


def _plain(document: Any) -> bool:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(not name.isascii() and max(map(ord, name)) > 0xFFFF for name in value):
                return False
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif not isinstance(value, int) or abs(value) > MAX_SAFE_INTEGER:
            return False  # a decimal, a huge integer, or something that is not JSON at all
    return True


def check_fetched(data: bytes, service: str, version: str) -> tuple[str, str] | None:
    """Why a fetched definition is refused, as (code, message), or None: every check of
    `check_definition`, and it must hold the service version its entry names."""
    from builder.catalogue.repository import Refused, check_definition

    try:
        document = check_definition(data)
    except Refused as refused:
        return refused.code, refused.message
    if (document.get("id"), document.get("version")) != (service, version):
        return "entry-mismatch", f"holds {document.get('id')}@{document.get('version')}"
    return None


def _check_one(job: tuple[bytes, str, str]) -> tuple[str, str] | None:
    return check_fetched(*job)


def _warm() -> None:
    metaschema.definition_screen()


@contextlib.contextmanager
def checkers(count: int) -> Iterator[Callable[[bytes, str, str], tuple[str, str] | None]]:
    """A `check_fetched` for `count` checks: run in worker processes, one a core, when there
    are many (each call then waits for its answer: call it from several threads), else here."""
    with _workers(count) as pool:
        if pool is None:
            yield check_fetched
        else:
            yield lambda data, service, version: pool.submit(_check_one, (data, service, version)).result()


def check_all(jobs: Sequence[tuple[bytes, str, str]]) -> list[tuple[str, str] | None]:
    """`check_fetched` for each job, in order: in worker processes when there are many."""
    with _workers(len(jobs)) as pool:
        if pool is None:
            return [_check_one(job) for job in jobs]
        return list(pool.map(_check_one, jobs, chunksize=16))


@contextlib.contextmanager
def _workers(count: int) -> Iterator[ProcessPoolExecutor | None]:
    cores = os.cpu_count() or 1
    if count < MANY or cores < 2:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=cores, mp_context=context, initializer=_warm) as pool:
        yield pool
