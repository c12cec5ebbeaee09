"""spectral_nb.experiments.engine"""
