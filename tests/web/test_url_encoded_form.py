"""Issue 13: a resident's posted form (application/x-www-form-urlencoded) is read by the
standard library in one call rather than by Starlette's streaming parser. It must read every
body exactly as Starlette's parser does, hostile ones included."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers
from starlette.formparsers import FormParser

from runtime.web.context import MAX_FIELDS, url_encoded_form

PIECES = st.sampled_from([b"&", b"=", b"+", b"%", b"%2", b"%26", b"%3D", b"%C3%A9", b"%ZZ", b"%e2%82", b"\xc3\xa9",
                          b"\xff", b"a", b"Z", b"0", b" ", b";", b"name", b"csrf_token", b"\x00", b"%00"])


async def starlette_reads(body: bytes) -> list[tuple[str, str]]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = FormParser(Headers({"content-type": "application/x-www-form-urlencoded"}), stream())
    form = await parser.parse()
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map(b"".join))
async def test_any_body_is_read_as_starlette_reads_it(body: bytes) -> None:
    assert url_encoded_form(body).multi_items() == await starlette_reads(body)


@pytest.mark.parametrize("body", [
    b"", b"&&", b"a", b"a=", b"=b", b"a=1&a=2&b", b"x=%E2%82%AC+and+%2B", b"name=Ada+%3CLovelace%3E&csrf_token=abc",
    b"line1=Flat%201%0D%0A2%20High%20St", b"a=%zz%4", "Zoë=ŵ".encode(),
])
async def test_bodies_browsers_and_attackers_send(body: bytes) -> None:
    assert url_encoded_form(body).multi_items() == await starlette_reads(body)


def test_more_fields_than_allowed_are_refused() -> None:
    assert len(url_encoded_form(b"&".join([b"f=1"] * MAX_FIELDS)).multi_items()) == MAX_FIELDS
    with pytest.raises(ValueError):
        url_encoded_form(b"&".join([b"f=1"] * (MAX_FIELDS + 1)))
