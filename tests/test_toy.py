"""helpers/toy.py: the three blobs, their Bayes posterior, and the training loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from helpers import toy

torch.set_num_threads(1)


def test_blobs_are_seeded_balanced_and_centred() -> None:
    points, labels = toy.blobs(2000, seed=3)
    assert points.shape == (6000, 2) and points.dtype == np.float64
    assert np.bincount(labels).tolist() == [2000, 2000, 2000]
    again, _ = toy.blobs(2000, seed=3)
    np.testing.assert_array_equal(points, again)
    for c in range(3):
        np.testing.assert_allclose(points[labels == c].mean(axis=0), toy.CENTRES[c], atol=0.06)
        np.testing.assert_allclose(points[labels == c].std(axis=0), toy.SIGMA, atol=0.05)


def test_bayes_posterior_is_the_normalised_product_of_prior_and_gaussian_likelihoods() -> None:
    points, _ = toy.blobs(5, seed=0)
    squared = ((points[:, None, :] - toy.CENTRES[None]) ** 2).sum(axis=2)
    likelihood = np.exp(-squared / (2 * toy.SIGMA**2))
    expected = likelihood / likelihood.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(toy.bayes_posterior(points), expected, rtol=1e-12)


def test_bayes_posterior_is_the_best_classifier_on_a_large_sample() -> None:
    points, labels = toy.blobs(20000, seed=1)
    posterior = toy.bayes_posterior(points)
    accuracy = np.mean(posterior.argmax(axis=1) == labels)
    assert 0.83 < accuracy < 0.85  # the classes overlap: no classifier is always right
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        toy.bayes_posterior(points[:, :1])


@pytest.mark.parametrize("kind, parameters", [("linear", 9), ("mlp", 2 * 8 + 8 + 8 * 3)])
def test_models_are_seeded_float64_classifiers(kind: str, parameters: int) -> None:
    first, second = toy.model(kind, hidden=8, seed=4), toy.model(kind, hidden=8, seed=4)
    assert sum(p.numel() for p in first.parameters()) == parameters
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert a.dtype == torch.float64 and torch.equal(a, b)
    probabilities = toy.predict(first, np.zeros((4, 2)))
    assert probabilities.shape == (4, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_training_lowers_the_loss_keeps_checkpoints_and_is_deterministic() -> None:
    points, labels = toy.blobs(30, seed=0)
    x, y = torch.from_numpy(points), torch.from_numpy(labels)
    runs = []
    for _ in range(2):
        classifier = toy.model("mlp", hidden=16, seed=0)
        objective, checkpoints = toy.train_classifier(classifier, x, y, steps=120, every=40)
        runs.append((objective, checkpoints, classifier))
    objective, checkpoints, classifier = runs[0]
    assert objective.shape == (120,) and objective[-1] < 0.6 * objective[0]
    assert sorted(checkpoints) == [0, 40, 80, 120]
    np.testing.assert_array_equal(objective, runs[1][0])
    # the last checkpoint is the trained model, the first the initial one
    final = {name: value for name, value in classifier.state_dict().items()}
    for name, value in checkpoints[120].items():
        assert torch.equal(value, final[name])
    fresh = toy.model("mlp", hidden=16, seed=0).state_dict()
    for name, value in checkpoints[0].items():
        assert torch.equal(value, fresh[name])
    # the objective is the loss before each step's update
    initial = toy.model("mlp", hidden=16, seed=0)
    assert objective[0] == pytest.approx(F.cross_entropy(initial(x), y).item(), rel=1e-12)


def test_training_takes_smoothing_probability_targets_or_a_loss() -> None:
    points, labels = toy.blobs(10, seed=2)
    x, y = torch.from_numpy(points), torch.from_numpy(labels)
    soft = F.one_hot(y, 3).double() * 0.9 + 0.1 / 3
    by_smoothing, _ = toy.train_classifier(
        toy.model("linear"), x, y, steps=20, label_smoothing=0.1
    )
    by_probabilities, _ = toy.train_classifier(toy.model("linear"), x, soft, steps=20)
    by_loss, _ = toy.train_classifier(
        toy.model("linear"), x, y, steps=20, loss=lambda logits: F.cross_entropy(logits, soft)
    )
    np.testing.assert_allclose(by_smoothing, by_probabilities, rtol=1e-12)
    np.testing.assert_allclose(by_loss, by_probabilities, rtol=1e-12)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: toy.blobs(0, seed=0), ValueError, "n_per_class must be at least 1, got 0"),
        (lambda: toy.blobs(2.5, seed=0), TypeError, "n_per_class must be an integer"),
        (lambda: toy.model("cnn"), ValueError, 'kind must be "linear" or "mlp"'),
        (lambda: toy.model("mlp", hidden=0), ValueError, "hidden must be at least 1"),
        (
            lambda: toy.train_classifier(toy.model("linear"), torch.zeros(3, 2),
                                         torch.zeros(3, dtype=torch.long), steps=0),
            ValueError, "steps must be at least 1",
        ),
        (
            lambda: toy.train_classifier(toy.model("linear"), torch.zeros(3, 2),
                                         torch.zeros(3, dtype=torch.long), learning_rate=-1.0),
            ValueError, "learning_rate must be positive",
        ),
    ],
)
def test_bad_arguments_get_a_clear_error(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()
