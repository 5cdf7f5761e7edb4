"""Local servers on 127.0.0.1 for tests: a free port, and any ASGI app served by uvicorn in a
background thread (a real TCP server, for a local GOV.UK Notify, GOV.UK Pay or webhook receiver).

Test modules anywhere under tests/ import it by name: the folder of tests/conftest.py is on
``sys.path``.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (another process could take it before it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: Any, *, host: str = HOST, start_timeout: float = 10.0) -> Iterator[str]:
    """Run an ASGI app with uvicorn on `host` and a free port in a background thread; yield
    its base URL once it answers HTTP, and stop it afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    url = f"http://{host}:{port}"
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"uvicorn {url}")
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if not thread.is_alive():
                raise RuntimeError(f"the local server at {url} stopped while starting")
            probe = http.client.HTTPConnection(host, port, timeout=1.0)
            try:
                probe.request("GET", "/__alive__")
                probe.getresponse().read()  # any HTTP answer will do
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the local server at {url} did not start") from None
                time.sleep(0.02)
            finally:
                probe.close()
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
