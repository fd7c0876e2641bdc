"""Broadsheet: a static archive of the papers listed on Hugging Face Daily Papers."""

__version__ = "0.1.0"
