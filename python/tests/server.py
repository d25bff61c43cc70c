"""A real tooltrail server for the tests, and a proxy that injects faults.

The binary is ``TOOLTRAIL_BIN`` when set, else built once from this checkout
with ``go build``. Without either, the tests are skipped, and under ``CI``
they fail.
"""

from __future__ import annotations

import asyncio
import atexit
import http.client
import http.server
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_built: str | None = None
_build_lock = threading.Lock()


def in_ci() -> bool:
    """Whether the tests run in CI, where a missing service is a failure."""
    return os.environ.get("CI", "") != ""


def unavailable(message: str) -> BaseException:
    """A skip on a laptop, a failure in CI."""
    if in_ci():
        return RuntimeError(message + " (CI is set, so this is a failure, not a skip)")
    return unittest.SkipTest(message)


def quiet_loop() -> None:
    """Raise the debug event loop's threshold for a slow step, which the
    test machine's load would cross with the test's own subprocesses."""
    asyncio.get_running_loop().slow_callback_duration = 0.5


def binary() -> str:
    """The path of the tooltrail binary, built at the first call."""
    global _built
    with _build_lock:
        if _built is not None:
            return _built
        given = os.environ.get("TOOLTRAIL_BIN")
        if given:
            if not os.access(given, os.X_OK):
                raise RuntimeError(f"TOOLTRAIL_BIN={given} is not an executable")
            _built = given
            return _built
        go = shutil.which("go")
        if go is None:
            raise unavailable("no tooltrail binary: set TOOLTRAIL_BIN or put go on PATH")
        out = tempfile.mkdtemp(prefix="tooltrail-bin-")
        atexit.register(shutil.rmtree, out, True)
        path = os.path.join(out, "tooltrail")
        subprocess.run([go, "build", "-o", path, "./cmd/tooltrail"], cwd=REPO, check=True)
        _built = path
        return _built


def clean_env() -> dict[str, str]:
    """The environment for a tooltrail process: without TOOLTRAIL_*, which
    its flags would read."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TOOLTRAIL_")}


class Server:
    """``tooltrail serve`` on a free loopback port and a data directory of
    its own (or the one given), with the admin token it wrote."""

    def __init__(self, data: str | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="tooltrail-py-")
        self.data = data or os.path.join(self.dir, "data")
        self.url = ""
        self.admin_token = ""
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> Server:
        """Start the server and wait until it says where it serves."""
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [binary(), "serve", "--addr", "127.0.0.1:0", "--data", self.data],
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=clean_env())
        lines: queue.Queue[str | None] = queue.Queue()

        def drain() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, daemon=True).start()
        deadline = time.monotonic() + 60
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise RuntimeError("tooltrail serve did not say where it serves within 60 s")
            if line is None:
                self.stop()
                raise RuntimeError("tooltrail serve exited: " + Path(self.dir, "serve.log").read_text())
            if line.startswith("tooltrail serving on "):
                self.url = line.split(" on ", 1)[1].strip()
                break
        token_file = Path(self.data, "admin.token")
        if token_file.exists():
            self.admin_token = token_file.read_text().strip()
        return self

    def token(self, role: str, name: str, user: str | None = None) -> str:
        """Make a token with ``tooltrail token create`` and return its secret."""
        args = [binary(), "token", "create", "--role", role, "--name", name, "--data", self.data]
        if user:
            args += ["--user", user]
        out = subprocess.run(args, check=True, capture_output=True, text=True, env=clean_env())
        return out.stdout.strip()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 30 s) and remove its files."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if hasattr(self, "log"):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class FaultProxy:
    """An HTTP proxy in front of a server that answers each request as
    ``plan(n, method, path)`` says, n counting requests from 0:

    - ``"forward"``: pass it on and answer what the server answered;
    - ``"503"``: answer 503 ``unavailable`` without passing it on;
    - ``"forward-slow"``: pass it on, then answer only after ``slow`` seconds
      (longer than the client's timeout: the client sees a timeout after
      the server recorded);
    - ``"forward-drop"``: pass it on, then close the connection unanswered;
    - ``"forward-close"``: pass it on and answer, then close the connection
      that the client was told stays open (as a server closes an idle one).
    """

    def __init__(self, upstream: str, plan: Callable[[int, str, str], str], slow: float = 1.5) -> None:
        self.plan = plan
        self.slow = slow
        self.requests: list[tuple[str, str, bytes]] = []
        self._lock = threading.Lock()
        up = urllib.parse.urlsplit(upstream)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    n = len(proxy.requests)
                    proxy.requests.append((self.command, self.path, body))
                action = proxy.plan(n, self.command, self.path)
                if action == "503":
                    self._answer(503, {"Retry-After": "0", "Content-Type": "application/json"},
                                 json.dumps({"error": {"code": "unavailable", "message": "injected"}}).encode())
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if action == "forward-drop":
                    self.close_connection = True
                    return
                if action == "forward-close":
                    # Answer as if the connection stayed open, then close it.
                    self.close_connection = True
                if action == "forward-slow":
                    time.sleep(proxy.slow)
                hdrs = {k: v for k, v in resp.getheaders() if k.lower() not in ("connection", "content-length", "transfer-encoding")}
                self._answer(resp.status, hdrs, data)

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _handle
            do_POST = _handle

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up on a slow answer

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop the proxy."""
        self.httpd.shutdown()
        self.httpd.server_close()
