"""Check your answers comes from a projection of its shape; every shape, in every language, for
every council, is exactly the full render of its own JSON payload. And compiled `when`
conditions decide exactly as the JSON Schema validator does."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from resident import Page, Resident
from test_projections import full_render
from walker import answer_page, page_id, service

from borough.demo import SERVICES_DIR
from runtime import store
from runtime.core.conditions import Condition
from runtime.core.definition import load
from runtime.core.keywords import answers_validator
from runtime.core.service import content_hash
from runtime.resident import answers_page


async def at_check_answers(resident: Resident, service_id: str, council: str = "demo",
                           choices: dict[str, tuple[str, str]] | None = None) -> Page:
    """Answer every page up to check answers: the first option, unless `choices` gives a page's
    id → (question, option)."""
    compiled = service(service_id)
    page = await resident.start(council, service_id)
    for _ in range(60):
        assert page.status == 200, (page.url, page.error_summary())
        step, item = page_id(page.url, service_id)
        if step == "check-answers":
            return page
        definition_page = compiled.page(step)
        assert definition_page is not None
        if definition_page.kind == "add-another" and item is None:
            page.choose(page.soup.select_one("fieldset legend").get_text(strip=True), "No")
        elif definition_page.kind != "content":
            answer_page(page, definition_page)
            if step in (choices or {}):
                page.choose(*(choices or {})[step])
        page = await resident.submit(page)
    raise AssertionError("check answers not reached")


async def same_as_full_render(app: Any, client: httpx.AsyncClient, path: str, query: str = "") -> Page:
    response = await client.get(path + query)
    assert response.status_code == 200
    page = Page(response, BeautifulSoup(response.text, "html.parser"))
    payload = (await client.get(f"{path}.json{query}")).json()
    assert response.text == full_render(app, page, payload, "pages/check_answers.html")
    return page


async def test_check_answers_in_welsh_is_the_full_render(app: Any, client: httpx.AsyncClient, resident: Resident) -> None:
    page = await at_check_answers(resident, "apply-parking-permit")
    path = urlsplit(page.url).path
    english = await same_as_full_render(app, client, path)
    welsh = await same_as_full_render(app, client, path, "?lang=cy")
    assert welsh.soup.find("html")["lang"] == "cy"
    assert english.response.text != welsh.response.text
    again = await same_as_full_render(app, client, path, "?lang=en")  # the English projection, reused
    assert again.response.text == english.response.text


async def test_a_new_shape_gets_its_own_projection(app: Any, client: httpx.AsyncClient, resident: Resident) -> None:
    """Another item in a list, and a fee line priced per item, change the page's shape."""
    page = await at_check_answers(resident, "book-bulky-waste")
    path = urlsplit(page.url).path
    one = await same_as_full_render(app, client, path)
    items = next(p for p in service("book-bulky-waste").pages if p.kind == "add-another")
    added = await resident.open(f"/demo/book-bulky-waste/{items.id}/2")
    answer_page(added, items)
    summary = await resident.submit(added)
    assert summary.status == 200
    two = await same_as_full_render(app, client, path)
    assert one.response.text != two.response.text
    assert "\u00d7 2" in two.response.text and "\u00d7 2" not in one.response.text


async def test_a_conditional_fee_changes_the_shape(app: Any, client: httpx.AsyncClient,
                                                                          resident: Resident) -> None:
    first = await at_check_answers(resident, "apply-parking-permit")
    path = urlsplit(first.url).path
    plain = await same_as_full_render(app, client, path)
    resident.client.cookies.clear()
    other = await at_check_answers(resident, "apply-parking-permit", choices={"fuel": ("What fuel does the vehicle use?", "Diesel")})
    diesel = await same_as_full_render(app, client, path)
    assert "Diesel surcharge" in diesel.response.text
    assert "Diesel surcharge" not in plain.response.text
    assert other.status == 200


async def test_a_second_council_with_the_same_definition_shows_its_own_name(app: Any, client: httpx.AsyncClient,
                                                                              resident: Resident) -> None:
    """Two councils may publish byte-identical definitions (one content hash): a projection
    must never carry one council's name or links onto the other's pages."""
    document = load((SERVICES_DIR / "report-missed-bin.json").read_bytes())
    other = await store.create_council("other", "Other Town Council", languages=["en", "cy"])
    await store.publish_version(other, document, content_hash(document))
    demo_page = await at_check_answers(resident, "report-missed-bin")
    await same_as_full_render(app, client, urlsplit(demo_page.url).path)
    question = service("report-missed-bin").pages[0].id
    demo_question = (await client.get(f"/demo/report-missed-bin/{question}")).text
    assert "Demo Borough Council" in demo_question
    resident.client.cookies.clear()
    other_page = await at_check_answers(resident, "report-missed-bin", council="other")
    checked = await same_as_full_render(app, client, urlsplit(other_page.url).path)
    text = checked.response.text
    assert "Other Town Council" in text and "Demo Borough Council" not in text and "/demo/" not in text
    other_question = (await client.get(f"/other/report-missed-bin/{question}")).text
    assert "Other Town Council" in other_question and "Demo Borough Council" not in other_question


# Compiled conditions -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 2.5, -1.0])
    | st.sampled_from(["", "a", "diesel", "1", "true", "fridge"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "type"]), inner, max_size=3),
    max_leaves=6,
)
consts = st.none() | st.booleans() | st.integers(-2, 2) | st.sampled_from(["", "a", "diesel", "1", "fridge"])


def property_schemas() -> st.SearchStrategy[dict[str, Any]]:
    leaf = consts.map(lambda value: {"const": value})
    return st.recursive(
        leaf,
        lambda inner: st.builds(lambda sub: {"contains": sub}, inner) | object_schemas(inner),
        max_leaves=4,
    )


def object_schemas(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from(["a", "b", "type"])
    return st.fixed_dictionaries(
        {}, optional={"properties": st.dictionaries(names, inner, max_size=2), "required": st.lists(names, max_size=2)},
    )


@settings(max_examples=600, deadline=None)
@given(schema=object_schemas(property_schemas()), instance=st.dictionaries(st.sampled_from(["a", "b", "type"]),
                                                                           json_values, max_size=3) | json_values)
def test_compiled_conditions_decide_as_the_validator_does(schema: dict[str, Any], instance: Any) -> None:
    condition = Condition(schema)
    assert condition.compiled
    assert condition.is_valid(instance) == answers_validator(schema).is_valid(instance), (schema, instance)


def test_every_shipped_condition_is_compiled_and_others_fall_back_to_the_validator() -> None:
    for path in sorted(SERVICES_DIR.glob("*.json")):
        document = json.loads(path.read_text())
        for spec in [*document["pages"], *document.get("fees", {}).get("lines", [])]:
            if "when" in spec:
                assert Condition(spec["when"]).compiled, (path.name, spec["id"])
    other = Condition({"properties": {"age": {"minimum": 18}}, "required": ["age"]})
    assert not other.compiled
    assert other.is_valid({"age": 20}) and not other.is_valid({"age": 17}) and not other.is_valid({})
    floats = Condition({"properties": {"n": {"const": 1.5}}})
    assert not floats.compiled and floats.is_valid({"n": 1.5}) and not floats.is_valid({"n": 2})


# The fast paths for typed answers and options write exactly what display_value and the template do.

HOSTILE = '<script>alert("x")</script> & \'quotes\' {{ 7*7 }} ŵŷâ 🗑️'


def test_rows_written_without_display_value_are_written_exactly_as_with_it() -> None:
    samples: list[Any] = [HOSTILE, "line one\nline <two>", "", [], ["a", HOSTILE], 7, 2.5, True, False,
                          "petrol", "diesel", ["hazardous", "other"]]
    checked = 0
    for path in sorted(SERVICES_DIR.glob("*.json")):
        compiled = service(path.stem)
        for language in compiled.languages:
            not_provided = answers_page._escaped(answers_page.ui(language, "not_provided"))
            for step in compiled.pages:
                if step.kind != "question":
                    continue
                rows, _ = answers_page._rows(compiled, step)
                for _, fld, _, how in rows:
                    for value in [*samples, *(option for option, _ in fld.options)]:
                        expected = answers_page.value_html(answers_page.display_value(compiled, fld, value, language, {}))
                        if how == answers_page.AS_TYPED:
                            assert answers_page._typed_html(value, not_provided) == expected, (fld.key, value)
                        elif how == answers_page.AS_OPTION:
                            titles = answers_page._escaped_titles(compiled, fld, language)
                            assert answers_page._option_html(value, titles, not_provided) == expected, (fld.key, value)
                        checked += 1
    assert checked > 500
