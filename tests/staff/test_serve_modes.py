"""`borough serve --public-only` serves residents without /staff; `--staff-only` serves the
staff app (and the assets it needs) without the resident pages."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest

from borough.app import assemble
from runtime import store


@pytest.mark.parametrize(("mode", "served", "not_served"), [
    ("all", ["/", "/demo", "/staff/sign-in", "/theme/borough.js"], []),
    ("public", ["/", "/demo", "/demo/report-missed-bin", "/theme/borough.js"], ["/staff/sign-in", "/staff"]),
    ("staff", ["/staff/sign-in", "/theme/borough.js"], ["/", "/demo", "/demo/report-missed-bin"]),
])
async def test_each_mode_serves_its_side_only(demo: store.Council, staff_settings: Any, mode: str, served: list[str],
                                              not_served: list[str]) -> None:
    app = assemble(staff_settings, mode, connect_database=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
        for path in served:
            assert (await http.get(path)).status_code == 200, f"{mode}: {path}"
        for path in not_served:
            assert (await http.get(path)).status_code == 404, f"{mode}: {path}"


def test_an_unknown_mode_is_refused(staff_settings: Any) -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        assemble(staff_settings, "everything", connect_database=False)
