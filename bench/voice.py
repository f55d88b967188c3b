"""AI voice calls on the local cloud, with the streaming chat stub as the model.

1. Our overhead from the caller's final prompt to the first text token sent to Twilio, p50/p95, over the stub's
   own first-token time (goal: <= 100 ms p95): one call at a time, through the real relay WebSocket, the relay
   function, DynamoDB Local, the real openai client and @connections.
2. Simultaneous simulated calls (default 50): each is answered, says two things and hangs up; errors, wall time,
   and the growth of this process's resident memory per open call (the gateway, its socket threads and the
   simulator's clients all live here; DynamoDB Local and moto are other processes).

Run: python -m bench.voice [--calls 50] [--samples 40] [--first-token-ms 50]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.contacts_api import _http
from infra.local.cloud import LocalCloud
from infra.local.voice_sim import HttpTransport, VoiceSimulator
from leadpilot.sms.config import sandbox_token
from tests.support.chat_stub import ChatStub

NUMBER = "+14155550100"


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _latency(sim: VoiceSimulator, samples: int, stub_s: float) -> dict[str, float]:
    overheads = []
    call = sim.inbound("+14155559000", NUMBER)
    assert call.relay is not None, call.twiml
    call.relay.prompt("warm up")
    for i in range(samples):
        call.relay.prompt(f"question number {i}")
        assert call.relay.first_token_s is not None
        overheads.append((call.relay.first_token_s - stub_s) * 1000)
    call.relay.close()
    return {"p50_ms": round(_percentile(overheads, 50), 1), "p95_ms": round(_percentile(overheads, 95), 1),
            "samples": samples}


def _concurrent(sim: VoiceSimulator, calls: int) -> dict[str, Any]:
    errors: list[str] = []
    opened = threading.Barrier(calls + 1, timeout=600)
    finish = threading.Event()

    def one(i: int) -> None:
        try:
            call = sim.inbound(f"+1415557{i:04d}", NUMBER)
            assert call.relay is not None
            call.relay.prompt("Hello, are you open on Saturday?")
        except Exception as exc:  # counted, not raised: the figure is how many fail
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            opened.wait()
            return
        opened.wait()
        finish.wait(600)
        try:
            call.relay.prompt("Thanks, bye")
            sim.relay_ended(call)
            sim.status(call.sid, "completed", duration=30)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    before = _rss_kb()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=calls) as pool:
        futures = [pool.submit(one, i) for i in range(calls)]
        opened.wait()
        during = _rss_kb()
        finish.set()
        for future in futures:
            future.result()
    return {"calls": calls, "errors": len(errors), "first_errors": errors[:3],
            "wall_s": round(time.perf_counter() - started, 1),
            "rss_per_open_call_kb": round((during - before) / calls, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.voice")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--first-token-ms", type=int, default=50, help="the stub model's time to its first token")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    with ChatStub(first_token_s=args.first_token_ms / 1000) as chat, tempfile.TemporaryDirectory() as data:
        os.environ["OPENAI_API_KEY"], os.environ["OPENAI_BASE_URL"] = "sk-bench", chat.url
        with LocalCloud(data, port=0, seed=False) as cloud:
            url = cloud.api_url
            signup = _http(f"{url}/auth/signup", "POST", {"workspace_name": "Calls", "email": "voice@bench.test",
                                                          "password": "bench-password-123", "name": "Voice"})
            token = signup["access_token"]
            _http(f"{url}/usage/limits", "PUT", {"plan": "scale"}, token)
            _http(f"{url}/phone-numbers", "POST", {"number": NUMBER}, token)
            secret = json.loads((cloud.data_dir / "secrets.json").read_text())["JwtSecret"]
            sim = VoiceSimulator(HttpTransport(), url, sandbox_token(secret), timeout=120)
            latency = _latency(sim, args.samples, chat.first_token_s)
            load = _concurrent(sim, args.calls)
    result = {"stub_first_token_ms": args.first_token_ms, "overhead": latency, "concurrent": load}
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
