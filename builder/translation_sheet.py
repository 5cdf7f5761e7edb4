"""Translations as a spreadsheet for translators: one row per resident-facing string, with its
key, the English and the Welsh (empty when missing). Export with `to_csv`; the translator fills
in the Welsh column; `import_translations` puts it back as one change (undone in one step).

Rows are matched by key; a row whose English no longer matches the draft's is refused rather
than applied, so a translation of old wording never lands on new wording.

A definition's words may come from anyone (a service imported from a catalogue is another
council's), and a spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula. So such a cell is written with a single quote before it, which a
spreadsheet shows as text, as the casework exports do (and so is a cell starting with a quote);
importing takes that quote off again, so a sheet round-trips unchanged.
"""

from __future__ import annotations

import csv
import io

from builder.change import Definition, Refused, operation
from builder.service_operations import LANGUAGE_NAMES, translatable
from runtime.staff.exports import FORMULA_STARTS

# A cell starting with one of these gets a quote before it (a quote itself too, so that words
# which start with a quote and a formula's sign come back as they were).
QUOTED_STARTS = (*FORMULA_STARTS, "'")

HEADER = ("key", "english", "translation")


def to_csv(definition: Definition, language: str = "cy") -> str:
    """Every resident-facing string as CSV rows: key, English, translation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in translatable(definition, language):
        writer.writerow((_quoted(row.key), _quoted(row.english), _quoted(row.translation or "")))
    return out.getvalue()


@operation("import-translations")
def import_translations(
    definition: Definition, *, sheet: str, language: str = "cy"
) -> tuple[str, Definition]:
    """Set the translations given in a spreadsheet exported by `to_csv` (empty cells are
    left alone). Refused, with the rows concerned, when a row's key is unknown or its English
    has changed since the sheet was exported."""
    if language not in LANGUAGE_NAMES or language not in definition.get("languages", ["en"]):
        raise Refused("language", "Offer the service in Welsh before importing Welsh")
    rows = list(csv.reader(io.StringIO(sheet.lstrip("\ufeff"))))
    if not rows or tuple(cell.strip().lower() for cell in rows[0][:3]) != HEADER:
        raise Refused(
            "sheet", "The spreadsheet must start with the columns key, english, translation"
        )
    strings = {row.key: row.english for row in translatable(definition, language)}
    table = definition.setdefault("translations", {}).setdefault(language, {})
    problems = []
    count = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        key, english, text = (_unquoted(cell) for cell in ([*row, "", "", ""])[:3])
        if key not in strings:
            problems.append(f"Row {number}: there is no string with the key {key}")
        elif english.replace("\r\n", "\n") != strings[key].replace("\r\n", "\n"):
            problems.append(
                f"Row {number}: the English of {key} has changed since the spreadsheet was made"
            )
        elif text.strip() and table.get(key) != text.strip():
            table[key] = text.strip()
            count += 1
    if problems:
        raise Refused("sheet", "Some rows of the spreadsheet cannot be used", tuple(problems))
    name = LANGUAGE_NAMES[language]
    return (
        f"Imported {count} {name} translation{'s' if count != 1 else ''} from a spreadsheet",
        definition,
    )


def _quoted(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(QUOTED_STARTS) else text


def _unquoted(cell: str) -> str:
    """A cell as `_quoted` was given it: without the quote that kept a formula from running."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(QUOTED_STARTS) else cell
