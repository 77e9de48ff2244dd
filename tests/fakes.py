"""Loopback fakes of the platforms: a real HTTP server on 127.0.0.1 with small route functions.

    server = FakeServer()
    @server.route("GET", "/api/v1/timelines/tag/(?P<tag>[^/]+)")
    def tag_timeline(request):
        return Reply.json([...], headers={"Link": ...})

Every request is recorded in `server.requests`, so tests can assert what a
connector sent (headers, cursors, how often it asked).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    groups: dict[str, str] = field(default_factory=dict)  # named groups of the route pattern

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        return self.query.get(name, [default])[0]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    """What the fake answers."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (for timeouts)
    dribble: float = 0.0  # seconds between the body's bytes, sent one at a time (a server that never quite times out)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> "Reply":
        return cls(status, json.dumps(data).encode("utf-8"),
                   {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> "Reply":
        return cls(status, text.encode("utf-8"), {"Content-Type": content_type, **(headers or {})})


Handler = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    """Ends its connections when it closes, so no thread of it outlives the test.

    A client keeps its connections open for the next request (keep-alive), and the thread
    serving each would wait for it until the process ends; a test that then forks (a
    parallel build) forks a process with threads, which Python 3.12+ warns about.
    """

    daemon_threads = True  # a thread stuck in a reply's delay does not hold up the test
    CLOSE_WAIT = 5.0  # seconds to wait for the threads after their connections are shut

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._open: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        with self._lock:
            self._open[request] = thread
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.pop(request, None)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            open_now = dict(self._open)
        for connection in open_now:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # the thread waiting on it reads the end and stops
            except OSError:
                pass
        deadline = time.monotonic() + self.CLOSE_WAIT
        for thread in open_now.values():
            thread.join(max(0.0, deadline - time.monotonic()))


class FakeServer:
    """A threaded HTTP server on 127.0.0.1, port chosen by the system."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Handler]] = []
        self.requests: list[Request] = []
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def host(self) -> str:
        return self.base_url.split("//", 1)[1]

    def url(self, path: str = "") -> str:
        return self.base_url + path

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register a handler for requests whose path matches pattern completely."""
        def register(handler: Handler) -> Handler:
            self.routes.insert(0, (method, re.compile(pattern), handler))
            return handler
        return register

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def requests_to(self, pattern: str) -> list[Request]:
        """The recorded requests whose path matches pattern."""
        return [request for request in self.requests if re.fullmatch(pattern, request.path)]

    def _dispatch(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                request.groups = match.groupdict()
                return handler(request)
        return Reply.json({"error": "Record not found"}, 404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the body then waits
            # for the client's delayed ACK (40 ms on Linux), which real web servers never make it do.
            disable_nagle_algorithm = True

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, parse_qs(parts.query),
                                  {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length) if length else b"")
                fake.requests.append(request)
                reply = fake._dispatch(request)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self._write_body(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _write_body(self, reply: Reply) -> None:
                if not reply.dribble:
                    self.wfile.write(reply.body)
                    return
                for byte in reply.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(reply.dribble)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        return _Handler
