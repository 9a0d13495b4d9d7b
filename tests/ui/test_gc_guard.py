"""The GUI-thread collector: settled state stays out of its passes, garbage is still freed.

The session's own collector (tests/ui/conftest.py) keeps running; this one is driven by hand
and, when stopped, leaves automatic collection off again as that one expects.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from widgets.gc_guard import GuiThreadCollector


class Node:
    """Something that can sit in a reference cycle and be watched with a weakref."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """A two-object cycle nothing else refers to (garbage only the cycle collector frees)."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def collector(qapp: QApplication) -> Iterator[tuple[GuiThreadCollector, Clock]]:
    clock = Clock()
    c = GuiThreadCollector(interval_ms=60_000, full_s=600.0, clock=clock)
    yield c, clock
    c.stop()
    gc.disable()  # the session's collector owns collection again


def old_generation_pass(c: GuiThreadCollector) -> None:
    """Make the oldest generation's count cross its threshold, then let the timer's check run."""
    while gc.get_count()[2] <= gc.get_threshold()[2]:
        gc.collect(1)
    c.check()


def test_settled_state_is_left_out_of_passes_and_new_garbage_is_freed(
    collector: tuple[GuiThreadCollector, Clock],
) -> None:
    c, _ = collector
    state = [{"unit": k} for k in range(20_000)]  # a snapshot's worth of long-lived objects
    c.settle()
    assert gc.get_freeze_count() >= len(state)
    new = cycle()
    old_generation_pass(c)
    assert new() is None, "a cycle made after the snapshot was not collected"
    assert gc.get_freeze_count() >= len(state)  # the pass did not walk (or free) the state


def test_a_cycle_among_settled_objects_is_freed_by_the_periodic_full_pass(
    collector: tuple[GuiThreadCollector, Clock],
) -> None:
    c, clock = collector
    old = cycle()
    c.settle()
    old_generation_pass(c)
    assert old() is not None  # frozen: passes between full ones leave it
    clock.now += 600.0
    old_generation_pass(c)
    assert old() is None, "the full pass did not free a cycle among settled objects"
