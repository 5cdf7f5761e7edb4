"""The `borough` command: validate definitions, migrate the database, serve the apps."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from runtime.core.definition import MORE_PROBLEMS, Report
from runtime.core.definition import report as definition_report
from runtime.core.problems import DefinitionError, Problem
from runtime.core.reading import read_definition


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borough", description="Borough: council services from JSON definitions."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check service definitions against the format and its lint rules",
        description="Check service definitions. Prints one line per problem, FILE: /pointer: message, and exits 1 if any.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)
    validate.add_argument("--json", action="store_true", help="print the problems as a JSON list")
    validate.set_defaults(run=_validate)

    from borough import serving  # the server's imports are heavy; only the commands need them

    serving.add_commands(commands)
    from borough import catalogue_cli

    catalogue_cli.add_commands(commands)
    from borough import services_cli

    services_cli.add_commands(commands)
    return parser


def _validate(args: argparse.Namespace) -> int:
    report: list[dict[str, str | int]] = []
    for path in args.files:
        checked = _report_of(path)
        for problem in checked.listed:
            entry: dict[str, str | int] = {"file": str(path), **problem.as_json()}
            if problem.keyword == MORE_PROBLEMS:
                entry["total"] = checked.total
            report.append(entry)
            if not args.json:
                print(problem.line(str(path)))
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif not report:
        print(
            f"{len(args.files)} definition{'s' if len(args.files) != 1 else ''} valid",
            file=sys.stderr,
        )
    return 1 if report else 0


def _report_of(path: Path) -> Report:
    try:
        data = _read_bounded(path)
        return definition_report(read_definition(data))
    except DefinitionError as error:
        return Report((Problem("", error.code, error.message),), 1)
    except OSError as error:
        return Report(
            (Problem("", "unreadable", f"cannot read the file: {error.strerror or error}"),), 1
        )


def _read_bounded(path: Path) -> bytes:
    from runtime.core.reading import MAX_BYTES

    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        size = path.stat().st_size
        raise DefinitionError(
            "too-large",
            f"the definition is {size:,} bytes; the most Borough reads is {MAX_BYTES:,} bytes",
        )
    return data
