"""Offline evaluation: metrics, reports, plots, threshold tables and model cards (never imported by the server)."""
