"""The blocking Client, and the retries of both clients, against a real
server behind a proxy that injects faults."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import unittest
import uuid
from unittest import mock

import tooltrail
from tooltrail import AuditLog, Client

from .server import FaultProxy, Server

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


def tag() -> str:
    return uuid.uuid4().hex[:8]


class ClientTest(unittest.TestCase):
    def test_the_four_calls(self) -> None:
        t = tag()
        with Client(SERVER.url, SERVER.admin_token) as client:
            ids = [client.record(f"script_{t}", {"n": n}, f"row {n}", n == 1, "s", f"task-{t}", "u")
                   for n in range(3)]
            entries = client.query(tool_name=f"script_{t}")
            self.assertEqual([e.id for e in entries], ids[::-1])
            self.assertEqual(client.count(task_id=f"task-{t}", confirmed_only=True), 1)
            self.assertEqual(client.count(None, None, f"script_{t}", f"task-{t}", "s", False, "u"), 3)
            self.assertIsInstance(client.purge(older_than_days=3650), int)

    def test_configured_from_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"TOOLTRAIL_URL": SERVER.url, "TOOLTRAIL_TOKEN": SERVER.admin_token}):
            with Client() as client:
                self.assertEqual(client.url, SERVER.url)
                self.assertGreaterEqual(client.count(), 1)
        with mock.patch.dict(os.environ, {"TOOLTRAIL_TOKEN": ""}):
            with self.assertRaises(tooltrail.Unauthenticated):
                Client(SERVER.url)
        with self.assertRaises(ValueError):
            Client("ftp://example.com", "t")

    def test_threads_share_one_client(self) -> None:
        t = tag()
        with Client(SERVER.url, SERVER.admin_token, max_connections=4) as client:
            threads = [threading.Thread(target=lambda: [client.record(f"threads_{t}") for _ in range(10)])
                       for _ in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            self.assertEqual(client.count(tool_name=f"threads_{t}"), 80)

    def test_an_idle_connection_the_server_closed_is_replaced(self) -> None:
        # A pooled connection the server has closed meanwhile (its idle
        # timeout, a restart): the next request goes out on a new one at
        # once, for a purge too, which is never repeated otherwise.
        proxy = FaultProxy(SERVER.url, lambda n, method, path: "forward-close")
        self.addCleanup(proxy.close)
        with Client(proxy.url, SERVER.admin_token, retries=0) as client:
            client.count()
            self.assertEqual(len(client._transport._idle), 1)
            self.assertIsInstance(client.count(), int)
            self.assertIsInstance(client.purge(older_than_days=3650), int)
        self.assertEqual([m for m, _, _ in proxy.requests], ["GET", "GET", "POST"])


class RetryTest(unittest.TestCase):
    """A record is sent again, with the same call_id, after a 503, a timeout
    or a cut connection, and is stored once."""

    def proxy(self, plan: list[str]) -> FaultProxy:
        def action(n: int, method: str, path: str) -> str:
            return plan[n] if n < len(plan) else "forward"

        p = FaultProxy(SERVER.url, action)
        self.addCleanup(p.close)
        return p

    def client(self, url: str, **kw: object) -> Client:
        c = Client(url, SERVER.admin_token, **kw)  # type: ignore[arg-type]
        self.addCleanup(c.close)
        return c

    def assert_stored_once(self, proxy: FaultProxy, tool: str, attempts: int) -> None:
        posts = [body for method, path, body in proxy.requests if method == "POST"]
        self.assertEqual(len(posts), attempts)
        self.assertEqual(len({json.loads(b)["call_id"] for b in posts}), 1, "one call_id for every attempt")
        self.assertEqual(len(set(posts)), 1, "the same body for every attempt")
        with Client(SERVER.url, SERVER.admin_token) as direct:
            self.assertEqual(direct.count(tool_name=tool), 1)

    def test_after_503(self) -> None:
        proxy = self.proxy(["503", "503"])
        tool = "retry503_" + tag()
        i = self.client(proxy.url).record(tool, {"a": 1})
        self.assertIsInstance(i, int)
        self.assert_stored_once(proxy, tool, 3)

    def test_after_timeout_of_a_call_the_server_recorded(self) -> None:
        proxy = self.proxy(["forward-slow"])
        tool = "retrytimeout_" + tag()
        i = self.client(proxy.url, timeout=0.5).record(tool, {"a": 1})
        self.assert_stored_once(proxy, tool, 2)
        with Client(SERVER.url, SERVER.admin_token) as direct:
            self.assertEqual([e.id for e in direct.query(tool_name=tool)], [i])

    def test_after_a_cut_connection(self) -> None:
        proxy = self.proxy(["forward-drop", "forward-drop"])
        tool = "retrycut_" + tag()
        self.client(proxy.url).record(tool)
        self.assert_stored_once(proxy, tool, 3)

    def test_bounded(self) -> None:
        proxy = self.proxy(["503"] * 10)
        with self.assertRaises(tooltrail.Unavailable) as cm:
            self.client(proxy.url, retries=2).record("never_" + tag())
        self.assertEqual(cm.exception.status, 503)
        self.assertIsInstance(cm.exception, ConnectionError)
        self.assertEqual(len(proxy.requests), 3)

    def test_nothing_listening(self) -> None:
        proxy = self.proxy([])
        url = proxy.url
        proxy.close()
        with self.assertRaises(tooltrail.Unavailable):
            self.client(url, retries=1).record("nowhere")

    def test_reads_too(self) -> None:
        proxy = self.proxy(["503", "forward-drop"])
        self.assertIsInstance(self.client(proxy.url).count(), int)
        self.assertEqual(len(proxy.requests), 3)

    def test_purge_is_not_repeated_after_an_unknown_outcome(self) -> None:
        proxy = self.proxy(["forward-slow"])
        with self.assertRaises(tooltrail.Unavailable):
            self.client(proxy.url, purge_timeout=0.5).purge(older_than_days=3650)
        self.assertEqual(len(proxy.requests), 1)

    def test_purge_is_not_repeated_after_503(self) -> None:
        proxy = self.proxy(["503"])
        with self.assertRaises(tooltrail.Unavailable):
            self.client(proxy.url).purge(older_than_days=3650)
        self.assertEqual(len(proxy.requests), 1)

    def test_own_call_id_makes_two_records_one(self) -> None:
        tool = "own_" + tag()
        with Client(SERVER.url, SERVER.admin_token) as c:
            first = c.record(tool, {"a": 1}, call_id="model-call-" + tool)
            again = c.record(tool, {"a": 1}, call_id="model-call-" + tool)
            self.assertEqual(first, again)
            with self.assertRaises(tooltrail.Conflict):
                c.record(tool, {"a": 2}, call_id="model-call-" + tool)

    def test_async_after_503(self) -> None:
        proxy = self.proxy(["503"])
        tool = "asyncretry_" + tag()

        async def run() -> int:
            audit_log = AuditLog(proxy.url, SERVER.admin_token)
            try:
                return await audit_log.record(tool)
            finally:
                await audit_log.aclose()

        self.assertIsInstance(asyncio.run(run()), int)
        self.assert_stored_once(proxy, tool, 2)


if __name__ == "__main__":
    unittest.main()
