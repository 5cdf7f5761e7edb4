"""The quick ways a catalogue checks many definitions give the answers of the slow ones: the
remembered-`$ref` meta-schema check agrees with the full check, the C encoder's canonical
form is trusted only where it is RFC 8785's, and a sync checking in worker processes refuses
a hostile definition among many and stores the rest."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from world import World, force, make_world, shipped, static_server

from builder.catalogue import checking, publishing
from builder.catalogue.canonical import NotCanonical, canonical
from builder.catalogue.client import Client
from builder.catalogue.repository import Refused
from runtime.core.metaschema import check_document

SERVICES = sorted((Path(__file__).resolve().parents[2] / "schemas" / "services").glob("*.json"))


def _spoiled(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Copies of a valid definition, each with one thing the meta-schema forbids."""
    for change in ("no-title", "number-title", "unknown-member", "bad-id", "page-type", "format"):
        spoiled = copy.deepcopy(document)
        if change == "no-title":
            del spoiled["title"]
        elif change == "number-title":
            spoiled["title"] = 7
        elif change == "unknown-member":
            spoiled["pages"][0]["colour"] = "red"
        elif change == "bad-id":
            spoiled["id"] = "Not A Slug!"
        elif change == "page-type":
            spoiled["pages"][0]["type"] = "no-such-page"
        else:
            spoiled["format"] = 2
        yield spoiled


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.stem)
def test_the_quick_meta_schema_check_agrees_with_the_full_one(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert checking.valid(document) and check_document(document) == []
    for spoiled in _spoiled(document):
        assert check_document(spoiled) != []
        assert not checking.valid(spoiled)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_the_c_encoders_form_is_trusted_only_where_it_is_rfc_8785s(value: Any) -> None:
    written = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8", "replace")
    if checking.surely_canonical(value, written):
        assert canonical(value) == written
    try:
        exact = canonical(value)
    except NotCanonical:
        return
    if checking.surely_canonical(value, exact):
        assert exact == written


def test_decimals_huge_integers_and_names_beyond_the_first_plane_go_to_the_full_check() -> None:
    for value in ({"a": 1.5}, {"a": [2**60]}, {"\U0001f600": 1, "\uffff": 2}):
        assert not checking.surely_canonical(value, canonical(value))
    assert canonical({"a": 100.0}) == b'{"a":100}' and not checking.surely_canonical({"a": 100.0}, b'{"a":100.0}')
    assert checking.surely_canonical({"b": [1, "é\n"], "a": None}, canonical({"b": [1, "é\n"], "a": None}))
    assert not checking.surely_canonical({"a": 1}, b'{"a": 1}')  # not canonical: a space


def _counting_pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Worker processes even for a few checks; a list that grows by one for each pool started."""
    started: list[int] = []

    class Counted(ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(checking, "MANY", 2)
    monkeypatch.setattr(checking, "ProcessPoolExecutor", Counted)
    return started


@pytest.fixture
def world(tmp_path: Path) -> World:
    built = make_world(tmp_path / "cat")
    for number in range(4):
        document = shipped("report-pothole")
        document["id"] = f"report-pothole-{number}"
        built.publish("northshire", document)
    return built


def test_a_sync_checking_in_worker_processes_refuses_a_hostile_definition_and_keeps_the_rest(
        world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = shipped("report-missed-bin")
    hostile["pages"] = hostile["pages"] * 101  # far over the format's 200 pages
    publication, entry = publishing.publish(world.repo.published_role("southshire"), world.repo.index("southshire"),
                                            council="southshire", council_name="Southshire",
                                            signer=world.councils["southshire"], definition=hostile)
    force(world.repo, publication)  # signed by its council, refused by the catalogue, served anyway
    pools = _counting_pools(monkeypatch)
    client = Client(tmp_path / "cache")
    with static_server(world.repo.public_dir) as url:
        report = client.sync(client.subscribe(url))
    [(path, reason)] = report.refused
    assert path == "southshire/report-missed-bin/1.0.0.json"
    assert reason.startswith("the definition is refused") and "at most" in reason
    assert sorted(report.added) == [f"report-pothole-{number}@1.0.0" for number in range(4)]
    stored = {item.stem for item in (client.cache / client.subscriptions()[0].name / "definitions").glob("*.json")}
    assert entry.address not in stored and len(stored) == 4
    assert [found.entry.service for found in client.search("pothole 2")] == ["report-pothole-2"]
    assert pools == [1]


def test_a_search_reads_the_cache_again_only_once_it_changed(world: World, tmp_path: Path) -> None:
    client = Client(tmp_path / "cache")
    with static_server(world.repo.public_dir) as url:
        subscription = client.subscribe(url)
        client.sync(subscription)
        listing = client._listing()
        assert Client(tmp_path / "cache")._listing() is listing  # a new client (a new request): the same
        changed = shipped("report-pothole")
        changed["id"], changed["version"], changed["title"] = "report-pothole-1", "1.1.0", "Report a sinkhole"
        world.publish("northshire", changed)
        client.sync(subscription)
    assert Client(tmp_path / "cache")._listing() is not listing
    [found] = client.search("sinkhole")
    assert found.entry.key == "report-pothole-1@1.1.0"
    assert [found.entry.version for found in client.search("pothole")] == ["1.0.0", "1.0.0", "1.0.0", "1.1.0"]


def test_a_publication_checked_in_worker_processes_is_refused_for_one_hostile_definition(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = make_world(tmp_path / "cat")
    pools = _counting_pools(monkeypatch)
    versions: list[tuple[dict[str, Any], tuple[Any, ...], str]] = []
    for number in range(3):
        document = shipped("report-pothole")
        document["id"] = f"report-pothole-{number}"
        versions.append((document, (), ""))
    hostile = shipped("report-missed-bin")
    hostile["pages"] = hostile["pages"] * 101
    signer = world.councils["northshire"]
    publication, _ = publishing.publish_many(None, None, council="northshire", council_name="Northshire",
                                             signer=signer, versions=[*versions, (hostile, (), "")])
    with pytest.raises(Refused, match="the definition is refused") as refused:
        world.repo.accept(publication)
    assert refused.value.code == "hostile-definition"
    assert world.repo.published_role("northshire") is None  # nothing written
    publication, entries = publishing.publish_many(None, None, council="northshire", council_name="Northshire",
                                                   signer=signer, versions=versions)
    world.repo.accept(publication)
    index = world.repo.index("northshire")
    assert index is not None and [entry.key for entry in index.entries] == [entry.key for entry in entries]
    assert pools == [1, 1]
