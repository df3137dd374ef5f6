"""Precaching from the Wikimedia EventStreams SSE stream, its position kept as the last event id."""
