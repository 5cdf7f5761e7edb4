"""The fees page over HTTP, JavaScript off: lines with amounts in pounds, what they are charged
per and their conditions as sentences; adding a line (typed in pounds, kept in pence), changing,
moving and removing one, each an audited change of the draft; bad amounts and bad JSON keep what
was typed; stale forms are refused with what changed; publishers only look."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from designers import person, press, text_of

from runtime import store
from runtime.store import drafts

SERVICE = "subscribe-garden-waste"
DRAFT = f"/staff/northshire/services/{SERVICE}"
FEES = DRAFT + "/fees"


async def lines(council: store.Council) -> list[dict[str, Any]]:
    draft = await drafts.get_draft(council, SERVICE)
    assert draft is not None
    return list(draft.definition.get("fees", {}).get("lines", []))  # type: ignore[union-attr]


def cards(page: Any) -> list[str]:
    return [text_of(card) for card in page.soup.select(".borough-builder-fees > li")]


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

    # The same condition as one rule: a bad value first, then saved; and a bad amount.
    refused.choose("When is it charged?", "Only when an answer is…")
    refused.values["rule_answer"] = ["/bins"]
    refused.values["rule_operator"] = ["at least"]
    refused.fill("Value", "lots")
    refused = await designer.submit(refused)
    assert refused.status == 422 and refused.error_summary() == [("lots is not a number", "#rule_value")]
    assert refused.soup.find(id="rule_value")["value"] == "lots"
    refused.fill("Value", "3")
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
    assert change.soup.find(id="rule_value")["value"] == "3"  # the condition read back as its rule
    assert change.soup.find("input", attrs={"name": "condition", "value": "rule"}).has_attr("checked")
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
