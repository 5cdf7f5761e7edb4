"""The machine's limit for `bench.http`: a minimal Starlette app that serves a static 10 KB page
from memory, run by the same server (uvicorn) as Borough. Nothing is faster here."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><title>Static</title></head><body>"
        + "<p>" + "x" * 10_100 + "</p></body></html>")


async def page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


app = Starlette(routes=[Route("/", page)])
