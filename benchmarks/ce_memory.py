"""Memory and time of the cross-entropy of ``hidden @ weight.T``: naive versus chunked.

    python benchmarks/ce_memory.py                      # T=4096, H=256, V=32768, float32
    python benchmarks/ce_memory.py --chunk-sizes 512,128,256,1024
    python benchmarks/ce_memory.py --json benchmarks/ce_memory_results.json

Methods: ``naive`` is ``F.cross_entropy(hidden @ weight.T, target)``; ``chunked`` is
:func:`helpers.scale.chunked_cross_entropy` with its default mode (the gradient formed block by
block in the forward pass); ``chunked-recompute`` is the same with ``recompute=True`` (only the
per-token log-sum-exp kept; backward recomputes every block). Each chunked method runs at every
size of ``--chunk-sizes``; the first size is the one compared with the goals.

Each measurement runs in a fresh process of its own (this script re-invoked with ``--mode``), so
that one method's freed memory or warm caches cannot flatter or penalise another. In that
process: import torch, fix the thread count, create the seeded inputs, then

* memory: read the resident set size (``VmRSS`` in ``/proc/self/status``) as the baseline, reset
  the high-water mark (``echo 5 > /proc/self/clear_refs``; where the kernel does not allow it the
  baseline is the high-water mark ``VmHWM`` reached so far), run forward + backward (the warm-up
  and the timed repeats), and read ``VmHWM`` again: *peak above baseline* = VmHWM after − baseline;
* time: one warm-up forward + backward, then ``--repeats`` timed ones, in ``--rounds`` processes
  per method that alternate with the other methods'; the figure is the median of all timed runs.
  The machine may be shared, so each timed run first waits (up to ``--wait-idle`` s) until other
  processes are idle, and the CPU seconds other processes took *during* the run are measured
  (``/proc/stat``); a run they disturbed by more than ``--noise`` CPU seconds is repeated (at most
  ``3 × --repeats`` attempts per process). All attempts are kept in the JSON.

Forward + backward is ``loss = f(hidden, weight, target)`` then
``torch.autograd.grad(loss, (hidden, weight))``. Every method returns the same two gradients
(``T × H`` and ``V × H``), so every peak includes them. The processes also report the loss and
the gradients' norms, and the parent checks that all methods agree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
METHODS = ("naive", "chunked", "chunked-recompute")


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status (Linux only)")


def reset_high_water_mark() -> bool:
    """Reset ``VmHWM`` to the current RSS; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return status_kib("VmHWM") <= status_kib("VmRSS") + 1024  # allow 1 MiB of drift


def busy_cpu_seconds() -> float:
    """CPU seconds all processes of the machine have been busy since boot (``/proc/stat``)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(limit: float, *, window: float = 0.5, threshold: float = 0.1) -> float:
    """Wait (at most ``limit`` seconds) until other processes use < 10 % of one core over
    ``window`` seconds; return the seconds waited. Between runs this process itself is idle."""
    waited = 0.0
    while waited < limit:
        before = busy_cpu_seconds()
        time.sleep(window)
        waited += window
        if busy_cpu_seconds() - before < threshold * window:
            break
    return waited


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Child process: one method, memory and time. Returns a JSON-able record."""
    import torch
    import torch.nn.functional as F

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from helpers.scale import chunked_cross_entropy

    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    generator = torch.Generator().manual_seed(args.seed)
    hidden = torch.randn(args.tokens, args.hidden, generator=generator, dtype=dtype)
    weight = torch.randn(args.vocab, args.hidden, generator=generator, dtype=dtype)
    weight /= args.hidden**0.5  # logits of order 1, as in a trained model's last layer
    target = torch.randint(0, args.vocab, (args.tokens,), generator=generator)
    hidden.requires_grad_(True)
    weight.requires_grad_(True)

    def loss_of() -> torch.Tensor:
        if args.mode == "naive":
            return F.cross_entropy(hidden @ weight.T, target)
        return chunked_cross_entropy(
            hidden, weight, target, args.chunk_size, recompute=args.mode == "chunked-recompute"
        )

    def step() -> tuple[float, float, float]:
        loss = loss_of()
        grad_hidden, grad_weight = torch.autograd.grad(loss, (hidden, weight))
        return float(loss), float(grad_hidden.norm()), float(grad_weight.norm())

    baseline_rss = status_kib("VmRSS")
    hwm_reset = reset_high_water_mark()
    baseline = status_kib("VmRSS") if hwm_reset else status_kib("VmHWM")

    started = time.perf_counter()
    loss, grad_hidden_norm, grad_weight_norm = step()  # warm-up
    warmup_seconds = time.perf_counter() - started
    attempts = []
    while sum(a["clean"] for a in attempts) < args.repeats and len(attempts) < 3 * args.repeats:
        waited = wait_until_idle(args.wait_idle)
        busy_before = busy_cpu_seconds()
        started, cpu_started = time.perf_counter(), time.process_time()
        step()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        # CPU time other processes took during the run: the noise in this measurement
        others = max(0.0, busy_cpu_seconds() - busy_before - cpu_seconds)
        attempts.append({
            "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "other_processes_cpu_seconds": round(others, 2), "waited_for_idle_seconds": waited,
            "clean": others <= args.noise,
        })
    peak = status_kib("VmHWM")
    return {
        "method": args.mode,
        "chunk_size": None if args.mode == "naive" else args.chunk_size,
        "baseline_rss_mib": round(baseline_rss / 1024, 1),
        "peak_above_baseline_mib": round((peak - baseline) / 1024, 1),
        "hwm_reset": hwm_reset,
        "warmup_seconds": round(warmup_seconds, 3),
        "attempts": attempts,
        "loss": loss,
        "grad_hidden_norm": grad_hidden_norm,
        "grad_weight_norm": grad_weight_norm,
    }


def run_child(args: argparse.Namespace, mode: str, chunk_size: int | None) -> dict[str, Any]:
    """Run :func:`measure` in a fresh interpreter and return its record."""
    command = [
        sys.executable, str(Path(__file__).resolve()), "--mode", mode,
        "--tokens", str(args.tokens), "--hidden", str(args.hidden), "--vocab", str(args.vocab),
        "--dtype", args.dtype, "--seed", str(args.seed), "--repeats", str(args.repeats),
        "--threads", str(args.threads), "--wait-idle", str(args.wait_idle),
        "--noise", str(args.noise),
    ]
    if chunk_size is not None:
        command += ["--chunk-size", str(chunk_size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def combine(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One method's processes (one per round): median peak memory and median time over the
    clean timed runs (all timed runs if none was clean)."""
    first = records[0]
    attempts = [attempt for record in records for attempt in record["attempts"]]
    clean = [attempt for attempt in attempts if attempt["clean"]] or attempts
    peaks = [record["peak_above_baseline_mib"] for record in records]
    return {
        "method": first["method"],
        "chunk_size": first["chunk_size"],
        "peak_above_baseline_mib": statistics.median(peaks),
        "peaks_mib": peaks,
        "baseline_rss_mib": statistics.median(r["baseline_rss_mib"] for r in records),
        "hwm_reset": all(record["hwm_reset"] for record in records),
        "median_seconds": round(statistics.median(a["seconds"] for a in clean), 3),
        "median_cpu_seconds": round(statistics.median(a["cpu_seconds"] for a in clean), 3),
        "timed_runs": len(clean),
        "disturbed_runs_repeated": len(attempts) - len(clean),
        "attempts": attempts,
        "loss": first["loss"],
        "grad_hidden_norm": first["grad_hidden_norm"],
        "grad_weight_norm": first["grad_weight_norm"],
    }


def machine() -> dict[str, Any]:
    import torch

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(pages / 1024**3),
        "gpu": False,
        "python": platform.python_version(),
        "torch": torch.__version__.split("+")[0],
    }


def name_of(row: dict[str, Any]) -> str:
    if row["chunk_size"] is None:
        return row["method"]
    return f"{row['method']} (c={row['chunk_size']})"


def main(argv: list[str] | None = None) -> None:
    from helpers.scale import DEFAULT_CHUNK_SIZE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4096, help="T, tokens per batch")
    parser.add_argument("--hidden", type=int, default=256, help="H, hidden size")
    parser.add_argument("--vocab", type=int, default=32768, help="V, vocabulary size")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64", "bfloat16"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeats", type=int, default=3, help="clean timed runs per process, after one warm-up"
    )
    parser.add_argument(
        "--rounds", type=int, default=2,
        help="processes per method, interleaved (naive, chunked, ..., naive, ...)",
    )
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads in each run")
    parser.add_argument(
        "--wait-idle", type=float, default=30.0,
        help="before each timed run, wait up to this many seconds for other processes to go idle",
    )
    parser.add_argument(
        "--noise", type=float, default=0.2,
        help="repeat a timed run if other processes took more CPU seconds than this during it",
    )
    parser.add_argument(
        "--chunk-sizes", default=str(DEFAULT_CHUNK_SIZE),
        help="comma-separated chunk sizes to measure (the first is the one compared)",
    )
    parser.add_argument(
        "--methods", default="chunked,chunked-recompute",
        help="comma-separated chunked methods to compare with naive (the first is compared)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    parser.add_argument("--mode", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.mode is not None:
        print(json.dumps(measure(args)))
        return

    chunk_sizes = [int(size) for size in args.chunk_sizes.split(",")]
    methods = args.methods.split(",")
    if not set(methods) <= set(METHODS[1:]):
        parser.error(f"--methods: choose from {', '.join(METHODS[1:])}")
    print(
        f"T={args.tokens} tokens, H={args.hidden}, V={args.vocab}, {args.dtype}, "
        f"{args.threads} threads; {args.rounds} rounds of fresh processes, interleaved; each: "
        f"a warm-up, then {args.repeats} timed forward+backward undisturbed by other processes",
        flush=True,
    )
    configs: list[tuple[str, int | None]] = [("naive", None)]
    configs += [(method, size) for size in chunk_sizes for method in methods]
    runs: dict[tuple[str, int | None], list[dict[str, Any]]] = {c: [] for c in configs}
    for _ in range(args.rounds):
        for method, size in configs:
            runs[method, size].append(run_child(args, method, size))
    rows = [combine(runs[config]) for config in configs]
    naive, chunked = rows[0], rows[1:]
    width = {"float32": 4, "float64": 8, "bfloat16": 2}[args.dtype]
    logits_mib = args.tokens * args.vocab * width / MIB

    print(f"one T x V tensor (the logits) = {logits_mib:.0f} MiB")
    print(
        f"{'method':<28}{'peak above baseline':>21}{'memory ratio':>14}"
        f"{'median time':>13}{'time ratio':>12}{'median CPU':>12}{'runs':>6}{'redone':>8}"
    )
    for row in rows:
        print(
            f"{name_of(row):<28}{row['peak_above_baseline_mib']:>17.1f} MiB"
            f"{row['peak_above_baseline_mib'] / naive['peak_above_baseline_mib']:>14.3f}"
            f"{row['median_seconds']:>11.2f} s"
            f"{row['median_seconds'] / naive['median_seconds']:>12.2f}"
            f"{row['median_cpu_seconds']:>10.2f} s"
            f"{row['timed_runs']:>6}{row['disturbed_runs_repeated']:>8}"
        )
        for key in ("loss", "grad_hidden_norm", "grad_weight_norm"):
            if abs(row[key] - naive[key]) > 1e-4 * abs(naive[key]):
                raise SystemExit(
                    f"{name_of(row)}: {key} {row[key]} differs from naive {naive[key]}"
                )
    compared = chunked[0]
    memory_ratio = compared["peak_above_baseline_mib"] / naive["peak_above_baseline_mib"]
    time_ratio = compared["median_seconds"] / naive["median_seconds"]
    print(
        f"{name_of(compared)}: {memory_ratio:.3f} of the naive memory "
        f"(goal <= 0.125: {'met' if memory_ratio <= 0.125 else 'NOT met'}), "
        f"{time_ratio:.2f} of its time (goal <= 1: {'met' if time_ratio <= 1 else 'NOT met'}); "
        "losses and gradient norms agree to 1e-4"
    )
    if not all(row["hwm_reset"] for row in rows):
        print("note: VmHWM could not be reset; the baseline is the high-water mark before the run")

    if args.json:
        record = {
            "command": " ".join(["python", "benchmarks/ce_memory.py", *(argv or sys.argv[1:])]),
            "machine": machine(),
            "config": {
                "tokens": args.tokens, "hidden": args.hidden, "vocab": args.vocab,
                "dtype": args.dtype, "seed": args.seed, "repeats": args.repeats,
                "rounds": args.rounds, "threads": args.threads, "wait_idle": args.wait_idle,
                "noise": args.noise,
            },
            "logits_mib": round(logits_mib, 1),
            "naive": naive,
            "chunked": chunked,
            "compared_method": compared["method"],
            "compared_chunk_size": compared["chunk_size"],
            "memory_ratio": round(memory_ratio, 4),
            "time_ratio": round(time_ratio, 4),
        }
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
