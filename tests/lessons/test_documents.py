"""Appendix A (the five documents, reproduced): document 004's 38 numbers, the search for its
inputs, and the rounding figure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers.lessons import documents as lesson

PRINTED_X = np.array(  # document 004's x_input, as printed
    [[2.8883, 0.1760, 1.0774], [1.1216, -0.0562, 0.0660], [-1.3939, -0.0967, 0.5853]]
)
TARGET = np.array([1, 2, 0])
PRINTED_REST = (  # its soft_output, log_output, logsoftmax_output, then the two losses
    "0.8131 0.0540 0.1329 0.6039 0.1860 0.2102 0.0841 0.3076 0.6083 "
    "-0.2069 -2.9192 -2.0178 -0.5044 -1.6822 -1.5599 -2.4762 -1.1790 -0.4970 "
    "-0.2069 -2.9192 -2.0178 -0.5044 -1.6822 -1.5599 -2.4762 -1.1790 -0.4970 2.3185 2.3185"
)
PRINTED = [*PRINTED_X.ravel().tolist(), *map(float, PRINTED_REST.split())]


def torch_numbers(x: torch.Tensor) -> torch.Tensor:
    """The 38 numbers as the document's code computes them, in x's dtype."""
    target = torch.from_numpy(TARGET)
    soft = torch.softmax(x, dim=1)
    log_softmax = F.log_softmax(x, dim=1)
    losses = [F.nll_loss(log_softmax, target).reshape(1), F.cross_entropy(x, target).reshape(1)]
    return torch.cat([part.flatten() for part in (x, soft, torch.log(soft), log_softmax)] + losses)


def four_decimals(values) -> list[str]:
    return [f"{float(value):.4f}" for value in values]


def test_printed_numbers_reads_decimals_in_order() -> None:
    text = "x:\n tensor([[ 2.8883,  0.1760],\n [-0.0562,  1.]])\ntensor(2.3185) tensor([1, 2])"
    assert lesson.printed_numbers(text) == ["2.8883", "0.1760", "-0.0562", "2.3185"]
    assert len(lesson.DOCUMENT_004_NAMES) == len(PRINTED) == 38
    assert lesson.DOCUMENT_004_NAMES[14] == "soft_output[1, 2]"


@pytest.mark.parametrize("seed", range(3))
def test_document_004_numbers_match_torch_in_float64(seed: int) -> None:
    x = torch.randn(3, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    np.testing.assert_allclose(lesson.document_004_numbers(x.numpy(), TARGET),
                               torch_numbers(x).numpy(), rtol=1e-12, atol=1e-13)


def test_document_004_numbers_of_a_batch_are_those_of_each_candidate() -> None:
    batch = np.random.default_rng(0).normal(size=(5, 3, 3))
    numbers = lesson.document_004_numbers(batch, TARGET)
    assert numbers.shape == (5, 38)
    for candidate, row in zip(batch, numbers, strict=True):
        np.testing.assert_allclose(row, lesson.document_004_numbers(candidate, TARGET), rtol=1e-14)


def test_the_printed_input_misses_four_digits() -> None:
    numbers = lesson.document_004_numbers(PRINTED_X, TARGET)
    pairs = zip(four_decimals(numbers), four_decimals(PRINTED), strict=True)
    differ = [name for name, (value, printed) in zip(lesson.DOCUMENT_004_NAMES, pairs, strict=True)
              if value != printed]
    assert differ == ["soft_output[1, 2]", "soft_output[2, 2]", "log_output[1, 2]",
                      "logsoftmax_output[1, 2]"]


def test_the_found_input_reproduces_every_digit_in_torchs_float32() -> None:
    search = lesson.search_inputs(PRINTED_X, PRINTED, TARGET)
    assert 0 < search.count < len(search.candidates)
    assert search.matches[search.best]
    assert search.margins[search.best] == search.margins[search.matches].max() > 1e-6
    found = torch.from_numpy(search.found)
    assert found.dtype == torch.float32 and found.shape == (3, 3)
    assert four_decimals(torch_numbers(found)) == four_decimals(PRINTED)
    assert np.all(np.abs(search.candidates - PRINTED_X) <= 0.5e-4 + 1e-6)  # inside the rounding box


def test_search_is_seeded_and_sized_by_its_arguments() -> None:
    first = lesson.search_inputs(PRINTED_X, PRINTED, TARGET, candidates=500, seed=3)
    again = lesson.search_inputs(PRINTED_X, PRINTED, TARGET, candidates=500, seed=3)
    other = lesson.search_inputs(PRINTED_X, PRINTED, TARGET, candidates=500, seed=4)
    assert first.candidates.shape == (500, 3, 3)
    assert first.matches.shape == first.margins.shape == (500,)
    np.testing.assert_array_equal(first.candidates, again.candidates)
    assert first.count == again.count
    assert not np.array_equal(first.candidates, other.candidates)


def test_rounding_figure_shows_each_number_against_its_interval() -> None:
    from_printed = lesson.document_004_numbers(PRINTED_X, TARGET)
    found = lesson.search_inputs(PRINTED_X, PRINTED, TARGET).found
    from_found = lesson.document_004_numbers(found, TARGET)
    computed = {"printed x_input": from_printed, "x_found": from_found}
    figure = lesson.rounding_figure(PRINTED, computed)
    (ax,) = figure.axes
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "printed x_input (4 outside)" in labels and "x_found (0 outside)" in labels
    offsets = (from_printed - np.array(PRINTED)) * 1e4
    np.testing.assert_allclose(ax.lines[0].get_ydata(), offsets)
    assert len(ax.lines[1].get_ydata()) == 4  # the circled points outside the band
    np.testing.assert_array_less(np.abs(ax.lines[2].get_ydata()), 0.5)
