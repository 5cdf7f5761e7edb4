"""Issue 13: a component's `attributes` are written with escape() and one join rather than
Markup.format. The HTML must be exactly what Markup.format gave, hostile names and values
included: everything escaped, nothing left out or added."""

from __future__ import annotations

from typing import Any

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from runtime.web.rendering import govuk_attributes


def as_markup_format_wrote_it(attributes: dict[str, Any]) -> Markup:
    parts = []
    for name, item in attributes.items():
        option = item if isinstance(item, dict) else {"value": item, "optional": False}
        value = option.get("value")
        empty = value is None or isinstance(value, jinja2.Undefined)
        optional = option.get("optional") is True
        if optional and value is True:
            parts.append(Markup(" {}").format(name))
        elif not optional or not (empty or value is False):
            text = "" if empty else "true" if value is True else "false" if value is False else value
            parts.append(Markup(' {}="{}"').format(name, text))
    return Markup("").join(parts)


HOSTILE = st.text(alphabet=st.sampled_from(list("ab1 <>&\"'=/;{}%é\u2028")), max_size=12)
VALUES = st.one_of(HOSTILE, st.none(), st.booleans(), st.integers(-5, 500), st.just(jinja2.Undefined()),
                   st.just(Markup("<b>safe</b>")), st.lists(HOSTILE, max_size=2))
ITEMS = st.one_of(VALUES, st.fixed_dictionaries({"value": VALUES}, optional={"optional": st.sampled_from([True, False, "yes"])}))


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(HOSTILE, ITEMS, max_size=5))
def test_attributes_are_written_as_markup_format_wrote_them(attributes: dict[str, Any]) -> None:
    written = govuk_attributes(attributes)
    assert isinstance(written, Markup)
    assert str(written) == str(as_markup_format_wrote_it(attributes))


def test_a_string_is_output_as_it_is_and_anything_else_is_nothing() -> None:
    assert govuk_attributes('data-module="x"') == Markup('data-module="x"')
    assert govuk_attributes(None) == Markup("") and govuk_attributes(["a"]) == Markup("")
    assert govuk_attributes({'"><script>': '"><script>alert(1)</script>'}) == Markup(
        ' &#34;&gt;&lt;script&gt;="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
