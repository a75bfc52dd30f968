"""Strict nbval over the notebooks with NumPy and PyTorch held to their baseline vector code.

    python -m tools.baseline_nbval [pytest arguments]   (`make test-baseline`; no path: notebooks)

A stored output must hold on every learner's CPU, not only on the one it was made on. Both
libraries pick their vector kernels (AVX2, AVX-512, NEON, ...) at run time, and a float32 sum
added up in another order can differ in its last bits. This run turns the dispatch off:

- ``ATEN_CPU_CAPABILITY=default``: PyTorch's ATen kernels use their baseline code path;
- ``NPY_DISABLE_CPU_FEATURES``: the NumPy features this CPU has among those NumPy dispatches
  to at run time (``__cpu_dispatch__``), computed here, because NumPy refuses names it does
  not dispatch. On a CPU with none of them (an old x86, some ARM) the list is empty and the run
  still happens.

Before pytest starts, a child Python started with the same environment must report that both
took effect; otherwise the run fails, so a silently ignored variable cannot pass as a check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

PROBE = """
import json, torch
from numpy._core._multiarray_umath import __cpu_features__
print(json.dumps({"torch": torch.backends.cpu.get_cpu_capability(),
                  "numpy": {name: bool(on) for name, on in __cpu_features__.items()}}))
"""


def dispatched_features(features: Mapping[str, bool], dispatch: Sequence[str]) -> list[str]:
    """The names NumPy dispatches to at run time that this CPU supports, in NumPy's order."""
    return [name for name in dispatch if features.get(name, False)]


def baseline_environment(base: Mapping[str, str], disabled: Sequence[str]) -> dict[str, str]:
    return {**base, "ATEN_CPU_CAPABILITY": "default",
            "NPY_DISABLE_CPU_FEATURES": " ".join(disabled)}


def check_in_effect(report: Mapping[str, object], disabled: Sequence[str]) -> None:
    """Raise unless PyTorch runs its default kernels and NumPy has every listed feature off."""
    if str(report["torch"]).upper() != "DEFAULT":
        raise RuntimeError(f"ATEN_CPU_CAPABILITY=default did not take effect: torch reports "
                           f"{report['torch']!r}")
    numpy_features = report["numpy"]
    assert isinstance(numpy_features, Mapping)
    still_on = [name for name in disabled if numpy_features.get(name)]
    if still_on:
        raise RuntimeError(f"NPY_DISABLE_CPU_FEATURES did not turn off {', '.join(still_on)}")


def main(pytest_args: list[str]) -> int:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    disabled = dispatched_features(__cpu_features__, __cpu_dispatch__)
    env = baseline_environment(os.environ, disabled)
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True,
                           capture_output=True, text=True)
    check_in_effect(json.loads(probe.stdout), disabled)
    print(f"baseline vector code: ATEN_CPU_CAPABILITY=default "
          f"NPY_DISABLE_CPU_FEATURES={' '.join(disabled)!r}", flush=True)
    paths = [arg for arg in pytest_args if Path(arg.split("::")[0]).exists()]
    command = [sys.executable, "-m", "pytest", *pytest_args, *([] if paths else ["notebooks"])]
    return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
