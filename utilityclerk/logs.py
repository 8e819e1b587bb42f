"""Logs as one JSON object per line on stdout, with nothing in them a log must never hold.

Every request is one line (AccessLogMiddleware): time, level, request id, method, path
(never the query string: searches carry names and phone numbers), status, duration, user
and client address. Other records (an error's traceback, the task worker) are JSON lines
too. The scrubber runs on every finished line, whatever logged it: a run of 13-19 digits (a
card number), and the values of password, session, CSRF and token fields or cookies, are
replaced before the line is written.
"""

import json
import logging
import re
import time
from datetime import UTC, datetime

# A card number: 13 to 19 digits, spaces or dashes allowed between them (as payments refuses
# them in every field), standing on its own: not the digits inside a request id's UUID.
_CARD_NUMBER = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
# name=value, name: value, "name": "value" for names that must never be written down.
_SECRET = re.compile(
    r"""(?ix)
    (["']?(?:[\w-]*password[\w-]*|passwd|sessionid|session_key|session|csrftoken|
            csrfmiddlewaretoken|x-csrftoken|token|otp_token|secret|authorization|cookie)["']?
     \s*[=:]\s*["']?)
    ([^"'&;,\s}]+)
    """
)
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    text = _CARD_NUMBER.sub("[card number]", text)
    return _SECRET.sub(lambda m: m.group(1) + REDACTED, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; fields given as `extra` (request_id, status, ...) kept."""

    FIELDS = (
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "user",
        "client",
        "bytes",
    )

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(line, default=str, ensure_ascii=False))


access_log = logging.getLogger("utilityclerk.access")


class AccessLogMiddleware:
    """One line per request, whatever answered it (outermost but for the security headers,
    so a 400 for an unknown Host is logged too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = (time.perf_counter() - started) * 1000
        # The user only when the request already read it: reading it here would cost a
        # session query for static files.
        user = request.__dict__.get("_cached_user")
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": getattr(request, "request_id", None)
                or response.get("X-Request-ID", ""),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration, 1),
                "user": user.get_username() if user is not None and user.is_authenticated else "",
                "client": request.META.get("REMOTE_ADDR", ""),
            },
        )
        return response
