"""The HTTP layer: KServe models, request guards and error responses."""
