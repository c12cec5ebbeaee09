"""From run records to what the book states: frames, numbers and sentences (nothing trains).

One idea per module:

``summaries``      per-run frame, per-point statistics, Table 1 and probe tables
``records``        filters, run descriptions, learning curves, over-fitting measures
``sweeps``         one regime against another along a sweep, each study's best
``weights``        trained-weight distributions and their distances
``labels``, ``text``  how regimes, points and numbers read on a page
``tables``         display tables of chapters 2 to 6
``findings``       the conclusions of chapters 2 to 6, as values to glue
``notes``          the notes page's accounts of what was run
``gaps``, ``gap_tables``, ``gap_findings``  the gaps to the paper, their tables and sentences
``paired``         per-seed paired differences (same seed: same data order and initial
                   weights) and how they read, for every "A beats B" in the chapters

Drawing lives in :mod:`spectral_nb.plots`, which imports from here and never the reverse.
"""
