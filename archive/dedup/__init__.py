"""Duplicates: exact content hashes and MinHash near-duplicate clusters with canonical members."""
