"""References: eight unambiguous characters, shown as ABCD-2345, typed back any old way."""

from __future__ import annotations

import pytest

from runtime.store.references import ALPHABET, new_reference, normalise_reference


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_new_references_use_only_the_alphabet_in_two_groups_of_four() -> None:
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert len(reference) == 9
        assert reference[4] == "-"
        assert set(reference.replace("-", "")) <= set(ALPHABET)
    used = set("".join(references).replace("-", ""))
    assert used == set(ALPHABET)


def test_a_new_reference_normalises_to_itself() -> None:
    reference = new_reference()
    assert normalise_reference(reference) == reference


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-2345",
        "abcd-2345",
        "abcd2345",
        " ab cd 23 45 ",
        "ABCD 2345",
        "ABCD\u20132345",  # an en dash, as word processors write
        "AB-CD-23-45",
    ],
)
def test_case_spaces_and_hyphens_do_not_matter(typed: str) -> None:
    assert normalise_reference(typed) == "ABCD-2345"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-234",  # too short
        "ABCD-23456",  # too long
        "ABCD-0345",  # 0 is not in the alphabet
        "OBCD-2345",  # nor O
        "ABCD-1345",  # nor 1
        "IBCD-2345",  # nor I
        "LBCD-2345",  # nor L
        "ABCD_2345",
        "ABCD/2345",
        "ABßD-234",  # upper-cases to SS: still not a reference
        "\uff21BCD-2345",  # a full-width A
    ],
)
def test_anything_else_is_not_a_reference(typed: str) -> None:
    assert normalise_reference(typed) is None
