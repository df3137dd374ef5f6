"""Training data from a wiki's edit history (XML dumps or a Data Lake wikitext-history export):
identity-revert labels and every model signal, built on Spark. See README "Training on your
wiki's history"."""
