"""CPU time of the local cloud's processes (function host, moto, DynamoDB Local) over a measured span.

On a shared machine wall-clock rates move with the load; CPU milliseconds per item move far less, so the
throughput benches report both.
"""
from __future__ import annotations

import os
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class ProcessCpu:
    """CPU seconds each local cloud process spends from now on."""

    def __init__(self, cloud: Any) -> None:
        self._pids = {"host": os.getpid()}
        for name, server in (("moto", cloud._moto), ("dynamodb", cloud._dynamodb)):
            process = getattr(server, "_process", None)
            if process is not None:
                self._pids[name] = process.pid
        self._start = {name: _cpu_s(pid) for name, pid in self._pids.items()}

    def per_item(self, items: int) -> dict[str, float]:
        """Milliseconds of CPU per item, per process, since construction."""
        return {name: round((_cpu_s(pid) - self._start[name]) * 1000 / max(items, 1), 1)
                for name, pid in self._pids.items()}

    @staticmethod
    def text(per_item: dict[str, float]) -> str:
        """'host 11.0 + moto 6.6 + dynamodb 22.0 = 39.6 ms'."""
        return " + ".join(f"{name} {ms}" for name, ms in per_item.items()) + f" = {sum(per_item.values()):.1f} ms"
