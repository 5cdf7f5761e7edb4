"""The preview over HTTP, JavaScript off: a designer walks a draft through the resident app's
own pages (errors, check answers, the payment step, confirmation), marked as a preview on every
page, in English and Welsh; nothing reaches the database as a journey, an application or a
payment. Roles hold, previews are each designer's own, and a draft the format refuses says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2 as httpx
from designers import Page, person, press, shipped_draft, text_of

from runtime import store
from runtime.store.models import PaymentAttempt, UploadedFile

SERVICE = "pay-council-tax"
PREVIEW = f"/staff/northshire/services/{SERVICE}/preview"


def marked_as_preview(page: Page) -> bool:
    banner = page.soup.find(id="preview-banner")
    return (page.title.startswith(("Preview:", "Error: Preview:", "Gwall: Preview:")) and banner is not None
            and "Nothing you enter is sent to the council" in text_of(banner))


async def test_a_designer_walks_the_draft_as_a_resident_and_nothing_is_sent_or_paid(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    start = await designer.open(PREVIEW)
    assert start.status == 200 and marked_as_preview(start) and start.heading == "Pay your council tax"

    page = await press(designer, start, "Start now")
    assert page.url.endswith(PREVIEW + "/account") and marked_as_preview(page)
    assert page.heading == "Your council tax account"

    # The runtime's own validation and messages, with what was typed kept.
    page.fill("Council tax account number", "1234")
    refused = await designer.submit(page)
    assert refused.status == 422 and refused.title.startswith("Error: Preview:") and marked_as_preview(refused)
    assert refused.error_summary() == [
        ("Council tax account number must be 8 digits", "#accountNumber"),
        ("Enter the name on the bill", "#billName"),
        ("Enter the postcode of the property", "#postcode"),
    ]
    assert refused.soup.find(id="accountNumber")["value"] == "1234"

    refused.fill("Council tax account number", "12345678")
    refused.fill("Name on the bill", "Sam Jones")
    refused.fill("Postcode of the property", "sw1a1aa")
    page = await designer.submit(refused)
    assert page.url.endswith(PREVIEW + "/amount") and page.heading == "How much do you want to pay?"
    page.fill("How much do you want to pay?", "125.50")
    page = await designer.submit(page)
    page.fill("What email address should we send your receipt to?", "sam@example.org")
    check = await designer.submit(page)
    assert check.url.endswith(PREVIEW + "/check-answers") and marked_as_preview(check)
    shown = text_of(check.soup.find("main"))
    assert "SW1A 1AA" in shown and "£125.50" in shown and "Council tax payment" in shown

    # A change link leads back to the page, and on to check answers again.
    change = next(a["href"] for a in check.soup.select("main a") if "amount" in a["href"] and "return=check" in a["href"])
    page = await designer.open(change)
    page.fill("How much do you want to pay?", "20")
    check = await designer.submit(page)
    assert check.url.endswith("/check-answers") and "Council tax payment £20 Total £20" in text_of(check.soup.find("main"))

    payment = await press(designer, check, "Continue to payment")
    assert payment.url.endswith(PREVIEW + "/payment") and marked_as_preview(payment)
    assert "pay £20 :" in text_of(payment.soup.find("main")) and "no payment is taken" in text_of(payment.soup)
    done = await press(designer, payment, "Continue as if paid")
    assert done.url.endswith(PREVIEW + "/confirmation") and marked_as_preview(done)
    panel = text_of(done.soup.select_one(".govuk-panel"))
    assert "PREVIEW" in panel
    assert "You paid £20" in text_of(done.soup.find("main"))

    # Nothing real: no journey, no application, no payment; the draft is as it was.
    assert await store.Journey.all().count() == 0
    assert await store.Submission.all().count() == 0
    assert await PaymentAttempt.all().count() == 0
    draft = await store.ServiceDraft.get(service_id=SERVICE)
    assert draft.version == 1

    # Starting again forgets the answers.
    again = await press(designer, await designer.open(PREVIEW), "Start now")
    assert again.soup.find(id="accountNumber").get("value", "") == ""


async def test_the_preview_speaks_welsh_and_is_each_designers_own(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    welsh = await designer.open(PREVIEW + "?lang=cy")
    assert welsh.heading == "Talu eich Treth Gyngor" and marked_as_preview(welsh)
    page = await press(designer, welsh, "Dechrau nawr")
    assert page.soup.find("html")["lang"] == "cy"
    refused = await designer.submit(page)
    assert refused.status == 422 and refused.title.startswith("Gwall: Preview:") and marked_as_preview(refused)
    assert all(message for message, _ in refused.error_summary())

    # Another designer (or a forged cookie) does not get these answers or visited pages.
    other = await person(app, browsers, "admin")
    jumped = await other.open(PREVIEW + "/amount")
    assert jumped.url.endswith(PREVIEW + "/account")
    designer.client.cookies.set("borough_preview", "forged.value", path=PREVIEW)
    forged = await designer.open(PREVIEW + "/check-answers")
    assert forged.status == 200 and forged.url.endswith(PREVIEW + "/account")


async def test_roles_csrf_and_a_draft_the_format_refuses(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.client.get(PREVIEW)).status_code == 403
    publisher = await person(app, browsers, "publisher")
    assert (await publisher.client.get(PREVIEW)).status_code == 200  # publishers preview before publishing
    no_token = await publisher.client.post(PREVIEW + "/start", data={"csrf_token": "forged"})
    assert no_token.status_code == 403
    assert (await publisher.client.get(f"/staff/northshire/services/{SERVICE}-x/preview")).status_code == 404
    assert (await publisher.client.get(PREVIEW + "/no-such-page")).status_code == 404

    draft = await store.ServiceDraft.get(service_id=SERVICE)
    broken = {**draft.definition, "pages": "not a list"}
    await store.ServiceDraft.filter(id=draft.id).update(definition=broken)
    refused = await publisher.open(PREVIEW)
    assert refused.status == 409 and refused.heading == "This draft cannot be previewed yet"
    assert "/pages: must be of type array" in text_of(refused.soup.find("main"))


async def test_add_another_pages_in_the_preview(app: Any, council: store.Council,
                                                browsers: list[httpx.AsyncClient]) -> None:
    await shipped_draft(council, "book-bulky-waste")
    base = "/staff/northshire/services/book-bulky-waste/preview"
    designer = await person(app, browsers, "designer")
    item = await press(designer, await designer.open(base), "Start now")
    assert item.url.endswith(base + "/items/items/1") and marked_as_preview(item)
    assert item.heading == "Tell us about the item"
    refused = await designer.submit(item)
    assert refused.status == 422 and refused.error_summary()[0][0] == "Select what type of item it is"
    refused.choose("What type of item is it?", "Fridge or freezer")
    refused.fill("Describe the item", "Tall fridge freezer")
    listed = await designer.submit(refused)
    assert listed.url.endswith(base + "/items") and marked_as_preview(listed)
    assert "Fridge or freezer" in text_of(listed.soup.find("main"))
    unanswered = await designer.submit(listed)
    assert unanswered.status == 422 and unanswered.error_summary()[0][0] == "Select yes if you need to add another Item"  # as the resident app words it
    unanswered.choose("Do you need to add another item?", "Yes")
    second = await designer.submit(unanswered)
    assert second.url.endswith(base + "/items/items/2")
    second.choose("What type of item is it?", "Sofa or armchair")
    second.fill("Describe the item", "Two-seater")
    listed = await designer.submit(second)
    remove = await designer.open(next(a["href"] for a in listed.soup.select("main a") if "remove" in a["href"]
                                      and a["href"].endswith("/2/remove")))
    assert marked_as_preview(remove)
    remove.choose(remove.soup.find("legend").get_text(" ").strip(), "Yes")
    listed = await designer.submit(remove)
    assert "Sofa or armchair" not in text_of(listed.soup.find("main"))
    listed.choose("Do you need to add another item?", "No")
    following = await designer.submit(listed)
    assert following.status == 200 and marked_as_preview(following) and "/items" not in following.url
    # Jumping past where the preview has got to leads back there, not to an error.
    jumped = await designer.open(base + "/items/items/7")
    assert jumped.url.endswith(base + "/items")
    assert await store.Journey.all().count() == 0


async def test_uploads_are_checked_like_the_resident_apps_and_never_kept(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient], tmp_path: Path) -> None:
    draft = await shipped_draft(council, "report-pothole")
    only_photo = {**draft.definition, "pages": [p for p in draft.definition["pages"] if p["id"] == "photo"]}  # type: ignore[union-attr]
    await store.ServiceDraft.filter(id=draft.id).update(definition=only_photo)
    base = "/staff/northshire/services/report-pothole/preview"
    designer = await person(app, browsers, "designer")
    page = await press(designer, await designer.open(base), "Start now")
    assert page.url.endswith(base + "/photo")
    page.attach("Upload a photo of the pothole", "notes.pdf", b"%PDF-1.4 not a photo", "application/pdf")
    refused = await designer.submit(page)
    assert refused.status == 422 and refused.error_summary()[0][0] == "The selected file must be a JPG, PNG or HEIC"
    refused.files.clear()
    refused.attach("Upload a photo of the pothole", "hole.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    check = await designer.submit(refused)
    assert check.url.endswith(base + "/check-answers") and "hole.png" in text_of(check.soup.find("main"))
    assert await UploadedFile.all().count() == 0 and not list((tmp_path / "files").rglob("*.*"))
