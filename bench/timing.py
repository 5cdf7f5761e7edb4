"""Measuring: sequential requests timed one at a time, database queries counted per request,
and the cost of the compile cache against a cold compile."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiosqlite
import httpx2 as httpx

from runtime.core import service as service_module
from runtime.core.service import compile_service
from runtime.store.database import reader_for
from runtime.store.models import Journey


@dataclass(frozen=True)
class Stats:
    """Per-request wall time, in milliseconds."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Target:
    """One URL on one client: what a timed request fetches."""

    client: httpx.AsyncClient
    url: str


async def timed_get(target: Target) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await target.client.get(target.url)
    return (time.perf_counter() - started) * 1000, response


async def interleaved(targets: Sequence[Target], requests: int, warmup: int) -> list[Stats]:
    """`requests` sequential GETs of each target after `warmup` untimed ones, taking turns so
    drift (the allocator, the CPU's clock) falls on every target alike."""
    for _ in range(warmup):
        for target in targets:
            await target.client.get(target.url)
    samples: list[list[float]] = [[] for _ in targets]
    gc.collect()
    for _ in range(requests):
        for index, target in enumerate(targets):
            elapsed, response = await timed_get(target)
            if response.status_code != 200:
                raise RuntimeError(f"{target.url} answered {response.status_code} while timed")
            samples[index].append(elapsed)
    return [Stats(tuple(values)) for values in samples]


@dataclass
class Queries:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def tables(self) -> list[str]:
        return [_table(sql) for sql in self.statements]


def _table(sql: str) -> str:
    words = sql.replace('"', " ").replace("`", " ").split()
    upper = [word.upper() for word in words]
    for keyword in ("FROM", "INTO", "UPDATE"):
        if keyword in upper:
            index = upper.index(keyword) + 1
            if index < len(words):
                return words[index]
    return words[0] if words else "?"


@contextmanager
def counting_queries() -> Iterator[Queries]:
    """Every SQL statement sent through aiosqlite, or read on the store's side reader (the
    journey every page reads), while the block runs (SQLite only)."""
    queries = Queries()
    reader = reader_for(Journey._meta.db)
    if reader is not None:
        reader.set_trace_callback(queries.statements.append)
    methods = ("execute", "execute_fetchall", "execute_insert", "executemany")
    originals = {name: getattr(aiosqlite.Connection, name) for name in methods}

    def wrap(original: Any) -> Any:
        async def counted(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            queries.statements.append(sql)
            return await original(self, sql, *args, **kwargs)

        return counted

    for name, original in originals.items():
        setattr(aiosqlite.Connection, name, wrap(original))
    try:
        yield queries
    finally:
        for name, original in originals.items():
            setattr(aiosqlite.Connection, name, original)
        if reader is not None:
            reader.set_trace_callback(None)


@dataclass
class Compiles:
    count: int | None = 0  # None: the compile step could not be watched


@contextmanager
def counting_compiles() -> Iterator[Compiles]:
    """How many definitions are compiled (cache misses) while the block runs."""
    compiles = Compiles()
    original = getattr(service_module, "_compile", None)
    if original is None:
        compiles.count = None
        yield compiles
        return

    def counted(*args: Any, **kwargs: Any) -> Any:
        compiles.count = (compiles.count or 0) + 1
        return original(*args, **kwargs)

    service_module._compile = counted
    try:
        yield compiles
    finally:
        service_module._compile = original


@dataclass(frozen=True)
class CompileCosts:
    """Per call, in milliseconds."""

    hit: float  # compile_service(document, stored_hash): what a request pays
    hit_hashing: float  # compile_service(document): hashing the document first
    cold: float  # a content hash not seen before: the whole compile


def compile_costs(document: dict[str, Any], digest: str, hits: int = 20000, colds: int = 20) -> CompileCosts:
    compile_service(document, digest)
    hit = _per_call(lambda: compile_service(document, digest), hits)
    hit_hashing = _per_call(lambda: compile_service(document), max(hits // 100, 10))
    cache: dict[str, Any] = getattr(service_module, "_cache", {})
    counter = iter(range(colds * 2))

    def cold_compile() -> None:
        key = f"bench-cold-{next(counter)}"
        compile_service(document, key)
        cache.pop(key, None)

    cold = _per_call(cold_compile, colds)
    return CompileCosts(hit, hit_hashing, cold)


def _per_call(call: Any, times: int) -> float:
    started = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - started) * 1000 / times
