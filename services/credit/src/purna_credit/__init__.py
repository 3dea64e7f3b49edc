"""Purna credit service: KUR pre-qualification on training completion, applications against the
ministry's allocation, and bank decisions."""

__version__ = "0.1.0"
