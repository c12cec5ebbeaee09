"""Speed: the engine against ``model.fit``, and what a protocol costs.

- :mod:`.speed`: ``make bench`` (``python -m spectral_nb.experiments.bench``);
- :mod:`.keras_path`: one Keras model per run, the reference and the baseline;
- :mod:`.protocol_cost`: the optimiser-bound lower time of a protocol;
- :mod:`.projection`: a protocol's time from two epochs of each of its groups.

Results and their history: ``docs/performance.md``.
"""
