"""The inbox's status filter: one choice per staff label, whatever the services call the state.

Services name their states freely: two may both label a state "Not collected" ("notCollected"
in one, "rejected" in another), and two may give a state of one name different labels
("received" is "New application" in one and "New report" in another). Staff choose what they
see, so the filter offers each label once, and choosing it finds the applications of every
service in a state with that label. The query string carries the label (``?state=Not+collected``);
a state's own name (``?state=received``, as links made before labels were) still works, and
a status no service has simply matches no application, as an unknown service does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from runtime.store.inbox import Filters


@dataclass(frozen=True)
class StatusChoice:
    label: str
    pairs: tuple[tuple[str, str], ...]  # (service, state) of every state shown with this label

    def option(self) -> dict[str, str]:
        return {"value": self.label, "text": self.label}


def status_choices(states: Iterable[tuple[str, str, str]]) -> list[StatusChoice]:
    """One choice per label of these (service, state, label) triples, in their first order."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for service, state, label in states:
        grouped.setdefault(label, []).append((service, state))
    return [StatusChoice(label, tuple(pairs)) for label, pairs in grouped.items()]


def narrowed(filters: Filters, choices: Iterable[StatusChoice], asked: str) -> Filters:
    """`filters` narrowed to the status asked for: by its label, or else by a state's own name."""
    if not asked:
        return filters
    chosen = next((choice for choice in choices if choice.label == asked), None)
    if chosen is not None:
        return replace(filters, state=None, states=chosen.pairs)
    return replace(filters, state=asked, states=None)
