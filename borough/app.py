"""The app the `borough serve` workers run, assembled from the environment."""

from __future__ import annotations

import os

from starlette.applications import Starlette

from builder.app import create_staff_app, mount
from runtime.web.app import create_app
from runtime.web.settings import Settings

MODES = ("all", "public", "staff")


def assemble(settings: Settings, mode: str = "all", *, connect_database: bool = True) -> Starlette:
    """`all`: residents at / and staff at /staff (the embedded default); `public`: residents
    only; `staff`: the staff app (at /staff) and the assets only."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    staff = [mount("/staff", create_staff_app(settings), "staff")] if mode != "public" else []
    return create_app(settings, before=staff, resident=mode != "staff", connect_database=connect_database)


def app_from_environment() -> Starlette:
    """Factory for uvicorn (`--factory`): every worker builds the same app from the environment."""
    return assemble(Settings.from_environment(), os.environ.get("BOROUGH_SERVE_MODE", "all"))
