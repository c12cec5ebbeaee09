"""spectral_nb.experiments.engine"""

from ...extras import require

require("tensorflow", extra="experiments")
