"""The local cloud's console: one readable line per log record, the functions' Powertools lines included."""

from __future__ import annotations

import logging
from typing import Any

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"
# Libraries that log every client creation or connection at INFO, which would bury the request log.
NOISY = ("botocore", "boto3", "pynamodb", "urllib3")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class ReadableFormatter(logging.Formatter):
    """`time level logger: message key=value ...`: a record's `extra` fields follow its message."""

    def __init__(self) -> None:
        super().__init__(FORMAT, DATE_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        extras = {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}
        line = super().formatMessage(record)
        return " ".join([line, *(f"{key}={_short(value)}" for key, value in extras.items() if value is not None)])


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def configure() -> None:
    """Readable lines on stderr for the local cloud's own loggers; quiet chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(ReadableFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def readable_function_logs() -> int:
    """Give the functions' Powertools loggers (JSON for CloudWatch) the readable format; returns how many."""
    from aws_lambda_powertools.logging.formatter import BasePowertoolsFormatter, LambdaPowertoolsFormatter

    class ReadablePowertoolsFormatter(LambdaPowertoolsFormatter):
        """Powertools' formatter (the Logger calls its append_keys and the like) that writes readable lines."""

        readable = ReadableFormatter()

        def format(self, record: logging.LogRecord) -> str:
            return self.readable.format(record)

    changed = 0
    for logger in list(logging.Logger.manager.loggerDict.values()):
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler.formatter, BasePowertoolsFormatter):
                handler.setFormatter(ReadablePowertoolsFormatter())
                changed += 1
    return changed
