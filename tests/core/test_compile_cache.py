"""Compiled services are cached by content, and the cache is bounded: a builder makes a new
version at every change, and a long-lived worker must not keep every one of them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from runtime.core import service as services
from runtime.core.service import compile_service, content_hash

MISSED_BIN = Path(__file__).resolve().parents[2] / "schemas" / "services" / "report-missed-bin.json"


def test_the_same_content_compiles_once() -> None:
    document = json.loads(MISSED_BIN.read_text())
    assert compile_service(document) is compile_service(copy.deepcopy(document))


def test_the_cache_keeps_at_most_its_size_and_still_compiles_what_it_let_go() -> None:
    document = json.loads(MISSED_BIN.read_text())
    first = None
    for number in range(services.CACHE_SIZE + 20):
        changed = {**document, "summary": f"{document['summary']} ({number})"}
        compiled = compile_service(changed)
        assert compiled.document["summary"].endswith(f"({number})")
        first = first or (changed, compiled)
        assert len(services._cache) <= services.CACHE_SIZE
    assert first is not None
    changed, compiled = first
    assert content_hash(changed) not in services._cache  # the oldest went first
    again = compile_service(changed)
    assert again is not compiled and again.document == compiled.document
