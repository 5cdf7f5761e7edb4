"""Issue 10: every resident page ends with the council's accessibility statement and privacy
notice (from its settings) and Borough's cookies page, in the page's language; the cookies page
lists exactly the cookies a resident's browser is given; the confirmation page ends with a link
that says where it goes."""

from __future__ import annotations

from pathlib import Path

import httpx2 as httpx
from bs4 import BeautifulSoup, Tag
from resident import Resident, text_of
from walker import walk

from runtime import store
from runtime.core.definition import problems
from runtime.core.reading import read_definition

ACCESSIBILITY = "https://www.demo.gov.uk/accessibility"
PRIVACY = "https://www.demo.gov.uk/privacy"
SERVICES = Path(__file__).resolve().parents[2] / "schemas" / "services"


def footer_links(html: str) -> dict[str, str]:
    footer = BeautifulSoup(html, "html.parser").find("footer")
    assert isinstance(footer, Tag)
    return {text_of(a): str(a["href"]) for a in footer.find_all("a")}


def footer_text(html: str) -> str:
    footer = BeautifulSoup(html, "html.parser").find("footer")
    assert isinstance(footer, Tag)
    return text_of(footer)


async def set_statements() -> None:
    council = await store.get_council("demo")
    assert council is not None
    await store.update_council(council, accessibility_url=ACCESSIBILITY, privacy_url=PRIVACY)


async def test_resident_pages_link_the_councils_statements_and_the_cookies_page(client: httpx.AsyncClient) -> None:
    unset = await client.get("/demo")
    assert footer_links(unset.text) == {"Cookies": "/demo/cookies"}  # no statement links until the council sets them
    await set_statements()
    expected = {"Accessibility statement": ACCESSIBILITY, "Privacy": PRIVACY, "Cookies": "/demo/cookies"}
    for path in ("/demo", "/demo/report-missed-bin", "/demo/status", "/demo/cookies"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert footer_links(response.text) == expected, path
        assert "Demo Borough Council. Powered by Borough, open source software." in footer_text(response.text)


async def test_the_footer_speaks_welsh(client: httpx.AsyncClient) -> None:
    await set_statements()
    for path in ("/demo?lang=cy", "/demo/report-missed-bin?lang=cy", "/demo/status?lang=cy"):
        response = await client.get(path)
        assert BeautifulSoup(response.text, "html.parser").html["lang"] == "cy"
        assert footer_links(response.text) == {
            "Datganiad hygyrchedd": ACCESSIBILITY, "Preifatrwydd": PRIVACY, "Cwcis": "/demo/cookies"}, path
        text = footer_text(response.text)
        assert "Wedi'i bweru gan Borough, meddalwedd cod agored." in text and "Powered by" not in text


def cookie_table(html: str) -> dict[str, list[str]]:
    page = BeautifulSoup(html, "html.parser")
    rows = page.select("main table tbody tr")
    return {text_of(row.find("th")): [text_of(cell) for cell in row.find_all("td")] for row in rows}


async def test_the_cookies_page_lists_every_cookie_a_resident_gets(client: httpx.AsyncClient, resident: Resident) -> None:
    # Everything a resident can do that sets a cookie: choose a language, fill in and pay.
    await client.get("/demo/apply-parking-permit?lang=cy")
    await client.get("/demo/apply-parking-permit?lang=en")
    await walk(resident, "apply-parking-permit")
    given = {cookie.name for cookie in client.cookies.jar}
    assert given  # the walk really set cookies

    response = await client.get("/demo/cookies")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert text_of(page.find("h1")) == "Cookies"
    assert "We only use essential cookies." in text_of(page.find("main"))
    table = cookie_table(response.text)
    assert set(table) == given
    assert table["borough_journey"][1] == "28 days" and table["borough_lang"][1] == "1 year"

    twin = (await client.get("/demo/cookies.json")).json()
    assert [cookie["name"] for cookie in twin["cookies"]] == list(table)


async def test_the_cookies_page_in_welsh(client: httpx.AsyncClient) -> None:
    response = await client.get("/demo/cookies?lang=cy")
    page = BeautifulSoup(response.text, "html.parser")
    assert page.html["lang"] == "cy"
    assert text_of(page.find("h1")) == "Cwcis"
    main = text_of(page.find("main"))
    assert "Dim ond cwcis hanfodol rydym yn eu defnyddio." in main
    assert "We only use" not in main and "Purpose" not in main
    assert cookie_table(response.text)["borough_journey"][1] == "28 diwrnod"


async def test_the_cookies_page_of_an_unknown_council_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/no-such-council/cookies")).status_code == 404


def test_no_service_can_be_called_cookies_or_status() -> None:
    document = read_definition((SERVICES / "report-pothole.json").read_bytes())
    for name in ("cookies", "status"):
        found = problems({**document, "id": name})
        assert [p.pointer for p in found] == ["/id"], name


async def test_the_confirmation_page_ends_with_a_link_that_says_where_it_goes(resident: Resident) -> None:
    confirmation = await walk(resident, "report-missed-bin")
    main = confirmation.soup.find("main")
    assert isinstance(main, Tag)
    links = {text_of(a): a["href"] for a in main.find_all("a")}
    assert "Demo Borough Council" not in links
    assert links["See all online services from Demo Borough Council"] == "/demo"
    assert all(text.strip() for text in links)  # every link in main has words to read out
