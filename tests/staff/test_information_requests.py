"""Asking for more information lists the pages this application's answers went through, by
their titles: not the service's every page, not a page of a branch the resident did not take,
not a page id. Only those pages can be asked for, and the history names them by title too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup, Tag
from sent_applications import RESIDENT, send
from staff_client import StaffClient, make_user

from runtime import store
from runtime.store.models import Submission

PERMIT = "apply-parking-permit"
REQUEST = "REQUEST_EVIDENCE"  # "Ask for more evidence", from "checking"


def request_form(html: str) -> Tag:
    page = BeautifulSoup(html, "html.parser")
    [form] = [f for f in page.select("main form") if f.select_one(f"input[name=event][value={REQUEST}]")]
    return form


def offered(form: Tag) -> dict[str, str]:
    """The page checkboxes on the request form: label text by value."""
    boxes = {}
    for box in form.select("input[name=pages]"):
        label = form.select_one(f"label[for={box['id']}]")
        assert label is not None
        boxes[str(box["value"])] = label.get_text(" ", strip=True)
    return boxes


async def checking(council: Any, answers: dict[str, Any]) -> Submission:
    return await send(council, PERMIT, {**RESIDENT, **answers}, state="checking")


async def test_the_request_lists_the_pages_this_application_went_through(demo: store.Council,
        staff_app: Any, new_client: Callable[[], StaffClient]) -> None:
    council = demo
    await make_user("cas@demo.test", council, ["caseworker"])
    client = new_client()
    assert (await client.sign_in("cas@demo.test")).status_code == 303
    own_car = await checking(council, {"companyCar": False, "wantsVouchers": False})
    company_car = await checking(council, {"companyCar": True, "wantsVouchers": True})

    here = f"/staff/demo/applications/{own_car.reference}"
    form = request_form((await client.http.get(here)).text)
    boxes = offered(form)
    assert list(boxes.values()) == [
        "What is your address?", "What is the vehicle's registration number?", "About the vehicle",
        "What fuel does the vehicle use?", "Is the vehicle a company car?", "Upload a proof of your address",
        "When do you want the permit to start?", "Do you want to buy visitor vouchers?", "Your contact details"]
    assert "employer-letter" not in boxes and "voucher-books" not in boxes
    other = offered(request_form((await client.http.get(f"/staff/demo/applications/{company_car.reference}")).text))
    assert other["employer-letter"] == "Upload a letter from your employer"
    assert other["voucher-books"] == "How many books of visitor vouchers do you want?"

    fields = {str(i["name"]): i.get("value", "") for i in form.select("input[type=hidden]")}
    # A page of a branch this resident did not take cannot be asked for, even if sent.
    refused = await client.http.post(str(form["action"]), data={**fields, "note": "Send the letter",
                                                                "pages": ["employer-letter"]})
    assert refused.status_code == 422 and "Select only pages from the list" in refused.text
    assert (await Submission.get(id=own_car.id)).state == "checking"

    asked = await client.http.post(str(form["action"]), data={**fields, "note": "A clearer photo, please",
                                                              "visible": "yes", "pages": ["proof-of-address", "vehicle"]})
    assert asked.status_code == 303
    assert (await Submission.get(id=own_car.id)).request == {"pages": ["proof-of-address", "vehicle"],
                                                             "note": "A clearer photo, please"}
    history = BeautifulSoup((await client.http.get(here)).text, "html.parser").select("main table")[-1]
    assert "Pages re-opened: Upload a proof of your address, About the vehicle" in history.get_text(" ", strip=True)
    assert "proof-of-address" not in history.get_text()
