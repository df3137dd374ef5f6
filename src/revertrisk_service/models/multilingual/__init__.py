"""revertrisk-multilingual: edit types, extracted texts scored by small transformer classifiers, and
metadata, combined by a CatBoost classifier. Serves the largest Wikipedias."""
