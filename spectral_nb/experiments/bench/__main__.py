"""``python -m spectral_nb.experiments.bench``: the engine against ``model.fit``."""

from .speed import main

raise SystemExit(main())
