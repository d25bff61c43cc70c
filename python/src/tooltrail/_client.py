"""Client: the four calls of oAI-Web's AuditLog over HTTP API v1, blocking."""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ._entry import AuditEntry, dumps, jsonify, text_param, time_param, whole
from ._errors import Error, Unauthenticated, Unavailable, error_for
from ._transport import Transport, TransportError

#: Where the client looks for the server when neither ``url`` nor
#: ``TOOLTRAIL_URL`` says, as the tooltrail command line does.
DEFAULT_URL = "http://127.0.0.1:7070"

#: The most entries the server answers in one page (its ``limit`` ceiling).
MAX_PAGE = 1000

# Statuses after which a request that is safe to repeat is repeated: the
# server did not commit (503), a proxy could not reach it (502, 504), or the
# body did not arrive in time (408).
_RETRY_STATUSES = frozenset({408, 502, 503, 504})

# The longest wait between two attempts, whatever Retry-After says.
_MAX_DELAY = 10.0


@dataclass
class _Request:
    """One call of the API, ready to send (and to send again)."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # Safe to repeat after an unknown outcome: a read, or a record with its
    # call_id.
    idempotent: bool = True
    timeout: float = 20.0


class Client:
    """A blocking client of a tooltrail server, with the calls and the
    semantics of oAI-Web's AuditLog: ``record``, ``query``, ``count`` and
    ``purge``. For asyncio code use :class:`tooltrail.AuditLog`.

    ``url`` defaults to ``TOOLTRAIL_URL`` (else ``http://127.0.0.1:7070``)
    and ``token`` to ``TOOLTRAIL_TOKEN``; all four calls need an admin token
    (``tooltrail token create --role admin``), a script that only records can
    use a writer token and one that only reads a reader token.

    ``timeout`` bounds each attempt of a record, query or count in seconds
    (above the server's own 15 s for a record, so that a slow commit
    answers 503 rather than leaving the outcome unknown), ``purge_timeout``
    each attempt of a purge. A record that meets a 503, 502, 504, a timeout
    or a cut connection is sent again with the same ``call_id``, at most
    ``retries`` more times, so it is stored once; queries and counts are
    repeated the same way, and a 429 is waited out for every call. A purge
    is repeated only when it cannot have reached the server.

    ``default_user`` is called for the user of a record whose ``user_id`` is
    None, as oAI-Web's ``current_user`` context variable was; it may return
    None.

    A Client is safe to use from many threads; it keeps up to
    ``max_connections`` idle connections for reuse. ``close()`` (or a
    ``with`` block) closes them.
    """

    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 20.0,
                 purge_timeout: float = 660.0, retries: int = 3,
                 default_user: Callable[[], str | None] | None = None,
                 max_connections: int = 16) -> None:
        url = url or os.environ.get("TOOLTRAIL_URL") or DEFAULT_URL
        token = token or os.environ.get("TOOLTRAIL_TOKEN")
        if not token:
            raise Unauthenticated(
                "no token: set TOOLTRAIL_TOKEN (or pass token=) to a token of the admin role, "
                "made with 'tooltrail token create --role admin --name NAME'")
        if retries < 0:
            raise ValueError("tooltrail: retries must be at least 0")
        self.url = url
        self.timeout = timeout
        self.purge_timeout = purge_timeout
        self.retries = retries
        self.default_user = default_user
        self._transport = Transport(url, token, max_idle=max_connections)
        self._page = MAX_PAGE

    # -- the seed's four calls -------------------------------------------

    def record(self, tool_name: str, arguments: dict[str, Any] | None = None,
               result_summary: str | None = None, confirmed: bool = False,
               session_id: str | None = None, task_id: str | None = None,
               user_id: str | None = None, *, call_id: str | None = None) -> int:
        """Record one tool call and return its id, once it is durable.

        ``call_id`` keys the retries: when None, a new one is made for this
        call. Pass your own (the model's tool call id, say) to make a repeat
        of the same call, even from another process, one entry.

        Raises InvalidArgument or TooLarge for what the server refuses,
        Unavailable when it could not be reached or did not commit after the
        retries (nothing, or exactly one entry, is recorded then; a repeat
        with the same call_id says which), and the other Errors by code.
        """
        if user_id is None and self.default_user is not None:
            user_id = self.default_user()
        return self._send_record(self._record_request(
            tool_name, arguments, result_summary, confirmed, session_id, task_id, user_id, call_id))

    def query(self, start: str | datetime | date | None = None, end: str | datetime | date | None = None,
              tool_name: str | None = None, session_id: str | None = None, task_id: str | None = None,
              confirmed_only: bool = False, user_id: str | None = None, limit: int | None = 50,
              offset: int | None = 0) -> list[AuditEntry]:
        """Return the entries that match every filter given, newest first.

        ``start`` and ``end`` are inclusive, a datetime or an ISO 8601 string
        (no offset means UTC); ``tool_name`` matches a case-insensitive
        substring; the ids match exactly; empty strings and None do not
        filter. ``limit=None`` returns every match after ``offset``; a limit
        above the server's page of 1,000 is read in pages.
        """
        req, limit = self._query_request(start, end, tool_name, session_id, task_id, confirmed_only,
                                         user_id, limit, offset)
        return self._send_query(req, limit)

    def count(self, start: str | datetime | date | None = None, end: str | datetime | date | None = None,
              tool_name: str | None = None, task_id: str | None = None, session_id: str | None = None,
              confirmed_only: bool = False, user_id: str | None = None) -> int:
        """Return how many entries match the filters, as ``query`` takes them."""
        return self._send_count(self._count_request(start, end, tool_name, task_id, session_id,
                                                    confirmed_only, user_id))

    def purge(self, older_than_days: int | None = None) -> int:
        """Delete the entries older than ``older_than_days`` days, or every
        entry for None, and return how many were deleted. Needs an admin
        token. The purge is itself recorded, as an entry with tool name
        ``tooltrail.purge``."""
        return self._send_purge(self._purge_request(older_than_days))

    def close(self) -> None:
        """Close the idle connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests, built in the caller's thread ---------------------------

    def _record_request(self, tool_name: str, arguments: Any, result_summary: str | None,
                        confirmed: bool, session_id: str | None, task_id: str | None,
                        user_id: str | None, call_id: str | None) -> _Request:
        if not isinstance(tool_name, str):
            raise TypeError(f"tooltrail: tool_name must be a string, got {type(tool_name).__name__}")
        body: dict[str, Any] = {"tool_name": tool_name}
        if arguments is not None:
            body["arguments"] = jsonify(arguments)
        for name, value in (("result_summary", result_summary), ("session_id", session_id),
                            ("task_id", task_id), ("user_id", user_id)):
            text = text_param(name, value)
            if text is not None:
                body[name] = text
        body["confirmed"] = bool(confirmed)
        body["call_id"] = text_param("call_id", call_id) or f"py-{uuid.uuid4().hex}"
        return _Request("POST", "/v1/entries", body=dumps(body), idempotent=True, timeout=self.timeout)

    def _filters(self, start: Any, end: Any, tool_name: str | None, session_id: str | None,
                 task_id: str | None, confirmed_only: bool, user_id: str | None) -> dict[str, str]:
        params: dict[str, str] = {}
        for name, value in (("start", start), ("end", end)):
            t = time_param(name, value)
            if t is not None:
                params[name] = t
        for name, value in (("tool_name", tool_name), ("session_id", session_id),
                            ("task_id", task_id), ("user_id", user_id)):
            text = text_param(name, value)
            if text is not None:
                params[name] = text
        if confirmed_only:
            params["confirmed_only"] = "true"
        return params

    def _query_request(self, start: Any, end: Any, tool_name: str | None, session_id: str | None,
                       task_id: str | None, confirmed_only: bool, user_id: str | None,
                       limit: Any, offset: Any) -> tuple[_Request, int | None]:
        params = self._filters(start, end, tool_name, session_id, task_id, confirmed_only, user_id)
        n = whole("limit", limit, allow_none=True)
        skip = whole("offset", offset, allow_none=True) or 0
        if n is not None and n < 0:
            raise ValueError(f"tooltrail: limit must be at least 0 or None, got {n}")
        if skip < 0:
            raise ValueError(f"tooltrail: offset must be at least 0, got {skip}")
        if skip:
            params["offset"] = str(skip)
        return _Request("GET", "/v1/entries", params=params, timeout=self.timeout), n

    def _count_request(self, start: Any, end: Any, tool_name: str | None, task_id: str | None,
                       session_id: str | None, confirmed_only: bool, user_id: str | None) -> _Request:
        params = self._filters(start, end, tool_name, session_id, task_id, confirmed_only, user_id)
        return _Request("GET", "/v1/entries/count", params=params, timeout=self.timeout)

    def _purge_request(self, older_than_days: Any) -> _Request:
        days = whole("older_than_days", older_than_days, allow_none=True)
        return _Request("POST", "/v1/purge", body=dumps({"older_than_days": days}), idempotent=False,
                        timeout=self.purge_timeout)

    # -- sending, in any thread -------------------------------------------

    def _send_record(self, req: _Request) -> int:
        return int(self._call(req)["id"])

    def _send_query(self, req: _Request, limit: int | None) -> list[AuditEntry]:
        if limit == 0:
            return []
        entries: list[AuditEntry] = []
        params = dict(req.params)
        while True:
            want = self._page if limit is None else min(self._page, limit - len(entries))
            params["limit"] = str(want)
            page = self._call(_Request(req.method, req.path, params=dict(params), timeout=req.timeout))
            entries.extend(AuditEntry.from_api(e) for e in page["entries"])
            cursor = page.get("next_cursor")
            if not cursor or (limit is not None and len(entries) >= limit):
                return entries
            # The cursor continues below the last entry, so entries
            # recorded meanwhile do not shift the pages; the offset was
            # spent on the first.
            params.pop("offset", None)
            params["cursor"] = cursor

    def _send_count(self, req: _Request) -> int:
        return int(self._call(req)["count"])

    def _send_purge(self, req: _Request) -> int:
        return int(self._call(req)["deleted"])

    def _call(self, req: _Request) -> Any:
        """Send req, repeating it as its kind allows, and return the JSON of
        a 2xx answer; raise the Error of any other."""
        attempt = 0
        stale_retried = False
        while True:
            try:
                resp = self._transport.request(req.method, req.path, params=req.params, body=req.body,
                                               timeout=req.timeout)
            except TransportError as e:
                err: Error = Unavailable(f"no answer from {self.url}: {e}")
                if not e.sent and not stale_retried:
                    # A kept-alive connection the server had closed, or a
                    # failed connect: again at once, not counted.
                    stale_retried = True
                    continue
                if attempt >= self.retries or not (req.idempotent or not e.sent):
                    raise err from e.cause
                delay = _backoff(attempt)
            else:
                if 200 <= resp.status < 300:
                    return json.loads(resp.body)
                err = _answer_error(resp.status, resp.body)
                retry = resp.status == 429 or (req.idempotent and resp.status in _RETRY_STATUSES)
                if attempt >= self.retries or not retry:
                    raise err
                delay = max(_backoff(attempt), _retry_after(resp.headers.get("Retry-After")))
            attempt += 1
            time.sleep(min(delay, _MAX_DELAY))


def _backoff(attempt: int) -> float:
    """The wait before attempt+1: 0.1 s doubling, with jitter."""
    return min(2.0, 0.1 * 2 ** attempt) * (0.5 + random.random())


def _retry_after(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


def _answer_error(status: int, body: bytes) -> Error:
    """The Error of a non-2xx answer."""
    try:
        err = json.loads(body)["error"]
        return error_for(status, str(err.get("code") or ""), str(err.get("message") or ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        text = body.decode("utf-8", "replace").strip()[:200]
        return error_for(status, None, text or f"HTTP {status}")
