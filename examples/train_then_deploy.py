"""Train a recurrent spiking network on JAX with surrogate gradients, then deploy it on Numba.

One model class, written once with ``import brainpy_math as bm``, is trained on the JAX backend
(``bm.grad`` through ``bm.for_loop``, the spike function ``bm.surrogate.sigmoid``, updates by optax),
saved with ``bm.save_state``, loaded into a fresh instance on the Numba backend with ``bm.load_state``
and run there: the Numba backend's spikes are compared with the JAX backend's, spike for spike, and
the inference times of both are printed.

The task: tell two spike patterns apart. Each pattern is a frozen random raster of 10 input channels
over 60 steps (1 ms each, ~60 Hz per channel); the second is the first with each channel's spike
times shuffled, so both have exactly the same spike count on every channel and only the timing
tells them apart. A sample is one of the two patterns with 30% of its spikes deleted and 20 Hz of
random spikes added. The network: 10 inputs -> 32 recurrent leaky integrate-and-fire neurons ->
2 leaky readout units; the class is the readout unit whose potential summed over time is larger.
Chance is 50% (the classes are balanced); the default run (1,024 training samples, 15 epochs,
a few seconds) reaches 96-99% on 256 held-out samples (seeds 0-4).

Run it (from this checkout; brainpy-math is not on PyPI)::

    # train on JAX, save the checkpoint, deploy on Numba, compare, plot the training curve:
    pip install ".[all]" && python examples/train_then_deploy.py --epochs 15 --seed 0 \\
        --checkpoint train_then_deploy.npz --out train_then_deploy.png
    # deploy only, where numba is installed and jax is not:
    pip install ".[numba]" && python examples/train_then_deploy.py --deploy-only train_then_deploy.npz

Why the spikes agree exactly, by design: both backends compute the same float32 operations in the
same order (``bm.for_loop`` over the same ``step``), and where they could round differently the
model leaves nothing to round:

- a weight is a multiple of 2**-12 (rounded after every optimizer step), so the input and recurrent
  currents, sums of weights selected by 0/1 spikes, are exact in float32 in any order: it does not
  matter that XLA's matrix product and the BLAS that Numba calls add in different orders;
- every product is exact (a weight or a potential times 0 or 1, a potential times a leak that is a
  power of two: ``V - V * (1/8)`` rather than ``V * 0.9``), so XLA fusing a multiply and an add
  into one FMA (which it does, where Numba does not) changes nothing;
- no division (XLA rewrites ``x / c`` as ``x * (1 / c)``).

The remaining operations (adds and subtracts) are rounded once, identically, by both backends; the
final membrane potentials and readout are therefore bit-identical too, which the script checks.
In a first version with decays written ``V * 0.905`` the spikes agreed, but the readout sums
differed in their last bits (an FMA on JAX only), and so could, rarely, a threshold crossing.

``--deploy-only`` imports neither jax nor optax (nor matplotlib): they are imported inside the
functions that train and plot. The checkpoint holds the three weight matrices and the task's seed,
so the deployment rebuilds the same held-out samples.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

import numpy as np

import brainpy_math as bm

__all__ = ["RecurrentSNN", "make_dataset", "build_model", "train", "infer", "save_checkpoint",
           "load_checkpoint", "deploy", "compare", "plot_history", "parse_arguments", "run", "main"]

NUM_INPUTS = 10      # input channels
NUM_STEPS = 60       # time steps of one sample (1 ms each)
NUM_HIDDEN = 32      # recurrent LIF neurons
NUM_CLASSES = 2
INPUT_RATE = 0.06    # spikes per channel per step in a pattern (60 Hz)
DROP_PROB = 0.3      # each pattern spike is deleted with this probability ...
NOISE_RATE = 0.02    # ... and random spikes are added at this rate (20 Hz)
NUM_TRAIN, NUM_TEST = 1024, 256
BATCH_SIZE = 64
EPOCHS = 15
LEARNING_RATE = 1e-2   # Adam's, decaying to 0 over the run (cosine)
GRID = 2.0 ** -12    # weights are multiples of this (see the module docstring)
SEED_KEY = "task_seed"  # the checkpoint entry holding the seed of the task


class RecurrentSNN(bm.Base):
    """Recurrent leaky integrate-and-fire neurons with a leaky readout, for a batch of samples.

    Each step, with ``x`` the input spikes (batch x inputs, 0/1) and ``s`` the spikes of the
    previous step::

        V <- V * (1 - s) + x @ w_in + s @ w_rec     # reset by the previous spike, then the input
        V <- V - V * leak_mem                       # leak: tau = 7.5 steps for leak_mem = 1/8
        s <- spike(V - threshold)                   # bm.surrogate.sigmoid: Heaviside forward
        out <- out + s @ w_out;  out <- out - out * leak_out;  out_sum <- out_sum + out

    The class of a sample is ``argmax(out_sum)`` after the last step. The weights are ``TrainVar``s,
    the state (``V``, ``spike``, ``out``, ``out_sum``: batch x units) plain Variables. The leaks are
    powers of two (a decay ``1 - leak`` per step), which makes every product in the step exact.

    Example:
        >>> import brainpy_math as bm
        >>> net = build_model(batch_size=3, seed=0)
        >>> net.step(bm.ones((3, NUM_INPUTS))).shape
        (3, 32)
        >>> sorted(net.train_vars('relative'))
        ['w_in', 'w_out', 'w_rec']
    """

    def __init__(self, w_in: Any, w_rec: Any, w_out: Any, batch_size: int, leak_mem: float = 1 / 8,
                 leak_out: float = 1 / 16, threshold: float = 1.0, surrogate_alpha: float = 5.0,
                 name: str | None = None):
        super().__init__(name=name)
        for argument, leak in (("leak_mem", leak_mem), ("leak_out", leak_out)):
            # A power of two: V * leak is exact, so V - V * leak rounds once, the same on both backends
            # whether or not the compiler fuses the multiply and the subtraction (an FMA).
            if not (0 < leak < 1 and math.frexp(leak)[0] == 0.5):
                raise ValueError(f"RecurrentSNN: argument {argument!r} must be a power of two in (0, 1) "
                                 f"such as 1/8, got {leak!r}")
        self.leak_mem, self.leak_out = float(leak_mem), float(leak_out)
        self.threshold = float(threshold)
        self.surrogate_alpha = float(surrogate_alpha)
        self.w_in = bm.TrainVar(bm.asarray(w_in, dtype=bm.float32))
        self.w_rec = bm.TrainVar(bm.asarray(w_rec, dtype=bm.float32))
        self.w_out = bm.TrainVar(bm.asarray(w_out, dtype=bm.float32))
        num_hidden, num_out = self.w_rec.shape[0], self.w_out.shape[1]
        self.V = bm.Variable(bm.zeros((batch_size, num_hidden)))
        self.spike = bm.Variable(bm.zeros((batch_size, num_hidden)))
        self.out = bm.Variable(bm.zeros((batch_size, num_out)))
        self.out_sum = bm.Variable(bm.zeros((batch_size, num_out)))

    def reset(self):
        """Zero the state before a new batch of samples."""
        self.V.value = bm.zeros_like(self.V.value)
        self.spike.value = bm.zeros_like(self.spike.value)
        self.out.value = bm.zeros_like(self.out.value)
        self.out_sum.value = bm.zeros_like(self.out_sum.value)

    def step(self, x):
        """Advance one time step on input spikes ``x`` (batch x inputs); return the spikes (batch x hidden)."""
        current = bm.matmul(x, self.w_in) + bm.matmul(self.spike, self.w_rec)
        V = self.V * (1.0 - self.spike) + current       # reset by the previous spike, then the input
        V = V - V * self.leak_mem                       # leak: one rounding (see the module docstring)
        spike = bm.surrogate.sigmoid(V - self.threshold, alpha=self.surrogate_alpha)
        self.V = V
        self.spike = spike
        out = self.out + bm.matmul(spike, self.w_out)
        out = out - out * self.leak_out
        self.out = out
        self.out_sum = self.out_sum + out
        return spike

    def run(self, inputs):
        """Reset, then run every step of ``inputs`` (steps x batch x inputs); return the spikes
        (steps x batch x hidden). The readout summed over time is left in ``out_sum``."""
        self.reset()
        return bm.for_loop(self.step, inputs)


def build_model(batch_size: int, seed: int) -> RecurrentSNN:
    """A :class:`RecurrentSNN` on the current backend, its initial weights drawn with NumPy from ``seed``
    (so the same on both backends) and rounded to the grid."""
    rng = np.random.default_rng([seed, 0])
    w_in = rng.normal(0.0, 2.0 / math.sqrt(NUM_INPUTS), (NUM_INPUTS, NUM_HIDDEN))
    w_rec = rng.normal(0.0, 0.5 / math.sqrt(NUM_HIDDEN), (NUM_HIDDEN, NUM_HIDDEN))
    np.fill_diagonal(w_rec, 0.0)
    w_out = rng.normal(0.0, 1.0 / math.sqrt(NUM_HIDDEN), (NUM_HIDDEN, NUM_CLASSES))
    on_grid = [np.round(w / GRID) * GRID for w in (w_in, w_rec, w_out)]
    return RecurrentSNN(*on_grid, batch_size=batch_size)


def _samples(templates: np.ndarray, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.permutation(np.arange(count) % NUM_CLASSES)  # balanced classes
    x = templates[labels]                                       # count x steps x inputs
    x = (x & (rng.random(x.shape) >= DROP_PROB)) | (rng.random(x.shape) < NOISE_RATE)
    return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=np.float32), labels.astype(np.int32)


def make_dataset(seed: int, num_train: int = NUM_TRAIN, num_test: int = NUM_TEST) -> dict[str, np.ndarray]:
    """The two patterns and noisy samples of them, drawn with NumPy from ``seed``.

    Inputs are float32 0/1 arrays of shape steps x samples x channels, labels int32 (0 or 1). The
    test samples depend on ``seed`` and ``num_test`` only, not on ``num_train``.

    Example:
        >>> data = make_dataset(0, num_train=8, num_test=4)
        >>> data['train_x'].shape, data['test_x'].shape, sorted(set(data['train_y'].tolist()))
        ((60, 8, 10), (60, 4, 10), [0, 1])
    """
    rng = np.random.default_rng([seed, 1])
    first = rng.random((NUM_STEPS, NUM_INPUTS)) < INPUT_RATE
    second = np.stack([rng.permutation(first[:, c]) for c in range(NUM_INPUTS)], axis=1)
    templates = np.stack([first, second])
    train_x, train_y = _samples(templates, num_train, np.random.default_rng([seed, 2]))
    test_x, test_y = _samples(templates, num_test, np.random.default_rng([seed, 3]))
    return dict(templates=templates, train_x=train_x, train_y=train_y, test_x=test_x, test_y=test_y)


def _loss_and_accuracy(model: RecurrentSNN, inputs, labels):
    """Cross-entropy of the readout (its potential averaged over time) and the accuracy of a batch."""
    spikes = model.run(inputs)
    logits = model.out_sum.value * (1.0 / inputs.shape[0])
    log_probs = bm.activations.log_softmax(logits, axis=-1)
    one_hot = bm.asarray(bm.arange(NUM_CLASSES)[None, :] == labels[:, None], dtype=bm.float32)
    loss = -bm.mean(bm.sum(log_probs * one_hot, axis=-1))
    accuracy = bm.mean(bm.argmax(logits, axis=-1) == labels)
    return loss, (accuracy, bm.mean(spikes))


def train(model: RecurrentSNN, data: dict[str, np.ndarray], epochs: int, seed: int,
          learning_rate: float = LEARNING_RATE, verbose: bool = True) -> list[dict[str, float]]:
    """Train ``model`` (on the JAX backend) with Adam on mini-batches of its batch size.

    Returns one dict per epoch: ``loss`` and ``train_accuracy`` (means over the epoch's batches),
    ``test_accuracy`` (on the held-out samples, evaluated in batches of the same size) and ``seconds``.
    """
    try:
        import optax  # only here: --deploy-only must work without jax and optax
    except ImportError as error:
        raise ImportError(f"training needs optax ({error}); pip install \".[all]\" installs it") from error

    if bm.get_backend() != "jax":
        raise RuntimeError(f"train: needs the JAX backend (bm.grad), the current one is {bm.get_backend()!r}")
    batch = model.V.shape[0]
    weights = model.train_vars("relative")  # name -> TrainVar; the gradients come back shaped like it
    grad_fn = bm.grad(lambda x, y: _loss_and_accuracy(model, x, y), grad_vars=weights, has_aux=True,
                      return_value=True)
    num_batches = data["train_x"].shape[1] // batch
    # Adam with the learning rate decaying to 0 over the run (a cosine): steadier last epochs.
    optimizer = optax.adam(optax.cosine_decay_schedule(learning_rate, max(1, epochs * num_batches)))
    opt_state = optimizer.init({name: bm.as_jax(var) for name, var in weights.items()})

    @bm.jit
    def train_step(opt_state, x, y):
        grads, loss, (accuracy, _) = grad_fn(x, y)
        updates, opt_state = optimizer.update({name: bm.as_jax(g) for name, g in grads.items()}, opt_state)
        for name, var in weights.items():
            # Back onto the grid (a multiple of 2**-12): see the module docstring.
            var.value = bm.round((var.value + updates[name]) * (1.0 / GRID)) * GRID
        return opt_state, loss, accuracy

    @bm.jit
    def evaluate(x, y):
        return _loss_and_accuracy(model, x, y)[1][0]

    rng = np.random.default_rng([seed, 4])
    train_x, train_y, test_x, test_y = data["train_x"], data["train_y"], data["test_x"], data["test_y"]
    num_test_batches = test_x.shape[1] // batch
    if num_batches == 0 or num_test_batches == 0:
        raise ValueError(f"train: need at least {batch} training and test samples (one batch), got "
                         f"{train_x.shape[1]} and {test_x.shape[1]}")
    history = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(train_x.shape[1])
        losses, accuracies = [], []
        for b in range(num_batches):
            chosen = order[b * batch:(b + 1) * batch]
            opt_state, loss, accuracy = train_step(opt_state, bm.asarray(train_x[:, chosen]),
                                                   bm.asarray(train_y[chosen]))
            losses.append(float(loss))
            accuracies.append(float(accuracy))
        test_accuracy = np.mean([float(evaluate(bm.asarray(test_x[:, b * batch:(b + 1) * batch]),
                                                bm.asarray(test_y[b * batch:(b + 1) * batch])))
                                 for b in range(num_test_batches)])
        record = dict(epoch=epoch, loss=float(np.mean(losses)), train_accuracy=float(np.mean(accuracies)),
                      test_accuracy=float(test_accuracy), seconds=time.perf_counter() - start)
        history.append(record)
        if verbose:
            print(f"epoch {epoch:3d}/{epochs}  loss {record['loss']:.4f}  train accuracy "
                  f"{100 * record['train_accuracy']:5.1f}%  test accuracy {100 * record['test_accuracy']:5.1f}%"
                  f"  ({record['seconds']:.2f} s{', with compilation' if epoch == 1 else ''})", flush=True)
    return history


def save_checkpoint(model: RecurrentSNN, seed: int, path: str) -> str:
    """Save the weights of ``model`` and the task's ``seed`` to ``path`` (``bm.save_state``)."""
    state = dict(model.train_vars("relative"))
    state[SEED_KEY] = bm.Variable(bm.asarray(seed, dtype=bm.int32))
    return bm.save_state(state, path)


def load_checkpoint(model: RecurrentSNN, path: str) -> int:
    """Load the weights saved by :func:`save_checkpoint` into ``model``; return the task's seed."""
    seed = bm.Variable(bm.zeros((), dtype=bm.int32))
    bm.load_state({**dict(model.train_vars("relative")), SEED_KEY: seed}, path)
    return int(np.asarray(seed.value))


def infer(model: RecurrentSNN, inputs: np.ndarray, repeats: int = 3) -> dict[str, Any]:
    """Run ``model`` on ``inputs`` (steps x samples x channels) on the current backend; time it.

    The first call compiles (on Numba: or loads the compiled loop from the on-disk cache); then
    ``repeats`` timed calls reuse it. Returns ``spikes`` (bool, steps x samples x hidden),
    ``predictions`` (int, one per sample), the final ``V`` and ``out_sum`` (for a bit-for-bit
    comparison), ``compile_s`` (first call minus a run) and ``run_s`` (fastest run).
    """
    x = bm.asarray(inputs)
    start = time.perf_counter()
    np.asarray(model.run(x))
    first_s = time.perf_counter() - start
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        spikes = np.asarray(model.run(x))
        times.append(time.perf_counter() - start)
    run_s = min(times)
    out_sum = np.array(np.asarray(model.out_sum.value))
    return dict(spikes=spikes.astype(bool), predictions=out_sum.argmax(axis=-1), out_sum=out_sum,
                V=np.array(np.asarray(model.V.value)), compile_s=max(first_s - run_s, 0.0), run_s=run_s)


def deploy(backend: str, checkpoint: str, seed: int | None = None, num_test: int = NUM_TEST,
           repeats: int = 3) -> dict[str, Any]:
    """Build a fresh model on ``backend``, load ``checkpoint``, run it on the held-out samples.

    The samples are rebuilt from the seed stored in the checkpoint (``seed``, if given, must match
    it). Returns :func:`infer`'s dict plus ``accuracy``, ``labels`` and ``seed``.
    """
    with bm.set_backend(backend):
        model = build_model(batch_size=num_test, seed=0)  # initial weights are overwritten by the load
        stored = load_checkpoint(model, checkpoint)
        if seed is not None and seed != stored:
            raise ValueError(f"--seed {seed} differs from the seed the checkpoint {checkpoint!r} was trained "
                             f"with ({stored}); leave --seed out to use the checkpoint's")
        data = make_dataset(stored, num_train=0, num_test=num_test)
        result = infer(model, data["test_x"], repeats=repeats)
    result.update(accuracy=float(np.mean(result["predictions"] == data["test_y"])), labels=data["test_y"],
                  seed=stored)
    return result


def compare(jax_result: dict[str, Any], numba_result: dict[str, Any]) -> dict[str, Any]:
    """How the two backends' inference results differ: spike mismatches, bit-identical state."""
    return dict(mismatching_spikes=int(np.sum(jax_result["spikes"] != numba_result["spikes"])),
                spikes=int(jax_result["spikes"].size),
                same_predictions=bool(np.array_equal(jax_result["predictions"], numba_result["predictions"])),
                state_bit_identical=all(np.array_equal(jax_result[k].view(np.uint32), numba_result[k].view(np.uint32))
                                        for k in ("V", "out_sum")))


def plot_history(history: list[dict[str, float]], path: str) -> None:
    """Save the training curve: loss, and training and test accuracy per epoch (matplotlib, Agg)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, [h["loss"] for h in history], "o-", color="black")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy (training batches)")
    ax_acc.plot(epochs, [100 * h["train_accuracy"] for h in history], "o-", label="training")
    ax_acc.plot(epochs, [100 * h["test_accuracy"] for h in history], "s-", label="held-out test")
    ax_acc.axhline(100.0 / NUM_CLASSES, color="gray", ls="--", lw=0.8, label="chance")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_ylim(0, 100)
    ax_acc.legend(loc="lower right")
    fig.suptitle("Recurrent SNN trained on the JAX backend with surrogate gradients")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


_PLOT_FORMATS = {"png", "pdf", "svg", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp"}


def _check_output_path(option: str, path: str, image: bool) -> str | None:
    """Why ``path`` could not be written (checked before anything runs), or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"{option} {path!r}: the folder {folder!r} does not exist"
    if os.path.isdir(path):
        return f"{option} {path!r} is a folder; expected a file path"
    if not os.access(path if os.path.exists(path) else folder, os.W_OK):
        return f"{option} {path!r} is not writable"
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if image and extension not in _PLOT_FORMATS:
        return (f"{option} {path!r}: the extension {extension or '(none)'!r} is not an image format; "
                f"expected one of {', '.join(sorted(_PLOT_FORMATS))}")
    return None


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, checked: every bad value is a one-line usage error before anything runs."""
    parser = _OneLineParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"training epochs (default {EPOCHS})")
    parser.add_argument("--seed", type=int, default=None,
                        help="seeds the task, the initial weights and the batch order (default 0; with "
                             "--deploy-only, the checkpoint's)")
    parser.add_argument("--out", default="train_then_deploy.png", help="path of the training-curve plot (default %(default)s)")
    parser.add_argument("--checkpoint", default="train_then_deploy.npz", help="where to save the weights (default %(default)s)")
    parser.add_argument("--deploy-only", metavar="CHECKPOINT", default=None,
                        help="skip training: load CHECKPOINT and run inference on the Numba backend only "
                             "(needs numba, not jax)")
    parser.add_argument("--train-samples", type=int, default=NUM_TRAIN, help=f"training samples (default {NUM_TRAIN})")
    parser.add_argument("--test-samples", type=int, default=NUM_TEST, help=f"held-out samples (default {NUM_TEST})")
    parser.add_argument("--traceback", action="store_true", help="show the full traceback of an error")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.seed is not None and not 0 <= args.seed < 2 ** 31:
        parser.error(f"--seed must be in [0, 2**31), got {args.seed}")
    if args.train_samples < BATCH_SIZE or args.test_samples < BATCH_SIZE:
        parser.error(f"--train-samples and --test-samples must be at least the batch size {BATCH_SIZE}, got "
                     f"{args.train_samples} and {args.test_samples}")
    if args.deploy_only is not None:
        if not os.path.isfile(args.deploy_only):
            parser.error(f"--deploy-only {args.deploy_only!r}: no such file")
    else:
        problem = (_check_output_path("--out", args.out, image=True)
                   or _check_output_path("--checkpoint", args.checkpoint, image=False))
        if problem:
            parser.error(problem)
    return args


def _print_deployment(results: dict[str, dict[str, Any]], num_test: int) -> None:
    names = list(results)
    print(f"\ninference on {num_test} held-out samples x {NUM_STEPS} steps, each backend loading the checkpoint "
          f"into a fresh model:")
    print(f"  {'':34s}" + "".join(f"{name:>12s}" for name in names))
    rows = [("first call: compile (s)", lambda r: f"{r['compile_s']:.3f}"),
            ("run, best of 3 (ms)", lambda r: f"{1000 * r['run_s']:.2f}"),
            ("test accuracy", lambda r: f"{100 * r['accuracy']:.1f}%"),
            ("spikes", lambda r: f"{int(r['spikes'].sum())}")]
    for label, cell in rows:
        print(f"  {label:34s}" + "".join(f"{cell(results[name]):>12s}" for name in names))
    if "numba" in results:
        print("  (Numba keeps compiled code on disk, in $BRAINPY_MATH_CACHE_DIR or ~/.cache/brainpy_math/numba: "
              "a later run loads it instead of compiling)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train, save, deploy and compare (or only deploy); print the figures (see the module docstring)."""
    if args.deploy_only is not None:
        result = deploy("numba", args.deploy_only, seed=args.seed, num_test=args.test_samples)
        print(f"deployed {args.deploy_only} on the Numba backend (task seed {result['seed']})")
        _print_deployment({"numba": result}, args.test_samples)
        return dict(numba=result)

    seed = 0 if args.seed is None else args.seed
    with bm.set_backend("jax"):
        data = make_dataset(seed, args.train_samples, args.test_samples)
        model = build_model(batch_size=BATCH_SIZE, seed=seed)
        print(f"training on the JAX backend: {NUM_INPUTS} inputs -> {NUM_HIDDEN} recurrent LIF neurons -> "
              f"{NUM_CLASSES} readouts, {NUM_STEPS} steps per sample, {args.train_samples} training and "
              f"{args.test_samples} held-out samples (chance {100 // NUM_CLASSES}%), batches of {BATCH_SIZE}")
        start = time.perf_counter()
        history = train(model, data, args.epochs, seed)
        train_s = time.perf_counter() - start
        save_checkpoint(model, seed, args.checkpoint)
    print(f"trained in {train_s:.1f} s; weights saved to {args.checkpoint}")
    try:
        plot_history(history, args.out)
        print(f"training curve saved to {args.out}")
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)

    results = {"jax": deploy("jax", args.checkpoint, num_test=args.test_samples)}
    if "numba" not in bm.available_backends():
        print("numba is not installed: no deployment on the Numba backend (pip install \".[numba]\")",
              file=sys.stderr)
        _print_deployment(results, args.test_samples)
        return dict(history=history, train_s=train_s, **results)
    results["numba"] = deploy("numba", args.checkpoint, num_test=args.test_samples)
    _print_deployment(results, args.test_samples)
    comparison = compare(results["jax"], results["numba"])
    print(f"mismatching spikes, JAX vs Numba: {comparison['mismatching_spikes']} of {comparison['spikes']:,}; "
          f"same predictions: {'yes' if comparison['same_predictions'] else 'NO'}; final membrane potentials "
          f"and readout bit-identical: {'yes' if comparison['state_bit_identical'] else 'no'}")
    return dict(history=history, train_s=train_s, comparison=comparison, **results)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the example; an error is printed as one line (``--traceback`` for the full one), exit 1."""
    args = parse_arguments(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("train_then_deploy.py: interrupted", file=sys.stderr)
        raise SystemExit(130)
    except Exception as error:  # a user-facing script: one line, not a traceback
        if args.traceback:
            raise
        message = " ".join(str(error).split()) or "(no message)"
        print(f"train_then_deploy.py: error: {type(error).__name__}: {message} (--traceback shows where)",
              file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
