"""Precaching as a Kafka consumer-group member, its position kept as committed offsets."""
