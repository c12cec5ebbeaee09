"""Fast training of many runs at once: one compiled program per group of compatible runs.

A *group* is a set of runs that share the architecture, the parametrisation (spectral or
direct), the optimiser settings and the data subset (:func:`group_key`); they differ in seed,
regime and eigenvalue convention. Their parameters are stacked along a leading run axis ``R``
and trained together, each run keeping its own initialisation (:mod:`.initial`), data order,
trainable sets and metrics:

- the dataset stays resident as scaled float32 tensors (:func:`.tensors.resident_tensors`);
  each step gathers every run's own batch;
- a whole epoch is one ``tf.function`` (a graph while-loop, no per-step Python);
- a spectral layer's kernel is :func:`spectral_nb.operators.spectral_kernel` over the run axis,
  or its factored product when the eigenvectors are frozen (:mod:`.factored`);
- consecutive linear layers are multiplied in the cheapest association order
  (:mod:`.chain`), exact for linear cascades;
- every run's products are separate 2-D matrix multiplications, thin ones shaped for the
  CPU's GEMM (:func:`.factored.run_matmul`);
- frozen parameter sets get a zero gradient mask; with AdaMax or Adam a parameter whose
  gradient is always zero never moves (its moments stay exactly zero), so this equals
  training only the trainable sets, as the Keras layers do with non-trainable weights.

The optimiser is the spec's: AdaMax or Adam, both with Keras' defaults (``beta_1 = 0.9``,
``beta_2 = 0.999``, ``epsilon = 1e-7``), through TF's fused ``ResourceApplyAdaMax`` and
``ResourceApplyAdam`` kernels. With ``t`` the step and ``g`` the gradient,

- AdaMax: ``m = beta_1 m + (1 - beta_1) g``, ``u = max(beta_2 u, |g|)``,
  ``var -= lr m / ((1 - beta_1^t) (u + epsilon))``;
- Adam: ``m`` as above, ``v = beta_2 v + (1 - beta_2) g^2``,
  ``var -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon)``.

The kernels differ from Keras' arithmetic only in rounding order, so the engine reproduces
``model.fit`` given the same data order (``tests/test_engine.py``). How fast it is, and what
was tried: ``docs/performance.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from ...operators import spectral_kernel
from ..protocol.spec import RunSpec, group_key
from .chain import chain_order, multiply_in_order
from .factored import FrozenEigenvectorKernel, matmul
from .initial import epoch_order, initial_parameters
from .losses import sparse_softmax_cross_entropy
from .tensors import Dataset, resident_tensors

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7
Parameters = Sequence[dict[str, np.ndarray]]  # one dict of arrays per layer

# Every group compiles its own program by design; TF's retracing warning is noise here.
tf.get_logger().setLevel("ERROR")
EVAL_CHUNK = 2000


@dataclass
class RunResult:
    """What one run produced: per-epoch history and its final parameters."""

    spec: RunSpec
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    # accuracy on the first and on the second half of the test set, for cross-fitted selection
    test_accuracy_halves: list[tuple[float, float]] = field(default_factory=list)
    parameters: list[dict[str, np.ndarray]] = field(default_factory=list)
    wall_time_s: float = 0.0
    group_size: int = 1


class _Group:
    """Stacked parameters, masks and optimiser state of ``R`` compatible runs.

    A parameter set frozen in every run of the group is a constant (no gradient, no
    optimiser state); one trained in every run needs no mask; only mixed sets (the
    constrained kernel's k entries) are masked. With ``inner_eigenvalues="tied"`` layer
    k+1's input eigenvalues are the very variable of layer k's output eigenvalues, so both
    uses add to one gradient and the optimiser moves one parameter per node.
    """

    def __init__(
        self, specs: Sequence[RunSpec], initial: Sequence[Parameters] | None = None
    ) -> None:
        keys = {group_key(s) for s in specs}
        if len(keys) != 1:
            raise ValueError("All runs of a group must share group_key(); split them first.")
        self.specs = list(specs)
        self.first = specs[0]
        self.variables: list[tf.Variable] = []
        self.masks: list[tf.Tensor | None] = []
        self.layers: list[dict[str, tf.Tensor]] = []
        inits = (
            [initial_parameters(s) for s in specs]
            if initial is None
            else _checked_initial(specs, initial)
        )
        tied = self.first.inner_eigenvalues == "tied"
        for k in range(self.first.n_layers):
            layer: dict[str, tf.Tensor] = {}
            for name in inits[0][k]:
                if name == "entries":
                    continue
                if tied and k > 0 and name == "eigenvalues_in":
                    layer[name] = self.layers[k - 1]["eigenvalues_out"]
                    continue
                stacked = np.stack([init[k][name] for init in inits]).astype(np.float32)
                mask = self._mask(k, name, stacked.shape, inits)
                if not mask.any():
                    layer[name] = tf.constant(stacked, name=f"layer{k}_{name}")
                    continue
                var = tf.Variable(stacked, name=f"layer{k}_{name}")
                layer[name] = var
                self.variables.append(var)
                self.masks.append(None if mask.all() else tf.constant(mask))
            self.layers.append(layer)
        self.frozen_eigenvectors = [self._factored(layer) for layer in self.layers]
        self.m = [tf.Variable(tf.zeros_like(v)) for v in self.variables]
        self.u = [tf.Variable(tf.zeros_like(v)) for v in self.variables]
        self.iterations = tf.Variable(0.0, dtype=tf.float32)

    @staticmethod
    def _factored(layer: dict[str, Any]) -> dict[str, tf.Tensor] | None:
        """Constants of a frozen-eigenvector layer (see :mod:`.factored`), else ``None``."""
        phi, lam_in = layer.get("eigenvectors"), layer.get("eigenvalues_in")
        if phi is None or isinstance(phi, tf.Variable) or isinstance(lam_in, tf.Variable):
            return None
        values = lam_in.numpy()
        if np.all(values == values[:, :1]):
            return {"phi": phi, "constant_in": tf.constant(values[:, :1])}
        return {"phi": phi, "lam_in": lam_in}

    def _mask(self, k: int, name: str, shape: tuple[int, ...], inits: list) -> np.ndarray:
        rows = []
        for spec, init in zip(self.specs, inits, strict=True):
            if name == "beta":
                rows.append(np.ones(shape[1:], np.float32))
                continue
            sets = spec.trainable_sets(k)
            if name == "kernel" and spec.regime == "constrained":
                mask = np.zeros(int(np.prod(shape[1:])), np.float32)
                mask[init[k]["entries"]] = 1.0
                rows.append(mask.reshape(shape[1:]))
            else:
                rows.append(np.full(shape[1:], float(sets[name]), np.float32))
        return np.stack(rows)


def _kernels(group: _Group) -> list[tuple[Any, tf.Tensor | None]]:
    """Each layer's ``(R, n, m)`` kernel (maybe factored) and ``(R, m)`` bias or ``None``."""
    out = []
    for layer, frozen in zip(group.layers, group.frozen_eigenvectors, strict=True):
        if frozen is not None:
            out.append((FrozenEigenvectorKernel(lam_out=layer["eigenvalues_out"], **frozen), None))
        elif "eigenvectors" in layer:
            kernel = spectral_kernel(
                layer["eigenvectors"], layer["eigenvalues_in"], layer["eigenvalues_out"]
            )
            out.append((kernel, None))
        else:
            out.append((layer["kernel"], layer.get("bias")))
    return out


def _forward(group: _Group, x: tf.Tensor, batch: int) -> tf.Tensor:
    """Logits ``(R, batch, 10)`` of inputs ``x`` (``(R or 1, batch, 784)``, float32)."""
    kernels = _kernels(group)
    spec = group.first
    h = x
    start = 0
    for k, activation in enumerate(spec.activations):
        if activation == "linear" and k < spec.n_layers - 1:
            continue
        segment = kernels[start : k + 1]
        dims = [batch, *spec.sizes[start : k + 2]]
        _, tree = chain_order(dims)
        h = multiply_in_order([h, *[kern for kern, _ in segment]], tree, matmul)
        bias = _folded_bias(segment)
        if bias is not None:
            h = h + bias[:, None, :]
        if activation == "relu":
            h = tf.nn.relu(h)
        elif activation == "tanh":
            h = tf.tanh(h)
        elif activation == "elu":
            h = tf.nn.elu(h)
        elif activation == "tanh_beta":
            h = tf.tanh(group.layers[k]["beta"][:, None, None] * h)
        start = k + 1
    return h


def _folded_bias(segment: list[tuple[tf.Tensor, tf.Tensor | None]]) -> tf.Tensor | None:
    """Bias of a fused linear segment: ``((b1 K2 + b2) K3 + b3) ...``."""
    bias = None
    for kernel, b in segment:
        if bias is not None:
            if isinstance(kernel, FrozenEigenvectorKernel):
                kernel = kernel.dense()
            bias = tf.linalg.matvec(kernel, bias, transpose_a=True)
        if b is not None:
            bias = b if bias is None else bias + b
    return bias


def _checked_initial(specs: Sequence[RunSpec], initial: Sequence[Parameters]) -> list:
    """Given starting parameters, refused unless they have the arrays (names and shapes) that
    :func:`.initial.initial_parameters` would draw for each run."""
    if len(initial) != len(specs):
        raise ValueError(f"initial has {len(initial)} parameter sets for {len(specs)} runs.")
    checked = []
    for r, (spec, given) in enumerate(zip(specs, initial, strict=True)):
        drawn = initial_parameters(spec)
        shapes = [{k: np.shape(v) for k, v in layer.items()} for layer in drawn]
        got = [{k: np.shape(v) for k, v in layer.items()} for layer in given]
        if got != shapes:
            raise ValueError(
                f"initial[{r}] has arrays {got} but run {r} ({'-'.join(map(str, spec.sizes))}, "
                f"{spec.regime}) needs {shapes}; give one dict per layer in the format of "
                "initial_parameters()."
            )
        checked.append([
            {k: v if k == "entries" else np.asarray(v, np.float32) for k, v in layer.items()}
            for layer in given
        ])
    return checked


class GroupTrainer:
    """Compiles and runs the training program of one group on one dataset (starting from
    ``initial`` parameters when given, else from each run's seeded draw)."""

    def __init__(
        self, specs: Sequence[RunSpec], data: Dataset, initial: Sequence[Parameters] | None = None
    ) -> None:
        self.group = _Group(specs, initial)
        self.data = data
        spec = self.group.first
        self.runs = len(specs)
        self.batch = spec.batch_size
        self.n_train = len(data.y_train)
        self.full_steps, self.tail = divmod(self.n_train, self.batch)
        self.x_train, self.y_train, self.x_test, self.y_test = resident_tensors(data)
        self.learning_rate = tf.constant(spec.learning_rate, tf.float32)
        self.optimizer = spec.optimizer
        self._beta_1, self._beta_2, self._epsilon = (
            tf.constant(value, tf.float32) for value in (BETA_1, BETA_2, EPSILON)
        )
        # No autograph: the programs are plain TF ops with Python loops over static things
        # (layers, runs), so converting their source would only add compile time.
        compiled = {"reduce_retracing": True, "autograph": False}
        self._epoch_fn = tf.function(self._epoch, **compiled)
        self._step_fn = tf.function(self._step, **compiled)
        self._eval_fn = tf.function(self._eval_chunk, **compiled)

    # -------------------------------------------------------------- compiled pieces
    def _batch_pixels(self, indices: tf.Tensor) -> tf.Tensor:
        """Every run's own batch of scaled pixels ``(R, B, 784)``."""
        return tf.gather(self.x_train, indices)

    def _step(self, indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """One optimiser step for every run on its own batch; returns summed loss and hits."""
        x = self._batch_pixels(indices)
        y = tf.gather(self.y_train, indices)
        group = self.group
        with tf.GradientTape() as tape:
            logits = _forward(group, x, indices.shape[1])
            losses = sparse_softmax_cross_entropy(y, logits)
            mean_loss = tf.reduce_mean(losses, axis=1)
            total = tf.reduce_sum(mean_loss)
        grads = tape.gradient(total, group.variables)
        group.iterations.assign_add(1.0)
        beta_1_power = tf.pow(BETA_1, group.iterations)
        beta_2_power = tf.pow(BETA_2, group.iterations)
        for var, grad, mask, m, u in zip(
            group.variables, grads, group.masks, group.m, group.u, strict=True
        ):
            if mask is not None:
                grad = grad * mask
            # TF's fused kernels: Keras' updates (module docstring) in one pass over memory
            # instead of a dozen temporaries; they differ from Keras only in rounding order.
            if self.optimizer == "adam":
                tf.raw_ops.ResourceApplyAdam(
                    var=var.handle, m=m.handle, v=u.handle, beta1_power=beta_1_power,
                    beta2_power=beta_2_power, lr=self.learning_rate, beta1=self._beta_1,
                    beta2=self._beta_2, epsilon=self._epsilon, grad=grad,
                )
            else:
                tf.raw_ops.ResourceApplyAdaMax(
                    var=var.handle, m=m.handle, v=u.handle, beta1_power=beta_1_power,
                    lr=self.learning_rate, beta1=self._beta_1, beta2=self._beta_2,
                    epsilon=self._epsilon, grad=grad,
                )
        hits = tf.reduce_sum(
            tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), y), tf.float32),
            axis=1,
        )
        batch = tf.cast(tf.shape(indices)[1], tf.float32)
        return mean_loss * batch, hits

    def _epoch(self, order: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        def body(s: tf.Tensor, loss_sum: tf.Tensor, hit_sum: tf.Tensor) -> tuple:
            indices = order[:, s * self.batch : (s + 1) * self.batch]
            indices.set_shape([self.runs, self.batch])
            loss, hits = self._step(indices)
            return s + 1, loss_sum + loss, hit_sum + hits

        _, loss_sum, hit_sum = tf.while_loop(
            lambda s, *_: s < self.full_steps, body,
            (tf.constant(0), tf.zeros([self.runs]), tf.zeros([self.runs])),
        )
        return loss_sum, hit_sum

    def _eval_chunk(self, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        logits = _forward(self.group, x[None], x.shape[0])
        predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
        return tf.equal(predicted, y[None])

    # -------------------------------------------------------------- host loop
    def evaluate(self) -> np.ndarray:
        """Which test images every run classifies correctly: ``(R, n_test)`` booleans."""
        n = len(self.data.y_test)
        return np.concatenate(
            [
                self._eval_fn(
                    self.x_test[start : start + EVAL_CHUNK],
                    self.y_test[start : start + EVAL_CHUNK],
                ).numpy()
                for start in range(0, n, EVAL_CHUNK)
            ],
            axis=1,
        )

    def train(self, on_epoch: Callable[[int], Any] | None = None) -> list[RunResult]:
        """Train every run for its epochs; ``on_epoch(epoch)`` is called after each epoch."""
        specs = self.group.specs
        results = [RunResult(spec=s, group_size=self.runs) for s in specs]
        start = time.perf_counter()
        for epoch in range(self.group.first.epochs):
            order = np.stack([epoch_order(s, epoch, self.n_train) for s in specs])
            loss, hits = self._epoch_fn(tf.constant(order[:, : self.full_steps * self.batch]))
            loss, hits = loss.numpy(), hits.numpy()
            if self.tail:
                tail_loss, tail_hits = self._step_fn(
                    tf.constant(order[:, self.full_steps * self.batch :])
                )
                loss, hits = loss + tail_loss.numpy(), hits + tail_hits.numpy()
            correct = self.evaluate()
            half = correct.shape[1] // 2
            for r, result in enumerate(results):
                result.train_loss.append(float(loss[r] / self.n_train))
                result.train_accuracy.append(float(hits[r] / self.n_train))
                result.test_accuracy.append(float(correct[r].mean()))
                result.test_accuracy_halves.append(
                    (float(correct[r, :half].mean()), float(correct[r, half:].mean()))
                )
            if on_epoch is not None:
                on_epoch(epoch)
        elapsed = time.perf_counter() - start
        final = [
            {name: np.asarray(v) for name, v in layer.items()} for layer in self.group.layers
        ]
        for r, result in enumerate(results):
            result.parameters = [{name: arr[r] for name, arr in layer.items()} for layer in final]
            result.wall_time_s = elapsed / self.runs
        return results


def train_runs(
    specs: Sequence[RunSpec],
    data: Dataset,
    on_epoch: Callable[[int], Any] | None = None,
    initial: Sequence[Parameters] | None = None,
) -> list[RunResult]:
    """Train compatible ``specs`` together and return one result per spec, in order.

    ``initial``: optional starting parameters, one list of per-layer dicts per spec in the
    format of :func:`.initial.initial_parameters` (e.g. a pruned network's trained ones, to
    train it again); by default every run starts from its seeded draw.
    """
    return GroupTrainer(specs, data, initial).train(on_epoch)
