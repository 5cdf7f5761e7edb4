"""Signing in and out: wrong passwords, locked accounts, reset links, session fixation,
timeouts, sign out everywhere, cookie flags, CSRF. Messages never reveal who has an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from staff_client import PASSWORD, StaffClient, make_user

from runtime import store
from runtime.staff import auth
from runtime.staff.context import STAFF_COOKIE
from runtime.store.models import StaffSession

WRONG = "Enter a correct email address and password"
LOCKED = "You have tried to sign in too many times"


@pytest.fixture
async def council(staff_app: Any) -> store.Council:
    return await store.create_council("alpha", "Alpha Borough Council")


async def test_a_correct_password_signs_in_with_a_fresh_session(council: store.Council,
                                                                new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    client = new_client()
    client.http.cookies.set(STAFF_COOKIE, "fixated-by-an-attacker", domain="127.0.0.1", path="/staff")
    response = await client.sign_in("Ann@Alpha.test")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    token = re.search(rf"{STAFF_COOKIE}=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
    assert token != "fixated-by-an-attacker" and len(token) >= 40
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staff" in cookie
    assert await auth.current_user("fixated-by-an-attacker") is None
    again = new_client()
    second = re.search(rf"{STAFF_COOKIE}=([^;]+)", (await again.sign_in("ann@alpha.test")).headers["set-cookie"])
    assert second and second.group(1) != token  # every sign-in opens a new session
    dashboard = await client.http.get("/staff/alpha")
    assert dashboard.status_code == 200 and "Alpha Borough Council" in dashboard.text


async def test_wrong_password_and_unknown_email_read_the_same(council: store.Council,
                                                             new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    wrong = await new_client().sign_in("ann@alpha.test", "not the password")
    nobody = await new_client().sign_in("nobody@alpha.test", "not the password")
    for response in (wrong, nobody):
        assert response.status_code == 422
        assert WRONG in response.text and STAFF_COOKIE not in response.headers.get("set-cookie", "")
        assert response.text.count(WRONG) == 2  # the summary and the field


async def test_five_failures_lock_the_email_for_everyone_existing_or_not(council: store.Council,
                                                                        new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    for email in ("ann@alpha.test", "ghost@alpha.test"):
        for _ in range(auth.MAX_FAILURES_PER_EMAIL):
            assert (await new_client().sign_in(email, "guess")).status_code == 422
        locked = await new_client().sign_in(email, PASSWORD if email.startswith("ann") else "guess")
        assert locked.status_code == 422 and LOCKED in locked.text
    await store.staff.clear_failures("email:ann@alpha.test")
    assert (await new_client().sign_in("ann@alpha.test")).status_code == 303


async def test_many_failures_from_one_address_are_slowed_too(council: store.Council,
                                                            new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    await store.staff.record_failure(*["address:127.0.0.1"] * auth.MAX_FAILURES_PER_ADDRESS)
    refused = await new_client().sign_in("ann@alpha.test")
    assert refused.status_code == 422 and LOCKED in refused.text


async def test_sessions_end_when_idle_and_at_their_absolute_limit(council: store.Council,
                                                                 new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    client = new_client()
    await client.sign_in("ann@alpha.test")
    assert (await client.http.get("/staff/alpha")).status_code == 200
    session = await StaffSession.all().first()
    assert session is not None
    await StaffSession.filter(id=session.id).update(last_seen_at=session.last_seen_at - auth.SESSION_IDLE - timedelta(seconds=5))
    assert (await client.http.get("/staff/alpha")).status_code == 303
    assert await StaffSession.filter(id=session.id).count() == 0
    await client.sign_in("ann@alpha.test")
    await StaffSession.all().update(expires_at=store.staff.now() - timedelta(seconds=1))
    assert (await client.http.get("/staff/alpha")).status_code == 303


async def test_sign_out_and_sign_out_everywhere(council: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    laptop, phone = new_client(), new_client()
    await laptop.sign_in("ann@alpha.test")
    await phone.sign_in("ann@alpha.test")
    out = await laptop.post("/staff/sign-out")
    assert out.status_code == 303 and (await laptop.http.get("/staff/alpha")).status_code == 303
    assert (await phone.http.get("/staff/alpha")).status_code == 200
    await laptop.sign_in("ann@alpha.test")
    everywhere = await laptop.post("/staff/account/sign-out-everywhere")
    assert everywhere.status_code == 303
    assert (await phone.http.get("/staff/alpha")).status_code == 303
    assert (await laptop.http.get("/staff/alpha")).status_code == 303


async def test_secure_cookies_when_served_over_https(staff_settings: Any, council: store.Council) -> None:
    import dataclasses

    import httpx2 as httpx

    from borough.app import assemble

    app = assemble(dataclasses.replace(staff_settings, base_url="https://services.alpha.test"), connect_database=False)
    await make_user("ann@alpha.test", council)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://services.alpha.test") as http:
        response = await StaffClient(http).sign_in("ann@alpha.test")
    assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


async def test_password_reset_link_works_once_and_signs_out_everywhere(council: store.Council,
                                                                      new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    other_device = new_client()
    await other_device.sign_in("ann@alpha.test")
    client = new_client()
    for email in ("ann@alpha.test", "nobody@alpha.test"):
        asked = await client.post("/staff/password-reset", {"email": email})
        assert asked.status_code == 200 and "If that email address has an account" in asked.text
    assert await store.list_for_recipient("nobody@alpha.test") == []
    [message] = await store.list_for_recipient("ann@alpha.test")
    link = re.search(r"http://127\.0\.0\.1:8000(/staff/password-reset/\S+)", message.body_text).group(1)  # type: ignore[union-attr]
    weak = await client.post(link, {"password": "short", "confirm": "short"}, csrf=True)
    assert weak.status_code == 422 and "12 characters" in weak.text
    new_password = "a new and much longer passphrase"
    done = await client.post(link, {"password": new_password, "confirm": new_password})
    assert done.status_code == 303
    assert (await other_device.http.get("/staff/alpha")).status_code == 303  # signed out everywhere
    assert (await new_client().sign_in("ann@alpha.test", PASSWORD)).status_code == 422
    assert (await new_client().sign_in("ann@alpha.test", new_password)).status_code == 303
    reused = await client.http.get(link)
    assert reused.status_code == 410


async def test_an_expired_reset_link_is_refused(council: store.Council, new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    token = await store.staff.issue_token("reset", "ann@alpha.test", lifetime=timedelta(seconds=-1))
    assert (await new_client().http.get(f"/staff/password-reset/{token}")).status_code == 410


async def test_next_after_sign_in_stays_inside_the_staff_app(council: store.Council,
                                                            new_client: Callable[[], StaffClient]) -> None:
    await make_user("ann@alpha.test", council)
    for target, expected in (("/staff/alpha", "/staff/alpha"), ("//evil.example/", "/staff/"),
                             ("https://evil.example/", "/staff/")):
        client = new_client()
        token = await client.token()
        response = await client.http.post(f"/staff/sign-in?next={target}",
                                          data={"csrf_token": token, "email": "ann@alpha.test", "password": PASSWORD})
        assert response.headers["location"] == expected


async def test_every_staff_form_refuses_a_post_without_its_csrf_token(council: store.Council,
                                                                      new_client: Callable[[], StaffClient]) -> None:
    from starlette.routing import Route

    from runtime.staff.app import staff_routes

    await make_user("ann@alpha.test", council, list(store.staff.ROLES), operator=True)
    client = new_client()
    await client.sign_in("ann@alpha.test")
    before = len(await store.audit.entries(council, limit=1000))
    checked = 0
    for route in staff_routes():
        if not isinstance(route, Route) or "POST" not in (route.methods or set()):
            continue
        url = "/staff" + re.sub(r"{(\w+)(?::\w+)?}", lambda m: {"council": "alpha"}.get(m.group(1), "1"), route.path)
        for fields in ({}, {"csrf_token": "forged"}):
            response = await client.http.post(url, data={"email": "x@alpha.test", "name": "X", **fields})
            assert response.status_code == 403, f"{url} without a good token: {response.status_code}"
        checked += 1
    assert checked >= 4
    assert len(await store.audit.entries(council, limit=1000)) == before
    assert (await client.http.get("/staff/alpha")).status_code == 200  # still signed in: sign-out was refused too
