"""A format's error message shows what to type ("like name@example.com", "like 01632 960 001"),
in English and in its translations: sharing leaves those examples alone, so an importing
council is not asked for a contact email its service never shows, and a Welsh resident is not
told to type the council's own number as an example, twice (found by the two installations
test, tests/catalogue/test_two_installations.py)."""

from __future__ import annotations

from world import shipped

from builder.catalogue import sharing

WESTSHIRE = sharing.Council("westshire", "Westshire Council", None, "01632 960 999")


def test_examples_in_translated_format_messages_stay_and_are_no_settings() -> None:
    document = shipped("report-missed-bin")
    welsh = document["translations"]["cy"]
    shared, settings = sharing.share(document, WESTSHIRE)
    for key in ("fields.email.errors.format", "fields.phone.errors.format"):
        assert shared["translations"]["cy"][key] == welsh[key]
    assert shared["translations"]["cy"]["fields.email.errors.format"].endswith("enw@enghraifft.com")
    assert "contact.email" not in {setting.name for setting in settings}
    assert "contact.phone" not in {setting.name for setting in settings}


def test_other_translated_texts_still_give_the_councils_contacts_as_settings() -> None:
    document = shipped("apply-parking-permit")
    shared, settings = sharing.share(document, WESTSHIRE)
    declared = {setting.name: setting.pointers for setting in settings}
    assert declared["contact.phone"] == ("/start/before", "/translations/cy/start.before")
    assert "{{contact.phone}}" in shared["translations"]["cy"]["start.before"]
    assert "contact.email" not in declared
