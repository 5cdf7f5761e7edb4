"""Issue 13: the journey cookie's signature is checked once per worker and remembered. What a
remembered cookie opens must be exactly what checking it again would: a forged or tampered
cookie never opens a journey (and is never remembered), and a cookie past its age is refused
even when it was remembered while young."""

from __future__ import annotations

import time

import pytest
from starlette.requests import Request
from starlette.responses import Response

from runtime.settings import Settings
from runtime.web import sessions
from runtime.web.sessions import JOURNEY_COOKIE, JOURNEY_MAX_AGE, Signer


def signer(key: str = "journey-cookie-test-" + "x" * 32) -> Signer:
    return Signer(Settings(secret_key=key))


def request_with(cookie: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [(b"cookie", cookie.encode())]})


def cookie_for(one: Signer, journey_id: str) -> str:
    response = Response()
    one.set_journey(response, journey_id, "/demo/a-service")
    header = response.headers["set-cookie"]
    return header.split(";", 1)[0]


def test_a_good_cookie_opens_its_journey_again_and_again() -> None:
    one = signer()
    cookie = cookie_for(one, "2f1c6a54-3b7e-4d21-9a8e-0c5d2b7f1e90")
    for _ in range(3):
        assert one.journey_id(request_with(cookie)) == "2f1c6a54-3b7e-4d21-9a8e-0c5d2b7f1e90"


def test_forged_and_tampered_cookies_open_nothing_and_are_not_remembered() -> None:
    one = signer()
    good = cookie_for(one, "2f1c6a54-3b7e-4d21-9a8e-0c5d2b7f1e90")
    value = good.split("=", 1)[1]
    signed, signature = value.rsplit(".", 1)
    # The signature's first character, not its last: the last of 43 base64 characters carries
    # two bits that decoding drops, so changing only those would leave the signature as it was.
    tampered = ("B" if signature[0] == "A" else "A") + signature[1:]
    forged = [
        cookie_for(signer("another-installation-" + "y" * 32), "2f1c6a54-3b7e-4d21-9a8e-0c5d2b7f1e90"),
        f"{JOURNEY_COOKIE}={signed}.{tampered}",
        f"{JOURNEY_COOKIE}={value.replace(value[1], 'Z' if value[1] != 'Z' else 'Y', 1)}",
        f"{JOURNEY_COOKIE}=not-signed-at-all",
    ]
    assert one.journey_id(request_with(good)) is not None  # the good one remembered first
    for cookie in forged:
        assert one.journey_id(request_with(cookie)) is None, cookie
        assert one.journey_id(request_with(cookie)) is None, cookie
    assert list(one._verified) == [value]


def test_a_remembered_cookie_past_its_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    one = signer()
    cookie = cookie_for(one, "2f1c6a54-3b7e-4d21-9a8e-0c5d2b7f1e90")
    assert one.journey_id(request_with(cookie)) is not None
    later = time.time() + JOURNEY_MAX_AGE + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert one.journey_id(request_with(cookie)) is None
    assert one.journey_id(request_with(cookie)) is None  # and checked afresh: still too old
    assert signer().journey_id(request_with(cookie)) is None  # as a worker that never saw it says


def test_the_remembered_cookies_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "VERIFIED_COOKIES", 8)
    one = signer()
    cookies = [cookie_for(one, f"journey-{number}") for number in range(20)]
    for number, cookie in enumerate(cookies):
        assert one.journey_id(request_with(cookie)) == f"journey-{number}"
    assert len(one._verified) == 8
    assert one.journey_id(request_with(cookies[0])) == "journey-0"  # forgotten, so checked again
