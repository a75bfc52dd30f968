"""Time per slider step of every explorer of the series: the redraw a learner waits for.

    .venv/bin/python benchmarks/widget_latency.py
    .venv/bin/python benchmarks/widget_latency.py --steps 20 --json benchmarks/widget_latency.json

Every function of the lesson modules (:mod:`helpers.lessons`) whose name ends in ``_explorer``
and that can be called with no arguments is built (an explorer that needs data computed in its
notebook, such as trained models, is listed as skipped). Then each of its controls is driven
through its range, one control at a time: ``--steps`` values evenly spaced from ``min`` to
``max`` for a slider (evenly spaced exponents for a ``FloatLogSlider``, whole numbers for an
``IntSlider``), every option (at most ``--steps`` of them, evenly picked) for a ``Dropdown`` or
``SelectionSlider``. A step is ``control.value = v``: the explorer's observer moves the artists,
redraws the figure and encodes the PNG the browser receives, all before the assignment returns,
so its wall time is the latency of the step in the kernel (the trip to the browser and the image
decode come on top). After a control's sweep it goes back to its first value (not timed).

Printed per explorer: the number of steps, the median and the 95th percentile, and the 1-minute
load average. Goal: median at most 50 ms (exit status 1 with ``--check`` if one is slower).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers import lessons  # noqa: E402
from helpers.explorer import REDRAW_GOAL_SECONDS, sweep_seconds  # noqa: E402

GOAL_MEDIAN_MS = 1000 * REDRAW_GOAL_SECONDS


def explorer_factories() -> dict[str, Any]:
    return {
        key.split(".")[1]: function
        for key, function in lessons.functions(lambda name: name.endswith("_explorer")).items()
    }


def needs_arguments(function: Any) -> list[str]:
    return [
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="values per control (default 20)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if an explorer's median exceeds {GOAL_MEDIAN_MS:.0f} ms")
    args = parser.parse_args(argv)

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (1 min); "
          f"Python {platform.python_version()}", flush=True)
    print(f"{'explorer':38} {'steps':>5} {'median':>9} {'p95':>9} {'build':>8}  load")
    rows, slow = [], []
    for name, factory in sorted(explorer_factories().items()):
        required = needs_arguments(factory)
        if required:
            print(f"{name:38} skipped: needs {', '.join(required)} (data from its notebook)")
            rows.append({"explorer": name, "skipped": f"needs {', '.join(required)}"})
            continue
        started = time.perf_counter()
        explorer = factory()
        build = time.perf_counter() - started
        times = sweep_seconds(explorer, args.steps)
        median, p95 = statistics.median(times) * 1e3, percentile(times, 95) * 1e3
        load = os.getloadavg()[0]
        print(f"{name:38} {len(times):5d} {median:7.1f} ms {p95:7.1f} ms {build * 1e3:6.0f} ms"
              f"  {load:.2f}", flush=True)
        rows.append({"explorer": name, "steps": len(times), "median_ms": round(median, 2),
                     "p95_ms": round(p95, 2), "build_ms": round(build * 1e3, 1),
                     "load_1min": round(load, 2)})
        if median > GOAL_MEDIAN_MS:
            slow.append(name)
    measured = [row for row in rows if "median_ms" in row]
    worst = max((row["median_ms"] for row in measured), default=0.0)
    print(f"goal: median <= {GOAL_MEDIAN_MS:.0f} ms per step: "
          + ("met by every explorer" if not slow else f"NOT met by {', '.join(slow)}")
          + f" (slowest median {worst:.1f} ms)")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "steps_per_control": args.steps,
                                         "goal_median_ms": GOAL_MEDIAN_MS, "explorers": rows},
                                        indent=2) + "\n", encoding="utf-8")
    return 1 if args.check and slow else 0


if __name__ == "__main__":
    sys.exit(main())
