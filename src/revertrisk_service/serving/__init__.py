"""The KServe model and the shapes of its requests and responses."""
