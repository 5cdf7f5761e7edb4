"""What a hosted catalogue's upload endpoint (`POST /catalogue/publish`) will not take, against
a real server on 127.0.0.1 (uvicorn, as `borough serve` runs it): a body larger than the limit,
declared or sent in chunks, is refused (413) without being read to its end; past its burst, a
client address is told when to come back (429, Retry-After) while another address is not; a
worker reads and checks only a few uploads at once (503, Retry-After), and a sender too slow
gives up its place (408). A genuine publication is still taken, and nothing refused changes the
catalogue. The token bucket itself is tested with a clock of the test's own."""

from __future__ import annotations

import hashlib
import json
import select
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from local_http import serving
from starlette.applications import Starlette
from world import World, make_world, shipped

from borough.app import catalogue_routes
from builder.catalogue import publishing, sharing
from builder.catalogue.hosting import (
    MAX_UPLOAD_BYTES,
    Buckets,
    UploadLimits,
    bucket_key,
    to_json,
    upload_route,
)

PUBLISH = "/catalogue/publish"


def genuine(world: World) -> bytes:
    """Northshire's first publication of report-pothole, signed with its registered key."""
    shared, settings = sharing.share(shipped("report-pothole"), sharing.Council("northshire", "Northshire Council"))
    publication, _ = publishing.publish(None, None, council="northshire", council_name="Northshire Council",
                                        signer=world.councils["northshire"], definition=shared, settings=settings)
    return to_json(publication)


def files_of(folder: Path) -> dict[str, str]:
    """Every file a catalogue holds, by its SHA-256: what a refused upload must leave as it was."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.name.startswith(".")}


class Answer:
    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status.split()[1])
        self.headers = {name.strip().lower(): value.strip() for name, _, value in
                        (line.partition(":") for line in lines)}

    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = json.loads(self.body)["error"]
        return error


@contextmanager
def connected(url: str, source: str = "127.0.0.1") -> Iterator[socket.socket]:
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=20, source_address=(source, 0))
    try:
        yield connection
    finally:
        connection.close()


def post(url: str, headers: dict[str, str], chunks: Iterable[bytes] = (), *, source: str = "127.0.0.1",
         chunked: bool = False) -> Answer:
    """A POST sent by hand: its headers, then its body a piece at a time (in HTTP chunks when
    `chunked`), stopping as soon as the server answers or closes; then the answer, read to the end."""
    with connected(url, source) as connection:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        connection.sendall(f"POST {PUBLISH} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode("latin-1"))
        try:
            for chunk in chunks:
                if select.select([connection], [], [], 0)[0]:
                    break  # answered (or closed) before the body was all sent
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            else:
                if chunked:
                    connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer is still there to read
        return Answer(read_all(connection))


def read_all(connection: socket.socket) -> bytes:
    received = b""
    while True:
        try:
            data = connection.recv(65536)
        except ConnectionResetError:
            break
        if not data:
            break
        received += data
        head, _, body = received.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)
        if length is not None and len(body) >= length:
            break  # a whole answer on a connection kept open
    return received


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "host")


def test_a_body_over_the_limit_is_refused_unread_and_a_genuine_one_taken(world: World) -> None:
    before = files_of(world.repo.path)
    with serving(Starlette(routes=catalogue_routes(world.repo.path))) as url:
        # declared: refused on its headers, the body never sent
        declared = post(url, {"Content-Type": "application/json", "Content-Length": str(MAX_UPLOAD_BYTES + 1)})
        assert declared.status == 413, declared.body
        assert declared.error() == {"code": "too-large",
                                    "message": f"a publication may be at most {MAX_UPLOAD_BYTES:,} bytes"}
        assert declared.headers.get("connection") == "close"
        # chunked, no length given: read up to the limit, then refused, the rest never read
        piece = b" " * 65536
        sent = (piece for _ in range(MAX_UPLOAD_BYTES // len(piece) * 4))  # four times the limit, if all read
        chunked = post(url, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, sent,
                       chunked=True)
        assert chunked.status == 413, chunked.body
        assert chunked.error()["code"] == "too-large"
        assert next(sent, None) is not None  # the server answered before the body was all sent
        assert files_of(world.repo.path) == before
        # a number that is not one
        assert post(url, {"Content-Length": "²"}).status == 400

        publication = genuine(world)
        taken = post(url, {"Content-Type": "application/json", "Content-Length": str(len(publication))},
                     [publication])
        assert taken.status == 201, taken.body
        assert json.loads(taken.body) == {"accepted": "northshire", "version": 1}
    index = world.repo.index("northshire")
    assert index is not None and [entry.key for entry in index.entries] == ["report-pothole@1.0.0"]


def test_a_publication_nested_deeper_than_the_parser_recurses_is_refused_as_unreadable(world: World) -> None:
    """Anyone can send: JSON nested 100,000 deep (under the size limit) is a clear refusal,
    never a server error, and the catalogue is unchanged."""
    before = files_of(world.repo.path)
    with serving(Starlette(routes=catalogue_routes(world.repo.path))) as url:
        for body in (b"[" * 100_000 + b"]" * 100_000,
                     b'{"council": "northshire", "files": {}, "role": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
            answer = post(url, {"Content-Type": "application/json", "Content-Length": str(len(body))}, [body])
            assert answer.status == 422, answer.body
            assert answer.error()["code"] == "bad-upload"
            assert answer.error()["message"].startswith("the publication cannot be read")
    assert files_of(world.repo.path) == before


def test_past_its_burst_an_address_is_told_when_to_come_back_and_another_is_not(world: World) -> None:
    before = files_of(world.repo.path)
    limits = UploadLimits(burst=2, every=3600)
    junk = b"{not json"
    headers = {"Content-Length": str(len(junk))}
    with serving(Starlette(routes=[upload_route(world.repo.path, limits)])) as url:
        for _ in range(2):
            assert post(url, headers, [junk]).status == 422  # read and refused: the burst spent
        refused = post(url, headers, [junk])
        assert refused.status == 429, refused.body
        assert refused.headers["retry-after"] == "3600"
        assert refused.error() == {"code": "too-many-uploads",
                                   "message": "too many uploads from your address: try again in 3600 seconds"}
        publication = genuine(world)
        held = post(url, {"Content-Length": str(len(publication))}, [publication])
        assert held.status == 429  # however genuine
        other = post(url, headers, [junk], source="127.0.0.2")  # another address has its own bucket
        assert other.status == 422 and other.error()["code"] == "bad-upload"
    assert files_of(world.repo.path) == before


def test_a_worker_checks_a_few_uploads_at_once_and_a_slow_sender_gives_up_its_place(world: World) -> None:
    limits = UploadLimits(checked_at_once=1, seconds=1.5)
    publication = genuine(world)
    with serving(Starlette(routes=[upload_route(world.repo.path, limits)])) as url:
        with connected(url) as slow:  # half a body, then nothing: it holds the one place
            slow.sendall(f"POST {PUBLISH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(publication)}"
                         "\r\n\r\n".encode() + publication[:100])
            time.sleep(0.3)
            busy = post(url, {"Content-Length": str(len(publication))}, [publication])
            assert busy.status == 503, busy.body
            assert busy.headers["retry-after"] == "5" and busy.error()["code"] == "busy"
            gave_up = Answer(read_all(slow))  # within its time, it had not sent its body
            assert gave_up.status == 408, gave_up.body
            assert gave_up.error()["code"] == "too-slow"
        taken = post(url, {"Content-Length": str(len(publication))}, [publication])  # its place is free again
        assert taken.status == 201, taken.body


def test_a_bucket_holds_a_burst_then_one_upload_every_so_often() -> None:
    now = [1000.0]
    buckets = Buckets(3, 12.0, clock=lambda: now[0])
    assert [buckets.take("198.51.100.7") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("198.51.100.7") == pytest.approx(12.0)  # none left: the next one in 12 s
    assert buckets.take("198.51.100.8") == 0  # another address: its own bucket
    now[0] += 6
    assert buckets.take("198.51.100.7") == pytest.approx(6.0)  # half a token back, nothing taken
    now[0] += 6
    assert buckets.take("198.51.100.7") == 0
    assert buckets.take("198.51.100.7") == pytest.approx(12.0)
    now[0] += 3600
    assert [buckets.take("198.51.100.7") for _ in range(4)][-2:] == [0, pytest.approx(12.0)]  # a burst, not 300

    # IPv6 by its /64, the block one machine has; an IPv4-mapped address as the IPv4 one
    assert bucket_key("2001:db8:1:2:aaaa::1") == bucket_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert bucket_key("2001:db8:1:3::1") != bucket_key("2001:db8:1:2::1")
    assert bucket_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert bucket_key("") == ""
    six = Buckets(1, 60.0, clock=lambda: now[0])
    assert six.take("2001:db8:1:2::1") == 0 and six.take("2001:db8:1:2::99") == pytest.approx(60.0)

    # however many addresses send, only so many are remembered: the one seen longest ago goes first
    few = Buckets(1, 60.0, most=2, clock=lambda: now[0])
    assert few.take("192.0.2.1") == few.take("192.0.2.2") == 0
    assert few.take("192.0.2.1") == pytest.approx(60.0)  # seen again: now the newest
    assert few.take("192.0.2.3") == 0
    assert len(few) == 2
    assert few.take("192.0.2.1") == pytest.approx(60.0)  # still remembered
    assert few.take("192.0.2.2") == 0  # forgotten, so a full bucket again
