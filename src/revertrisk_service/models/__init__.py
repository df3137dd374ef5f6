"""The served models: one package per model (model.py, features.py, train.py), their registry and manifests."""
