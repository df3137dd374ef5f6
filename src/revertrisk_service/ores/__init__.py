"""ORES v3 compatibility: `/v3/scores/` answered by this service's models, for tools built on ORES."""
