"""Shared fixtures. Support modules under tests/support/ hold the real servers the tests start."""
