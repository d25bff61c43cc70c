"""HTTP/1.1 over the standard library, with keep-alive connections reused
across threads."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message

from . import __version__ as _version

# Idle connections are dropped after this long, well before the server's own
# idle timeout (120 s), so that a request rarely meets a connection the
# server is closing.
_MAX_IDLE_SECONDS = 50.0


@dataclass
class Response:
    """One answer of the server."""

    status: int
    headers: Message
    body: bytes


class TransportError(Exception):
    """No answer came.

    ``sent`` is False when the request cannot have been handled: the
    connection was never made, or a kept-alive connection turned out closed
    before the server read anything. When ``sent`` is True the outcome is
    unknown (a timeout, or a connection cut while waiting for the answer).
    """

    def __init__(self, cause: BaseException, *, sent: bool) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__)
        self.cause = cause
        self.sent = sent


class Transport:
    """Sends requests to one tooltrail server with one bearer token."""

    def __init__(self, url: str, token: str, *, max_idle: int = 16) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"tooltrail URL {url!r} is not http:// or https:// with a host")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": f"tooltrail-python/{_version}",
        }
        self._ssl = ssl.create_default_context() if self._https else None
        self._idle: list[tuple[http.client.HTTPConnection, float]] = []
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._closed = False

    def request(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                body: bytes | None = None, timeout: float) -> Response:
        """Send one request and read the whole answer. Raises TransportError
        when no answer came."""
        target = self._prefix + path
        if params:
            target += "?" + urllib.parse.urlencode(params)
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn, reused = self._get(timeout)
        if not reused:
            try:
                conn.connect()
            except OSError as e:  # refused, unknown host, connect timeout, TLS
                conn.close()
                raise TransportError(e, sent=False) from e
        try:
            conn.request(method, target, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
            conn.close()
            # On a kept-alive connection, the server closed it while it sat
            # idle: the request never reached a handler.
            raise TransportError(e, sent=not reused) from e
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise TransportError(e, sent=True) from e
        if resp.will_close:
            conn.close()
        else:
            self._put(conn)
        return Response(resp.status, resp.headers, data)

    def _get(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        now = time.monotonic()
        with self._lock:
            while self._idle:
                conn, since = self._idle.pop()
                if now - since < _MAX_IDLE_SECONDS and conn.sock is not None:
                    try:
                        conn.sock.settimeout(timeout)
                    except OSError:
                        conn.close()
                        continue
                    conn.timeout = timeout
                    return conn, True
                conn.close()
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl), False
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout), False

    def _put(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append((conn, time.monotonic()))
                return
        conn.close()

    def close(self) -> None:
        """Close the idle connections; requests still in flight finish."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()
