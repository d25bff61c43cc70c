"""tooltrail: a client of the tooltrail audit log, and a drop-in for
oAI-Web's ``server/audit.py``.

Switch an oAI-Web server by making its ``server/audit.py`` this one line::

    from tooltrail import AuditEntry, AuditLog, audit_log  # noqa: F401

and setting ``TOOLTRAIL_URL`` and ``TOOLTRAIL_TOKEN`` (an admin token).
:class:`AuditLog` is the async drop-in, :class:`Client` the same calls for
scripts, blocking.
"""

from __future__ import annotations

__version__ = "0.1.0"

from ._errors import (Conflict, Error, Internal, InvalidArgument, NotFound, PermissionDenied,
                      RateLimited, TooLarge, Unauthenticated, Unavailable)
from ._entry import AuditEntry
from ._client import DEFAULT_URL, MAX_PAGE, Client
from ._audit import AuditLog, audit_log

__all__ = [
    "AuditEntry", "AuditLog", "Client", "audit_log", "DEFAULT_URL", "MAX_PAGE",
    "Error", "InvalidArgument", "TooLarge", "Unauthenticated", "PermissionDenied", "NotFound",
    "Conflict", "RateLimited", "Unavailable", "Internal",
]
