"""The HTTP edge in front of the KServe models: the route table, its guards and OpenAPI document, the
error contract, the client's address and limit, and the held hits answered at the door."""
