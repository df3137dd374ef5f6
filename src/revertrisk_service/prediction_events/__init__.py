"""Prediction events: each score computed for an incoming or precached edit, posted to EventGate."""
