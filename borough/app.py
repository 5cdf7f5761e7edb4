"""The app the `borough serve` workers run, assembled from the environment."""

from __future__ import annotations

from starlette.applications import Starlette

from runtime.web.app import create_app
from runtime.web.settings import Settings


def app_from_environment() -> Starlette:
    """Factory for uvicorn (`--factory`): every worker builds the same app from the environment."""
    return create_app(Settings.from_environment())
