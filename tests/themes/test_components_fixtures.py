"""Our Jinja component partials render the same markup as GOV.UK Frontend.

Every fixture that govuk-frontend publishes for a component we use is
rendered through our macro with the fixture's options, and both HTML
fragments are compared as normalised trees: attribute order, class order and
whitespace between and around text do not count, everything else does.
"""

import json
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from runtime.web.rendering import environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "themes" / "default" / "templates"
GOVUK_COMPONENTS = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "components"

if not GOVUK_COMPONENTS.is_dir():
    pytest.skip("govuk-frontend is not installed: run make", allow_module_level=True)

COMPONENTS = [
    "back-link",
    "button",
    "character-count",
    "checkboxes",
    "date-input",
    "details",
    "error-message",
    "error-summary",
    "fieldset",
    "file-upload",
    "hint",
    "input",
    "inset-text",
    "label",
    "notification-banner",
    "panel",
    "radios",
    "select",
    "skip-link",
    "summary-list",
    "tag",
    "textarea",
    "warning-text",
]

# Fixtures we do not reproduce: (component, fixture name) -> the reason, one
# comment-worthy reason each (for example an option only Nunjucks' `caller`
# or a JavaScript-only feature needs). Empty: all of govuk-frontend 6.6.0's
# fixtures for these components render identically. Keep it as short as that.
EXCLUDED: dict[tuple[str, str], str] = {}

VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)


def macro_name(component: str) -> str:
    """`date-input` -> `govukDateInput`."""
    return "govuk" + "".join(part.capitalize() for part in component.split("-"))


def template_name(component: str) -> str:
    """`date-input` -> `components/_date_input.html`."""
    return f"components/_{component.replace('-', '_')}.html"


def fixtures() -> list[object]:
    cases = []
    for component in COMPONENTS:
        data = json.loads((GOVUK_COMPONENTS / component / "fixtures.json").read_text("utf-8"))
        for fixture in data["fixtures"]:
            key = (component, fixture["name"])
            marks = [pytest.mark.skip(reason=EXCLUDED[key])] if key in EXCLUDED else []
            cases.append(
                pytest.param(component, fixture, id=f"{component}: {fixture['name']}", marks=marks)
            )
    return cases


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    """The environment the app renders with, so the fixtures test what residents get."""
    return environment(TEMPLATES.parents[1])


class _TreeBuilder(HTMLParser):
    """Builds a tree of `[tag, attributes, children]` lists; text is a str child."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list = ["#fragment", {}, []]
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = [tag, dict(attrs), []]
        self.stack[-1][2].append(element)
        if tag not in VOID_ELEMENTS:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1][2].append([tag, dict(attrs), []])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        open_tag = self.stack[-1][0]
        assert open_tag == tag, f"</{tag}> closes <{open_tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1][2].append(data)


def _normalise_attributes(attributes: dict[str, str | None]) -> str:
    pairs = []
    for name, value in sorted(attributes.items()):
        value = value or ""
        if name == "class":
            value = " ".join(sorted(value.split()))
        pairs.append(f' {name}="{value}"')
    return "".join(pairs)


def _render_tree(node: list, depth: int, lines: list[str]) -> None:
    tag, attributes, children = node
    lines.append("  " * depth + f"<{tag}{_normalise_attributes(attributes)}>")
    text = ""
    for child in [*children, None]:
        if isinstance(child, str):
            text += child
            continue
        collapsed = " ".join(text.split())
        if collapsed:
            lines.append("  " * (depth + 1) + collapsed)
        text = ""
        if child is not None:
            _render_tree(child, depth + 1, lines)


def normalise(markup: str) -> str:
    """An indented, canonical outline of an HTML fragment, one node a line."""
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    assert len(builder.stack) == 1, f"<{builder.stack[-1][0]}> is never closed"
    lines: list[str] = []
    _render_tree(builder.root, 0, lines)
    return "\n".join(lines[1:])


def test_normalise_ignores_order_and_whitespace_only() -> None:
    a = '<p class="b a" id="x">\n  Hello   <em>you</em>\n</p><input disabled name="n">'
    b = '<p id="x" class="a  b">Hello <em>you</em></p><input name="n" disabled>'
    assert normalise(a) == normalise(b)
    assert normalise("<p>Hello</p>") != normalise("<p>Hello!</p>")
    assert normalise('<p id="x"></p>') != normalise("<p></p>")


@pytest.mark.parametrize(("component", "fixture"), fixtures())
def test_component_matches_govuk_fixture(
    env: jinja2.Environment, component: str, fixture: dict
) -> None:
    rendered = render(env, component, fixture["options"])
    assert normalise(rendered) == normalise(fixture["html"])


def render(env: jinja2.Environment, component: str, params: dict) -> str:
    name = macro_name(component)
    source = f'{{% from "{template_name(component)}" import {name} %}}{{{{ {name}(params) }}}}'
    return env.from_string(source).render(params=params)


def test_text_is_escaped_and_html_is_not(env: jinja2.Environment) -> None:
    text = render(env, "hint", {"text": "<b>bold</b> & co"})
    html = render(env, "hint", {"html": "<b>bold</b> & co"})
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in text
    assert "<b>bold</b> & co" in html
    label = render(
        env, "input", {"name": "n", "label": {"text": '"quoted" <label>'}, "value": '"><x'}
    )
    assert "&#34;quoted&#34; &lt;label&gt;" in label
    assert 'value="&#34;&gt;&lt;x"' in label


def test_fieldset_accepts_a_call_block(env: jinja2.Environment) -> None:
    source = (
        '{% from "components/_fieldset.html" import govukFieldset %}'
        '{% call govukFieldset({"legend": {"text": "Address"}}) %}<p>inside</p>{% endcall %}'
    )
    assert normalise(env.from_string(source).render()) == normalise(
        '<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend">Address</legend>'
        "<p>inside</p></fieldset>"
    )
