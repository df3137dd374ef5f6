"""The live patrol page: edits with their revert risk as they are scored, over SSE."""
