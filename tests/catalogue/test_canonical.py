"""RFC 8785 canonical JSON and content addresses."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.catalogue.canonical import NotCanonical, canonical, content_address, number


def test_members_sorted_by_utf16_code_units_without_whitespace() -> None:
    # RFC 8785 3.2.3: U+FB33 sorts after U+1F600 in UTF-16 (a surrogate pair) but before it by code point
    document = {"\ufb33": 3, "b": [1, True, None], "\U0001f600": 2, "a": "x", "\u20ac": 1}
    expected = '{"a":"x","b":[1,true,null],"\u20ac":1,"\U0001f600":2,"\ufb33":3}'
    assert canonical(document) == expected.encode("utf-8")


def test_strings_escaped_only_where_json_requires() -> None:
    assert canonical("é\n\t\"\\\u0001\u007f/") == b'"\xc3\xa9\\n\\t\\"\\\\\\u0001\x7f/"'


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1"), (-0.0, "0"), (0.5, "0.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (1e-7, "1e-7"), (0.000001, "0.000001"), (123.456, "123.456"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (333333333.33333329, "333333333.3333333"),
    (-4.5e-10, "-4.5e-10"),
])
def test_numbers_written_as_ecmascript_writes_them(value: float, text: str) -> None:
    assert number(value) == text


def test_large_integers_a_double_holds_are_written_as_the_double() -> None:
    assert canonical([2**53, 10**21, -(2**60)]) == b"[9007199254740992,1e+21,-1152921504606847000]"  # shortest digits, as ECMAScript


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53 + 1, -(10**400), "\ud800"])
def test_values_without_a_canonical_form_are_refused_with_where(value: object) -> None:
    with pytest.raises(NotCanonical, match="/pages/0"):
        canonical({"pages": [value]})


def test_content_address_is_sha256_of_canonical_bytes_and_ignores_layout() -> None:
    one = json.loads('{"b": 1, "a": [1, 2]}')
    two = json.loads('{\n  "a": [1,2],\n  "b": 1\n}')
    assert content_address(one) == content_address(two) == hashlib.sha256(b'{"a":[1,2],"b":1}').hexdigest()
    assert content_address({"a": [2, 1], "b": 1}) != content_address(one)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(-(2.0**53), 2.0**53) | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_bytes_read_back_as_the_same_value_and_are_stable(value: object) -> None:
    data = canonical(value)
    again = json.loads(data)
    assert again == value
    assert canonical(again) == data
