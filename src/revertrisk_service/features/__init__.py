"""Features shared by training and serving: one definition, two callers."""
