"""binder/environment.yml (what Binder builds) stays the top-level environment.yml plus the CPU
index of PyTorch: one source of versions, requirements.txt."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_binder_environment_is_the_top_level_one_with_the_cpu_index_of_torch() -> None:
    top = load(ROOT / "environment.yml")
    binder = load(ROOT / "binder" / "environment.yml")
    assert binder["channels"] == top["channels"]
    plain = [item for item in binder["dependencies"] if isinstance(item, str)]
    assert plain == [item for item in top["dependencies"] if isinstance(item, str)]
    (pip,) = [item["pip"] for item in binder["dependencies"] if isinstance(item, dict)]
    assert pip == ["--extra-index-url https://download.pytorch.org/whl/cpu",
                   "-r ../requirements.txt"]
    assert (ROOT / "binder" / ".." / "requirements.txt").resolve().is_file()
