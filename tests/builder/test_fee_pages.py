"""The fees page over HTTP, JavaScript off: lines with amounts in pounds, what they are charged
per and their conditions as sentences; adding a line (typed in pounds, kept in pence), changing,
moving and removing one, each an audited change of the draft; bad amounts and bad JSON keep what
was typed; stale forms are refused with what changed; publishers only look.

A fee line's condition has the editor a page's has (builder/condition_pages.py): any number of
rules combined with all or any, read back as a sentence, written as the `when` the runtime prices
by, one undoable change each; what the rules cannot show stays editable as JSON."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from designers import Page, make_council, person, press, text_of
from test_branching_pages import chosen, press_named, select

from runtime import store
from runtime.core.fees import price
from runtime.core.service import compile_service
from runtime.store import drafts

SERVICE = "subscribe-garden-waste"
DRAFT = f"/staff/northshire/services/{SERVICE}"
FEES = DRAFT + "/fees"


async def lines(council: store.Council) -> list[dict[str, Any]]:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return list(draft.definition.get("fees", {}).get("lines", []))  # type: ignore[union-attr]


BINS = "How many garden waste bins do you want to subscribe?"
BENEFIT = "Which do you get?"
PENSION = "Pension Credit (Guarantee Credit)"
EXTRA = "Extra collection round"


def cards(page: Any) -> list[str]:
    return [text_of(card) for card in page.soup.select(".borough-builder-fees > li")]


def link(page: Page, text: str) -> str:
    """The href of the link reading `text` (visually hidden words included)."""
    return str(next(a["href"] for a in page.soup.select("main a") if text_of(a) == text))


async def charged(council: store.Council, answers: dict[str, Any]) -> list[str]:
    """The fee lines the runtime charges for `answers` under the draft as it is now."""
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return [charge.id for charge in price(compile_service(draft.definition), answers).charges]


async def test_fees_read_as_pounds_and_sentences_and_change_through_operations(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    draft = await designer.open(DRAFT)
    fees = await designer.open(draft.soup.find("a", string="Fees")["href"])
    assert fees.status == 200
    first = cards(fees)[0]
    assert "Garden waste subscription for 12 months, per bin" in first and "£50" in first
    assert "For each of 'How many garden waste bins do you want to subscribe?'" in first
    assert "Only if 'Do you or your partner get Council Tax Reduction or Pension Credit?' is No" in first

    # Add a line: a bad amount and bad JSON are refused with what was typed kept.
    form = await designer.open(fees.soup.find("a", string="Add a fee")["href"])
    form.fill("What is the fee for?", "Delivery of a new bin")
    form.choose("How much is it?", "An amount you set")
    form.fill("Amount in pounds", "12.345")
    form.choose("When is it charged?", "Only when a condition written as JSON holds")
    form.fill("Condition (JSON Schema)", '{"properties": {"bins": {"minimum": 3}}, "required": ["bins"]')
    refused = await designer.submit(form)
    assert refused.status == 422
    assert refused.error_summary()[0][1] == "#when" and "line 1" in refused.error_summary()[0][0]
    assert refused.soup.find(id="amount")["value"] == "12.345"
    assert refused.soup.find(id="when").get_text().startswith('{"properties"')

    # The same condition, valid, and a bad amount, then the amount put right.
    refused.fill("Condition (JSON Schema)", '{"properties": {"bins": {"minimum": 3}}, "required": ["bins"]}')
    refused = await designer.submit(refused)
    assert refused.status == 422 and refused.error_summary() == [("Enter an amount of money in pounds, like 15 or 12.50", "#amount")]
    refused.fill("Amount in pounds", "12.50")
    listed = await designer.submit(refused)
    assert listed.url.endswith(FEES) and "Added fee" in text_of(listed.soup)
    added = (await lines(council))[-1]
    assert added["amount"] == 1250 and added["when"] == {"properties": {"bins": {"minimum": 3}}, "required": ["bins"]}
    assert "£12.50" in cards(listed)[-1] and "Once" in cards(listed)[-1]
    assert "Only if 'How many garden waste bins do you want to subscribe?' is 3 or more" in cards(listed)[-1]

    # Change it: per bin, no condition.
    change = await designer.open(next(a["href"] for a in listed.soup.select("main a")
                                      if text_of(a) == "Change fee Delivery of a new bin"))
    assert change.soup.find(id="amount")["value"] == "12.50"
    # The condition reads back as rules, kept as it is unless changed on its own page.
    assert change.soup.find("input", attrs={"name": "condition", "value": "rules"}).has_attr("checked")
    assert "Now: Only if 'How many garden waste bins do you want to subscribe?' is 3 or more" in text_of(change.soup)
    change.choose("When is it charged?", "Always")
    change.fill("Amount in pounds", "20")
    change.values["per"] = ["/bins"]
    saved = await designer.submit(change)
    assert saved.status == 200
    edited = (await lines(council))[-1]
    assert edited["amount"] == 2000 and edited["multiplier"] == "/bins" and "when" not in edited

    # Move it up, then remove it; each is one audited change.
    moved = await press(designer, saved, "Move up fee Delivery of a new bin")
    assert [line["id"] for line in await lines(council)][1] == edited["id"]
    removed = await press(designer, moved, "Remove fee Delivery of a new bin")
    assert "Removed fee 'Delivery of a new bin'" in text_of(removed.soup)
    assert [line["id"] for line in await lines(council)] == ["standard", "concession"]
    audit = [entry.action for entry in await store.audit.entries(council)]
    assert audit.count("draft-changed") == 4

    # A page opened before those changes: its button is refused with what changed.
    stale = await press(designer, fees, "Remove fee Garden waste subscription for 12 months, per bin")
    assert stale.status == 409 and "Removed fee 'Delivery of a new bin'" in stale.error_summary()[0][0]
    assert len(await lines(council)) == 2


async def test_roles_and_unknown_lines(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    publisher = await person(app, browsers, "publisher")
    fees = await publisher.open(FEES)
    assert fees.status == 200 and not fees.soup.find("a", string="Add a fee")
    assert (await publisher.client.get(FEES + "/new")).status_code == 403
    assert (await publisher.client.post(FEES + "/standard/remove", data={"version": "1"})).status_code == 403
    designer = await person(app, browsers, "designer")
    assert (await designer.client.get(FEES + "/no-such-line")).status_code == 404
    forged = await designer.client.post(FEES + "/standard/remove", data={"version": "1", "csrf_token": "x"})
    assert forged.status_code == 403 and len(await lines(council)) == 2


async def test_a_fee_charged_when_any_of_two_rules_holds(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    form = await designer.open(FEES + "/new")
    form.fill("What is the fee for?", EXTRA)
    form.choose("How much is it?", "An amount you set")
    form.fill("Amount in pounds", "10")
    form.choose("When is it charged?", "Only when some answers are…")
    rules = await designer.submit(form)
    assert rules.status == 200 and rules.heading == f"Charge '{EXTRA}' only if…"
    line_id = (await lines(council))[-1]["id"]
    assert rules.url.endswith(f"{FEES}/{line_id}/condition")
    version = (await drafts.get_draft(council, SERVICE)).version  # type: ignore[union-attr]

    # Two rules, combined with any; a bad value is refused with everything chosen kept.
    rules = await press_named(designer, rules, "add")
    select(rules, "Question (rule 1)", BINS)
    select(rules, "Test (rule 1)", "at least")
    rules.fill("Value (rule 1)", "lots")
    select(rules, "Question (rule 2)", BENEFIT)
    rules = await press_named(designer, rules, "refresh")  # rule 2's options as boxes to tick
    select(rules, "Test (rule 2)", "is")
    rules.choose("Options (rule 2)", PENSION)
    rules.choose("Charge the fee when", "Any one of the rules holds")
    refused = await press_named(designer, rules, "save")
    assert refused.status == 422 and refused.title.startswith("Error:")
    assert refused.error_summary() == [("Rule 1: lots is not a number", "#value-0")]
    assert refused.soup.find(id="value-0")["value"] == "lots"
    assert chosen(refused, "Test (rule 1)") == "at least" and chosen(refused, "Question (rule 2)") == BENEFIT
    assert refused.soup.find("input", attrs={"name": "value-1", "value": "pension-credit"}).has_attr("checked")
    assert refused.soup.find("input", attrs={"name": "combine", "value": "any"}).has_attr("checked")
    assert (await drafts.get_draft(council, SERVICE)).version == version  # type: ignore[union-attr]
    refused.fill("Value (rule 1)", "4")
    listed = await press_named(designer, refused, "save")
    both = f"Only if '{BINS}' is 4 or more or '{BENEFIT}' is {PENSION}"
    assert listed.url.endswith(FEES) and both in cards(listed)[-1]
    assert f"Fee '{EXTRA}' is now charged only if" in text_of(listed.soup)
    assert (await lines(council))[-1]["when"] == {"anyOf": [
        {"properties": {"bins": {"minimum": 4}}, "required": ["bins"]},
        {"properties": {"concessionBenefit": {"const": "pension-credit"}}, "required": ["concessionBenefit"]}]}

    # The runtime charges it when either rule holds, and not otherwise.
    assert line_id in await charged(council, {"bins": 4, "concession": False})
    assert line_id in await charged(council, {"bins": 1, "concession": True, "concessionBenefit": "pension-credit"})
    assert line_id not in await charged(council, {"bins": 2, "concession": False})
    assert line_id not in await charged(
        council, {"bins": 3, "concession": True, "concessionBenefit": "council-tax-reduction"})

    # Reopened from the fees page: both rules as saved. Removing one saves nothing until asked.
    rules = await designer.open(link(listed, f"Change when fee {EXTRA} is charged"))
    assert len(rules.soup.select(".borough-builder-rule")) == 2
    assert chosen(rules, "Question (rule 1)") == BINS and rules.soup.find(id="value-0")["value"] == "4"
    assert f"Now: {both}" in text_of(rules.soup)
    rules = await press_named(designer, rules, "remove-0")
    assert len(rules.soup.select(".borough-builder-rule")) == 1 and chosen(rules, "Question (rule 1)") == BENEFIT
    assert (await lines(council))[-1]["when"]["anyOf"]
    select(rules, "Test (rule 1)", "is not")
    listed = await press_named(designer, rules, "save")
    one = f"Only if '{BENEFIT}' is not {PENSION}"
    assert one in cards(listed)[-1]
    assert (await lines(council))[-1]["when"] == {"anyOf": [  # still "any", of one rule
        {"properties": {"concessionBenefit": {"not": {"const": "pension-credit"}}}, "required": ["concessionBenefit"]}]}
    assert line_id not in await charged(council, {"bins": 4, "concession": False})

    # Undo takes back the condition change alone: both rules again.
    overview = await designer.open(DRAFT)
    await press(designer, overview, "Undo")
    again = await designer.open(FEES)
    assert both in cards(again)[-1]
    assert list((await lines(council))[-1]["when"]) == ["anyOf"]
    assert (await lines(council))[-1]["amount"] == 1000

    # Always charged again, from the condition page.
    rules = await designer.open(link(again, f"Change when fee {EXTRA} is charged"))
    listed = await press_named(designer, rules, "clear")
    assert "when" not in (await lines(council))[-1] and "Always" in cards(listed)[-1]
    assert line_id in await charged(council, {"bins": 1, "concession": False})


async def test_a_fee_condition_the_editor_cannot_show_stays_editable_as_json(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    fees = await designer.open(FEES)
    rules = await designer.open(link(fees, "Change when fee Garden waste subscription for 12 months, per bin is charged"))
    assert chosen(rules, "Question (rule 1)") == "Do you or your partner get Council Tax Reduction or Pension Credit?"
    as_json = await designer.open(link(rules, "Edit the condition as JSON"))
    assert as_json.heading == "When 'Garden waste subscription for 12 months, per bin' is charged, as JSON"
    assert '"const": false' in as_json.soup.find(id="condition").get_text()

    as_json.fill("Condition (JSON Schema)", "{not json")
    refused = await designer.submit(as_json)
    assert refused.status == 422 and refused.error_summary()[0][1] == "#condition"
    assert refused.error_summary()[0][0].startswith("The condition is not valid JSON")
    assert refused.soup.find(id="condition").get_text() == "{not json"

    unreadable: dict[str, Any] = {"properties": {"bins": {"minimum": 2, "maximum": 4}}, "required": ["bins"]}
    refused.fill("Condition (JSON Schema)", json.dumps(unreadable))
    listed = await designer.submit(refused)
    said = "Only if a condition written as JSON holds (it cannot be shown as a sentence)"
    assert listed.url.endswith(FEES) and said in cards(listed)[0]
    assert (await lines(council))[0]["when"] == unreadable
    assert "standard" in await charged(council, {"bins": 3}) and "standard" not in await charged(council, {"bins": 5})

    # The rules page says why and keeps it; the JSON stays editable, here and on the fee's form.
    rules = await designer.open(link(listed, "Change when fee Garden waste subscription for 12 months, per bin is charged"))
    assert "cannot be shown as rules" in text_of(rules.soup)
    as_json = await designer.open(link(rules, "Edit the condition as JSON"))
    assert json.loads(as_json.soup.find(id="condition").get_text()) == unreadable
    unreadable["properties"]["bins"]["maximum"] = 3
    as_json.fill("Condition (JSON Schema)", json.dumps(unreadable))
    await designer.submit(as_json)
    assert (await lines(council))[0]["when"] == unreadable
    form = await designer.open(link(listed, "Change fee Garden waste subscription for 12 months, per bin"))
    assert form.soup.find("input", attrs={"name": "condition", "value": "json"}).has_attr("checked")
    assert json.loads(form.soup.find(id="when").get_text()) == unreadable
    form.fill("Condition (JSON Schema)", " ")
    refused = await designer.submit(form)
    assert refused.status == 422
    assert refused.error_summary() == [("Enter the condition as JSON, or choose when the fee is charged", "#when")]

    # Choosing rules instead keeps the JSON until rules are saved on the rules page.
    refused.choose("When is it charged?", "Only when some answers are…")
    rules = await designer.submit(refused)
    assert rules.url.endswith(FEES + "/standard/condition") and "cannot be shown as rules" in text_of(rules.soup)
    assert "until you save the rules, it keeps its condition written as JSON" in text_of(rules.soup)
    assert (await lines(council))[0]["when"] == unreadable


async def test_fee_conditions_are_for_the_councils_editors_only(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    urls = [FEES + "/standard/condition", FEES + "/standard/condition/json"]
    for role in ("caseworker", "publisher"):
        other = await person(app, browsers, role)
        for url in urls:
            assert (await other.client.get(url)).status_code == 403, (role, url)
            assert (await other.client.post(url, data={"version": "1", "rule_count": "1"})).status_code == 403
    await make_council("southshire", "Southshire Council")
    stranger = await person(app, browsers, "designer", slug="southshire")
    for url in urls:
        assert (await stranger.client.get(url)).status_code == 404, url
    designer = await person(app, browsers, "designer")
    assert (await designer.client.get(FEES + "/no-such-line/condition")).status_code == 404
    rules = await designer.open(urls[0])
    token = rules.soup.find("input", attrs={"name": "csrf_token"})["value"]
    absurd = await designer.client.post(urls[0], data={"csrf_token": token, "version": "1", "rule_count": "100000",
                                                       "action": "save"})
    assert absurd.status_code == 400
    assert (await lines(council))[0]["when"] == {"properties": {"concession": {"const": False}},
                                                 "required": ["concession"]}


async def test_a_new_fee_whose_rules_are_never_written_is_never_charged_and_stops_publishing(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    form = await designer.open(FEES + "/new")
    form.fill("What is the fee for?", EXTRA)
    form.choose("How much is it?", "An amount you set")
    form.fill("Amount in pounds", "10")
    form.choose("When is it charged?", "Only when some answers are…")
    rules = await designer.submit(form)
    line_id = (await lines(council))[-1]["id"]
    assert rules.url.endswith(f"{FEES}/{line_id}/condition")
    assert "until you save the rules, it is never charged" in text_of(rules.soup)
    assert not rules.soup.select(".govuk-error-summary") and "cannot be shown as rules" not in text_of(rules.soup)

    # The designer leaves without writing the rules: the fees page says so, the runtime charges nothing.
    fees = await designer.open(FEES)
    waiting = "Rules not written yet — this fee is never charged until you write them"
    assert waiting in cards(fees)[-1]
    assert link(fees, f"Write the rules for fee {EXTRA}") == f"{FEES}/{line_id}/condition"
    for answers in ({"bins": 1, "concession": False}, {"bins": 4, "concession": True,
                                                       "concessionBenefit": "pension-credit"}):
        assert line_id not in await charged(council, answers)
        assert "standard" in await charged(council, answers) or "concession" in await charged(council, answers)

    # The draft and publishing both say what is wrong, linking to the rules.
    overview = await designer.open(DRAFT)
    problem = f"The fee '{EXTRA}' is never charged: its rules are not written yet"
    assert problem in text_of(overview.soup.find("main"))
    assert link(overview, "fix this problem") == f"{FEES}/{line_id}/condition"
    publisher = await person(app, browsers, "publisher")
    publish = await publisher.open(DRAFT + "/publish")
    publish.fill("Change note", "An extra round")
    refused = await publisher.submit(publish)
    assert refused.status == 422 and (problem, "#problems") in refused.error_summary()
    assert link(refused, "fix this problem") == f"{FEES}/{line_id}/condition"
    assert await store.get_latest(council, SERVICE) is None

    # The rules written: charged as they say, and the draft publishes.
    rules = await designer.open(link(fees, f"Write the rules for fee {EXTRA}"))
    select(rules, "Question (rule 1)", BINS)
    select(rules, "Test (rule 1)", "at least")
    rules.fill("Value (rule 1)", "3")
    listed = await press_named(designer, rules, "save")
    assert listed.url.endswith(FEES) and f"Only if '{BINS}' is 3 or more" in cards(listed)[-1]
    assert waiting not in text_of(listed.soup)
    assert line_id in await charged(council, {"bins": 3, "concession": False})
    assert line_id not in await charged(council, {"bins": 2, "concession": False})
    publish = await publisher.open(DRAFT + "/publish")
    publish.fill("Change note", "An extra round")
    done = await publisher.submit(publish)
    assert "Published version" in text_of(done.soup), done.error_summary()
    assert await store.get_latest(council, SERVICE) is not None
