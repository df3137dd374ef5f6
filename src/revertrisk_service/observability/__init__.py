"""What operators see of a running server: JSON log lines carrying the request id, Prometheus
metrics and the /metrics answer that adds up every worker's figures. The HTTP edge installs the
middleware that sets the id and counts the requests (http.observability)."""
