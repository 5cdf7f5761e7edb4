"""Commands that need the database and the web apps: migrate and serve."""

from __future__ import annotations

import argparse
import asyncio
import os

from runtime import store
from runtime.settings import DEFAULT_HOST, DEFAULT_PORT, LOOPBACK_OF, Settings


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    migrate = commands.add_parser("migrate", help="apply database migrations (BOROUGH_DATABASE_URL)")
    migrate.set_defaults(run=_migrate)

    serve = commands.add_parser("serve", help="serve the resident app")
    serve.add_argument("--host", default=os.environ.get("HOST") or DEFAULT_HOST,
                       help=f"the address to listen on (default: HOST, else {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=os.environ.get("PORT") or str(DEFAULT_PORT),
                       help=f"the port to listen on (default: PORT, else {DEFAULT_PORT})")
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    side = serve.add_mutually_exclusive_group()
    side.add_argument("--staff-only", action="store_true", help="serve only the staff app (at /staff), e.g. on the council's network")
    side.add_argument("--public-only", action="store_true", help="serve only the resident app, without /staff")
    serve.add_argument("--demo", action="store_true",
                       help="migrate, and publish the shipped services in the demo council (the `make run` default)")
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="run background work: workflow timers, emails, webhooks, payment reconciliation (with several web workers)")
    worker.add_argument("--once", action="store_true", help="one round, then exit")
    worker.set_defaults(run=_worker)

    demo = commands.add_parser("load-demo", help="create the demo council and publish the shipped services")
    demo.set_defaults(run=_load_demo)

    from borough import accounts

    accounts.add_commands(commands)


def _migrate(args: argparse.Namespace) -> int:
    settings = Settings.from_environment()
    pending = asyncio.run(_apply(settings.database_url))
    print(f"borough: applied {len(pending)} migration{'s' if len(pending) != 1 else ''}" + (f": {', '.join(pending)}" if pending else ""))
    return 0


async def _apply(url: str) -> list[str]:
    _ensure_sqlite_folder(url)
    pending = await store.pending_migrations(url)
    if pending:
        await store.migrate(url)
    return pending


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def _load_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_environment()
    asyncio.run(_demo(settings.database_url))
    return 0


async def _demo(url: str) -> None:
    from borough.demo import DEMO_ADMIN, demo_admin, load_demo

    await store.connect(url)
    try:
        council = await load_demo()
        versions = await store.latest_versions(council)
        print(f"borough: {council.name} (/{council.slug}) has {len(versions)} services")
        password = await demo_admin(council)
        if password:
            print(f"borough: staff sign in at /staff as {DEMO_ADMIN} with the password {password}")
            print("borough: this password is shown once; keep it (or use `borough create-user`)")
    finally:
        await store.disconnect()


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    # The workers build their settings from the environment: without BOROUGH_BASE_URL, links
    # (payment returns, emails, status links) then name the address they listen on.
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    settings = Settings.from_environment()
    if args.demo:
        applied = asyncio.run(_apply(settings.database_url))
        if applied:
            print(f"borough: created the database schema ({len(applied)} migrations)")
        asyncio.run(_demo(settings.database_url))
    else:
        pending = asyncio.run(store.pending_migrations(settings.database_url))
        if pending:
            print(f"borough: the database needs migrations ({', '.join(pending)}): run `borough migrate`")
            return 1
    if args.workers == 1 and "BOROUGH_EMBEDDED_WORKER" not in os.environ:
        os.environ["BOROUGH_EMBEDDED_WORKER"] = "1"  # one process: it does the background work too
    mode = "staff" if args.staff_only else "public" if args.public_only else "all"
    os.environ["BOROUGH_SERVE_MODE"] = mode
    what = {"all": "residents at / and staff at /staff", "public": "residents only", "staff": "staff only, at /staff"}[mode]
    print(f"borough: serving {what} on http://{args.host}:{args.port} with {args.workers} worker{'s' if args.workers != 1 else ''}")
    if os.environ.get("BOROUGH_BASE_URL"):
        print(f"borough: links in pages and emails use {settings.base_url} (BOROUGH_BASE_URL)")
    elif args.host in LOOPBACK_OF:
        print(f"borough: listening on every address; links in pages and emails use {settings.base_url}, "
              "which only this machine can open: set BOROUGH_BASE_URL to the address residents use")
    else:
        print(f"borough: links in pages and emails use {settings.base_url}: "
              "behind a proxy, set BOROUGH_BASE_URL to the address residents use")
    uvicorn.run("borough.app:app_from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, proxy_headers=False, log_level="info")
    return 0


def _worker(args: argparse.Namespace) -> int:
    from runtime.delivery import worker as background
    from runtime.delivery.email import transport_from_settings
    from runtime.payments.service import Payments

    settings = Settings.from_environment()
    box = store.SecretBox(settings.secret_key)
    payments = Payments(base_url=settings.base_url, secret_key=settings.secret_key, production=settings.production,
                        box=box)
    work = background.Background(payments, transport_from_settings(settings), box, settings.production)

    async def work_loop() -> None:
        await store.connect(settings.database_url)
        try:
            if args.once:
                print(f"borough: delivered: {await background.deliver_once(work)}")
                print(f"borough: reconciled payments: {await payments.reconcile()}")
            else:
                print(f"borough: working every {settings.deliver_every:g} s "
                      f"(payments reconciled every {settings.reconcile_every:g} s)")
                await background.run(work, every=settings.deliver_every, reconcile_every=settings.reconcile_every)
        finally:
            await store.disconnect()

    asyncio.run(work_loop())
    return 0
