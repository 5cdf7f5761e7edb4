"""A member of staff in a test: signs in through the real form and posts forms with the CSRF
token a browser would send."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup
from quick_passwords import quick_hash

from runtime import store

PASSWORD = "correct horse battery staple"


async def make_user(email: str, council: store.Council | None = None, roles: list[str] | None = None,
                    *, operator: bool = False) -> store.StaffUser:
    user = await store.staff.create_user(email, email.split("@")[0].title(), quick_hash(PASSWORD), operator=operator)
    if council is not None:
        await store.staff.grant(user, council, roles or ["admin"])
    return user


class StaffClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def token(self, url: str = "/staff/sign-in") -> str:
        page = await self.http.get(url)
        found = BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})
        assert found is not None, f"no form on {url} ({page.status_code})"
        return str(found["value"])

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        token = await self.token()
        return await self.http.post("/staff/sign-in", data={"csrf_token": token, "email": email, "password": password})

    async def post(self, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> httpx.Response:
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = await self.token()
        return await self.http.post(url, data=fields)
