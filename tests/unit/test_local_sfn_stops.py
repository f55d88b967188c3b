"""A StopExecution ends a Wait state on the local cloud's Step Functions, however it lands against the wait."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

from infra.local.moto_main import patch_stepfunctions

patch_stepfunctions()


class _Env:
    """What a wait reads of moto's execution environment: whether it runs, and the event a stop sets and clears."""

    def __init__(self) -> None:
        self.running = True
        self.program_state_event = threading.Event()

    def is_running(self) -> bool:
        return self.running

    def set_stop(self) -> None:  # as moto's Environment.set_stop: set, then clear at once
        self.running = False
        self.program_state_event.set()
        self.program_state_event.clear()


def _wait_in_thread(env: _Env, seconds: float) -> threading.Thread:
    waiting = threading.Thread(target=WaitFunction._wait_interval, args=(SimpleNamespace(), env, seconds),
                               daemon=True)
    waiting.start()
    return waiting


def test_a_stop_that_lands_before_the_thread_waits_still_ends_the_wait() -> None:
    # Given an execution stopped after it entered its 3-day Wait but before its thread began waiting
    env = _Env()
    env.set_stop()

    # When the thread reaches the wait
    waiting = _wait_in_thread(env, 3 * 24 * 3600)

    # Then it does not wait out the three days
    waiting.join(timeout=5)
    assert not waiting.is_alive()


def test_a_stop_during_the_wait_ends_it_and_a_wait_with_no_stop_lasts_its_length() -> None:
    # Given one execution waiting an hour and one waiting 0.3 s
    stopped, short = _Env(), _Env()
    hour, started = _wait_in_thread(stopped, 3600), time.monotonic()
    short_wait = _wait_in_thread(short, 0.3)

    # When the first is stopped while it waits
    time.sleep(0.1)
    stopped.set_stop()

    # Then its wait ends, and the other's ends after its length, not before
    hour.join(timeout=5)
    short_wait.join(timeout=5)
    assert not hour.is_alive() and not short_wait.is_alive()
    assert time.monotonic() - started >= 0.3
