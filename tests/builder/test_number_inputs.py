"""Numbers sent as text to the builder's forms and patches: a superscript digit ("²", which
`str.isdigit()` accepts and `int()` refuses), other scripts' digits ("١٢") and 5,000 digits
(more than `int()` converts) are refused as any other bad number is, never an error page, and
change nothing; so are JSON that `json.loads` cannot hold and a fee's question that is no JSON
Pointer."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
import pytest
from designers import person

from builder import patch
from runtime import store
from runtime.store import drafts

SERVICE = "report-missed-bin"
DRAFT = f"/staff/northshire/services/{SERVICE}"
NUMBERS = ["²", "\u0661\u0662", "9" * 5000]


async def version_of(council: store.Council) -> int:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return draft.version


async def test_a_forms_numbers_that_are_not_plain_digits_are_refused_not_an_error(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    token = overview.soup.find("input", attrs={"name": "csrf_token"})["value"]
    version = str(await version_of(council))
    page_id = overview.soup.select_one("a[href*='/pages/'][href$='/condition']")["href"].split("/")[-2]
    before = await version_of(council)

    async def post(url: str, **fields: str) -> httpx.Response:
        return await designer.client.post(url, data={"csrf_token": token, **fields})

    for number in NUMBERS:
        # The version every builder form sends.
        stale = await post(f"{DRAFT}/pages/{page_id}", version=number, title="Changed", content="")
        assert stale.status_code == 400, number
        # How many rules a condition has.
        rules = await post(f"{DRAFT}/pages/{page_id}/condition", version=version, rule_count=number, action="save")
        assert rules.status_code == 400, number
        removed = await post(f"{DRAFT}/pages/{page_id}/condition", version=version, rule_count="1",
                             action="remove-" + number)
        assert removed.status_code < 500, number
        # A blank service's LGSL code.
        new = await post("/staff/northshire/services/new", name="Numbers", start="blank", summary="A summary",
                         lgsl=number)
        assert new.status_code == 422 and "Enter the LGSL code as a number from 1 to 99999" in new.text, number
        # A workflow state's target, and a timer's days.
        state = await post(f"{DRAFT}/workflow/new-state", version=version, label="Waiting", target_days=number,
                           tag="grey", from_state="received", button="Wait")
        assert state.status_code == 422 and "Enter the target as a whole number of working days" in state.text
        timer = await post(f"{DRAFT}/workflow/received/timers/new", version=version, days=number, target="closed")
        assert timer.status_code == 422 and "Enter the number of days as a whole number from 1 to 3650" in timer.text
        # The catalogue's search by LGSL code.
        search = await designer.client.get("/staff/northshire/catalogue", params={"lgsl": number})
        assert search.status_code < 500, number
    assert await version_of(council) == before
    assert await drafts.get_draft(council, "numbers") is None


@pytest.mark.parametrize("index", ["²", "\u0661", "9" * 5000])
def test_a_patch_index_that_is_not_plain_digits_is_refused(index: str) -> None:
    for operation in ({"op": "replace", "path": f"/pages/{index}", "value": 1},
                      {"op": "add", "path": f"/pages/{index}", "value": 1},
                      {"op": "move", "from": f"/pages/{index}", "path": "/pages/0"}):
        with pytest.raises(patch.PatchError):
            patch.apply({"pages": [0, 1]}, [operation])


@pytest.mark.parametrize("text", ['{"properties": {"a": {"const": ' + "9" * 5000 + "}}}",
                                  '{"not": ' * 20_000 + "{}" + "}" * 20_000])
async def test_a_condition_written_as_json_with_a_huge_number_or_deep_nesting_is_refused(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient], text: str) -> None:
    """json.loads raises ValueError (not JSONDecodeError) for 5,000 digits, and RecursionError
    for deep nesting: both are said in place, with the text kept."""
    designer = await person(app, browsers, "designer")
    overview = await designer.open(DRAFT)
    page_id = overview.soup.select_one("a[href*='/pages/'][href$='/condition']")["href"].split("/")[-2]
    before = await version_of(council)
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition/json")
    form.values["condition"] = [text]
    refused = await designer.submit(form)
    assert refused.status == 422 and refused.error_summary()[0][1] == "#condition"
    fee = await designer.open(f"{DRAFT}/fees/new")
    fee.fill("What is the fee for?", "Delivery")
    fee.choose("How much is it?", "An amount you set")
    fee.fill("Amount in pounds", "12")
    fee.choose("When is it charged?", "Only when a condition written as JSON holds")
    fee.fill("Condition (JSON Schema)", text)
    refused = await designer.submit(fee)
    assert refused.status == 422 and refused.error_summary()[0][1] == "#when"
    assert await version_of(council) == before


@pytest.mark.parametrize("question", ["not-a-pointer", "<script>x</script>"])
async def test_a_fee_per_or_from_a_question_that_is_no_answers_pointer_is_refused(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient], question: str) -> None:
    """A forged form's question for "per" or "amount from" is not a JSON Pointer: it is no answer
    (parts() raised ValueError, a 500), so the fee is refused as one per no question is."""
    designer = await person(app, browsers, "designer")
    before = await version_of(council)
    for charge, field in (("fixed", "per"), ("answer", "amount_from")):
        fee = await designer.open(f"{DRAFT}/fees/new")
        fee.fill("What is the fee for?", "Delivery")
        fee.values.update({"charge": [charge], "amount": ["12"], field: [question]})
        refused = await designer.submit(fee)
        assert refused.status == 422, (field, refused.status)
    assert await version_of(council) == before
