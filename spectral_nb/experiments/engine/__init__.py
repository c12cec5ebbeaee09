"""The fast engine: groups of compatible runs trained together in one compiled TF program.

- :mod:`.trainer`: :func:`~.trainer.train_runs` (for runs of one
  :func:`~spectral_nb.experiments.protocol.spec.group_key`), the compiled epoch, evaluation
  and AdaMax update;
- :mod:`.initial`: each run's initial parameters and data order, shared with the Keras path;
- :mod:`.tensors`: the datasets and their resident tensors;
- :mod:`.factored`: products with frozen-eigenvector kernels, one GEMM per run;
- :mod:`.chain`: the cheapest association order of a linear cascade;
- :mod:`.losses`: the softmax cross-entropy in plain ops.

Needs TensorFlow (the ``experiments`` extra): without it, importing the engine says so.
"""

from ...extras import require

require("tensorflow", extra="experiments")
