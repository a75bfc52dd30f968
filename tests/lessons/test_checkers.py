"""Every exercise check of every lesson, called with hostile answers.

Parametrized over ``helpers.lessons.functions(...)``: a new lesson's ``check_…`` is covered as
soon as it exists. Whatever a learner types, a check answers with a :class:`Feedback` that is not
correct, without raising and without hanging. The solution of each check comes from the lesson's
own tests (``SOLUTIONS`` in ``tests/lessons/test_<lesson>.py``), and still passes after all the
hostile answers (a function that writes into its inputs must not corrupt the lesson's data).
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time

import numpy as np
import pytest
import torch

from helpers import feedback
from helpers.feedback import Feedback
from helpers.lessons import functions

CHECKS = functions(lambda name: name.startswith("check_"))
LIMIT = 0.2  # seconds: the time limit while the hostile answers run
RELEASE = threading.Event()  # set at the end of the module: the sleeping functions return


class FloatRaises:
    def __float__(self) -> float:
        raise RuntimeError("no float here")

    def __repr__(self) -> str:
        return "FloatRaises()"


def raises(*args, **kwargs):
    raise ZeroDivisionError("hostile")


def returns_none(*args, **kwargs):
    return None


def mutates_its_inputs(*args, **kwargs):
    for arg in args:
        if isinstance(arg, np.ndarray):
            arg[...] = -7
    return args


def sleeps(*args, **kwargs):
    RELEASE.wait(3.0)  # far beyond the lowered limit
    return 0.0


HOSTILE = {
    "None": None,
    "string": "0.5",
    "huge int": 10**400,
    "huge negative int": -(10**400),
    "nan": float("nan"),
    "inf": float("inf"),
    "empty list": [],
    "ragged list": [[1, 2], [3]],
    "complex": complex(1, 2),
    "bool": True,
    "__float__ raises": FloatRaises(),
    "array of the wrong shape": np.zeros((2, 7, 5)),
    "huge array": np.broadcast_to(0.5, (100_000, 100_000)),  # 10^10 entries, no memory
    "tensor requiring grad": torch.ones(3, requires_grad=True),
    "function that raises": raises,
    "function returning None": returns_none,
    "function that mutates its inputs": mutates_its_inputs,
    "function that sleeps": sleeps,
}


def takes_a_function(check) -> bool:
    return next(iter(inspect.signature(check).parameters)) == "function"


@pytest.fixture(scope="module", autouse=True)
def release_the_sleepers():
    yield
    RELEASE.set()


@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("name", CHECKS)
def test_a_hostile_answer_gets_feedback_quickly(name, answer, monkeypatch) -> None:
    monkeypatch.setattr(feedback, "TIME_LIMIT", LIMIT, raising=False)
    check = CHECKS[name]
    start = time.perf_counter()
    result = check(answer)
    elapsed = time.perf_counter() - start
    assert isinstance(result, Feedback) and not result.correct
    assert str(result).startswith("✗ Exercise ") and result.message and result.hint
    if takes_a_function(check) and not callable(answer):
        assert result.message.startswith("Expected a function, got ")
    if not takes_a_function(check) and callable(answer):
        said = ("Expected one number, got function ", "Expected an array of shape")
        assert result.message.startswith(said)
    assert elapsed < LIMIT + 1.0


def solution(name: str):
    lesson, check = name.split(".")
    solutions = importlib.import_module(f"tests.lessons.test_{lesson}").SOLUTIONS
    assert check in solutions, f"tests/lessons/test_{lesson}.py: no SOLUTIONS entry for {check}"
    return solutions[check]


@pytest.mark.parametrize("name", CHECKS)
def test_the_solution_still_passes_after_the_hostile_answers(name, monkeypatch) -> None:
    check = CHECKS[name]
    with monkeypatch.context() as patch:
        patch.setattr(feedback, "TIME_LIMIT", LIMIT)
        for answer in HOSTILE.values():
            check(answer)
    assert check(solution(name)).correct
