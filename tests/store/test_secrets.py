"""Secrets at rest: sealed with a key derived from BOROUGH_SECRET_KEY, shown only masked."""

from __future__ import annotations

import pytest

from runtime.store import SecretBox, masked

SECRET = "api_test_0123456789abcdefWXYZ"


def test_a_sealed_secret_opens_with_the_same_key_only() -> None:
    box = SecretBox("the installation's key")
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and sealed != box.seal(SECRET)  # a fresh nonce every time
    assert box.open(sealed) == SECRET
    assert SecretBox("the installation's key").open(sealed) == SECRET  # another worker, same key
    with pytest.raises(ValueError, match="sealed with another BOROUGH_SECRET_KEY"):
        SecretBox("another key").open(sealed)


def test_a_tampered_or_made_up_secret_does_not_open() -> None:
    box = SecretBox("the installation's key")
    sealed = box.seal(SECRET)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    for bad in (tampered, "not-a-sealed-secret"):
        with pytest.raises(ValueError, match="another BOROUGH_SECRET_KEY"):
            box.open(bad)


def test_unicode_secrets_round_trip() -> None:
    box = SecretBox("allwedd")
    assert box.open(box.seal("cyfrinach-ŵŷ-✓")) == "cyfrinach-ŵŷ-✓"


def test_masked_shows_only_the_last_four() -> None:
    shown = masked(SECRET)
    assert shown == "••••••••WXYZ"
    assert SECRET[:-4] not in (shown or "")
    assert masked("short123") == "••••••••"  # too short to show any of it
    assert masked(None) is None and masked("") is None
