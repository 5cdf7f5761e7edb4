"""Submission references residents can read aloud and type back: ``ABCD-2345``.

Eight characters from an alphabet without the look-alikes 0/O and 1/I/L, drawn with
``secrets``; 31^8 (about 850 billion) possibilities. Uniqueness is the database's job (a unique
constraint, and a retry on collision in ``submissions.submit``).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
GROUP = 4

# What residents put between groups: spaces of any kind and hyphens or dashes.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def new_reference() -> str:
    """A fresh random reference, formatted ``ABCD-2345``."""
    return _format("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise_reference(text: str) -> str | None:
    """The formatted reference ``text`` spells, or None when it cannot be one.

    Case, spaces and hyphens do not matter; any other character outside the alphabet does.
    """
    compact = _SEPARATORS.sub("", text)
    if not compact.isascii():
        return None
    compact = compact.upper()
    if len(compact) != LENGTH or any(character not in ALPHABET for character in compact):
        return None
    return _format(compact)


def _format(compact: str) -> str:
    return f"{compact[:GROUP]}-{compact[GROUP:]}"
