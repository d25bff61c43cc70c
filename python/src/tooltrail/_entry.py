"""AuditEntry, and the conversions between the seed's Python values and
HTTP API v1."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

_SEED_FIELDS = ("id", "timestamp", "session_id", "tool_name", "arguments", "result_summary",
                "confirmed", "task_id", "user_id")


@dataclass(init=False)
class AuditEntry:
    """One recorded tool call, with the fields of oAI-Web's AuditEntry.

    ``timestamp`` is in the form oAI-Web wrote (``datetime.isoformat()`` of a
    UTC time: ``2026-04-08T10:43:24.123456+00:00``). Fields the API has
    beyond the seed's (``call_id``, and ``imported`` on an entry copied from
    oAI-Web) are in ``extra``, which is not a dataclass field, so that
    ``dataclasses.asdict(entry)`` holds exactly the seed's fields. Unknown
    keyword arguments go to ``extra`` too, so ``AuditEntry(**api_entry)``
    never raises a TypeError for a field a newer server adds.
    """

    id: int
    timestamp: str
    session_id: str | None
    tool_name: str
    arguments: dict[str, Any] | None
    result_summary: str | None
    confirmed: bool
    task_id: str | None
    user_id: str | None = None

    def __init__(self, id: int, timestamp: str, session_id: str | None, tool_name: str,
                 arguments: dict[str, Any] | None, result_summary: str | None, confirmed: bool,
                 task_id: str | None, user_id: str | None = None, **extra: Any) -> None:
        self.id = id
        self.timestamp = timestamp
        self.session_id = session_id
        self.tool_name = tool_name
        self.arguments = arguments
        self.result_summary = result_summary
        self.confirmed = confirmed
        self.task_id = task_id
        self.user_id = user_id
        self.extra: dict[str, Any] = dict(extra)

    @property
    def call_id(self) -> str | None:
        """The entry's call id: the one the client made for the record, or
        ``oai-web:<id>`` for an entry imported from oAI-Web."""
        value = self.extra.get("call_id")
        return value if isinstance(value, str) else None

    @classmethod
    def from_api(cls, entry: Mapping[str, Any]) -> AuditEntry:
        """Return the AuditEntry of an Entry object of HTTP API v1, with its
        timestamp in the seed's form."""
        values = dict(entry)
        values["timestamp"] = seed_timestamp(str(values.get("timestamp", "")))
        missing = [f for f in _SEED_FIELDS[:-1] if f not in values]
        if missing:
            raise ValueError(f"tooltrail: an entry of the server lacks {', '.join(missing)}")
        return cls(**values)


def seed_timestamp(api: str) -> str:
    """Return an API timestamp (RFC 3339, ``Z``) as oAI-Web wrote its own:
    ``datetime.isoformat()`` of an aware UTC datetime, which leaves out the
    fraction when it is zero."""
    text = api[:-1] + "+00:00" if api.endswith(("Z", "z")) else api
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc).isoformat()
    except ValueError:
        return api


def time_param(name: str, value: str | datetime | date | None) -> str | None:
    """Return a start or end bound as the API takes it, or None for no bound.

    A string is sent as given (a time without an offset is UTC, as in
    oAI-Web); a naive datetime is taken as UTC, an aware one keeps its
    offset; a date is its midnight UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    raise TypeError(f"tooltrail: {name} must be a datetime or an ISO 8601 string, got {type(value).__name__}")


def text_param(name: str, value: str | None) -> str | None:
    """Check a text parameter: None or a string. An empty string is None, as
    the seed's ``if session_id:`` made it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"tooltrail: {name} must be a string or None, got {type(value).__name__}")
    return value or None


def whole(name: str, value: Any, *, allow_none: bool) -> int | None:
    """Check a whole number parameter (an int, or a float without fraction)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"tooltrail: {name} must be a whole number, got {type(value).__name__}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"tooltrail: {name} must be a whole number, got {value}")
        value = int(value)
    return value


def jsonify(value: Any) -> Any:
    """Return value with everything JSON cannot hold made a string, as
    oAI-Web sanitised arguments before storing them: datetimes, UUIDs,
    Decimals, sets, bytes and any other object become ``str(value)``, dict
    keys become strings, tuples become lists, and NaN and the infinities
    become strings too (JSON has no such numbers)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {k if isinstance(k, str) else str(k): jsonify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonify(v) for v in value]
    return str(value)


def dumps(value: Any) -> bytes:
    """Encode a request body: compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
