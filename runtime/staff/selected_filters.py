"""The inbox's filters in use, in words, each with a link to the list without it: the "selected
filters" at the top of the filter panel, as in the filter-a-list pattern. Plain links, so they
work with JavaScript off."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode


def _words(key: str, value: str, services: Mapping[str, str], assigned: Mapping[str, str]) -> str:
    return {
        "reference": f"Reference {value}",
        "service": services.get(value, value),
        "state": f"Status: {value}",
        "from": f"Sent on or after {value}",
        "to": f"Sent on or before {value}",
        "assigned": assigned.get(value, value),
        "overdue": "Only overdue applications",
        "awaiting": "Including applications waiting for payment",
    }.get(key, value)


def selected_filters(values: Mapping[str, str], here: str, *, services: Mapping[str, str],
                     assigned: Mapping[str, str]) -> list[dict[str, str]]:
    """Each filter given a value, in the order of `values`: what it says and the link without it.
    `services` and `assigned` name the values of those filters."""
    chosen = {key: value for key, value in values.items() if value}
    found = []
    for key, value in chosen.items():
        kept = {other: kept_value for other, kept_value in chosen.items() if other != key}
        found.append({"text": _words(key, value, services, assigned),
                      "href": here + ("?" + urlencode(kept) if kept else "")})
    return found
