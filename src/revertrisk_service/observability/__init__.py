"""What operators see of a running server: request ids, JSON log lines, Prometheus metrics."""
