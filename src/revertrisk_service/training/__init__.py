"""Offline training pipelines for the service's own models."""
