"""The groups signals belong to: the ablations compare them, `revertrisk signals` lists by them."""

from __future__ import annotations

# Model features.
USER = "user"
EDIT_STRUCTURE = "edit structure"
COMMENT = "summary"
CHARACTERS = "characters"
WORD_PRIORS = "word priors"
LANGUAGE_ID = "language ID"
TEXT_MODELS = "text models"
# What the edit is, as fetched and parsed: the inputs of the features above, read by no model
# directly (identifiers, texts, the structured diff).
EDIT_DATA = "edit data"
