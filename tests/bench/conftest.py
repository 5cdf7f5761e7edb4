"""The benchmarks live in bench/ at the repository root, which is not an installed package:
make it importable however pytest was started. The HTTP benchmarks need Debian's wrk."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def wrk_installed() -> None:
    """Skips a test without wrk, with the reason; fails it where wrk is required
    (BOROUGH_REQUIRE_WRK=1, as .ci/run sets: in CI nothing may skip)."""
    if shutil.which("wrk") is None:
        message = "wrk is not installed (apt-get install -y wrk; .ci/run installs it)"
        if os.environ.get("BOROUGH_REQUIRE_WRK") == "1":
            pytest.fail(message)
        pytest.skip(message)
