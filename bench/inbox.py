"""`python -m bench.inbox`: the caseworkers' inbox on PostgreSQL with a million applications.

Seeds one council with ``--rows`` applications across ``--services`` services (and another
council with a tenth as many, so every query must filter by council), with SQL
``INSERT … SELECT generate_series`` (journeys first: each application's ``journey_id`` is a
unique foreign key), then times the store's inbox query (``runtime.store.inbox.page``, what
the inbox page calls) on the first page and on a deep page reached by cursor, under the
filters "one service in one state" and "overdue", ``--runs`` times each, taking turns. The
baseline, measured in the same run, is a primary-key lookup of one application through the
same ORM. EXPLAIN (ANALYZE) shows which index each query uses.

Needs a PostgreSQL server (``--server``, by default ``BOROUGH_TEST_DATABASE_URL`` or the
local one); it creates a database of its own and drops it afterwards. Exits 0 whatever
the numbers: a benchmark reports, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import gc
import json
import os
import secrets
import statistics
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runtime import store
from runtime.core.service import content_hash
from runtime.store import inbox
from runtime.store.models import Submission

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = ROOT / "schemas" / "services" / "apply-parking-permit.json"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 50.0
# The states seeded, in turn; the last three are final (no due date, never overdue).
STATES = ("received", "checking", "awaitingEvidence", "issued", "refused", "withdrawn")
FINAL = {"issued", "refused", "withdrawn"}
SPREAD_DAYS = 365
DEEP = 0.9  # the deep page starts this far through the filtered rows


@dataclass
class Case:
    name: str
    filters: inbox.Filters
    deep: bool
    cursor: inbox.Cursor | None = None
    rows_before: int = 0
    samples: list[float] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass
class Report:
    rows: int
    other_rows: int
    services: int
    seconds_to_seed: float
    baseline: list[float]
    cases: list[Case]

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)


def seed_sql(council_id: int, version_ids: list[int], rows: int, prefix: str, start: datetime) -> list[str]:
    """Journeys, then applications, ``rows`` of each, for one council. Application ``i`` is
    of service ``i % n``, in state ``STATES[(i / n) % 6]``, sent over the ``SPREAD_DAYS``
    before ``start`` in threes (each three share a sent time: ties in the sort key), and due
    five days after it was sent unless its state is final (so most open ones are overdue)."""
    versions = "ARRAY[" + ",".join(str(v) for v in version_ids) + "]"
    n = len(version_ids)
    states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
    finals = "ARRAY[" + ",".join(f"'{s}'" for s in sorted(FINAL)) + "]"
    moment = f"TIMESTAMPTZ '{start.isoformat()}'"
    step_seconds = max(SPREAD_DAYS * 86400 * 3 // rows, 1)
    sent = f"({moment} - ((i / 3) * INTERVAL '{step_seconds} seconds'))"
    return [
        f"""INSERT INTO journey (id, council_id, service_version_id, answers, visited, language, created_at,
                                 updated_at, expires_at, submitted, lock_version)
            SELECT md5('{prefix}' || i)::uuid, {council_id}, ({versions})[1 + i % {n}], '{{}}'::jsonb, '[]'::jsonb,
                   'en', {sent}, {sent}, {sent} + INTERVAL '30 days', TRUE, 1
            FROM generate_series(1, {rows}) AS i""",
        f"""INSERT INTO submission (council_id, service_version_id, journey_id, reference, answers, language,
                                    state, submitted_at, awaiting_payment, service_id, state_entered_at, due_at,
                                    version)
            SELECT {council_id}, ({versions})[1 + i % {n}], md5('{prefix}' || i)::uuid,
                   '{prefix}' || lpad(i::text, 8, '0'),
                   jsonb_build_object('name', 'Resident ' || i, 'email', 'r' || i || '@example.org',
                                      'registration', 'AB' || (i % 100)),
                   'en', s.state, {sent}, FALSE, 'service-' || (i % {n}), {sent},
                   CASE WHEN s.state = ANY({finals}) THEN NULL ELSE {sent} + INTERVAL '5 days' END, 1
            FROM generate_series(1, {rows}) AS i,
                 LATERAL (SELECT ({states})[1 + (i / {n}) % {len(STATES)}] AS state) AS s""",
    ]


async def publish_services(council: store.Council, count: int) -> list[int]:
    base = json.loads(DEFINITION.read_text())
    ids = []
    for number in range(count):
        document = copy.deepcopy(base)
        document["id"] = f"service-{number}"
        document["title"] = f"Service {number}"
        version = await store.publish_version(council, document, content_hash(document))
        ids.append(version.id)
    return ids


async def seed(rows: int, services: int) -> tuple[store.Council, int, float]:
    from tortoise import connections

    started = time.perf_counter()
    council = await store.create_council("bench", "Bench Borough Council")
    other = await store.create_council("other", "Other District Council")
    ids = await publish_services(council, services)
    other_ids = await publish_services(other, 1)
    connection = connections.get("postgres")
    start = datetime.now(UTC)
    other_rows = max(rows // 10, 1)
    for sql in seed_sql(council.id, ids, rows, "B", start) + seed_sql(other.id, other_ids, other_rows, "O", start):
        await connection.execute_script(sql)
    await connection.execute_script("ANALYZE journey; ANALYZE submission")
    return council, other_rows, time.perf_counter() - started


async def deep_cursor(council: store.Council, filters: inbox.Filters) -> tuple[inbox.Cursor | None, int]:
    """The cursor of a page ``DEEP`` of the way through the filtered rows. Found once with
    OFFSET, for the benchmark's setup only: the inbox itself never uses OFFSET."""
    from tortoise import connections

    connection = connections.get("postgres")
    sql = (await inbox.page_query(council, filters, size=0)).sql(params_inline=True)
    count_sql = f"SELECT count(*) AS n FROM ({sql.rsplit(' LIMIT ', 1)[0]}) AS q"
    total = (await connection.execute_query_dict(count_sql))[0]["n"]
    skip = int(total * DEEP)
    if skip < 1:
        return None, 0
    row = (await connection.execute_query_dict(f"{sql.rsplit(' LIMIT ', 1)[0]} LIMIT 1 OFFSET {skip - 1}"))[0]
    return inbox.Cursor(row["submitted_at"], row["id"]), skip


async def explain(council: store.Council, case: Case) -> list[str]:
    from tortoise import connections

    query = await inbox.page_query(council, case.filters, after=case.cursor)
    rows = await connections.get("postgres").execute_query_dict(
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + query.sql(params_inline=True))
    return [str(next(iter(row.values()))) for row in rows]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def run(database_url: str, rows: int = 1_000_000, services: int = 50, runs: int = 30) -> Report:
    """Migrate the empty PostgreSQL database at ``database_url``, seed it, time the inbox."""
    await store.migrate(database_url)
    await store.connect(database_url)
    try:
        council, other_rows, seconds = await seed(rows, services)
        service = f"service-{min(7, services - 1)}"
        cases = [
            Case("service + state, first page", inbox.Filters(service=service, state="checking"), deep=False),
            Case("service + state, deep page", inbox.Filters(service=service, state="checking"), deep=True),
            Case("overdue, first page", inbox.Filters(overdue=True), deep=False),
            Case("overdue, deep page", inbox.Filters(overdue=True), deep=True),
            Case("no filter, first page", inbox.Filters(), deep=False),
            Case("no filter, deep page", inbox.Filters(), deep=True),
        ]
        for case in cases:
            if case.deep:
                case.cursor, case.rows_before = await deep_cursor(council, case.filters)
            case.plan = await explain(council, case)
        some_id = (await Submission.filter(council_id=council.id).order_by("id").limit(1).values_list("id", flat=True))[0]

        async def baseline() -> None:
            await Submission.filter(id=some_id).values(*inbox.LISTED)

        for _ in range(3):  # warm up: connection, caches, compiled workflows
            await baseline()
            for case in cases:
                await inbox.page(council, case.filters, after=case.cursor)
        gc.collect()
        baseline_samples: list[float] = []
        for _ in range(runs):
            baseline_samples.append(await timed(baseline))
            for case in cases:
                case.samples.append(await timed(lambda c=case: inbox.page(council, c.filters, after=c.cursor)))  # type: ignore[misc]
        return Report(rows, other_rows, services, seconds, baseline_samples, cases)
    finally:
        await store.disconnect()


def execution_ms(plan: list[str]) -> float:
    """The server's own time for the page query, from EXPLAIN ANALYZE (load on the client side excluded)."""
    for line in plan:
        if line.strip().startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return float("nan")


def indexes_used(plan: list[str]) -> str:
    used = sorted({line.split(" using ")[1].split()[0] for line in plan if " using " in line})
    seq = any("Seq Scan" in line for line in plan)
    return (", ".join(used) or "no index") + (" (and a sequential scan)" if seq else "")


def format_report(report: Report, *, plans: bool = False) -> str:
    lines = [
        f"inbox benchmark: {report.rows:,} applications across {report.services} services in one council "
        f"(+{report.other_rows:,} in another), seeded in {report.seconds_to_seed:.1f} s",
        f"baseline: primary-key lookup of one application, median {report.baseline_median:.2f} ms",
        f"target: median < {TARGET_MS:.0f} ms per page (25 rows, with state labels and assignees)",
        "",
        f"{'page':44} {'median ms':>10} {'p90 ms':>8} {'ratio':>7}  {'target':>6} {'SQL ms':>7}  index",
    ]
    for case in report.cases:
        ordered = sorted(case.samples)
        p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
        ratio = case.median / report.baseline_median if report.baseline_median else float("nan")
        verdict = "ok" if case.median < TARGET_MS else "SLOW"
        depth = f" (after {case.rows_before:,} rows)" if case.deep else ""
        lines.append(f"{case.name + depth:44} {case.median:10.2f} {p90:8.2f} {ratio:7.1f}  {verdict:>6} "
                     f"{execution_ms(case.plan):7.2f}  {indexes_used(case.plan)}")
    lines.append("ratio: median over the baseline's median, both timed in turns in this run; SQL ms: the page "
                 "query's execution time on the server (EXPLAIN ANALYZE), without the client's share of the load")
    if plans:
        for case in report.cases:
            lines += ["", f"EXPLAIN ANALYZE: {case.name}", *("  " + line for line in case.plan)]
    return "\n".join(lines)


def _with_database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}", query=""))


async def _main(args: argparse.Namespace) -> Report:
    import asyncpg

    admin = await asyncpg.connect(args.server, timeout=5)
    name = f"borough_bench_{secrets.token_hex(4)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        return await run(_with_database(args.server, name), args.rows, args.services, args.runs)
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")
        await admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="applications in the council (default 1,000,000)")
    parser.add_argument("--services", type=int, default=50, help="services they are spread across (default 50)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each query (default 30)")
    parser.add_argument("--server", default=os.environ.get("BOROUGH_TEST_DATABASE_URL", DEFAULT_SERVER),
                        help="a PostgreSQL server URL; a database is created there and dropped after")
    parser.add_argument("--explain", action="store_true", help="print each query's EXPLAIN ANALYZE plan")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = asyncio.run(_main(args))
    except Exception:  # report, never fail the build
        traceback.print_exc()
        print("bench.inbox: could not run (see above)", file=sys.stderr)
        return 0
    print(format_report(report, plans=args.explain))
    print(f"\n(bench ran in {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
