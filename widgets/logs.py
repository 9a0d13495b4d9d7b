"""Logging for operations: rotating JSON-lines files and stderr, with secrets redacted.

Every handler installed here carries a :class:`RedactingFilter`, so no operator token,
password or ``Authorization`` value reaches a log file, the terminal or a crash report.
"""

from __future__ import annotations

import collections
import json
import logging
import logging.handlers
import re
import sys
import time
from pathlib import Path

LOG_FILE = "console.log"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
RECENT_LINES = 200
REDACTED = "[REDACTED]"

_QUOTED_SECRET = re.compile(
    r"""(?P<key>["']?(?:token|password|passwd|secret)["']?\s*[:=]\s*)(?P<q>["'])(?P<value>.*?)(?P=q)""",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(
    r"""(?P<key>["']?authorization["']?\s*[:=,]\s*["']?)"""
    r"""(?:(?P<scheme>bearer|basic|token|digest)\s+)?(?P<value>[^\s"',;)}\]]+)""",
    re.IGNORECASE,
)
# ``?token=...`` in URLs, ``password=...`` in key=value text (quoted values are handled above).
_UNQUOTED_SECRET = re.compile(
    r"(?P<key>\b(?:\w*token|password|passwd|secret)=)(?![\"'])[^\s&;,\"']+", re.IGNORECASE
)
# Operator tokens as issued by the backend: ``op-<hex id>.<urlsafe secret>``.
_OPERATOR_TOKEN = re.compile(r"\bop-[0-9a-fA-F]+\.[A-Za-z0-9_\-]+=*")


def redact(text: str) -> str:
    """``text`` with every recognisable secret replaced by ``[REDACTED]``."""
    text = _OPERATOR_TOKEN.sub(REDACTED, text)
    text = _QUOTED_SECRET.sub(lambda m: f"{m['key']}{m['q']}{REDACTED}{m['q']}", text)
    text = _UNQUOTED_SECRET.sub(lambda m: f"{m['key']}{REDACTED}", text)
    return _AUTHORIZATION.sub(
        lambda m: f"{m['key']}{m['scheme'] + ' ' if m['scheme'] else ''}{REDACTED}", text
    )


class RedactingFilter(logging.Filter):
    """Removes secrets from a record's message, exception text and stack before any output."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format: keep what there is, never lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, thread and (if any) exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
            + f".{int(record.msecs):03d}"
            + time.strftime("%z", time.localtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


class RecentLogHandler(logging.Handler):
    """Keeps the last few formatted (and redacted) lines in memory for crash reports."""

    def __init__(self, capacity: int = RECENT_LINES) -> None:
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:
            self.handleError(record)

    def lines(self) -> list[str]:
        """The kept lines, oldest first."""
        self.acquire()
        try:
            return list(self._lines)
        finally:
            self.release()


_OURS = "_dispatch_console_handler"


def setup_logging(
    log_dir: Path,
    level: int,
    *,
    console: bool = True,
    max_bytes: int = MAX_BYTES,
    backups: int = BACKUPS,
) -> Path:
    """Send every log record to rotating JSON-lines files in ``log_dir`` (and stderr).

    Calling it again replaces the handlers installed by an earlier call. Handlers that others
    attached to the root logger before (``basicConfig``, test capture) get the redacting
    filter too.

    Args:
        log_dir: Folder of ``console.log``, ``console.log.1`` … (created if missing).
        level: Level of the root logger, e.g. ``logging.INFO``.
        console: Also write human-readable lines to stderr.
        max_bytes: Size at which the file rotates.
        backups: How many rotated files are kept.

    Returns:
        The path of the current log file.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    root = logging.getLogger()
    remove_logging_handlers()
    redactor = RedactingFilter()
    files = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    files.setFormatter(JsonLineFormatter())
    recent = RecentLogHandler()
    recent.setFormatter(JsonLineFormatter())
    handlers: list[logging.Handler] = [files, recent]
    if console:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(stderr)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    for handler in handlers:
        handler.addFilter(redactor)
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(level)
    return path


def remove_logging_handlers() -> None:
    """Detach and close the handlers :func:`setup_logging` installed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()


def recent_log_lines(limit: int = RECENT_LINES) -> list[str]:
    """The last ``limit`` log lines kept in memory (redacted), oldest first."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, RecentLogHandler):
            return handler.lines()[-limit:]
    return []
