"""The switch from oAI-Web end to end: its audit_log table in PostgreSQL,
``tooltrail import --from-oaiweb``, then the drop-in on the imported log.

Needs ``TOOLTRAIL_TEST_POSTGRES`` (a postgres:// URL) and ``psql``; skipped
without them, and failed under CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import unittest
import uuid
from datetime import datetime, timedelta, timezone

from tooltrail import AuditLog

from .server import Server, binary, clean_env, quiet_loop, unavailable


class ImportTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.pg = os.environ.get("TOOLTRAIL_TEST_POSTGRES", "")
        if not self.pg:
            raise unavailable("TOOLTRAIL_TEST_POSTGRES is not set")
        if shutil.which("psql") is None:
            raise unavailable("psql is not installed")
        self.schema = "tooltrail_py_" + uuid.uuid4().hex[:8]
        now = datetime.now(timezone.utc)
        # oAI-Web's table and timestamps: datetime.now(timezone.utc).isoformat().
        self.rows = [
            ((now - timedelta(days=60)).isoformat(), "s1", "read_file", '{"path": "/etc/hosts"}', "10 lines", True, None, "alice"),
            ((now - timedelta(days=40)).replace(microsecond=0).isoformat(), None, "web_search", None, None, False, "t1", None),
            ((now - timedelta(days=10)).isoformat(), "s2", "shell", '["ls", {"b": 2, "a": 1}]', "", False, None, "bob"),
            ((now - timedelta(days=1)).isoformat(), "s2", "read_file", '{}', "ok", True, "t2", "alice"),
        ]

        def lit(v: object) -> str:
            if v is None:
                return "NULL"
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            return "'" + str(v).replace("'", "''") + "'"

        values = ",\n".join("(" + ", ".join(lit(v) for v in row) + ")" for row in self.rows)
        self.psql(f"""
            CREATE SCHEMA {self.schema};
            CREATE TABLE {self.schema}.audit_log (id SERIAL PRIMARY KEY, timestamp TEXT NOT NULL,
                session_id TEXT, tool_name TEXT NOT NULL, arguments JSONB, result_summary TEXT,
                confirmed BOOLEAN NOT NULL DEFAULT FALSE, task_id TEXT, user_id TEXT);
            INSERT INTO {self.schema}.audit_log
                (timestamp, session_id, tool_name, arguments, result_summary, confirmed, task_id, user_id)
                VALUES {values};
        """)
        self.addCleanup(self.psql, f"DROP SCHEMA {self.schema} CASCADE")
        self.server = Server()
        self.addCleanup(self.server.stop)
        # The second import reads nothing: the first one's mark says where the source was taken up to.
        for want in ("imported 4 new entries, 0 already there", "skipped 4 rows up to source id 4"):
            out = subprocess.run(
                [binary(), "import", "--from-oaiweb", self.pg, "--table", f"{self.schema}.audit_log",
                 "--data", self.server.data], check=True, capture_output=True, text=True, env=clean_env())
            self.assertIn(want, out.stdout)
        self.server.start()
        self.audit_log = AuditLog(self.server.url, self.server.admin_token)

    def psql(self, sql: str) -> None:
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.pg, "-c", sql], check=True,
                       capture_output=True, text=True)

    async def asyncSetUp(self) -> None:
        quiet_loop()

    async def asyncTearDown(self) -> None:
        await self.audit_log.aclose()

    async def test_imported_log_reads_as_oaiweb_did(self) -> None:
        entries = await self.audit_log.query(tool_name="_")
        self.assertEqual([e.tool_name for e in entries], ["read_file", "web_search", "read_file"])
        entries = [e for e in await self.audit_log.query() if "imported" in e.extra]
        self.assertEqual(len(entries), 4)
        for e, row, source_id in zip(entries, self.rows[::-1], [4, 3, 2, 1]):
            ts, session, tool, _, summary, confirmed, task, user = row
            with self.subTest(tool=tool, ts=ts):
                self.assertEqual(e.timestamp, ts, "the seed's own timestamp text")
                self.assertEqual((e.session_id, e.tool_name, e.result_summary or None, e.confirmed, e.task_id,
                                  e.user_id), (session, tool, summary or None, confirmed, task, user))
                self.assertEqual(e.extra["imported"], {"source": "oai-web", "id": source_id, "timestamp": ts})
                self.assertEqual(e.call_id, f"oai-web:{source_id}")
        self.assertEqual(entries[1].arguments, ["ls", {"a": 1, "b": 2}])
        self.assertEqual(entries[1].result_summary, None, "'' comes back as None")
        self.assertEqual(entries[3].arguments, {"path": "/etc/hosts"})

        old = datetime.now(timezone.utc) - timedelta(days=30)
        self.assertEqual(await self.audit_log.count(end=old), 2)
        self.assertEqual(await self.audit_log.count(start=old, user_id="alice", confirmed_only=True), 1)
        self.assertEqual([e.tool_name for e in await self.audit_log.query(end=old.isoformat())],
                         ["web_search", "read_file"])

        # The scheduled purge now deletes what oAI-Web's would have.
        self.assertEqual(await self.audit_log.purge(older_than_days=30), 2)
        self.assertEqual(await self.audit_log.count(end=old), 0)
        self.assertEqual([e.tool_name for e in await self.audit_log.query(tool_name="_")], ["read_file"])


if __name__ == "__main__":
    unittest.main()
