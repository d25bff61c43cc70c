"""The drop-in, used as oAI-Web uses its AuditLog, against a real server."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import math
import os
import re
import unittest
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from unittest import mock

import tooltrail
from tooltrail import AuditEntry, AuditLog

from .server import Server, quiet_loop

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


def tag() -> str:
    """A string no other test uses, to keep their entries apart."""
    return uuid.uuid4().hex[:8]


# The seed's timestamps: datetime.now(timezone.utc).isoformat().
SEED_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$")


class AuditLogTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        quiet_loop()
        self.audit_log = AuditLog(SERVER.url, SERVER.admin_token)

    async def asyncTearDown(self) -> None:
        await self.audit_log.aclose()

    async def test_agent_loop_records_before_returning(self) -> None:
        # The agent loop: run the tool, await the record, only then hand the
        # result back; many tool calls at once.
        audit_log = self.audit_log
        session = "session-" + tag()

        async def run_tool(i: int) -> str:
            result = f"{i * i}"
            await audit_log.record(
                tool_name="calculator", arguments={"expr": f"{i}*{i}", "i": i},
                result_summary=result[:200], confirmed=i % 2 == 0,
                session_id=session, task_id=None, user_id="alice")
            return result

        results = await asyncio.gather(*(run_tool(i) for i in range(40)))
        self.assertEqual(results, [str(i * i) for i in range(40)])
        entries = await audit_log.query(session_id=session, limit=100)
        self.assertEqual(len(entries), 40)
        ids = [e.id for e in entries]
        self.assertEqual(ids, sorted(ids, reverse=True), "newest first")
        by_i = {e.arguments["i"]: e for e in entries}
        self.assertEqual(sorted(by_i), list(range(40)))
        e = by_i[7]
        self.assertIsInstance(e, AuditEntry)
        self.assertEqual((e.tool_name, e.arguments, e.result_summary, e.confirmed, e.session_id,
                          e.task_id, e.user_id),
                         ("calculator", {"expr": "7*7", "i": 7}, "49", False, session, None, "alice"))
        self.assertRegex(e.timestamp, SEED_TIMESTAMP)
        self.assertTrue(e.call_id and e.call_id.startswith("py-"))
        self.assertEqual(await audit_log.count(session_id=session, confirmed_only=True), 20)

    async def test_record_returns_the_id(self) -> None:
        tool = "ping_" + tag()
        first = await self.audit_log.record(tool)
        second = await self.audit_log.record(tool)
        self.assertIsInstance(first, int)
        self.assertEqual(second, first + 1)
        [newest, oldest] = await self.audit_log.query(tool_name=tool)
        self.assertEqual((newest.id, oldest.id), (second, first))
        self.assertEqual((oldest.arguments, oldest.result_summary, oldest.confirmed, oldest.session_id,
                          oldest.task_id, oldest.user_id), (None, None, False, None, None, None))

    async def test_admin_page_every_filter(self) -> None:
        t = tag()
        rows = [  # tool, session, task, user, confirmed
            (f"read_file_{t}", f"s1-{t}", None, f"alice-{t}", True),
            (f"web_search_{t}", f"s1-{t}", f"t1-{t}", f"alice-{t}", False),
            (f"shell_{t}", f"s2-{t}", f"t1-{t}", f"bob-{t}", True),
            (f"READ_url_{t}", None, None, f"bob-{t}", False),
            (f"file_100%_{t}", f"s2-{t}", f"t2-{t}", None, True),
            (f"read_file_{t}", f"s2-{t}", f"t2-{t}", f"alice-{t}", False),
        ] * 3
        recorded = []
        for tool, session, task, user, confirmed in rows:
            i = await self.audit_log.record(tool, {"n": len(recorded)}, "ok", confirmed, session, task, user)
            recorded.append(i)
        mine = [e for e in await self.audit_log.query(tool_name=t, limit=None) if e.id in recorded]
        self.assertEqual(len(mine), len(rows))
        first, last = mine[-1], mine[0]
        t_first = datetime.fromisoformat(first.timestamp)
        t_mid = datetime.fromisoformat(mine[len(mine) // 2].timestamp)
        t_last = datetime.fromisoformat(last.timestamp)

        def expect(start=None, end=None, tool_name=None, session_id=None, task_id=None,
                   confirmed_only=False, user_id=None):
            """The seed's semantics, over this test's entries."""
            out = []
            for e in mine:
                ts = datetime.fromisoformat(e.timestamp)
                if start is not None and ts < start:
                    continue
                if end is not None and ts > end:
                    continue
                if tool_name and tool_name.lower() not in e.tool_name.lower():
                    continue
                if session_id and e.session_id != session_id:
                    continue
                if task_id and e.task_id != task_id:
                    continue
                if confirmed_only and not e.confirmed:
                    continue
                if user_id and e.user_id != user_id:
                    continue
                out.append(e.id)
            return out

        plus2 = timezone(timedelta(hours=2))
        cases = [
            ("StartIsoString", dict(start=first.timestamp), dict(start=t_first)),
            ("StartAwareDatetime", dict(start=t_first.astimezone(plus2)), dict(start=t_first)),
            ("StartNaiveDatetimeIsUTC", dict(start=t_first.replace(tzinfo=None)), dict(start=t_first)),
            ("StartStringNoOffsetIsUTC", dict(start=t_first.replace(tzinfo=None).isoformat()), dict(start=t_first)),
            ("StartStringPlusOffset", dict(start=t_first.astimezone(plus2).isoformat()), dict(start=t_first)),
            ("EndInclusive", dict(start=t_first, end=t_mid.isoformat()), dict(start=t_first, end=t_mid)),
            ("EndSpaceSeparated", dict(start=t_first, end=t_mid.replace(tzinfo=None).isoformat(" ")),
             dict(start=t_first, end=t_mid)),
            ("ToolSubstringCaseInsensitive", dict(start=t_first, tool_name="read"), dict(start=t_first, tool_name="read")),
            ("ToolPercentLiteral", dict(start=t_first, tool_name="100%"), dict(start=t_first, tool_name="100%")),
            ("ToolUnderscoreLiteral", dict(tool_name=f"e_{t}"), dict(tool_name=f"e_{t}")),
            ("Session", dict(session_id=f"s2-{t}"), dict(session_id=f"s2-{t}")),
            ("Task", dict(task_id=f"t1-{t}"), dict(task_id=f"t1-{t}")),
            ("User", dict(user_id=f"bob-{t}"), dict(user_id=f"bob-{t}")),
            ("ConfirmedOnly", dict(start=t_first, confirmed_only=True), dict(start=t_first, confirmed_only=True)),
            ("EmptyStringsDoNotFilter", dict(start=t_first, tool_name="", session_id="", task_id="", user_id=""),
             dict(start=t_first)),
            ("Everything", dict(start=t_first, end=t_last, tool_name="READ_FILE", session_id=f"s2-{t}",
                                task_id=f"t2-{t}", confirmed_only=False, user_id=f"alice-{t}"),
             dict(start=t_first, end=t_last, tool_name="READ_FILE", session_id=f"s2-{t}",
                  task_id=f"t2-{t}", user_id=f"alice-{t}")),
            ("EverythingConfirmed", dict(start=t_first, end=t_last, tool_name="file", session_id=f"s2-{t}",
                                         task_id=f"t2-{t}", confirmed_only=True),
             dict(start=t_first, end=t_last, tool_name="file", session_id=f"s2-{t}", task_id=f"t2-{t}",
                  confirmed_only=True)),
            ("NothingMatches", dict(start=t_last + timedelta(microseconds=1), tool_name=t), dict(start=t_last + timedelta(days=1))),
        ]
        for name, kwargs, seed in cases:
            with self.subTest(name):
                want = expect(**seed)
                got = await self.audit_log.query(**kwargs, limit=100)
                self.assertEqual([e.id for e in got if e.id in recorded], want)
                self.assertEqual(await self.audit_log.count(**kwargs), len(got))
                if kwargs.get("start") is t_first or "tool_name" in kwargs or "session_id" in kwargs:
                    self.assertEqual(len(got), len(want), "only this test's entries")

        with self.subTest("LimitOffsetPages"):
            every = expect()
            pages = []
            for offset in range(0, len(every), 5):
                page = await self.audit_log.query(tool_name=t, limit=5, offset=offset)
                pages.extend(e.id for e in page)
            self.assertEqual(pages, every)
            self.assertEqual(len(await self.audit_log.query(tool_name=t)), len(every), "default limit 50")
            self.assertEqual(await self.audit_log.query(tool_name=t, limit=0), [])
            self.assertEqual([e.id for e in await self.audit_log.query(tool_name=t, limit=None, offset=None)], every)
            self.assertEqual([e.id for e in await self.audit_log.query(tool_name=t, offset=len(every) - 2)],
                             every[-2:])

    async def test_pages_beyond_the_servers_ceiling(self) -> None:
        # A limit above the server's page (1,000; 7 here) or None is read in
        # cursor pages: the same entries, in order, as one page would hold.
        t = tag()
        ids = [await self.audit_log.record(f"bulk_{t}", {"n": n}) for n in range(23)]
        self.audit_log.client._page = 7
        want = ids[::-1]
        for limit, offset, expected in [(None, 0, want), (20, 0, want[:20]), (15, 4, want[4:19]),
                                        (None, 6, want[6:]), (1000, 21, want[21:]), (7, 0, want[:7])]:
            with self.subTest(limit=limit, offset=offset):
                got = await self.audit_log.query(tool_name=f"bulk_{t}", limit=limit, offset=offset)
                self.assertEqual([e.id for e in got], expected)

    async def test_arguments_are_made_json(self) -> None:
        # Values JSON cannot hold become strings, as oAI-Web stored them.
        tool = "jsonify_" + tag()
        when = datetime(2026, 4, 8, 10, 43, 24, tzinfo=timezone.utc)
        key = uuid.UUID("12345678-1234-5678-1234-567812345678")
        args = {"when": when, "id": key, "price": Decimal("1.50"), "pair": (1, 2), "n": {1: "one"},
                "nan": math.nan, "tags": {"x"}, "nested": [{"b": b"\x00"}], "ok": [True, None, 1.5, "s"]}
        await self.audit_log.record(tool, args)
        [e] = await self.audit_log.query(tool_name=tool)
        self.assertEqual(e.arguments, {
            "when": str(when), "id": str(key), "price": "1.50", "pair": [1, 2], "n": {"1": "one"},
            "nan": "nan", "tags": "{'x'}", "nested": [{"b": "b'\\x00'"}], "ok": [True, None, 1.5, "s"]})

    async def test_empty_strings_come_back_as_none(self) -> None:
        # A difference from the seed, kept on purpose (docs/design.md): an
        # empty string is stored as absent.
        tool = "empty_" + tag()
        await self.audit_log.record(tool, {}, "", session_id="", task_id="", user_id="")
        [e] = await self.audit_log.query(tool_name=tool)
        self.assertEqual((e.arguments, e.result_summary, e.session_id, e.task_id, e.user_id),
                         ({}, None, None, None, None))

    async def test_default_user_reads_the_callers_context(self) -> None:
        current_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_user", default=None)
        audit_log = AuditLog(SERVER.url, SERVER.admin_token, default_user=current_user.get)
        tool = "whoami_" + tag()

        async def request(user: str | None) -> None:
            current_user.set(user)
            await asyncio.sleep(0)
            await audit_log.record(tool, {"as": user})
            await audit_log.record(tool, {"as": user, "explicit": True}, user_id="explicit")

        try:
            await asyncio.gather(request("carol"), request("dave"), request(None))
            entries = await audit_log.query(tool_name=tool)
        finally:
            await audit_log.aclose()
        got = sorted((json.dumps(e.arguments, sort_keys=True), e.user_id) for e in entries)
        self.assertEqual(got, sorted([
            ('{"as": "carol"}', "carol"), ('{"as": "dave"}', "dave"), ('{"as": null}', None),
            ('{"as": "carol", "explicit": true}', "explicit"), ('{"as": "dave", "explicit": true}', "explicit"),
            ('{"as": null, "explicit": true}', "explicit")]))

    async def test_entry_from_the_api_never_raises_on_new_fields(self) -> None:
        tool = "raw_" + tag()
        i = await self.audit_log.record(tool, {"a": 1}, call_id="my-call-" + tool)
        req = urllib.request.Request(f"{SERVER.url}/v1/entries/{i}",
                                     headers={"Authorization": f"Bearer {SERVER.admin_token}"})
        with urllib.request.urlopen(req) as resp:
            raw = json.load(resp)
        self.assertIn("leaf", raw)  # a field the seed never had
        entry = AuditEntry(**raw, some_future_field=1)
        self.assertEqual(entry.id, i)
        self.assertEqual(entry.extra["call_id"], "my-call-" + tool)
        self.assertEqual(entry.extra["some_future_field"], 1)
        self.assertEqual(entry.call_id, "my-call-" + tool)
        self.assertEqual(list(dataclasses.asdict(entry)), [
            "id", "timestamp", "session_id", "tool_name", "arguments", "result_summary", "confirmed",
            "task_id", "user_id"])
        [queried] = await self.audit_log.query(tool_name=tool)
        self.assertEqual(dataclasses.asdict(queried), {**dataclasses.asdict(entry), "timestamp": queried.timestamp})
        self.assertEqual(datetime.fromisoformat(queried.timestamp),
                         datetime.fromisoformat(raw["timestamp"].replace("Z", "+00:00")))

    async def test_errors(self) -> None:
        t = tag()
        writer = AuditLog(SERVER.url, await asyncio.to_thread(SERVER.token, "writer", "py-writer-" + t))
        reader = AuditLog(SERVER.url, await asyncio.to_thread(SERVER.token, "reader", "py-reader-" + t))
        nobody = AuditLog(SERVER.url, "tt_not-a-token")
        try:
            self.assertIsInstance(await writer.record("writer_" + t), int)
            with self.assertRaises(tooltrail.PermissionDenied):
                await writer.query()
            with self.assertRaises(tooltrail.PermissionDenied):
                await reader.purge(older_than_days=30)
            self.assertGreaterEqual(await reader.count(tool_name="writer_" + t), 1)
            with self.assertRaises(tooltrail.Unauthenticated):
                await nobody.count()
        finally:
            for a in (writer, reader, nobody):
                await a.aclose()
        with self.assertRaises(tooltrail.InvalidArgument) as cm:
            await self.audit_log.record("")
        self.assertIn("tool_name", str(cm.exception))
        with self.assertRaises(tooltrail.TooLarge):
            await self.audit_log.record("big_" + t, result_summary="x" * (64 * 1024 + 1))
        with self.assertRaises(tooltrail.InvalidArgument) as cm:
            await self.audit_log.query(start="yesterday")
        self.assertIn("start", str(cm.exception))
        with self.assertRaises(ValueError):
            await self.audit_log.query(limit=-1)
        with self.assertRaises(TypeError):
            await self.audit_log.query(user_id=7)  # type: ignore[arg-type]
        with self.assertRaises(tooltrail.InvalidArgument):
            await self.audit_log.purge(older_than_days=-1)

    async def test_configured_from_the_environment(self) -> None:
        env = {"TOOLTRAIL_URL": SERVER.url, "TOOLTRAIL_TOKEN": SERVER.admin_token}
        tool = "env_" + tag()
        with mock.patch.dict(os.environ, env):
            try:
                i = await tooltrail.audit_log.record(tool)
                self.assertEqual([e.id for e in await tooltrail.audit_log.query(tool_name=tool)], [i])
            finally:
                await tooltrail.audit_log.aclose()
        with mock.patch.dict(os.environ, {"TOOLTRAIL_TOKEN": ""}):
            with self.assertRaises(tooltrail.Unauthenticated) as cm:
                await AuditLog(SERVER.url).count()
            self.assertIn("TOOLTRAIL_TOKEN", str(cm.exception))


class PurgeTest(unittest.IsolatedAsyncioTestCase):
    """purge on a server of its own, since it deletes everything."""

    def setUp(self) -> None:
        self.server = Server().start()
        self.addCleanup(self.server.stop)
        self.audit_log = AuditLog(self.server.url, self.server.admin_token)

    async def asyncTearDown(self) -> None:
        await self.audit_log.aclose()

    async def test_scheduled_purge(self) -> None:
        # A new log holds one entry already: the making of its admin token.
        self.assertEqual(await self.audit_log.count(), 1)
        for i in range(3):
            await self.audit_log.record("fetch", {"i": i})

        async def retention(days: int, runs: int) -> list[int]:
            # The seed's scheduler: purge(older_than_days=N) on a timer.
            deleted = []
            for _ in range(runs):
                deleted.append(await self.audit_log.purge(older_than_days=days))
                await asyncio.sleep(0.01)
            return deleted

        self.assertEqual(await retention(30, 2), [0, 0])
        # Each purge is recorded, also one that deleted nothing.
        self.assertEqual(await self.audit_log.count(), 6)
        self.assertEqual(await self.audit_log.count(tool_name="fetch"), 3)
        self.assertEqual(await self.audit_log.count(tool_name="tooltrail.purge"), 2)
        [newest] = await self.audit_log.query(limit=1)
        self.assertEqual(newest.tool_name, "tooltrail.purge")
        self.assertEqual(newest.arguments["older_than_days"], 30)
        self.assertEqual(newest.arguments["deleted"], 0)
        self.assertEqual(newest.result_summary, "deleted 0 entries")

        self.assertEqual(await self.audit_log.purge(older_than_days=0), 6)
        [only] = await self.audit_log.query()
        self.assertEqual((only.tool_name, only.arguments["deleted"]), ("tooltrail.purge", 6))
        await self.audit_log.record("fetch")
        self.assertEqual(await self.audit_log.purge(), 2)
        self.assertEqual(await self.audit_log.purge(None), 1)
        self.assertEqual(await self.audit_log.count(), 1)
        self.assertEqual(await self.audit_log.purge(older_than_days=7.0), 0)  # type: ignore[arg-type]
        with self.assertRaises(ValueError):
            await self.audit_log.purge(older_than_days=1.5)  # type: ignore[arg-type]


if __name__ == "__main__":
    unittest.main()
