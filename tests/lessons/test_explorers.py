"""Every explorer of every lesson redraws within the goal of a slider step.

One test per ``*_explorer`` function in :mod:`helpers.lessons` (a new lesson's explorer is
covered without a line here), with the threshold of ``benchmarks/widget_latency.py``:
:data:`helpers.explorer.REDRAW_GOAL_SECONDS` for the median step. Steps are timed in this
thread's CPU time, so that the other pytest worker and the notebook kernels sharing the machine do
not decide the outcome; the benchmark measures the wall time a learner feels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from helpers import lessons
from helpers.explorer import REDRAW_GOAL_SECONDS, Explorer, sweep_seconds
from tests.lessons import test_calibration_and_temperature, test_training_with_cross_entropy

#: Explorers whose data come from their notebook (trained models): built from the test's data.
WITH_DATA: dict[str, Callable[[], Explorer]] = {
    "calibration_and_temperature.temperature_explorer":
        test_calibration_and_temperature.make_explorer,
    "training_with_cross_entropy.training_checkpoints_explorer":
        lambda: test_training_with_cross_entropy.make_explorer()[0],
}

EXPLORERS = lessons.functions(lambda name: name.endswith("_explorer"))


def build(key: str, factory: Callable[..., Any]) -> Explorer:
    return WITH_DATA[key]() if key in WITH_DATA else factory()


def test_every_explorer_is_found_and_those_needing_data_are_known() -> None:
    assert len(EXPLORERS) >= 11
    assert set(WITH_DATA) <= set(EXPLORERS)


@pytest.mark.parametrize("key", sorted(EXPLORERS))
def test_explorer_redraws_within_the_goal(key: str) -> None:
    explorer = build(key, EXPLORERS[key])
    seconds = sweep_seconds(explorer, steps=8, clock=time.thread_time)
    assert seconds, f"{key}: no control moved"
    median = float(np.median(seconds))
    assert median <= REDRAW_GOAL_SECONDS, (
        f"{key}: median redraw {1000 * median:.1f} ms over {len(seconds)} steps, goal "
        f"{1000 * REDRAW_GOAL_SECONDS:.0f} ms"
    )
