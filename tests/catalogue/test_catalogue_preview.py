"""A catalogue's service version previewed as residents would see it (builder/catalogue_preview.py
over the builder's preview pages), over HTTP through the assembled app, JavaScript off (fixtures
in tests/catalogue/conftest.py): a designer walks a version of the built-in catalogue through
errors, check answers, the payment step and confirmation, and a subscribed catalogue's version
as well; nothing reaches the database; roles and councils hold; a definition that fails the
checks is not rendered."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from catalogue_staff import HOME, Catalogue, Page, make_user, person, press, text_of

from runtime import store
from runtime.store.models import CatalogueFork, PaymentAttempt, ServiceDraft

TAX = HOME + "/services/borough/pay-council-tax"
TAX_PREVIEW = TAX + "/versions/1.0.0/preview"
POTHOLE_PREVIEW = HOME + "/services/northshire/report-pothole/versions/1.0.0/preview"


def marked_as_preview(page: Page, of: str) -> bool:
    banner = page.soup.find(id="preview-banner")
    return (page.title.startswith(("Preview:", "Error: Preview:")) and banner is not None
            and f"This is a preview of {of}" in text_of(banner)
            and "Nothing you enter is sent to the council" in text_of(banner))


async def nothing_stored() -> bool:
    counts = [await model.all().count() for model in (store.Journey, store.Submission, PaymentAttempt,
                                                       ServiceDraft, CatalogueFork)]
    return counts == [0, 0, 0, 0, 0]


async def test_a_designer_walks_a_shipped_service_as_a_resident_and_nothing_is_made(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    service_page = await designer.open(TAX)
    link = service_page.soup.find("a", string="Preview as a resident")
    assert link is not None and link["href"] == TAX_PREVIEW
    start = await designer.open(link["href"])
    tax = "version 1.0.0 of Pay your council tax, from Borough"
    assert start.status == 200 and marked_as_preview(start, tax) and start.heading == "Pay your council tax"

    page = await press(designer, start, "Start now")
    assert page.url.endswith(TAX_PREVIEW + "/account") and marked_as_preview(page, tax)
    page.fill("Council tax account number", "1234")
    refused = await designer.submit(page)  # the runtime's own messages, with what was typed kept
    assert refused.status == 422 and refused.title.startswith("Error: Preview:") and marked_as_preview(refused, tax)
    assert refused.error_summary()[0] == ("Council tax account number must be 8 digits", "#accountNumber")
    assert refused.soup.find(id="accountNumber")["value"] == "1234"
    refused.fill("Council tax account number", "12345678")
    refused.fill("Name on the bill", "Sam Jones")
    refused.fill("Postcode of the property", "sw1a1aa")
    page = await designer.submit(refused)
    page.fill("How much do you want to pay?", "20")
    page = await designer.submit(page)
    page.fill("What email address should we send your receipt to?", "sam@example.org")
    check = await designer.submit(page)
    assert check.url.endswith(TAX_PREVIEW + "/check-answers") and marked_as_preview(check, tax)
    shown = text_of(check.soup.find("main"))
    assert "SW1A 1AA" in shown and "Council tax payment £20 Total £20" in shown

    payment = await press(designer, check, "Continue to payment")
    assert payment.url.endswith(TAX_PREVIEW + "/payment") and "no payment is taken" in text_of(payment.soup)
    done = await press(designer, payment, "Continue as if paid")
    assert done.url.endswith(TAX_PREVIEW + "/confirmation") and marked_as_preview(done, tax)
    assert "PREVIEW" in text_of(done.soup.select_one(".govuk-panel"))
    assert "You paid £20" in text_of(done.soup.find("main"))
    back = done.soup.find(id="preview-banner").find("a", string="Back to the service")
    assert back is not None and back["href"] == TAX + "?version=1.0.0"
    assert await nothing_stored()
    cookie = next(c for c in designer.client.cookies.jar if c.name == "borough_preview")
    assert cookie.path == TAX_PREVIEW  # scoped to this version's preview


async def test_a_subscribed_catalogues_version_is_previewed_with_the_councils_own_values(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")  # any builder role previews
    start = await publisher.open(POTHOLE_PREVIEW)
    assert start.status == 200 and marked_as_preview(start, "version 1.0.0 of Report a pothole, from northshire")
    assert "01632 000 222" in text_of(start.soup.find("main"))  # eastshire's number, where northshire's stood
    page = await press(publisher, start, "Start now")
    refused = await publisher.submit(page)
    assert refused.status == 422 and ("Enter the street or road name", "#street") in refused.error_summary()
    assert (await publisher.open(POTHOLE_PREVIEW + "/no-such-page")).status == 404
    assert (await publisher.open(POTHOLE_PREVIEW.replace("1.0.0", "9.9.9"))).status == 404
    assert await nothing_stored()


async def test_roles_councils_and_forged_paths_are_refused(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.client.get(TAX_PREVIEW)).status_code == 403
    assert (await caseworker.client.get(TAX_PREVIEW + "/account")).status_code == 403

    westshire = await store.create_council("westshire", "Westshire Council")
    await make_user("designer@westshire.test", westshire, ["designer"])
    west = await person(app, browsers, "designer", slug="westshire")
    assert (await west.client.get(TAX_PREVIEW)).status_code == 404  # eastshire's path: not theirs
    assert (await west.client.get(POTHOLE_PREVIEW + "/location")).status_code == 404
    no_token = await west.client.post(TAX_PREVIEW + "/start", data={"csrf_token": "forged"})
    assert no_token.status_code in (403, 404)

    # Answers made in eastshire's preview do not follow a cookie to another council's path.
    designer = await person(app, browsers, "designer")
    page = await press(designer, await designer.open(TAX_PREVIEW), "Start now")
    page.fill("Council tax account number", "12345678")
    page.fill("Name on the bill", "Sam Jones")
    page.fill("Postcode of the property", "SW1A 1AA")
    await designer.submit(page)
    value = next(c.value for c in designer.client.cookies.jar if c.name == "borough_preview")
    own = west.client.cookies
    west_preview = TAX_PREVIEW.replace("eastshire", "westshire")
    own.set("borough_preview", value, path=west_preview)
    jumped = await west.open(west_preview + "/amount")
    assert jumped.url.endswith(west_preview + "/account")
    assert await nothing_stored()


async def test_a_definition_that_fails_the_checks_is_not_rendered(
        app: Any, council: store.Council, catalogue: Catalogue, browsers: list[httpx.AsyncClient]) -> None:
    [found] = catalogue.client.search("pothole")
    [subscription] = catalogue.client.subscriptions()
    cached = catalogue.client.cache / subscription.name / "definitions" / f"{found.entry.address}.json"
    # The cached copy swapped after sync (a disk someone else can write to): checked as it is read.
    cached.write_text('{"id": "report-pothole", "pages": "<script>alert(1)</script>"}')
    designer = await person(app, browsers, "designer")
    refused = await designer.open(POTHOLE_PREVIEW)
    assert refused.status == 409 and refused.heading == "This service cannot be previewed"
    assert "the definition is refused" in text_of(refused.soup.find("main"))
    assert "<script>alert(1)</script>" not in refused.response.text
    assert (await designer.open(POTHOLE_PREVIEW + "/location")).status == 409
    assert await nothing_stored()
