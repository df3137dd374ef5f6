"""Revert-risk scoring for Wikipedia edits."""

__version__ = "0.1.0"
