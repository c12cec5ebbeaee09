"""spectral_nb.experiments.protocol"""
