"""`revertrisk train language-agnostic --data DIR --master URL`: the same booster trained on
Spark with xgboost.spark, so a dataset of millions of rows never has to fit in one process.

Spark reads the datasets' Parquet, splits it with the in-process trainer's rule (source by
source: by page where a source has many pages, by time where it has few), and trains the
booster's hyperparameters across `num_workers` tasks. The artifact is the in-process one:
model.ubj (XGBoost's UBJSON, no pickle), model.json and test_predictions.csv. Only the
hold-out's predictions (five columns a row) come back to the driver, for the evaluation.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.models.language_agnostic.features import FEATURE_NAMES
from revertrisk_service.training.contract import DATASET_METADATA_FILE, LABEL_COLUMN
from revertrisk_service.training.dataset_reader import DatasetError, describe
from revertrisk_service.training.holdout import (
    HOLDOUT_MODULUS,
    PAGES_FOR_PAGE_HOLDOUT,
    TIME_HOLDOUT_SHARE,
    roc_auc_or_none,
)
from revertrisk_service.training.language_agnostic import (
    BOOSTER_PARAMS,
    BOOSTING_ROUNDS,
    write_artifact,
)

# The in-process booster's settings under xgboost.spark's (scikit-learn style) names. Left out:
# the objective (the classifier's own, binary:logistic), nthread (Spark gives each training task
# its cores) and the evaluation metric (it only logs the training AUC at every round).
SPARK_PARAMS: dict[str, Any] = {
    "learning_rate": BOOSTER_PARAMS["eta"],
    "max_depth": BOOSTER_PARAMS["max_depth"],
    "min_child_weight": BOOSTER_PARAMS["min_child_weight"],
    "subsample": BOOSTER_PARAMS["subsample"],
    "colsample_bytree": BOOSTER_PARAMS["colsample_bytree"],
    "reg_lambda": BOOSTER_PARAMS["lambda"],
    "tree_method": BOOSTER_PARAMS["tree_method"],
    "n_estimators": BOOSTING_ROUNDS,
}


def _read(spark, directory: Path):
    """A dataset directory's rows: every Parquet file under it, whatever else lies beside them
    (its metadata file, a README)."""
    from pyspark.sql import functions as F

    describe(directory)  # one line when it is not a dataset
    frame = (spark.read.option("recursiveFileLookup", "true")
             .option("pathGlobFilter", "*.parquet").parquet(str(directory)))
    columns = set(frame.columns)
    missing = [c for c in ("wiki_db", "rev_id", "page_title", LABEL_COLUMN) if c not in columns]
    if missing:
        raise DatasetError(f"no usable rows in {directory} (columns missing: {', '.join(missing)})")
    page = (F.coalesce(F.col("page_id").cast("string"), F.col("page_title"))
            if "page_id" in columns else F.col("page_title"))
    anonymous = (F.coalesce(F.col("is_anonymous"), F.lit(False)) if "is_anonymous" in columns
                 else F.lit(False))
    stamp = F.col("rev_timestamp") if "rev_timestamp" in columns else F.lit(None)
    return frame.where(F.col(LABEL_COLUMN).isNotNull()).select(
        F.lit(Path(directory).name).alias("source"),
        F.col("wiki_db").cast("string").alias("wiki_db"),
        F.col("rev_id").cast("long").alias("rev_id"),
        F.col("page_title").cast("string").alias("page_title"),
        F.concat_ws(":", F.col("wiki_db"), page).alias("page"),
        anonymous.cast("boolean").alias("is_anonymous"),
        stamp.cast("timestamp").alias("rev_timestamp"),
        F.col(LABEL_COLUMN).cast("double").alias("label"),
        *((F.col(n) if n in columns else F.lit(None)).cast("float").alias(n)
          for n in FEATURE_NAMES),
    )


def _with_holdout(rows):
    """A `held_out` column by training.holdout.source_holdout's rule, computed in Spark: each
    source's page count and time cut are one small aggregate joined back.

    The page rule is sha256('<wiki_db>:<page_title>') modulo 5 on the whole 256-bit number:
    16 is 1 modulo 5, so a hexadecimal number is congruent to the sum of its digits."""
    from pyspark.sql import functions as F

    per_source = rows.groupBy("source").agg(
        F.countDistinct("page").alias("pages_in_source"),
        F.expr(f"percentile(cast(rev_timestamp as double), {1 - TIME_HOLDOUT_SHARE})")
        .alias("time_cut"),
    )
    digits = ("transform(filter(split(sha2(concat_ws(':', wiki_db, page_title), 256), ''), "
              "c -> c != ''), c -> cast(conv(c, 16, 10) as int))")
    page_rule = F.expr(f"aggregate({digits}, 0, (acc, d) -> acc + d) % {HOLDOUT_MODULUS} = 0")
    by_time = F.col("rev_timestamp").cast("double") >= F.col("time_cut")
    return (rows.join(F.broadcast(per_source), "source")
            .withColumn("held_out", F.when(F.col("pages_in_source") >= PAGES_FOR_PAGE_HOLDOUT,
                                           page_rule).otherwise(by_time)))


def training_session(master: str):
    """A Spark session for training. Not the dataset builder's: that one bounds its batches for
    wikitext of MBs a row, while training rows are a few hundred numbers."""
    from pyspark.sql import SparkSession

    # The Python workers run this interpreter, with this package importable (local masters).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master).appName("revertrisk-train")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )  # fmt: skip


def train_on_spark(output_dir: Path, data_dirs: Sequence[Path], master: str, seed: int = 42,
                   num_workers: int | None = None) -> dict[str, Any]:
    """Train on the datasets at `master` and write the artifact; returns the manifest."""
    from functools import reduce

    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from xgboost.spark import SparkXGBClassifier

    # xgboost.spark logs every stage at INFO; progress is the trainer's to show.
    logging.getLogger("XGBoost-PySpark").setLevel(logging.WARNING)
    spark = training_session(master)
    try:
        rows = reduce(lambda a, b: a.unionByName(b),
                      (_read(spark, Path(d)).withColumn("order", F.lit(i))
                       for i, d in enumerate(data_dirs)))
        # An edit in two sources counts once, in the first given, as in process.
        first = Window.partitionBy("wiki_db", "rev_id").orderBy("order")
        rows = (rows.withColumn("copy", F.row_number().over(first)).where(F.col("copy") == 1)
                .drop("copy", "order"))
        rows = _with_holdout(rows).cache()
        train_rows = rows.where(~F.col("held_out"))
        workers = num_workers or spark.sparkContext.defaultParallelism
        classifier = SparkXGBClassifier(
            features_col=list(FEATURE_NAMES), label_col="label", missing=np.nan,
            num_workers=workers, random_state=seed, **SPARK_PARAMS,
        )
        model = classifier.fit(train_rows.repartition(workers, "page"))
        booster = model.get_booster()
        held = model.transform(rows.where(F.col("held_out"))).select(
            "wiki_db", "rev_id", "is_anonymous", "label",
            vector_to_array("probability")[1].alias("score")).toPandas()
        held = held.sort_values(["wiki_db", "rev_id"], kind="stable").reset_index(drop=True)
        counts = train_rows.agg(F.count("*").alias("n"), F.sum("label").alias("p"),
                                F.sum(F.col("is_anonymous").cast("int")).alias("a")).first()
        sources = [r.asDict() for r in rows.groupBy("source").agg(
            F.count("*").alias("rows"), F.sum("label").cast("long").alias("positives"),
            F.sum(F.col("held_out").cast("int")).alias("heldout_rows"),
            F.max("pages_in_source").alias("pages")).orderBy("source").collect()]
    finally:
        spark.stop()
    scores = held["score"].to_numpy(dtype=np.float32)
    y_test = held["label"].to_numpy()
    anonymous = held["is_anonymous"].fillna(False).astype(bool).to_numpy()
    metrics = {
        "heldout_auc": roc_auc_or_none(y_test, scores, digits=4),
        "heldout_auc_anonymous": roc_auc_or_none(y_test[anonymous], scores[anonymous], digits=4),
        "heldout_rows": len(held),
        "heldout_positives": int(y_test.sum()),
        "train_rows": int(counts["n"]),
        "train_positives": int(counts["p"] or 0),
        "trained_on": f"Spark ({master}), xgboost.spark with {workers} workers",
    }
    predictions = pd.DataFrame({
        "wiki_db": held["wiki_db"], "rev_id": held["rev_id"],
        "is_anonymous": anonymous.astype(int), "label": y_test.astype(int),
        "score": np.round(scores.astype(float), 6),
    })  # fmt: skip
    training_data = {
        "datasets": [str(d) for d in data_dirs],
        "metadata_file": DATASET_METADATA_FILE,
        "sources": sources,
        "anonymous_train_rows": int(counts["a"] or 0),
        "has_wikitext": True,
    }
    split = ("Held out source by source: by page (sha256('<wiki_db>:<page_title>') is 0 modulo "
             f"5) where a source has {PAGES_FOR_PAGE_HOLDOUT} pages or more, else by time (its "
             f"last {TIME_HOLDOUT_SHARE:.0%} of edits).")
    return write_artifact(Path(output_dir), booster, predictions, metrics, training_data, seed,
                           split=split)
