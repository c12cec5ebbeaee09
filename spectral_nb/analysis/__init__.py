"""spectral_nb.analysis"""
