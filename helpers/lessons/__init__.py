"""One module per notebook: ``helpers.lessons.<name>`` for ``notebooks/NN_<name>.ipynb`` (or an
appendix, ``notebooks/X_<name>.ipynb``).

Each holds that lesson's figures, explorers and exercise checks, in the notebook's order. A
lesson module imports the concept library (``info``, ``losses``, ``calibration``, ...) and the
machinery (``figures``, ``explorer``, ``feedback``), never another lesson's module.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any


def modules() -> dict[str, ModuleType]:
    """Every lesson module, by name, in the order of the notebooks' file names."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return {name: importlib.import_module(f"{__name__}.{name}") for name in names}


def functions(predicate: Callable[[str], bool]) -> dict[str, Callable[..., Any]]:
    """The functions defined in the lesson modules whose names satisfy ``predicate``, by
    ``"<lesson>.<function>"``."""
    found = {}
    for lesson, module in modules().items():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and predicate(name):
                found[f"{lesson}.{name}"] = function
    return found
