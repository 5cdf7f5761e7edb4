"""Property: any valid set of answers, typed into the pages as a browser would send them, is
stored exactly as it was generated.

For every shipped service Hypothesis builds an application page by page, following the
service's own flow (so `when` conditions and `if/then` rules are respected): each question's
answer comes from its JSON Schema (a draft-07 copy, since hypothesis-jsonschema knows no later
draft), with our own strategies for the formats it cannot generate (dates within their
bounds, emails, postcodes, phone numbers, files). The answers are turned into form fields
with `runtime.core.answers.form_values` (the inverse of parsing), sometimes written the other
ways the codecs document (padded with spaces, postcodes in lower case, months by name, money
with £ and thousands commas), posted with the page's CSRF token, and the flow is followed to
check answers and submitted. The stored submission must equal the generated answers.

The PostgreSQL run uses fewer examples than the SQLite one: every test builds and migrates a
fresh database, and the point there is the JSON round trip through JSONB, not more search.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema
from walker import PNG, service, service_ids

from runtime import store
from runtime.core import flow
from runtime.core.answers import MISSING, MONTHS, form_values, get, merged, put
from runtime.core.fees import price
from runtime.core.formats import is_email, is_uk_phone, is_uk_postcode, normalise_postcode
from runtime.core.service import Answers, Field, Page, Service
from runtime.core.validation import ensure_containers, field_errors, schema_failures

COUNCIL = "demo"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')

# Keywords that exist only after draft 07: a field schema using one cannot be generated from
# a draft-07 copy without translating it first, so it fails loudly instead of being ignored.
LATER_KEYWORDS = {
    "prefixItems", "dependentRequired", "dependentSchemas", "unevaluatedProperties",
    "unevaluatedItems", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "minContains", "maxContains",
}
OURS = {"format", "formatMinimum", "formatMaximum"}  # replaced by strategies of our own

EMAILS = [
    "resident@example.com", "sian.wyn@example.org", "o'brien+bins@example.co.uk",
    "UPPER.case@Example.COM", "a@b.cymru", "first_last-1@sub.example.gov.uk",
]
PHONES = ["01632 960 001", "07700 900 982", "+44 7700 900982", "(01632) 960001", "020 7946 0018", "0044 20 7946 0018"]
POSTCODES = ["SW1A 1AA", "M1 1AE", "CR2 6XH", "DN55 1PT", "B33 8TH", "EC1A 1BB", "CF10 1EP", "LL57 2DG", "SA1 1DP"]
# Welsh letters, other scripts, emoji (one with a variation selector), markup and quotes.
TRICKY_TEXT = st.text(
    alphabet=st.sampled_from(list("ŵŷâêîôûŴŶÂäëïöüÿ🚮🗑️€£½\u2014\u2013\u2019\u201c\u201d<>&\"'` ab\tcñ中ß\n")) | st.characters(codec="utf-8"),
    min_size=1,
)
TYPED = {"text", "textarea", "email", "tel", "postcode", "number", "money"}


class _Uploaded:
    """Stands for "a PNG uploaded here": its stored id cannot be known in advance."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Uploaded:
        return self

    def __repr__(self) -> str:
        return "<photo.png uploaded>"


FILE = _Uploaded()
# Real words with the letters that go wrong first: Welsh circumflexes, emoji, quotes.
WELSH = [
    "Tŷ Ŵyn", "Heol y Bryn, Llanfair-ym-Muallt", "Siân ap Rhys", "Maes-y-Ffynnon 🚮", "Bin gwyrdd 🗑️ wrth y giât",
    "Ffordd Ŷ Ŵ Â", "Pont-y-pŵl", "Caerdydd\nCF10 1EP", "O'Brien & “Sons” <Ltd>",
]


# ---------------------------------------------------------------------------------------
# Strategies: one per question, from its schema
# ---------------------------------------------------------------------------------------

def draft07(schema: Any) -> Any:
    """A draft-07 copy of a field's subschema, without the keywords our strategies replace."""
    if isinstance(schema, list):
        return [draft07(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    later = LATER_KEYWORDS & schema.keys()
    if later:
        raise AssertionError(f"teach test_properties.draft07 to translate {sorted(later)}")
    return {key: draft07(value) for key, value in schema.items() if key not in OURS}


def canonical_text(value: str) -> bool:
    """What the text codec stores unchanged: nothing it would strip or drop (NUL), not empty."""
    return bool(value) and value == value.strip() and "\x00" not in value


def _date_bound(value: str | None, today: datetime.date, default: datetime.date) -> datetime.date:
    if value is None:
        return default
    return today if value == "today" else datetime.date.fromisoformat(value)


def date_strategy(schema: dict[str, Any]) -> SearchStrategy[str]:
    today = datetime.date.today()
    low = _date_bound(schema.get("formatMinimum"), today, today - datetime.timedelta(days=365 * 80))
    high = _date_bound(schema.get("formatMaximum"), today, today + datetime.timedelta(days=365 * 5))
    if "formatMinimum" in schema and "formatMaximum" not in schema:
        high = low + datetime.timedelta(days=730)
    if "formatMaximum" in schema and "formatMinimum" not in schema:
        low = high - datetime.timedelta(days=3650)
    return st.dates(min_value=low, max_value=high).map(datetime.date.isoformat)


def _fits(schema: dict[str, Any]) -> Any:
    low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10**6))
    return lambda value: low <= len(value) <= high


_strategies: dict[int, SearchStrategy[Any]] = {}


def value_strategy(fld: Field) -> SearchStrategy[Any]:
    """Valid answers for one question, in the form the store keeps them (built once)."""
    if id(fld) not in _strategies:
        _strategies[id(fld)] = _value_strategy(fld)
    return _strategies[id(fld)]


def _value_strategy(fld: Field) -> SearchStrategy[Any]:
    schema, widget = fld.schema, fld.widget
    if widget == "date":
        return date_strategy(schema)
    if widget == "file":
        return st.just(FILE)
    if widget == "declaration":
        return st.just(True)
    if widget == "email":
        return st.sampled_from([e for e in EMAILS if is_email(e) and _fits(schema)(e)])
    if widget == "tel":
        return st.sampled_from([p for p in PHONES if is_uk_phone(p) and _fits(schema)(p)])
    if widget == "postcode":
        return st.sampled_from([p for p in POSTCODES if is_uk_postcode(p) and normalise_postcode(p) == p])
    if widget in ("radios", "select", "yes-no"):
        return st.sampled_from([value for value, _ in fld.options])
    generated = from_schema(draft07(schema))
    if widget in ("text", "textarea"):
        if "pattern" not in schema:
            welsh = [w for w in WELSH if _fits(schema)(w)]
            generated = generated | TRICKY_TEXT.filter(_fits(schema)) | (st.sampled_from(welsh) if welsh else st.nothing())
        return generated.filter(lambda v: isinstance(v, str) and canonical_text(v))
    if widget == "money":
        return generated.filter(lambda v: isinstance(v, int) and 0 <= v < 10**11)
    if widget == "number":
        # The number codec reads whole numbers of up to 15 digits (and plain decimals).
        return generated.filter(lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 10**15)
    if widget == "checkboxes":
        # No box ticked is how a form says "not answered": an empty list is stored as absent,
        # so the answered case is a non-empty list (absence is drawn separately).
        return generated.filter(lambda v: isinstance(v, list) and len(v) > 0)
    return generated


# ---------------------------------------------------------------------------------------
# Encoding: the form fields a browser sends for a page
# ---------------------------------------------------------------------------------------

def written_variants(fld: Field, value: Any, shown: Any) -> SearchStrategy[Any]:
    """The ways a resident may type `value` that the codecs document as meaning the same."""
    widget = fld.widget
    variants: list[Any] = [shown]
    if widget in TYPED and isinstance(shown, str):
        variants += [f"  {shown} ", f"\t{shown}\n"]
    if widget in ("text", "textarea") and isinstance(shown, str):
        variants += [f"\x00{shown}", f"{shown[:1]}\x00{shown[1:]}"]  # NUL is dropped
    if widget == "postcode":
        variants += [shown.lower(), shown.replace(" ", ""), shown.replace(" ", "   ").lower()]
    if widget == "money" and isinstance(value, int):
        pounds, pence = divmod(value, 100)
        variants += [f"£{pounds:,}.{pence:02d}", f"{pounds:,}.{pence:02d}"]
        if pence == 0:
            variants.append(str(pounds))
        elif pence % 10 == 0:
            variants.append(f"{pounds}.{pence // 10}")
    if widget == "number" and isinstance(value, int):
        variants.append(f"{value:,}")
    if widget == "date" and isinstance(shown, dict):
        names = [name for name, number in MONTHS.items() if number == int(shown["month"])]
        variants += [{**shown, "month": name} for name in names]
        variants += [{**shown, "month": name.capitalize()} for name in names]
        variants.append({**shown, "day": shown["day"].zfill(2), "month": shown["month"].zfill(2)})
    return st.sampled_from(variants)


def form_pairs(name: str, shown: Any) -> Iterator[tuple[str, str]]:
    if isinstance(shown, dict):  # a date: three inputs
        for part in ("day", "month", "year"):
            yield f"{name}-{part}", shown[part]
    elif isinstance(shown, list):  # checkboxes: one pair per ticked box
        for value in shown:
            yield name, value
    else:
        yield name, shown


# ---------------------------------------------------------------------------------------
# Generating page by page, as the flow asks
# ---------------------------------------------------------------------------------------

def required_now(validator: Any, root_schema: dict[str, Any], page: Page, fld: Field, candidate: Answers) -> bool:
    """Whether the rules (static `required` and any `if/then`) ask for `fld` given `candidate`."""
    trial = copy.deepcopy(candidate)
    ensure_containers(root_schema, page.fields, trial)
    return any(f.keyword == "required" and f.pointer == fld.pointer for f in schema_failures(validator, trial))


def leads_to_stop(svc: Service, answers: Answers) -> bool:
    return flow.stop_page(svc, answers) is not None


def draw_fields(
    data: st.DataObject, svc: Service, page: Page, base: Answers, validator: Any, root_schema: dict[str, Any],
) -> tuple[Answers, list[tuple[str, str]], dict[str, bytes]]:
    """One page's answers (put into a copy of `base`), the form pairs and files to post."""
    answers = copy.deepcopy(base)
    pairs: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    chosen: dict[str, Any] = {}  # field name → the codes its resident ticked
    ordered = [f for f in page.fields if f.revealed_by is None] + [f for f in page.fields if f.revealed_by is not None]
    for fld in ordered:
        if fld.revealed_by is not None:
            owner, code = fld.revealed_by
            if code not in chosen.get(owner, []):
                # Hidden with its option unticked: a browser still sends whatever is in it,
                # and it must not be kept.
                if fld.widget in TYPED:
                    junk = data.draw(st.sampled_from(["", "typed before changing my mind"]), label=f"{fld.name} hidden")
                    pairs.append((fld.name, junk))
                continue
        strategy = value_strategy(fld)
        if fld.widget in ("radios", "select", "yes-no"):
            # An answer that ends the journey on an exit page cannot be submitted: leave it out.
            allowed = [v for v, _ in fld.options if not leads_to_stop(svc, merged(answers, {fld.pointer: v}))]
            assume(allowed)
            strategy = st.sampled_from(allowed)
        needed = fld.required or required_now(validator, root_schema, page, fld, answers)
        present = needed or data.draw(st.booleans(), label=f"{fld.name} answered")
        if not present:
            shown = form_values([fld], {})[fld.name]
            if fld.widget != "file":
                pairs.extend(form_pairs(fld.name, shown))
            continue
        value = data.draw(strategy, label=fld.name)
        if fld.widget == "file":
            files[fld.name] = PNG
            put(answers, fld.pointer, FILE)
            continue
        put(answers, fld.pointer, value)
        shown = form_values([fld], answers)[fld.name]
        chosen[fld.name] = shown if isinstance(shown, list) else [shown]
        typed = data.draw(written_variants(fld, value, shown), label=f"{fld.name} typed")
        pairs.extend(form_pairs(fld.name, typed))
    return answers, pairs, files


def page_errors(svc: Service, page: Page, answers: Answers, validator: Any, root_schema: dict[str, Any]) -> list[Any]:
    trial = copy.deepcopy(answers)
    ensure_containers(root_schema, page.fields, trial)
    return field_errors(svc, page.fields, schema_failures(validator, _with_file_ids(trial)), "en")


def _with_file_ids(answers: Any) -> Any:
    """FILE placeholders as a valid file id, for validation before upload."""
    if answers is FILE:
        return "00000000-0000-4000-8000-000000000000"
    if isinstance(answers, dict):
        return {k: _with_file_ids(v) for k, v in answers.items()}
    if isinstance(answers, list):
        return [_with_file_ids(v) for v in answers]
    return answers


# ---------------------------------------------------------------------------------------
# Talking to the app
# ---------------------------------------------------------------------------------------

class Browser:
    def __init__(self, client: httpx.AsyncClient, service_id: str) -> None:
        self.client = client
        self.base = f"/{COUNCIL}/{service_id}"
        self.token = ""

    async def get(self, url: str) -> httpx.Response:
        response = await self.client.get(url)
        found = CSRF.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    async def post(self, url: str, pairs: list[tuple[str, str]], files: dict[str, bytes] | None = None) -> httpx.Response:
        data: dict[str, list[str]] = {"csrf_token": [self.token]}
        for name, value in pairs:
            data.setdefault(name, []).append(value)
        if files is not None:
            upload = [(name, ("photo.png", content, "image/png")) for name, content in files.items()]
            upload = upload or [("__none__", ("", b"", "application/octet-stream"))]
            return await self.client.post(url, data=data, files=upload)
        return await self.client.post(url, data=data)

    def page(self, page: Page | None) -> str:
        return f"{self.base}/{page.id}" if page is not None else f"{self.base}/check-answers"


def control_names(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    form = [f for f in soup.find_all("form") if f.get("method", "").lower() == "post"][-1]
    return {c["name"] for c in form.find_all(["input", "textarea", "select"]) if c.get("name")}


def assert_posted_names_exist(html: str, pairs: list[tuple[str, str]], files: dict[str, bytes], url: str) -> None:
    names = control_names(html)
    unknown = {name for name, _ in pairs} - names | set(files) - names
    assert not unknown, f"{url}: posted {sorted(unknown)}, but the form has {sorted(names)}"


def expect_redirect(response: httpx.Response, location: str, what: str) -> None:
    assert response.status_code == 303, (
        what, response.status_code, BeautifulSoup(response.text, "html.parser").select_one(".govuk-error-summary")
    )
    assert response.headers["location"] == location, (what, response.headers["location"], location)


async def answer_add_another(browser: Browser, data: st.DataObject, svc: Service, page: Page, answers: Answers) -> Answers:
    """Add a few items, one page each, then say no more are needed."""
    assert page.answer is not None and page.item_validator is not None
    item_schema = page.item_validator.schema
    most = min(page.max_items or 3, 3)
    count = data.draw(st.integers(min_value=max(page.min_items, 1 if page.min_items else 0), max_value=most), label="items")
    items: list[Any] = []
    summary = browser.page(page)
    for number in range(1, count + 1):
        url = f"{summary}/{number}"
        form = await browser.get(url)
        assert form.status_code == 200, (url, form.status_code)
        item, pairs, files = draw_fields(data, svc, page, {}, page.item_validator, item_schema)
        assume(not page_errors(svc, page, item, page.item_validator, item_schema))
        assert_posted_names_exist(form.text, pairs, files, url)
        posted = await browser.post(url, pairs, files if any(f.widget == "file" for f in page.fields) else None)
        expect_redirect(posted, summary, url)
        items.append(item)
    if items:
        listing = await browser.get(summary)
        assert listing.status_code == 200
        answers = merged(answers, {page.answer: items})
    after = await browser.post(summary, [("add-another", "no")])
    if len(items) < page.min_items:
        assert after.status_code == 422
        assume(False)
    expect_redirect(after, browser.page(flow.next_page(svc, answers, page.id)), summary)
    return answers


async def complete(browser: Browser, data: st.DataObject, svc: Service) -> Answers:
    """Generate and post every page that applies; returns the generated answers."""
    validator, root_schema = svc.validator, svc.document["answers"]
    start = await browser.get(browser.base)
    assert start.status_code == 200
    begun = await browser.post(f"{browser.base}/start", [])
    answers: Answers = {}
    page = flow.next_page(svc, answers, None)
    expect_redirect(begun, browser.page(page), "start")
    while page is not None:
        url = browser.page(page)
        if page.kind == "add-another":
            answers = await answer_add_another(browser, data, svc, page, answers)
            page = flow.next_page(svc, answers, page.id)
            continue
        shown = await browser.get(url)
        assert shown.status_code == 200, (url, shown.status_code)
        if page.kind == "content":
            assert not page.stop, f"generation reached the exit page {page.id}"
            moved = await browser.post(url, [])
        else:
            answers_after, pairs, files = draw_fields(data, svc, page, answers, validator, root_schema)
            assume(not page_errors(svc, page, answers_after, validator, root_schema))
            assume(not leads_to_stop(svc, answers_after))
            answers = answers_after
            assert_posted_names_exist(shown.text, pairs, files, url)
            note(f"{page.id}: {pairs}")
            moved = await browser.post(url, pairs, files if any(f.widget == "file" for f in page.fields) else None)
        page = flow.next_page(svc, answers, page.id)
        expect_redirect(moved, browser.page(page), url)
    return answers


def file_pointers(svc: Service, answers: Answers) -> Iterator[str]:
    for page in flow.applicable_pages(svc, answers):
        for fld in page.fields:
            if fld.widget != "file":
                continue
            if page.kind == "add-another" and page.answer:
                items = get(answers, page.answer)
                for index in range(len(items) if isinstance(items, list) else 0):
                    yield f"{page.answer}/{index}{fld.pointer}"
            else:
                yield fld.pointer


def text_shown(rows: list[dict[str, Any]]) -> set[str]:
    shown = set()
    for row in rows:
        value = row["value"]
        shown.add(value["text"] if "text" in value else "\n".join(value.get("lines", [])))
    return shown


async def check_and_submit(browser: Browser, svc: Service, answers: Answers) -> store.Submission:
    check = await browser.get(f"{browser.base}/check-answers")
    assert check.status_code == 200, check.status_code
    summary = await browser.client.get(f"{browser.base}/check-answers.json")
    assert summary.status_code == 200
    rows = [row for section in summary.json()["sections"] for row in section["rows"]]
    displayed = text_shown(rows)
    for page in flow.applicable_pages(svc, answers):
        if page.kind != "question":
            continue
        for fld in page.fields:
            value = get(answers, fld.pointer)
            if fld.widget in ("text", "textarea", "email", "tel", "postcode") and value is not MISSING:
                assert value in displayed, (fld.name, value, displayed)
    sent = await browser.post(f"{browser.base}/check-answers", [])
    if price(svc, answers).total == 0:
        expect_redirect(sent, f"{browser.base}/confirmation", "check answers")
    else:  # off to pay, or straight to the confirmation when the council takes no payments
        assert sent.status_code == 303, sent.status_code
    confirmation = await browser.client.get(f"{browser.base}/confirmation.json")
    assert confirmation.status_code == 200
    council = await store.get_council(COUNCIL)
    assert council is not None
    submission = await store.get_by_reference(council, confirmation.json()["reference"])
    assert submission is not None
    return submission


async def files_match(browser: Browser, svc: Service, answers: Answers, stored: Answers, app: Any) -> Answers:
    """The stored answers' file ids checked against the file store, put in place of FILE."""
    council = await store.get_council(COUNCIL)
    expected = copy.deepcopy(answers)
    for pointer in file_pointers(svc, answers):
        if get(answers, pointer) is not FILE:
            continue
        file_id = get(stored, pointer)
        uploaded = await app.state.files.get_file(council, file_id)
        assert uploaded is not None, (pointer, file_id)
        assert uploaded.filename == "photo.png" and uploaded.content_type == "image/png"
        assert await app.state.files.read_bytes(uploaded) == PNG
        put(expected, pointer, file_id)
    return expected


async def _round_trip(client: httpx.AsyncClient, app: Any, service_id: str, data: st.DataObject) -> None:
    client.cookies.clear()  # a fresh browser, so a fresh journey, for every example
    svc = service(service_id)
    browser = Browser(client, f"{service_id}")
    answers = await complete(browser, data, svc)
    # What the whole-application rules reject was not a valid answer set: filtered, not passed.
    assume(not list(svc.validator.iter_errors(_with_file_ids(answers))))
    assert flow.prune(svc, answers) == answers
    submission = await check_and_submit(browser, svc, answers)
    expected = await files_match(browser, svc, answers, submission.answers, app)
    assert submission.answers == expected
    assert not list(svc.validator.iter_errors(submission.answers))


def _generated(max_examples: int) -> Any:
    # No shrinking: each attempt is a whole journey through the app, and Hypothesis would spend
    # its full five minutes per failing test. Every draw is printed with the failure (and the
    # example is saved in .hypothesis/, so the next run replays it first).
    return settings(
        max_examples=max_examples,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("service_id", service_ids())
@_generated(max_examples=15)
@given(data=st.data())
async def test_generated_answers_survive_the_forms(client: httpx.AsyncClient, app: Any, service_id: str, data: st.DataObject) -> None:
    await _round_trip(client, app, service_id, data)


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("service_id", service_ids())
@_generated(max_examples=6)
@given(data=st.data())
async def test_generated_answers_survive_the_forms_on_postgres(
    client: httpx.AsyncClient, app: Any, service_id: str, data: st.DataObject,
) -> None:
    await _round_trip(client, app, service_id, data)
