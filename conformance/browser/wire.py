"""A loopback HTTP/1.1 server that answers with exact bytes, for the browser run (browsers.py).

Two listening sockets on 127.0.0.1 are two origins: the *page* origin serves the test page, its plan and
takes the results; the *target* origin answers each test URL with the response bytes the plan fixed for
it, and records every request it gets (method, Origin, Access-Control-Request-Method and -Headers), so
the driver can count preflights. Each connection carries one request and one response; the response body
is delimited by closing the connection unless the vector itself sends a Content-Length.

Bounds: a request head is read up to 64 KiB and 10 s, a request body up to 8 MiB; anything larger or
slower is answered 400 / dropped (only the driver's own browser ever connects).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

MAX_HEAD = 64 * 1024
MAX_BODY = 8 * 1024 * 1024
IO_TIMEOUT = 10.0

REASONS = {200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}


def status_line(status: int) -> bytes:
    return b"HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status").encode("ascii"))


def response_bytes(status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> bytes:
    """The wire form of a response: each header line is name ":" value CRLF with the value's bytes as
    given (a vector's value is what follows the colon), then CRLF and the body."""
    out = [status_line(status)]
    for name, value in headers:
        out.append(name + b":" + value + b"\r\n")
    out.append(b"\r\n")
    return b"".join(out) + body


@dataclass
class Request:
    method: str
    path: str
    headers: dict          # lowercased name -> value (str, Latin-1), the last line of a name wins
    body: bytes
    at: float


@dataclass
class Route:
    """What the target origin answers for one path. `preflight` answers an OPTIONS request that carries
    Access-Control-Request-Method (a CORS preflight); `main` answers everything else."""
    main: bytes
    preflight: bytes | None = None


def _read_request(conn: socket.socket) -> Request | None:
    conn.settimeout(IO_TIMEOUT)
    data = b""
    deadline = time.monotonic() + IO_TIMEOUT
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD or time.monotonic() > deadline:
            return None
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip(" \t")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        return None
    if length < 0 or length > MAX_BODY:
        return None
    while len(rest) < length:
        if time.monotonic() > deadline:
            return None
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return Request(parts[0], parts[1], headers, rest[:length], time.time())


class Origin:
    """One listening socket and its accept thread; `handle(request) -> bytes` makes each response."""

    def __init__(self, handle):
        self._handle = handle
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stopped:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket):
        try:
            request = _read_request(conn)
            if request is None:
                conn.sendall(response_bytes(400, [(b"Content-Length", b"0")]))
            else:
                conn.sendall(self._handle(request))
            conn.shutdown(socket.SHUT_WR)
            # Drain what the client still sends so closing does not reset the connection under it.
            conn.settimeout(2.0)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self._stopped = True
        try:
            self._sock.close()
        except OSError:
            pass


@dataclass
class TargetServer:
    """The target origin: fixed routes, and a log of every request per path."""
    routes: dict = field(default_factory=dict)   # path -> Route
    log: dict = field(default_factory=dict)      # path -> [Request]
    lock: threading.Lock = field(default_factory=threading.Lock)
    origin: Origin | None = None

    def start(self) -> "TargetServer":
        self.origin = Origin(self._answer)
        return self

    def _answer(self, request: Request) -> bytes:
        path = request.path.split("?", 1)[0]
        with self.lock:
            self.log.setdefault(path, []).append(request)
        route = self.routes.get(path)
        if route is None:
            return response_bytes(404, [(b"Content-Length", b"0")])
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers \
                and route.preflight is not None:
            return route.preflight
        return route.main

    def requests(self, path: str) -> list[Request]:
        with self.lock:
            return list(self.log.get(path, []))
