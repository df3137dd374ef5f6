"""The served models: one package per model (model.py, features.py), their registry and manifests."""
