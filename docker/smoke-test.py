"""Build-time smoke test of a finished image: every model under MODELS_DIR loads in its venv, so
an image that slim-venv.sh (or a missing extra) broke fails to build instead of to start."""

from revertrisk_service.config import Settings
from revertrisk_service.models.registry import load_scorer

settings = Settings()
for name in settings.enabled_models():
    load_scorer(name, settings)
print(f"smoke test: {', '.join(settings.enabled_models())} load")
