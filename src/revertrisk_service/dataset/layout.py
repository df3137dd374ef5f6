"""Names of a dataset directory's side files. They start with `_`, Spark's and Arrow's convention
for files that are not data (`_SUCCESS`, `_metadata`), so that `pd.read_parquet(DIR)`,
`pyarrow.dataset.dataset(DIR)` and `spark.read.parquet(DIR)` read the directory in one call.
Every writer and reader of datasets takes the names from here."""

DATASET_JSON = "_dataset.json"  # what was built, from what, with which options; the counts
DATASET_README = "_README.md"  # the label definition, the filters, the missing signals
