"""Sign-in for the browser chat: ``USER:PASSWORD`` from ``--auth``, ``--auth-file`` or
``RAG_AUTH``, checked before anything starts.  Apart from :mod:`rag.app.webapp` so that
``rag serve`` reports a malformed one before it probes the port or imports gradio."""

from __future__ import annotations

import os
from pathlib import Path

from rag.errors import RagError


def parse_auth(spec: str | None, origin: str = "--auth") -> tuple[str, str] | None:
    """``USER:PASSWORD`` → Gradio's auth tuple (the password may contain ':')."""
    if not spec:
        return None
    user, sep, password = spec.partition(":")
    if not (sep and user and password):
        raise RagError(f"{origin} must look like USER:PASSWORD")
    return user, password


AUTH_ENV = "RAG_AUTH"
PS_WARNING = ("note: a password given as --auth can be read by every local user (ps, /proc); "
              "prefer RAG_AUTH=USER:PASSWORD or --auth-file FILE")


def resolve_auth(flag: str | None = None, file: Path | None = None,
                 environ: dict[str, str] | os._Environ[str] | None = None) -> str | None:
    """The sign-in ``USER:PASSWORD``: from ``--auth``, else the first line of ``--auth-file``,
    else ``RAG_AUTH``; None when none is given.  Checked here, so a bad one fails first."""
    if flag:
        parse_auth(flag)
        return flag
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or type(err).__name__
            raise RagError(f"cannot read --auth-file {file}: {reason}") from None
        spec = next((line.strip() for line in lines if line.strip()), "")
        if parse_auth(spec, f"--auth-file {file}") is None:
            raise RagError(f"--auth-file {file} is empty; write USER:PASSWORD in it")
        return spec
    spec = (os.environ if environ is None else environ).get(AUTH_ENV, "").strip()
    parse_auth(spec or None, AUTH_ENV)
    return spec or None
