"""revertrisk-language-agnostic: XGBoost over revision, user, comment and wikitext-structure facts."""
