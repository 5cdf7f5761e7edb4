"""Council values out of a shared definition as declared settings, and back in on import."""

from __future__ import annotations

import pytest
from world import shipped

from builder.catalogue import sharing
from runtime.core.definition import report

NORTHSHIRE = sharing.Council("northshire", "Northshire Council", "roads@northshire.gov.uk", "01632 960 999")


def test_council_name_contacts_and_phone_numbers_become_settings_with_their_places() -> None:
    document = shipped("report-pothole")
    document["start"]["before"] = ("Northshire Council repairs roads. Write to roads@northshire.gov.uk "
                                   "or ring 01632 960 999 or +44 1632 960000.")
    shared, settings = sharing.share(document, NORTHSHIRE)
    assert shared["start"]["before"] == ("{{council.name}} repairs roads. Write to {{contact.email}} "
                                         "or ring {{contact.phone}} or {{contact.phone}}.")
    declared = {setting.name: setting.pointers for setting in settings}
    assert declared["council.name"] == ("/start/before",)
    assert declared["contact.email"] == ("/start/before",)
    assert "/start/before" in declared["contact.phone"]
    assert declared["email.sender"] == ()  # a council setting, not in the definition: always asked for
    assert "payment.account" not in declared  # no fees
    assert report(shared).total == 0
    assert shared["answers"] == document["answers"]  # the data is not rewritten
    assert document["start"]["before"].startswith("Northshire")  # the council's own copy is untouched


def test_a_service_with_fees_asks_for_a_payment_account() -> None:
    document = next(shipped(name) for name in ("apply-parking-permit", "book-bulky-waste") if shipped(name).get("fees"))
    _, settings = sharing.share(document, NORTHSHIRE)
    assert "payment.account" in {setting.name for setting in settings}


def test_ids_pointers_and_option_values_are_data_and_stay() -> None:
    document = {"id": "northshire-council-tax", "pages": [{"id": "p", "fields": [{"answer": "/Northshire Council"}],
                                                           "title": "Northshire Council tax"}],
                "answers": {"properties": {"x": {"enum": ["Northshire Council"]}}}}
    shared, _ = sharing.share(document, NORTHSHIRE)
    assert shared["pages"][0]["fields"][0]["answer"] == "/Northshire Council"
    assert shared["answers"]["properties"]["x"]["enum"] == ["Northshire Council"]
    assert shared["pages"][0]["title"] == "{{council.name}} tax"


def test_filling_puts_an_importers_values_back_and_refuses_a_missing_one() -> None:
    shared, _ = sharing.share(shipped("report-pothole"), sharing.Council("demo", "Demo Borough Council"))
    with pytest.raises(ValueError, match=r"fill in the setting contact\.phone"):
        sharing.fill(shared, {"council.name": "Southshire Council"})
    filled = sharing.fill(shared, {"contact.phone": "0300 000 0000", "council.name": "Southshire Council"})
    assert "0300 000 0000" in filled["start"]["before"]
    assert list(sharing.placeholders(filled)) == []
    assert report(filled).total == 0
