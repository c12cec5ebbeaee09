"""spectral_nb.experiments.bench"""
