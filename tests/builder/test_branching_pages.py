"""'Show this page only if…' over HTTP, with JavaScript off: a condition built from rules reads
back as a sentence on the page and the draft; rules are added and removed by buttons with
nothing typed lost; rules that do not fit are refused on the control to fix; a condition the
rules cannot show is kept and edited as JSON, and bad JSON is refused with the input kept."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from test_builder_pages import BASE, DRAFT, Page, Resident, app, council, person, text_of
from test_question_pages import add_page, link, start_blank, stored

from runtime import store
from runtime.store import drafts

__all__ = ["app", "council"]

ITEM = "What type of item is it?"
WORKING = "Is it still working?"


def select(page: Page, label: str, option: str) -> None:
    """Choose the option reading `option` in the drop-down labelled `label`."""
    control = page.soup.find(id=page.label_for(label)["for"])
    for found in control.find_all("option"):
        if text_of(found) == option:
            page.values[control["name"]] = [found.get("value", "")]
            return
    raise AssertionError(f"no option {option!r} in {label!r}")


def chosen(page: Page, label: str) -> str:
    control = page.soup.find(id=page.label_for(label)["for"])
    picked = control.find("option", selected=True)
    return text_of(picked) if picked else ""


async def press_named(browser: Resident, page: Page, action: str) -> Page:
    """Press one of the condition form's buttons (they all send `action`)."""
    return await browser.submit(page, extra={"action": [action]})


async def built(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> tuple[Resident, str, str]:
    """A draft asking the item type and whether it works, then a content page: (designer,
    the content page's id, the item question's answer name)."""
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, ITEM, "One of several options", "Fridge or freezer\nSofa\nMattress")
    await add_page(designer, WORKING, "Yes or no")
    draft = await designer.open(DRAFT)
    form = await designer.open(draft.soup.find("a", string="Add a content or exit page")["href"])
    form.fill("Page title", "Fridges cost extra")
    form.fill("What the page says", "We charge more to take away fridges and freezers.")
    form.choose("Does the journey end on this page?", "No")
    await designer.submit(form)
    definition = (await stored(council)).definition
    return designer, definition["pages"][-1]["id"], definition["pages"][1]["fields"][0]["answer"].strip("/")


async def test_a_condition_from_rules_reads_back_as_a_sentence(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, item = await built(app, council, browsers)
    page = await designer.open(f"{DRAFT}/pages/{page_id}")
    assert text_of(page.soup.find(id="condition")) == "Always: every resident sees this page."
    form = await designer.open(link(page, "Show this page only if…"))
    assert form.heading == "Show 'Fridges cost extra' only if…"
    select(form, "Question (rule 1)", ITEM)
    select(form, "Test (rule 1)", "is")
    form.fill("Value (rule 1)", "Fridge or freezer")  # the option's words; its value is kept
    page = await press_named(designer, form, "save")
    sentence = f"Only if '{ITEM}' is Fridge or freezer"
    assert page.status == 200 and text_of(page.soup.find(id="condition")) == sentence
    stored_page = (await stored(council)).definition["pages"][-1]
    assert stored_page["when"] == {"properties": {item: {"const": "fridge-or-freezer"}}, "required": [item]}
    audited = (await store.audit.entries(council, limit=1))[0]
    assert (audited.action, audited.after["change"]) == (  # type: ignore[index]
        "draft-changed", f"Page 'Fridges cost extra' is now shown only if '{ITEM}' is Fridge or freezer")
    overview = await designer.open(DRAFT)
    assert sentence in text_of(overview.soup.select(".borough-builder-pages > li")[-1])

    # Reopened, the rule is shown as it was saved, its options as boxes to tick.
    form = await designer.open(link(page, "Change when this page is shown"))
    assert chosen(form, "Question (rule 1)") == ITEM and chosen(form, "Test (rule 1)") == "is"
    ticked = form.soup.find("input", attrs={"name": "value-0", "value": "fridge-or-freezer"})
    assert ticked is not None and ticked.has_attr("checked")

    # Add a rule: what was chosen stays; the new rule asks whether the item works.
    form = await press_named(designer, form, "add")
    assert form.status == 200 and len(form.soup.select(".borough-builder-rule")) == 2
    assert chosen(form, "Question (rule 1)") == ITEM
    form.choose("Options (rule 1)", "Fridge or freezer", "Sofa")
    select(form, "Test (rule 1)", "is one of")
    select(form, "Question (rule 2)", WORKING)
    form = await press_named(designer, form, "refresh")  # shows Yes and No for the new rule
    form.choose("Answer (rule 2)", "No")
    select(form, "Test (rule 2)", "is")
    form.choose("Show the page when", "Any one of the rules holds")
    page = await press_named(designer, form, "save")
    both = f"Only if '{ITEM}' is Fridge or freezer or Sofa or '{WORKING}' is No"
    assert text_of(page.soup.find(id="condition")) == both
    assert list((await stored(council)).definition["pages"][-1]["when"]) == ["anyOf"]

    # Remove the first rule: the second one stays as it was; nothing is saved until asked.
    form = await designer.open(link(page, "Change when this page is shown"))
    version = (await stored(council)).version
    form = await press_named(designer, form, "remove-0")
    assert len(form.soup.select(".borough-builder-rule")) == 1
    assert chosen(form, "Question (rule 1)") == WORKING and (await stored(council)).version == version
    page = await press_named(designer, form, "save")
    assert text_of(page.soup.find(id="condition")) == f"Only if '{WORKING}' is No"

    # Show the page to everyone again.
    form = await designer.open(link(page, "Change when this page is shown"))
    page = await press_named(designer, form, "clear")
    assert text_of(page.soup.find(id="condition")) == "Always: every resident sees this page."
    assert "when" not in (await stored(council)).definition["pages"][-1]


async def test_rules_that_do_not_fit_are_refused_where_to_fix_them(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, _ = await built(app, council, browsers)
    version = (await stored(council)).version
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    form = await press_named(designer, form, "add")
    select(form, "Question (rule 1)", ITEM)
    select(form, "Test (rule 1)", "more than")
    form.fill("Value (rule 1)", "3")
    select(form, "Test (rule 2)", "is")
    refused = await press_named(designer, form, "save")
    assert refused.status == 422 and refused.title.startswith("Error:")
    assert refused.error_summary() == [
        (f"Rule 1: '{ITEM}' cannot be tested with 'more than': choose 'is', 'is not', 'is one of', 'is not one of', "
         "'is answered', 'is not answered'", "#operator-0"),
        ("Rule 2: choose a question asked before this page", "#answer-1")]
    assert chosen(refused, "Question (rule 1)") == ITEM and refused.soup.find(id="value-0") is not None
    select(refused, "Test (rule 1)", "is")
    select(refused, "Question (rule 2)", WORKING)
    refused.values.pop("value-0", None)
    again = await press_named(designer, refused, "save")
    assert ("Rule 1: choose or enter a value", "#value-0") in again.error_summary()
    assert (await stored(council)).version == version

    # Forged forms change nothing: no CSRF token, an absurd number of rules.
    url = f"{DRAFT}/pages/{page_id}/condition"
    assert (await designer.client.post(url, data={"version": str(version), "rule_count": "1"})).status_code == 403
    token = again.soup.find("input", attrs={"name": "csrf_token"})["value"]
    absurd = await designer.client.post(url, data={"csrf_token": token, "version": str(version),
                                                   "rule_count": "100000", "action": "save"})
    assert absurd.status_code == 400 and (await stored(council)).version == version


async def test_a_rule_without_a_test_asks_for_one(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """A question picked but no test chosen is asked for in words, not as a test called 'nothing'."""
    designer, page_id, _ = await built(app, council, browsers)
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    select(form, "Question (rule 1)", ITEM)
    refused = await press_named(designer, form, "save")
    assert refused.status == 422
    assert refused.error_summary() == [
        (f"Rule 1: choose a test for '{ITEM}': 'is', 'is not', 'is one of', 'is not one of', "
         "'is answered', 'is not answered'", "#operator-0")]
    assert chosen(refused, "Question (rule 1)") == ITEM


async def test_a_value_that_is_not_an_option_says_which_options_there_are(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """A value the question does not offer (left from another question, or mistyped) is refused
    with the question's options in words, so the designer can see what to write or tick."""
    designer, page_id, _ = await built(app, council, browsers)
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    select(form, "Question (rule 1)", ITEM)
    select(form, "Test (rule 1)", "is")
    form.fill("Value (rule 1)", "Wardrobe")
    refused = await press_named(designer, form, "save")
    assert refused.status == 422
    assert refused.error_summary() == [
        ("Rule 1: 'Wardrobe' is not one of the question's options: choose 'Fridge or freezer', 'Sofa' or "
         "'Mattress'", "#value-0")]


async def test_a_condition_the_rules_cannot_show_stays_editable_as_json(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, item = await built(app, council, browsers)
    version = (await stored(council)).version
    rules = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    form = await designer.open(link(rules, "Edit the condition as JSON"))
    for typed, message in (
            ("{not json", "The condition is not valid JSON: Expecting property name enclosed in double quotes "
                          "(line 1, column 2)"),
            ("[1, 2]", "The condition must be a JSON object, in { and }"),
            (json.dumps({"properties": {item: {"minimum": "five"}}, "required": [item]}),
             "The condition cannot be used")):
        form.fill("Condition (JSON Schema)", typed)
        refused = await designer.submit(form)
        assert refused.status == 422 and refused.error_summary()[0][0].startswith(message), refused.error_summary()
        assert refused.error_summary()[0][1] == "#condition"
        assert refused.soup.find(id="condition").get_text() == typed  # what was typed is kept
        form = refused
    assert (await stored(council)).version == version

    unreadable = json.dumps({"not": {"properties": {item: {"const": "sofa"}}, "required": [item]}})
    form.fill("Condition (JSON Schema)", unreadable)
    page = await designer.submit(form)
    said = "Only if a condition written as JSON holds (it cannot be shown as a sentence)"
    assert page.status == 200 and text_of(page.soup.find(id="condition")) == said
    assert (await stored(council)).definition["pages"][-1]["when"] == {
        "not": {"properties": {item: {"const": "sofa"}}, "required": [item]}}
    rules = await designer.open(link(page, "Change when this page is shown"))
    assert "cannot be shown as rules" in text_of(rules.soup)
    as_json = await designer.open(link(rules, "Edit the condition as JSON"))
    assert '"const": "sofa"' in as_json.soup.find(id="condition").get_text()


async def test_conditions_are_for_editors_of_the_council_only(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, _ = await built(app, council, browsers)
    urls = [f"{DRAFT}/pages/{page_id}/condition", f"{DRAFT}/pages/{page_id}/condition/json"]
    for role in ("caseworker", "publisher"):
        other = await person(app, browsers, role)
        for url in urls:
            assert (await other.client.get(url)).status_code == 403, (role, url)
    southshire = await store.create_council("southshire", "Southshire Council")
    await start_blank(southshire)
    for url in urls:
        assert (await designer.client.get(url.replace("/northshire/", "/southshire/"))).status_code == 404


async def test_a_stale_condition_form_shows_the_conflict_and_keeps_the_rules(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, _ = await built(app, council, browsers)
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    select(form, "Question (rule 1)", WORKING)
    select(form, "Test (rule 1)", "is answered")
    await add_page(await person(app, browsers, "designer"), "What colour is it?", "Short text")  # meanwhile
    stale = await press_named(designer, form, "save")
    assert stale.status == 422 and "your change was not saved" in stale.error_summary()[0][0]
    assert "designer@northshire.test: Added page 'What colour is it?'" in stale.error_summary()[0][0]
    assert chosen(stale, "Question (rule 1)") == WORKING and chosen(stale, "Test (rule 1)") == "is answered"
    assert "when" not in next(p for p in (await stored(council)).definition["pages"] if p["id"] == page_id)
    page = await press_named(designer, stale, "save")  # decided: save it against the draft as it now is
    assert text_of(page.soup.find(id="condition")) == f"Only if '{WORKING}' is answered"


async def test_a_condition_built_on_the_page_decides_what_residents_see(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, page_id, _ = await built(app, council, browsers)
    form = await designer.open(f"{DRAFT}/pages/{page_id}/condition")
    select(form, "Question (rule 1)", ITEM)
    form = await press_named(designer, form, "refresh")
    select(form, "Test (rule 1)", "is")
    form.choose("Options (rule 1)", "Fridge or freezer")
    await press_named(designer, form, "save")
    draft = await stored(council)
    await drafts.publish_draft(council, draft.service_id, draft.version, version="1.0.0", note="First", actor=None)

    seen = {}
    for item in ("Sofa", "Fridge or freezer"):
        resident = Resident(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE))
        browsers.append(resident.client)
        page = await resident.start("northshire", draft.service_id)
        page.fill("What is your email address?", "resident@example.org")
        page = await resident.submit(page)
        page.choose(ITEM, item)
        page = await resident.submit(page)
        page.choose(WORKING, "No")
        page = await resident.submit(page)
        seen[item] = page.heading
    assert seen["Fridge or freezer"] == "Fridges cost extra"
    assert seen["Sofa"] != "Fridges cost extra" and "answers" in seen["Sofa"].lower()


async def test_the_first_pages_condition_set_as_json_can_still_be_removed(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer, _, _ = await built(app, council, browsers)
    first = (await stored(council)).definition["pages"][0]["id"]
    form = await designer.open(f"{DRAFT}/pages/{first}/condition/json")
    form.fill("Condition (JSON Schema)", json.dumps({"required": ["email"]}))
    page = await designer.submit(form)
    assert text_of(page.soup.find(id="condition")) == "Only if 'What is your email address?' is answered"
    rules = await designer.open(link(page, "Change when this page is shown"))
    assert "No question is asked before this page" in text_of(rules.soup)
    page = await press_named(designer, rules, "clear")
    assert text_of(page.soup.find(id="condition")) == "Always: every resident sees this page."
    assert "when" not in (await stored(council)).definition["pages"][0]
