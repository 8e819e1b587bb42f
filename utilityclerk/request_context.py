"""Who is asking, from where, in which request: read by the audit trail."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


current_request: ContextVar[RequestContext] = ContextVar(
    "current_request", default=RequestContext()
)
