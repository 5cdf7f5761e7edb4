"""A council's settings: changed a few at a time with before and after for the audit log;
the payment secret sealed; slugs checked when the council is made."""

from __future__ import annotations

import pytest

from runtime.store import (
    Council,
    CouncilError,
    SecretBox,
    create_council,
    get_council,
    payment_secret,
    set_payment_account,
    settings_of,
    update_council,
)

BOX = SecretBox("the installation's key")
SECRET = "api_live_0123456789abcdef"


async def reloaded(council: Council) -> Council:
    found = await get_council(council.slug)
    assert found is not None
    return found


async def test_an_update_returns_before_and_after_of_what_changed_only(council: Council) -> None:
    created_at_update = council.updated_at
    before, after = await update_council(council, name="Northshire Council", brand_colour="#00703c",
                                         languages=["en", "cy"], contact_email=None)
    assert before == {"brand_colour": "#1d70b8", "languages": ["en"]}
    assert after == {"brand_colour": "#00703c", "languages": ["en", "cy"]}
    stored = await reloaded(council)
    assert (stored.name, stored.brand_colour, stored.languages) == ("Northshire Council", "#00703c", ["en", "cy"])
    assert (council.brand_colour, council.languages) == ("#00703c", ["en", "cy"])  # the object too
    assert stored.updated_at is not None and created_at_update is not None
    assert stored.updated_at > created_at_update
    # Nothing that differs: nothing to write or audit.
    assert await update_council(council, brand_colour="#00703c") == ({}, {})


async def test_unknown_settings_are_refused(council: Council) -> None:
    for setting in ("payment_secret", "slug", "id"):
        with pytest.raises(CouncilError, match=f"not a council setting: {setting}"):
            await update_council(council, name="Renamed", **{setting: "x"})
    assert (await reloaded(council)).name == "Northshire Council"
    with pytest.raises(CouncilError, match="not a council setting: payment_secret"):
        await create_council("eastshire", "Eastshire Council", payment_secret="in the clear")
    assert await get_council("eastshire") is None


async def test_the_payment_secret_is_sealed_and_none_keeps_it(council: Council) -> None:
    await set_payment_account(council, BOX, "govuk", "northshire-account", SECRET)
    stored = await reloaded(council)
    assert stored.payment_secret is not None and SECRET not in stored.payment_secret
    assert payment_secret(stored, BOX) == SECRET
    with pytest.raises(ValueError, match="another BOROUGH_SECRET_KEY"):
        payment_secret(stored, SecretBox("another key"))
    shown = settings_of(stored)
    assert (shown["payment_provider"], shown["payment_account"]) == ("govuk", "northshire-account")
    assert "payment_secret" not in shown and all(SECRET not in str(value) for value in shown.values())

    await set_payment_account(stored, BOX, "govuk", "renamed-account", None)  # None keeps the secret
    kept = await reloaded(council)
    assert kept.payment_account == "renamed-account" and payment_secret(kept, BOX) == SECRET

    await set_payment_account(kept, BOX, None, None, None)  # no provider: the secret goes too
    cleared = await reloaded(council)
    assert (cleared.payment_provider, cleared.payment_account, cleared.payment_secret) == (None, None, None)


async def test_reserved_malformed_and_overlong_slugs_and_names_are_refused(db: str) -> None:
    for slug in ("staff", "api", "assets", "North", "-x", "x-", "a--b", "a_b", "", "northshire\n",
                 "1council", "a" * 65):
        with pytest.raises(CouncilError):
            await create_council(slug, "Some Council")
    assert (await create_council("a" * 64, "Longest Slug Council")).slug == "a" * 64
    with pytest.raises(CouncilError, match="needs a name"):
        await create_council("nameless", "   ")
    with pytest.raises(CouncilError, match="200 characters or fewer"):
        await create_council("wordy", "W" * 201)
    assert [council.slug for council in await Council.all()] == ["a" * 64]
