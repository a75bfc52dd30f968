"""The environment files agree: one source of truth for versions, every package pinned."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>[^\s;#]+)$")


def requirement_lines(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in requirement_lines(name):
        match = PIN.match(line)
        if match:
            found[normalized(match["name"])] = match["version"]
    return found


def test_every_requirement_is_pinned_exactly() -> None:
    for line in requirement_lines("requirements.txt"):
        if line in ("-e .", "-c constraints.txt"):
            continue
        assert PIN.match(line), f"requirements.txt: {line!r} is not pinned with =="


def test_torch_is_the_cpu_release_pinned_by_the_project() -> None:
    assert pins("requirements.txt")["torch"] == "2.13.0"
    assert pins("constraints.txt")["torch"] == "2.13.0"


def test_constraints_pin_every_line_and_agree_with_requirements() -> None:
    constraint_lines = requirement_lines("constraints.txt")
    assert all(PIN.match(line) for line in constraint_lines), (
        "constraints.txt holds a line without =="
    )
    locked = pins("constraints.txt")
    for name, version in pins("requirements.txt").items():
        assert locked.get(name) == version, (
            f"{name}: requirements {version}, constraints {locked.get(name)}"
        )


def test_requirements_install_the_helpers_package_and_use_the_lock() -> None:
    lines = requirement_lines("requirements.txt")
    assert "-e ." in lines
    assert "-c constraints.txt" in lines


def test_environment_yml_parses_and_installs_requirements_txt() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert environment["channels"] == ["conda-forge"]
    dependencies = environment["dependencies"]
    assert "python=3.11" in dependencies
    assert "pip" in dependencies
    pip_sections = [item["pip"] for item in dependencies if isinstance(item, dict)]
    assert pip_sections == [["-r requirements.txt"]], (
        "the pip section must only install requirements.txt"
    )
    conda_packages = [item for item in dependencies if isinstance(item, str)]
    assert sorted(conda_packages) == ["pip", "python=3.11"], (
        "versions live in requirements.txt only"
    )


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert commands[-1].strip() == "exec make test"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
