"""Keep secrets out of what the program prints or logs.

A key can hide in a URL as ``user:KEY@host`` or as a query parameter (``?api_key=``);
:func:`redact_url` masks both, and :class:`RedactingFilter` applies it to every log
record (ours and the HTTP clients'), since ``-v`` logs request URLs.
"""

from __future__ import annotations

import logging
import re

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s?#]+)@")
_SECRET_PARAM = re.compile(r"(?i)(?P<name>[?&;](?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|pwd|"
                           r"auth|sig|signature|credential|client[_-]?secret)=)"
                           r"(?P<value>[^&#\s]+)")
MASK = "***"


def redact_url(text: str) -> str:
    """``text`` with the user:password part of any URL left out and secret-looking query values masked."""
    text = _USERINFO.sub(lambda m: m["scheme"], text)
    return _SECRET_PARAM.sub(lambda m: f"{m['name']}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked (the record is still logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact_url(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:  # a traceback quotes the failing URL too
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_url(record.exc_text)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Mask secrets in everything the root logger's handlers emit."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
