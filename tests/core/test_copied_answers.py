"""`copied` is a deep copy of answers: equal to them, sharing no object or array with them."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from runtime.core.answers import copied, merged

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


def containers(value: Any) -> list[Any]:
    """Every object and array inside `value`, itself included."""
    found = []
    if isinstance(value, dict | list):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            found.extend(containers(item))
    return found


@given(JSON)
def test_a_copy_is_equal_and_shares_no_container(value: Any) -> None:
    result = copied(value)
    assert result == value == copy.deepcopy(value)
    originals = {id(container) for container in containers(value)}
    assert not originals & {id(container) for container in containers(result)}


def test_changing_a_merged_copy_leaves_the_answers_as_they_were() -> None:
    answers = {"address": {"line1": "1 High Street", "postcode": "SW1A 1AA"}, "pets": [{"name": "Rex"}]}
    before = copy.deepcopy(answers)
    result = merged(answers, {"/address/line1": "2 Low Road"})
    result["address"]["postcode"] = "CF10 1AA"
    result["pets"][0]["name"] = "Tiddles"
    assert answers == before
    assert result["address"] == {"line1": "2 Low Road", "postcode": "CF10 1AA"}
