"""tools/baseline_nbval.py: the environment of the baseline-vector-code pass, and its check."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tools import baseline_nbval


def test_only_dispatched_features_this_cpu_has_are_disabled() -> None:
    features = {"SSE42": True, "X86_V3": True, "X86_V4": False, "AVX2": True}
    dispatch = ["X86_V3", "X86_V4", "AVX512_ICL"]
    assert baseline_nbval.dispatched_features(features, dispatch) == ["X86_V3"]


def test_a_cpu_without_dispatched_features_disables_nothing() -> None:
    assert baseline_nbval.dispatched_features({"NEON": True}, ["ASIMDHP", "SVE"]) == []
    env = baseline_nbval.baseline_environment({"PATH": "/bin"}, [])
    assert env == {"PATH": "/bin", "ATEN_CPU_CAPABILITY": "default", "NPY_DISABLE_CPU_FEATURES": ""}


def test_environment_keeps_the_rest_and_sets_both_variables() -> None:
    env = baseline_nbval.baseline_environment({"HOME": "/root", "ATEN_CPU_CAPABILITY": "avx2"},
                                              ["X86_V3", "X86_V4"])
    assert env == {"HOME": "/root", "ATEN_CPU_CAPABILITY": "default",
                   "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4"}


@pytest.mark.parametrize(
    ("report", "pattern"),
    [
        ({"torch": "AVX2", "numpy": {"X86_V3": False}}, "ATEN_CPU_CAPABILITY=default did not take"),
        ({"torch": "DEFAULT", "numpy": {"X86_V3": True}}, "did not turn off X86_V3"),
    ],
)
def test_check_fails_when_a_variable_is_ignored(report: dict, pattern: str) -> None:
    with pytest.raises(RuntimeError, match=pattern):
        baseline_nbval.check_in_effect(report, ["X86_V3"])


def test_on_this_machine_both_variables_take_effect() -> None:
    """The probe the tool runs, in the environment it builds: PyTorch and NumPy both comply."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    disabled = baseline_nbval.dispatched_features(__cpu_features__, __cpu_dispatch__)
    env = baseline_nbval.baseline_environment({"PATH": "/usr/bin:/bin"}, disabled)
    probe = subprocess.run([sys.executable, "-c", baseline_nbval.PROBE], env=env, check=True,
                           capture_output=True, text=True)
    report = json.loads(probe.stdout)
    baseline_nbval.check_in_effect(report, disabled)
    assert report["torch"] == "DEFAULT"
    assert not any(report["numpy"][name] for name in disabled)
