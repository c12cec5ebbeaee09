"""What a prunable model is: a plain chain of layers with dense-like layers carrying the nodes.

A hidden node is one output unit of a dense-like layer (``Spectral``, ``ConstrainedDense``,
``keras.layers.Dense``) that another dense-like layer reads. Removing it takes one output
column out of the layer that *produces* it and one input row out of the layer that *reads*
it; for that to be the whole story, whatever sits between the two must treat every node on
its own (an element-wise activation, dropout, ``ScaledTanh`` with its one scalar slope).
A layer that mixes nodes (a softmax, a normalisation over the layer, a convolution) or
holds one parameter per node (``PReLU``, ``BatchNormalization``) would have to be cut as
well, so it is refused with the layer's name.

The chain is::

    prefix (anything, kept as it is) -> D_1 -> [node-wise] -> D_2 -> ... -> D_L -> suffix

where ``D_1 ... D_L`` are the dense-like layers; the units of ``D_1 ... D_{L-1}`` are the
hidden nodes (``D_L`` produces the model's outputs and is never pruned). Layers before
``D_1`` (``Flatten``, rescaling, even convolutions) and after ``D_L`` (an output softmax)
touch no hidden node and are copied unchanged.

Sequential models are chains by construction; a functional model is walked back from its
single output to its single input, and refused if any layer on the way has several inputs
(a merge: a skip connection or a branch) or appears twice (a shared layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from ..layers import ConstrainedDense, ScaledTanh, Spectral
from .errors import PruningError

DENSE_LIKE: tuple[type, ...] = (Spectral, ConstrainedDense, keras.layers.Dense)
# Layers between two dense-like layers that act on every node separately (and keep no
# per-node parameters), so a node removed before them is simply absent after them.
NODEWISE: tuple[type, ...] = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
    keras.layers.ActivityRegularization,
    keras.layers.Identity,
    ScaledTanh,
)
# Activations that couple the nodes of a layer (removing one changes the others' outputs).
COUPLING_ACTIVATIONS: frozenset[str] = frozenset({"softmax", "log_softmax"})


@dataclass(frozen=True)
class Chain:
    """A model seen as a chain: every layer in order (inputs excluded) and where the
    dense-like ones are.

    Attributes
    ----------
    layers
        Every layer of the model in data-flow order, ``InputLayer`` excluded.
    dense
        Indices into ``layers`` of the dense-like layers, in order.
    """

    layers: tuple[keras.layers.Layer, ...]
    dense: tuple[int, ...]

    @property
    def dense_layers(self) -> tuple[keras.layers.Layer, ...]:
        return tuple(self.layers[i] for i in self.dense)

    @property
    def hidden(self) -> tuple[keras.layers.Layer, ...]:
        """The dense-like layers whose units are hidden nodes (all but the output layer)."""
        return self.dense_layers[:-1]

    @property
    def output_layer(self) -> keras.layers.Layer:
        return self.dense_layers[-1]


def activation_name(layer: keras.layers.Layer) -> str | None:
    """The serialised name of a layer's activation (``None`` if it has none or no name)."""
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    name = keras.activations.serialize(activation)
    return name if isinstance(name, str) else getattr(activation, "__name__", None)


def _functional_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers from the single input to the single output, refusing branches."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise PruningError(
            f"Model '{model.name}' has {len(model.inputs)} inputs and {len(model.outputs)} "
            "outputs; prune() handles one input and one output. Prune each path as its own "
            "model."
        )
    layers: list[keras.layers.Layer] = []
    tensor = model.outputs[0]
    while True:
        history = tensor._keras_history
        operation = history.operation
        if isinstance(operation, keras.layers.InputLayer):
            break
        node = operation._inbound_nodes[history.node_index]
        inputs = node.input_tensors
        if len(inputs) != 1:
            raise PruningError(
                f"Layer '{operation.name}' ({type(operation).__name__}) takes {len(inputs)} "
                "inputs: prune() handles plain chains only, not branched graphs (skip "
                "connections, merges). Prune a chain-shaped model, or remove nodes by hand."
            )
        layers.append(operation)
        tensor = inputs[0]
    layers.reverse()
    return layers


def model_chain(model: keras.Model) -> Chain:
    """Validate ``model`` and return it as a :class:`Chain`.

    Raises
    ------
    PruningError
        The model is not built, is branched, shares or nests layers, has no dense-like
        layer, or has a layer between two dense-like layers that does not act node by node.
    """
    if not isinstance(model, keras.Model):
        raise PruningError(f"prune() needs a keras.Model, got {type(model).__name__}.")
    if not model.built:
        raise PruningError(
            f"Model '{model.name}' is not built: call it on a batch or build it with its "
            "input shape before pruning."
        )
    if isinstance(model, keras.Sequential):
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    else:
        layers = _functional_layers(model)
    seen: set[int] = set()
    for layer in layers:
        if isinstance(layer, keras.Model):
            raise PruningError(
                f"Layer '{layer.name}' is a nested model; prune() needs a flat chain. Rebuild "
                "the model with its layers inline (e.g. keras.Sequential(outer.layers ...))."
            )
        if id(layer) in seen:
            raise PruningError(
                f"Layer '{layer.name}' is used twice (a shared layer); its nodes cannot be cut "
                "in one place only. Use separate layers."
            )
        seen.add(id(layer))
    dense = tuple(i for i, layer in enumerate(layers) if isinstance(layer, DENSE_LIKE))
    if not dense:
        raise PruningError(
            f"Model '{model.name}' has no Spectral, ConstrainedDense or Dense layer: there are "
            "no nodes to prune."
        )
    for k in range(len(dense) - 1):
        producer = layers[dense[k]]
        _check_nodewise_activation(producer, producer)
        for between in layers[dense[k] + 1 : dense[k + 1]]:
            if not isinstance(between, NODEWISE):
                raise PruningError(
                    f"Layer '{between.name}' ({type(between).__name__}) sits between "
                    f"'{producer.name}' and '{layers[dense[k + 1]].name}' and does not act on "
                    "each node separately, so removing nodes would change it. Supported there: "
                    f"{sorted(t.__name__ for t in NODEWISE)}; fold it into the dense layers or "
                    "remove it before pruning."
                )
            _check_nodewise_activation(between, producer)
    for layer in (layers[i] for i in dense):
        _check_plain_dense(layer)
    return Chain(tuple(layers), dense)


def _check_nodewise_activation(layer: keras.layers.Layer, producer: keras.layers.Layer) -> None:
    name = activation_name(layer)
    if name in COUPLING_ACTIVATIONS:
        raise PruningError(
            f"Layer '{layer.name}' applies '{name}' to the hidden nodes of '{producer.name}': "
            "it couples the nodes, so removing one changes the others. Use an element-wise "
            "activation on hidden layers (softmax belongs after the output layer)."
        )


def _check_plain_dense(layer: keras.layers.Layer) -> None:
    """Refuse Keras Dense layers whose weights are not a plain kernel and bias."""
    if not isinstance(layer, keras.layers.Dense):
        return
    if getattr(layer, "lora_enabled", False):
        raise PruningError(
            f"Dense layer '{layer.name}' has LoRA enabled; merge or disable LoRA before pruning."
        )
    mode = getattr(getattr(layer, "dtype_policy", None), "quantization_mode", None)
    if mode is not None:
        raise PruningError(
            f"Dense layer '{layer.name}' is quantized ({mode}); prune the float model, then "
            "quantize the pruned one."
        )
