"""AuditLog: oAI-Web's AuditLog, with the same async calls, on tooltrail."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any, TypeVar

from ._client import Client
from ._entry import AuditEntry

_T = TypeVar("_T")


class AuditLog:
    """Write audit records and query them, with the calls, signatures and
    return types of oAI-Web's ``server/audit.py``; every method is async.

    Nothing is read or connected until the first call, so a module-level
    ``audit_log = AuditLog()`` may be made before the environment is set:
    ``url`` then comes from ``TOOLTRAIL_URL`` (else ``http://127.0.0.1:7070``)
    and ``token`` from ``TOOLTRAIL_TOKEN``, a token of the admin role (the
    only role that may record, query and purge). The other arguments are
    :class:`tooltrail.Client`'s; ``max_connections`` also bounds how many
    calls are in flight at once, each in a worker thread of this AuditLog,
    so that a slow server never blocks the event loop.

    ``default_user`` stands in for oAI-Web's ``current_user``: when a
    record's ``user_id`` is None it is called in the caller's context, so a
    context variable set by the request is seen.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 20.0,
                 purge_timeout: float = 660.0, retries: int = 3,
                 default_user: Callable[[], str | None] | None = None,
                 max_connections: int = 16) -> None:
        self._config: dict[str, Any] = dict(url=url, token=token, timeout=timeout,
                                            purge_timeout=purge_timeout, retries=retries,
                                            max_connections=max_connections)
        self.default_user = default_user
        self._max = max_connections
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._executor: ThreadPoolExecutor | None = None

    @property
    def client(self) -> Client:
        """The blocking Client the calls go through, made at first use."""
        with self._lock:
            if self._client is None:
                self._client = Client(**self._config)
            return self._client

    async def record(self, tool_name: str, arguments: dict[str, Any] | None = None,
                     result_summary: str | None = None, confirmed: bool = False,
                     session_id: str | None = None, task_id: str | None = None,
                     user_id: str | None = None, *, call_id: str | None = None) -> int:
        """Write a tool-call audit record. Returns the new entry's id, once
        the entry is durable. As :meth:`tooltrail.Client.record`; a record
        whose caller is cancelled may still be stored."""
        if user_id is None and self.default_user is not None:
            user_id = self.default_user()
        client = self.client
        req = client._record_request(tool_name, arguments, result_summary, confirmed, session_id,
                                     task_id, user_id, call_id)
        return await self._run(client._send_record, req)

    async def query(self, start: str | datetime | date | None = None,
                    end: str | datetime | date | None = None, tool_name: str | None = None,
                    session_id: str | None = None, task_id: str | None = None,
                    confirmed_only: bool = False, user_id: str | None = None,
                    limit: int | None = 50, offset: int | None = 0) -> list[AuditEntry]:
        """Query the audit log, newest first. All filters are optional. As
        :meth:`tooltrail.Client.query`."""
        client = self.client
        req, n = client._query_request(start, end, tool_name, session_id, task_id, confirmed_only,
                                       user_id, limit, offset)
        return await self._run(client._send_query, req, n)

    async def count(self, start: str | datetime | date | None = None,
                    end: str | datetime | date | None = None, tool_name: str | None = None,
                    task_id: str | None = None, session_id: str | None = None,
                    confirmed_only: bool = False, user_id: str | None = None) -> int:
        """How many entries match the filters, as ``query`` takes them."""
        client = self.client
        req = client._count_request(start, end, tool_name, task_id, session_id, confirmed_only, user_id)
        return await self._run(client._send_count, req)

    async def purge(self, older_than_days: int | None = None) -> int:
        """Delete audit records. ``older_than_days=None`` deletes all.
        Returns how many were deleted. As :meth:`tooltrail.Client.purge`."""
        client = self.client
        req = client._purge_request(older_than_days)
        return await self._run(client._send_purge, req)

    async def aclose(self) -> None:
        """Wait for the calls in flight, then close the connections."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def close(self) -> None:
        """Wait for the calls in flight, then close the connections. The
        AuditLog may be used again after; it reconnects."""
        with self._lock:
            executor, self._executor = self._executor, None
            client, self._client = self._client, None
        if executor is not None:
            executor.shutdown(wait=True)
        if client is not None:
            client.close()

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self._max, thread_name_prefix="tooltrail")
            executor = self._executor
        call = functools.partial(contextvars.copy_context().run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(executor, call)


#: The module-level AuditLog, configured from the environment at its first
#: call, as oAI-Web's ``audit_log`` singleton.
audit_log = AuditLog()
