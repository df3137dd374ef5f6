"""Per-score explanations: exact tree SHAP contributions from the boosters, the words that describe
each signal, and the shape an explanation takes in a response."""
