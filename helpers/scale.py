r"""Cross-entropy at LLM scale: the loss of ``hidden @ weight.T`` without the full logits.

A language model's last layer maps each token's hidden state :math:`h_t \in \mathbb{R}^H` to
one logit per vocabulary entry, :math:`z_t = W h_t \in \mathbb{R}^V` (``weight`` :math:`W` is
``(V, H)``), and the loss is the mean cross-entropy over the :math:`T` tokens of a batch:

.. math::

    L = \frac{1}{N} \sum_{t:\, y_t \ne \text{ignore}}
        \bigl(\operatorname{lse}(z_t) - z_{t, y_t}\bigr),\qquad
    \operatorname{lse}(z) = m + \log \sum_{v} e^{z_v - m},\quad m = \max_v z_v,

with :math:`N` the number of tokens whose target is not ``ignore_index`` (natural log, mean
reduction, exactly ``F.cross_entropy(hidden @ weight.T, target, ignore_index=...)``).

Its gradient with respect to the logits is softmax minus one-hot, row by row:

.. math::

    G_{t,v} = \frac{\partial L}{\partial z_{t,v}} = \frac{1}{N}\bigl(e^{z_{t,v} -
    \operatorname{lse}(z_t)} - [v = y_t]\bigr) \quad (G_t = 0 \text{ for ignored tokens}),

and by the chain rule through :math:`Z = X W^\top` (:math:`X` is ``hidden``, ``(T, H)``):
:math:`\partial L / \partial X = G W` and :math:`\partial L / \partial W = G^\top X`.

Memory. The naive computation materialises the logits :math:`Z` (``T × V`` numbers), autograd
keeps the log-softmax output for backward (another ``T × V``), and backward builds the gradient
:math:`G` (``T × V`` again): at ``T = 8192`` tokens and ``V = 128256`` in float32 that is
4.2 GB per ``T × V`` tensor. :func:`chunked_cross_entropy` walks over the tokens in blocks of
``chunk_size`` rows: each block's logits (``chunk_size × V``) live only while that block is
processed, in one buffer reused by every block. Two modes give the same numbers:

* ``recompute=True``: the forward keeps only the per-token log-sum-exp (``T`` numbers) for
  backward, and backward recomputes each block's logits, turns them into that block of
  :math:`G` in place and accumulates both gradients. Four ``T·V·H`` matrix products.
* ``recompute=False`` (default): when a gradient will be needed, the forward forms each block of
  :math:`G` from the block's logits while they are still there and accumulates both gradients
  at once; backward only scales them by the incoming gradient. Three products, as naive.

Peak extra memory in both: ``chunk_size × V`` numbers plus ``O(T)``, besides the two gradients
themselves (``T × H`` and ``V × H``, which any method must return).

This is the one module of :mod:`helpers` that imports torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.autograd.function import FunctionCtx, once_differentiable

from helpers._validation import check_integer

__all__ = ["DEFAULT_CHUNK_SIZE", "chunked_cross_entropy"]

#: Tokens per block. Tuned with ``benchmarks/ce_memory.py`` on a 2-core CPU (T=4096, H=256,
#: V=32768, float32; see ``benchmarks/ce_memory_results.json``): a block's logits, 512 × 32768 ×
#: 4 bytes = 64 MiB, keep the peak far below 1/8 of the naive version's, and blocks of 512 rows
#: keep the matrix products at full speed (smaller blocks re-read ``weight`` and re-write the
#: ``V × H`` gradient once per block). The block grows with ``V``: pass a smaller
#: ``chunk_size`` for larger vocabularies if memory is tight.
DEFAULT_CHUNK_SIZE = 512

#: The gradients backward returns for the inputs that have none: target, chunk_size,
#: ignore_index, recompute, grad_enabled.
_NOT_DIFFERENTIABLE = (None,) * 5


def _validate(
    hidden: Any, weight: Any, target: Any, chunk_size: Any, ignore_index: Any
) -> None:
    """Raise ``TypeError``/``ValueError`` naming the argument, what was expected and received."""
    for name, value in (("hidden", hidden), ("weight", weight), ("target", target)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    for name, value in (("hidden", hidden), ("weight", weight)):
        if not value.is_floating_point():
            raise TypeError(f"{name} must have a floating-point dtype, got {value.dtype}")
        if value.dim() != 2:
            raise ValueError(
                f"{name} must be 2-D, got {value.dim()}-D with shape {tuple(value.shape)}"
            )
    if hidden.dtype != weight.dtype:
        raise TypeError(
            f"hidden and weight must have the same dtype, got {hidden.dtype} and {weight.dtype}"
        )
    tokens, width = hidden.shape
    vocabulary, weight_width = weight.shape
    if width != weight_width:
        raise ValueError(
            f"hidden is (T, H) = {tuple(hidden.shape)} and weight is (V, H) = "
            f"{tuple(weight.shape)}: their last dimensions (H) must agree"
        )
    if vocabulary < 1:
        raise ValueError(
            f"weight must have at least one row (V >= 1), got shape {tuple(weight.shape)}"
        )
    if target.dtype != torch.int64:
        raise TypeError(f"target must hold class indices of dtype torch.int64, got {target.dtype}")
    if target.dim() != 1 or target.shape[0] != tokens:
        raise ValueError(
            f"target must have shape (T,) = ({tokens},) to match hidden {tuple(hidden.shape)}, "
            f"got {tuple(target.shape)}"
        )
    if not (hidden.device == weight.device == target.device):
        raise ValueError(
            f"hidden, weight and target must be on one device, got {hidden.device}, "
            f"{weight.device} and {target.device}"
        )
    if check_integer(chunk_size, "chunk_size", "an int") < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    check_integer(ignore_index, "ignore_index", "an int")
    bad = (target != ignore_index) & ((target < 0) | (target >= vocabulary))
    if bool(bad.any()):
        position = int(bad.nonzero()[0, 0])
        raise ValueError(
            f"target[{position}] = {int(target[position])} is not a class index: expected "
            f"0 <= target < V = {vocabulary}, or ignore_index = {ignore_index}"
        )


def _block_softmax_minus_one_hot(
    probabilities: torch.Tensor, safe_target: torch.Tensor, row_scale: torch.Tensor
) -> torch.Tensor:
    """In place: ``(probabilities - one_hot(target)) · row_scale``, row by row: the block of G."""
    probabilities.mul_(row_scale[:, None])
    rows = torch.arange(probabilities.shape[0], device=probabilities.device)
    probabilities[rows, safe_target] -= row_scale
    return probabilities


def _logit_blocks(
    hidden: torch.Tensor, weight: torch.Tensor, chunk_size: int
) -> Iterator[tuple[slice, torch.Tensor, torch.Tensor]]:
    """Each block of ``chunk_size`` tokens: its rows, its hidden states and its logits
    ``block @ weight.T``, written into one ``(chunk, V)`` buffer that every block reuses."""
    tokens = hidden.shape[0]
    workspace = hidden.new_empty(min(chunk_size, tokens), weight.shape[0])
    for start in range(0, tokens, chunk_size):
        stop = min(start + chunk_size, tokens)
        block = hidden[start:stop]
        yield slice(start, stop), block, torch.mm(block, weight.T, out=workspace[: stop - start])


def _add_block_gradients(
    g: torch.Tensor,
    rows: slice,
    block: torch.Tensor,
    weight: torch.Tensor,
    grad_hidden: torch.Tensor | None,
    grad_weight: torch.Tensor | None,
) -> None:
    """From a block of G: that block of dL/dX = G W, and dL/dW += G^T X_block."""
    if grad_hidden is not None:
        torch.mm(g, weight, out=grad_hidden[rows])
    if grad_weight is not None:
        grad_weight.addmm_(g.T, block)


class _ChunkedCrossEntropy(torch.autograd.Function):
    """Mean cross-entropy of ``hidden @ weight.T``, computed and differentiated by token blocks.

    Two ways to get the gradients, same numbers, same peak memory (one block of logits):

    * ``recompute=True``: forward saves the per-token log-sum-exp; backward recomputes each
      block's logits and forms its block of G (four ``T·V·H`` products in all);
    * ``recompute=False``: when a gradient will be needed, forward forms each block of G right
      after the block's log-sum-exp, while the block's logits are still there, and accumulates
      both gradients; backward only scales them by the incoming gradient (three products; the
      "gradient in forward" of Liger-Kernel's fused linear cross-entropy).
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: FunctionCtx,
        hidden: torch.Tensor,
        weight: torch.Tensor,
        target: torch.Tensor,
        chunk_size: int,
        ignore_index: int,
        recompute: bool,
        grad_enabled: bool,
    ) -> torch.Tensor:
        tokens = hidden.shape[0]
        valid = target != ignore_index
        safe_target = torch.where(valid, target, torch.zeros_like(target))
        count = int(valid.sum())
        need_hidden = grad_enabled and ctx.needs_input_grad[0]
        need_weight = grad_enabled and ctx.needs_input_grad[1]
        in_forward = not recompute and (need_hidden or need_weight)
        if in_forward:
            # every row of grad_hidden is written; grad_weight accumulates over the blocks
            grad_hidden = torch.empty_like(hidden) if need_hidden else None
            grad_weight = torch.zeros_like(weight) if need_weight else None
            row_scale = valid.to(hidden.dtype) / max(count, 1)  # 1/N, or 0 for ignored tokens
        lse = torch.empty(tokens, dtype=hidden.dtype, device=hidden.device)
        target_logit = torch.empty_like(lse)
        for rows, block, logits in _logit_blocks(hidden, weight, chunk_size):
            target_logit[rows] = logits.gather(1, safe_target[rows, None])[:, 0]
            # stable log-sum-exp: lse = m + log sum exp(z - m), in place on the block
            row_max = logits.amax(dim=1)
            exp_shifted = logits.sub_(row_max[:, None]).exp_()
            row_sum = exp_shifted.sum(dim=1)
            lse[rows] = row_max + row_sum.log()
            if in_forward and count > 0:
                # softmax = exp(z - m) / sum; G = (softmax - one_hot) / N, then both products
                exp_shifted.div_(row_sum[:, None])
                g = _block_softmax_minus_one_hot(exp_shifted, safe_target[rows], row_scale[rows])
                _add_block_gradients(g, rows, block, weight, grad_hidden, grad_weight)
        # 0/0 = nan when every token is ignored, as in F.cross_entropy
        loss = torch.where(valid, lse - target_logit, torch.zeros_like(lse)).sum() / count
        ctx.in_forward = in_forward
        ctx.chunk_size = chunk_size
        if in_forward:
            if count == 0:  # no token contributes: zero gradients, as in F.cross_entropy
                grad_hidden = grad_hidden.zero_() if grad_hidden is not None else None
            ctx.save_for_backward(grad_hidden, grad_weight)
        else:
            ctx.save_for_backward(hidden, weight, safe_target, valid, lse)
        return loss

    @staticmethod
    @once_differentiable
    def backward(  # type: ignore[override]
        ctx: FunctionCtx, grad_loss: torch.Tensor
    ) -> tuple[torch.Tensor | None, ...]:
        if ctx.in_forward:
            grad_hidden, grad_weight = ctx.saved_tensors
            if bool(grad_loss != 1):  # usually 1: loss.backward() of this loss alone
                grad_hidden = grad_hidden * grad_loss if grad_hidden is not None else None
                grad_weight = grad_weight * grad_loss if grad_weight is not None else None
            return (grad_hidden, grad_weight, *_NOT_DIFFERENTIABLE)
        hidden, weight, safe_target, valid, lse = ctx.saved_tensors
        chunk_size: int = ctx.chunk_size
        need_hidden, need_weight = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        count = int(valid.sum())
        if count == 0:  # no token contributes: the gradients are zero, as in F.cross_entropy
            return (
                torch.zeros_like(hidden) if need_hidden else None,
                torch.zeros_like(weight) if need_weight else None,
                *_NOT_DIFFERENTIABLE,
            )
        grad_hidden = torch.empty_like(hidden) if need_hidden else None  # every row is written
        grad_weight = torch.zeros_like(weight) if need_weight else None  # accumulated into
        # row scale: grad_loss / N for counted tokens, 0 for ignored ones
        row_scale = valid.to(hidden.dtype) * (grad_loss / count)
        for rows, block, logits in _logit_blocks(hidden, weight, chunk_size):
            # G = (softmax(z) - one_hot(y)) · scale, built in place in the recomputed logits
            softmax = logits.sub_(lse[rows, None]).exp_()
            g = _block_softmax_minus_one_hot(softmax, safe_target[rows], row_scale[rows])
            _add_block_gradients(g, rows, block, weight, grad_hidden, grad_weight)
        return (grad_hidden, grad_weight, *_NOT_DIFFERENTIABLE)


def chunked_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    target: torch.Tensor,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    ignore_index: int = -100,
    *,
    recompute: bool = False,
) -> torch.Tensor:
    r"""Mean cross-entropy of the logits ``hidden @ weight.T``, never holding all of them.

    Equal (up to rounding) to ``F.cross_entropy(hidden @ weight.T, target,
    ignore_index=ignore_index)``, and so are its gradients with respect to ``hidden`` and
    ``weight``; for every ``chunk_size``, whether or not it divides ``T``, in both modes.

    .. math::

        L = \frac{1}{N}\sum_{t:\,y_t \ne \text{ignore}} \bigl(\operatorname{lse}(W h_t)
        - (W h_t)_{y_t}\bigr),\qquad
        \frac{\partial L}{\partial X} = G W,\quad \frac{\partial L}{\partial W} = G^\top X,
        \quad G_t = \tfrac{1}{N}\bigl(\operatorname{softmax}(W h_t) - e_{y_t}\bigr).

    Forward: for each block of ``chunk_size`` tokens, compute the block's logits, their
    log-sum-exp (stable: subtract the row maximum) and the target logit.

    * ``recompute=True`` (the textbook version): keep only the log-sum-exp per
      token (``T`` numbers); backward recomputes each block's logits, turns them into the block
      of ``G`` (exp(z - lse), minus 1 at the target, times ``1/N``; zero rows for ignored
      tokens), then ``grad_hidden[block] = G W`` and ``grad_weight += G^T X[block]``. Four
      ``T·V·H`` matrix products in all.
    * ``recompute=False`` (default): when autograd will need a gradient, do that same block
      work in the forward pass, while the block's logits are at hand, and keep the two
      gradients; backward only multiplies them by the incoming gradient (usually 1). Three
      products, like the naive version; on the benchmark's 2-core CPU about a fifth less
      time than ``recompute=True`` (``benchmarks/ce_memory_results.json``).
      Without grad (``torch.no_grad()`` or inputs that do not require grad) only the loss is
      computed.

    Memory, beyond the inputs and the returned gradients: naive, ``T × V`` logits, ``T × V``
    saved log-probabilities and a ``T × V`` gradient; chunked, one ``chunk_size × V`` block
    and ``O(T)`` per-token numbers (with ``recompute=False`` the gradients, ``T × H`` and
    ``V × H``, exist from the forward pass on instead of from the backward pass).

    Parameters
    ----------
    hidden:
        ``(T, H)`` floating-point hidden states, one row per token.
    weight:
        ``(V, H)`` output embedding (the ``nn.Linear(H, V, bias=False)`` weight), same dtype.
    target:
        ``(T,)`` ``torch.int64`` class indices in ``[0, V)``, or ``ignore_index``.
    chunk_size:
        Tokens per block, at least 1 (a value above ``T`` means one block). The block holds
        ``chunk_size × V`` numbers: 512 × 32768 float32 = 64 MiB.
    ignore_index:
        Target value whose tokens contribute nothing and are not counted in the mean. If every
        token is ignored the loss is ``nan`` and the gradients are zero, as in PyTorch.
    recompute:
        ``True``: gradients in backward from recomputed logits; ``False``: gradients formed in
        the forward pass.

    Returns
    -------
    A 0-dim tensor of ``hidden``'s dtype; ``.backward()`` works through it (no double
    backward).

    Raises
    ------
    TypeError
        Non-tensor inputs, non-float ``hidden``/``weight``, differing dtypes, non-int64
        ``target``, non-int ``chunk_size`` or ``ignore_index``, non-bool ``recompute``.
    ValueError
        Wrong dimensions or mismatched shapes, different devices, ``chunk_size < 1``, an empty
        vocabulary, or a target outside ``[0, V)`` that is not ``ignore_index``.
    """
    _validate(hidden, weight, target, chunk_size, ignore_index)
    if not isinstance(recompute, bool):
        raise TypeError(f"recompute must be True or False, got {type(recompute).__name__}")
    return _ChunkedCrossEntropy.apply(
        hidden, weight, target, int(chunk_size), int(ignore_index), recompute,
        torch.is_grad_enabled(),
    )
