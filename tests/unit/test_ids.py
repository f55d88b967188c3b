"""Ids: random, time-ordered, and a floor for 'created before'."""
from __future__ import annotations

import time

from leadpilot.ids import id_floor, is_valid_id, new_id


def test_ids_are_valid_unique_and_ordered_by_millisecond() -> None:
    before = id_floor(int(time.time() * 1000) - 1)
    ids = [new_id() for _ in range(500)]
    after = id_floor(int(time.time() * 1000) + 2)
    assert all(is_valid_id(i) for i in ids) and len(set(ids)) == 500
    assert all(before < i < after for i in ids)


def test_the_floor_of_a_moment_sorts_above_every_earlier_id() -> None:
    earlier = new_id()
    time.sleep(0.005)
    assert earlier < id_floor(int(time.time() * 1000)) and is_valid_id(id_floor(0))
