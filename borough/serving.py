"""Commands that need the database and the web apps: migrate and serve."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pass
