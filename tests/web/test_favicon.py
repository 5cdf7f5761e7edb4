"""The favicon is Borough's own, drawn by themes/build.py ("B" on the default brand colour),
served with long cache headers and linked from every page; GOV.UK's crown is not shipped,
linked or served, because councils are not GOV.UK."""

from __future__ import annotations

import importlib.util
import struct
import xml.etree.ElementTree as ET
from types import ModuleType
from typing import Any

import httpx2 as httpx
from bs4 import BeautifulSoup

from runtime.settings import ROOT
from runtime.web.theme import DEFAULT_BRAND

BUILD = ROOT / "themes" / "static" / "build"
GOVUK_ASSETS = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets"
CROWN_NAMES = ("govuk-crest", "govuk-icon", "govuk-opengraph", "/assets/govuk/images", "manifest.json")


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("borough_themes_build", ROOT / "themes" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ico_images(data: bytes) -> list[tuple[int, bytes]]:
    """(width, PNG bytes) of each image in an .ico."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1) and count > 0
    images = []
    for index in range(count):
        width, _, _, _, _, _, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        images.append((width or 256, data[offset:offset + size]))
    return images


def test_the_build_draws_a_b_on_the_default_brand_colour() -> None:
    build = build_script()
    assert build.DEFAULT_BRAND == DEFAULT_BRAND
    svg = ET.fromstring(build.favicon_svg())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find("{http://www.w3.org/2000/svg}rect").get("fill") == DEFAULT_BRAND
    images = ico_images(build.favicon_ico())
    assert [width for width, _ in images] == list(build.FAVICON_SIZES)
    for width, png in images:
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert struct.unpack(">II", png[16:24]) == (width, width)  # IHDR width and height
    # What the build wrote is what it draws, and it is not GOV.UK's crown.
    assert (BUILD / "favicon.ico").read_bytes() == build.favicon_ico()
    assert (BUILD / "favicon.svg").read_text("utf-8") == build.favicon_svg()
    for name in ("favicon.ico", "favicon.svg"):
        crown = GOVUK_ASSETS / "images" / name
        if crown.is_file():
            assert (BUILD / name).read_bytes() != crown.read_bytes()


def test_the_build_ships_none_of_govuk_frontends_crown_images() -> None:
    shipped = [str(path.relative_to(BUILD)) for path in BUILD.rglob("*") if path.is_file()]
    assert not [name for name in shipped if any(crown in "/" + name for crown in CROWN_NAMES)], shipped
    assert not (BUILD / "govuk" / "images").exists()


async def test_favicons_are_served_for_a_year_and_linked_from_every_page(app: Any, client: httpx.AsyncClient) -> None:
    for path, media_type in (("/favicon.ico", "image/x-icon"), ("/favicon.svg", "image/svg+xml")):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["cache-control"] == "public, max-age=31536000"
        assert response.content == (BUILD / path.lstrip("/")).read_bytes()
    for page in ("/", "/demo", "/demo/report-missed-bin"):
        html = (await client.get(page)).text
        icons = {link["href"]: link.get("type") for link in BeautifulSoup(html, "html.parser").select('link[rel="icon"]')}
        assert icons == {"/favicon.ico": None, "/favicon.svg": "image/svg+xml"}, page
        assert not [crown for crown in CROWN_NAMES if crown in html], page
    assert (await client.get("/assets/govuk/images/favicon.ico")).status_code == 404
