"""Wall time of the whole series: each notebook executed in a fresh kernel, as `make execute` does.

    .venv/bin/python benchmarks/suite_time.py                 # every notebooks/NN_*.ipynb
    .venv/bin/python benchmarks/suite_time.py notebooks/04_softmax.ipynb
    .venv/bin/python benchmarks/suite_time.py --jobs 2         # two kernels at a time
    .venv/bin/python benchmarks/suite_time.py --json benchmarks/suite_time.json

Each notebook runs through :func:`tools.execute_notebooks.run` (one clean top-to-bottom run in a
new ``python3`` kernel, widget state kept, as ``make execute`` does), which keeps the result in
memory: the ``.ipynb`` files are never written. Printed per notebook: the wall time of the whole
call (read, kernel start, every cell, kernel shutdown) and, in brackets, the part
``execute_notebooks`` itself measures (kernel start to shutdown). The 1-minute load average is
printed before and after, since other processes on the machine slow every number down. With
``--jobs 2`` two notebooks run at a time, each in a worker process of its own (as the two
pytest-xdist workers of ``make test`` do); each notebook's time then includes the competition
for the cores, and the total is the wall time of the whole run.

Goal: the whole series in at most 60 s on a 2-core machine (exit status 1 with ``--check`` if
not met).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: import tools.* from the repository

from tools import execute_notebooks  # noqa: E402

GOAL_SECONDS = 60.0


def load_average() -> float:
    return os.getloadavg()[0]


def timed_run(path: Path) -> tuple[float, float]:
    """Wall seconds of one in-memory execution, and the seconds ``execute_notebooks`` measured."""
    started = time.perf_counter()
    _, kernel = execute_notebooks.run(path)
    return time.perf_counter() - started, kernel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/NN_*.ipynb")
    parser.add_argument("--jobs", type=int, default=1,
                        help="notebooks run at a time, each in its own process (default 1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if the total exceeds {GOAL_SECONDS:.0f} s")
    args = parser.parse_args(argv)
    folder = ROOT / "notebooks"
    paths = args.notebooks or sorted(folder.glob("[0-9][0-9]_*.ipynb")) + sorted(
        folder.glob("[A-Z]_*.ipynb")
    )

    before = load_average()
    print(f"{os.cpu_count()} cores, load average {before:.2f} (1 min) before; "
          f"Python {platform.python_version()}", flush=True)
    rows = []
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for path, (wall, kernel) in zip(paths, pool.map(timed_run, paths), strict=True):
            rows.append({"notebook": path.name, "wall_s": round(wall, 2),
                         "kernel_s": round(kernel, 2), "load_1min": round(load_average(), 2)})
            print(f"{wall:6.1f} s  ({kernel:5.1f} s in the kernel)  {path.name}", flush=True)
    total = time.perf_counter() - started
    after = load_average()
    met = total <= GOAL_SECONDS
    print(f"{total:6.1f} s  total for {len(rows)} notebooks, {args.jobs} at a time; "
          f"load average {after:.2f} after; "
          f"goal <= {GOAL_SECONDS:.0f} s: {'met' if met else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps({
            "cores": os.cpu_count(), "jobs": args.jobs, "load_1min_before": round(before, 2),
            "load_1min_after": round(after, 2), "total_s": round(total, 2),
            "goal_s": GOAL_SECONDS, "notebooks": rows,
        }, indent=2) + "\n", encoding="utf-8")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
