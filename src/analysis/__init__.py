"""Reproducible qualitative-research compendium: from raw interviews and
documents to a thesis chapter, by code."""

__version__ = "0.1.0"
