"""`borough services publish FILE --council SLUG`: publish a definition file as a new version
of one of a council's services, as a council keeping its services in git does from its own CI.

The file goes the way a designer's work goes: into the service's draft (created when there is
none; otherwise the draft becomes the file, as one change the builder's undo can take back),
then published through the same limits, meta-schema and lint, and the builder's whole-flow
checks. A file that fails them is refused before anything is stored. The version is the one given,
or the one the change proposes (patch for wording, minor for new optional questions, major
for removed or newly required answers). It prints the version published; when refused, one
line per problem on standard error, and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from builder.change import make_change
from builder.diff import propose_version
from builder.draft_check import check
from builder.draft_requests import step_of
from builder.patch import apply
from builder.publish import publish
from runtime import store
from runtime.core.definition import report
from runtime.core.problems import DefinitionError, Problem
from runtime.core.reading import read_definition
from runtime.settings import Settings
from runtime.store import drafts

FIRST_VERSION = "1.0.0"


class Refused(Exception):
    """The publish is refused: the lines say why."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "refused")
        self.lines = lines


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    services = commands.add_parser("services", help="publish a council's services from definition files")
    actions = services.add_subparsers(dest="action", metavar="ACTION", required=True)
    publish = actions.add_parser(
        "publish", help="publish a definition file as a new version of a council's service",
        description="Publish FILE into the council's services through its draft, after the format's checks. "
                    "Prints the version published; when refused, the problems, and exits 1.",
    )
    publish.add_argument("file", metavar="FILE", type=Path)
    publish.add_argument("--council", required=True, metavar="SLUG", help="the council publishing it")
    publish.add_argument("--version", metavar="X.Y.Z", help="the version number (default: proposed from the change)")
    publish.add_argument("--note", default="", help="the change note (default: names the file)")
    publish.set_defaults(run=_publish)


def _publish(args: argparse.Namespace) -> int:
    from borough.cli import _read_bounded  # one bounded reader for every command

    try:
        definition = read_definition(_read_bounded(args.file))
    except DefinitionError as error:
        print(f"{args.file}: {error.message}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{args.file}: cannot read the file: {error.strerror or error}", file=sys.stderr)
        return 1
    checked = report(definition)
    problems = list(checked.listed) or [Problem(f.pointer, f.keyword, f.message) for f in check(definition)]
    if problems:  # refused before anything is stored: the draft is left as it was
        for problem in problems:
            print(problem.line(str(args.file)), file=sys.stderr)
        return 1
    note = args.note or f"Published from {args.file.name}"
    settings = Settings.from_environment()
    try:
        published, unchanged = asyncio.run(_publish_file(settings.database_url, args.council, definition,
                                                         args.version, note))
    except Refused as refused:
        for line in refused.lines:
            print(f"{args.file}: {line}", file=sys.stderr)
        return 1
    if unchanged:
        print(f"borough: {published.service_id} {published.version} is already published as this file; nothing to do")
    else:
        print(f"borough: published {published.service_id} {published.version} for {args.council}")
    return 0


async def _publish_file(url: str, slug: str, definition: dict[str, Any], version: str | None,
                        note: str) -> tuple[store.ServiceVersion, bool]:
    await store.connect(url)
    try:
        council = await store.get_council(slug)
        if council is None:
            raise Refused(f"there is no council {slug!r} (borough create-council makes one)")
        service_id = str(definition["id"])
        latest = await store.get_latest(council, service_id)
        if latest is not None and _same(latest.definition, definition):
            return latest, True
        draft = await drafts.get_draft(council, service_id)
        if draft is None:
            start = latest.definition if latest is not None else definition
            draft = await drafts.create_draft(council, dict(start), source="file", actor=None,
                                              from_published=latest is not None)
        after = {**definition, "version": draft.definition.get("version", definition.get("version", FIRST_VERSION))}
        change = make_change("publish-file", "Replaced by the definition file published from the command line",
                             draft.definition, after)
        if not change.empty:
            draft = await drafts.apply_change(council, service_id, draft.version, step_of(change), actor=None,
                                              patched=apply)
        number = version or _proposed(latest, draft.definition, definition)
        try:
            published = await publish(council, service_id, draft.version, version=number, note=note,
                                                   actor=None)
        except drafts.NotPublishable as refused:
            raise Refused(*(problem.line("").removeprefix(": ") for problem in refused.problems)) from None
        await store.audit.record(council, None, "service-published", f"{service_id}@{published.version}",
                                 after={"version": published.version, "note": note}, actor_label="borough services publish")
        return published, False
    finally:
        await store.disconnect()


def _same(published: Any, definition: dict[str, Any]) -> bool:
    """Whether the file is the published version, whatever version number the file carries."""
    return {**published, "version": ""} == {**definition, "version": ""}


def _proposed(latest: store.ServiceVersion | None, definition: dict[str, Any], file: dict[str, Any]) -> str:
    """The file's own version for a first publication; else the one the change proposes."""
    if latest is None:
        return str(file.get("version") or FIRST_VERSION)
    number, _ = propose_version(latest.definition, {**definition, "version": latest.version}, latest.version)
    return number
