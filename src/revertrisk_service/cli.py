"""The `revertrisk` command: serve, train, evaluate, precache and list the signals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from revertrisk_service.cli_support import command_settings as _settings
from revertrisk_service.cli_support import fail, require_parquet
from revertrisk_service.config import Settings
from revertrisk_service.dataset.cli import app as dataset_app
from revertrisk_service.locations import default_data_dir
from revertrisk_service.model_table import (
    COMMANDS,
    LANGUAGE_AGNOSTIC,
    MODEL_NAMES,
    MULTILINGUAL,
    ServedModel,
    model_for_command,
)
from revertrisk_service.versions.cli import JsonOption
from revertrisk_service.versions.cli import app as models_app

app = typer.Typer(
    help="Revert-risk scoring for Wikipedia edits.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Every file `revertrisk train` reads, relative to the data directory.
TRAINING_FILES = ("ki_multilingual_sample.csv", "pan_wvc_11_en_edits.csv")


# The words that pick a model on the command line (`revertrisk train multilingual`).
MODEL_CHOICES = " or ".join(COMMANDS)


# Options that several commands take, declared once so that each reads the same everywhere.
WikiUrlOption = Annotated[str | None, typer.Option(help="Base URL for every wiki (env WIKI_URL).")]
ModelsOption = Annotated[str | None, typer.Option(help="Comma-separated models (env MODELS).")]
# The model a training or cross-validation command works on, and its labelled data.
ModelArgument = Annotated[str, typer.Argument(help=MODEL_CHOICES)]
DataDirOption = Annotated[
    Path | None,
    typer.Option(help="Labelled data (env DATA_DIR; default ../shared/data).", show_default=False),
]



def _model_named(command: str) -> ServedModel:
    served = model_for_command(command)
    if served is None:
        raise fail(f"unknown model {command!r}: choose {MODEL_CHOICES}")
    return served





def check_data_dir(data_dir: Path) -> None:
    """Fail in one line, before any work, when the labelled data is not there."""
    missing = [name for name in TRAINING_FILES if not (data_dir / name).is_file()]
    if missing:
        raise fail(
            f"labelled data not found: {data_dir / missing[0]} (set DATA_DIR or --data-dir to "
            "the folder holding " + ", ".join(TRAINING_FILES) + ")"
        )


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help="HTTP port (env HTTP_PORT).")] = None,
    wiki_url: WikiUrlOption = None,
    models: ModelsOption = None,
    models_dir: Annotated[Path | None, typer.Option(help="Artifacts directory (env MODELS_DIR).")] = None,
    model_path: Annotated[Path | None, typer.Option(help="One model's artifact directory (env MODEL_PATH).")] = None,
    redis_url: Annotated[str | None, typer.Option(help="Redis score cache (env REDIS_URL).")] = None,
    max_batch_size: Annotated[int | None, typer.Option(help="Batch limit (env MAX_BATCH_SIZE).")] = None,
    enable_presave: Annotated[bool | None, typer.Option(help="Accept revision_data (env ENABLE_PRESAVE).")] = None,
    workers: Annotated[int | None, typer.Option(help="Serving processes (env WORKERS).")] = None,
) -> None:
    """Run the KServe model server."""
    settings = _settings(
        http_port=port,
        wiki_url=wiki_url,
        models=models,
        models_dir=models_dir,
        model_path=model_path,
        redis_url=redis_url,
        max_batch_size=max_batch_size,
        enable_presave=enable_presave,
        workers=workers,
    )
    if settings.workers > 1:
        # Before prometheus_client is imported anywhere: the workers' figures go to shared files.
        from revertrisk_service.server.workers import prepare_multiprocess_metrics

        prepare_multiprocess_metrics()
    from revertrisk_service.errors import ModelArtifactError
    from revertrisk_service.models.registry import check_installed_packages
    from revertrisk_service.server.app import serve as run
    from revertrisk_service.server.logging_setup import configure_logging

    try:
        for name in settings.enabled_models():
            check_installed_packages(name, settings)
    except ModelArtifactError as error:
        raise fail(error.message) from None
    configure_logging()
    run(settings)


@app.command()
def train(
    model: ModelArgument,
    data_dir: DataDirOption = None,
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="A training dataset directory (`revertrisk dataset build`, "
                     "feedback export); repeatable. Replaces --data-dir's bundled sample."),
    ] = None,
    with_sample: Annotated[
        bool,
        typer.Option("--with-sample", help="With --data: train on the labelled sample of "
                     "--data-dir too, as one more source."),
    ] = False,
    master: Annotated[
        str | None,
        typer.Option(help="language-agnostic with --data: train on Spark (xgboost.spark) at "
                     "this master, e.g. local[2] or spark://host:7077, reading the datasets' "
                     "Parquet there; without it training runs in this process."),
    ] = None,
    max_train_rows: Annotated[
        int | None,
        typer.Option(min=1, help="multilingual with --data: the most training rows CatBoost "
                     "learns from; above it, a draw within each class (default: what 8 GiB "
                     "holds, docs/training-at-scale.md)."),
    ] = None,
    output_dir: Annotated[Path | None, typer.Option(help="Where the artifact goes.")] = None,
    seed: int = 42,
    text_models: Annotated[
        Path | None,
        typer.Option(help="multilingual only: a folder with one Hugging Face checkpoint per text "
                     "kind (title/, insert/, remove/, change/), e.g. the fine-tuned mBERTs; "
                     "CatBoost is retrained on their outputs and they ship with the artifact."),
    ] = None,
) -> None:
    """Train a shipped model from the labelled data, reproducibly, and evaluate it."""
    # Checked before anything heavy is imported, so a wrong path is said at once.
    for directory in data or []:
        if not directory.is_dir():
            raise fail(f"--data {directory}: no such directory (give a dataset that `revertrisk "
                       "dataset build` or `revertrisk dataset feedback` wrote)")
    settings = _settings()
    data_dir = data_dir or default_data_dir()
    if data:
        require_parquet()
    from importlib import import_module

    served = _model_named(model)
    trainer = import_module(served.trainer)
    name = served.name
    extra: dict[str, object] = {}
    if text_models is not None:
        if name != MULTILINGUAL:
            raise fail("--text-models applies to the multilingual model only")
        missing = [k for k in ("title", "insert", "remove", "change")
                   if not (text_models / k / "config.json").is_file()]
        if missing:
            raise fail(f"--text-models {text_models}: no checkpoint (config.json) for {missing}")
        extra["text_models_dir"] = text_models
    if max_train_rows is not None:
        if name != MULTILINGUAL or not data:
            raise fail("--max-train-rows applies to the multilingual model trained from --data")
        extra["max_train_rows"] = max_train_rows
    target = output_dir or settings.models_dir / name
    if master is not None and (name != LANGUAGE_AGNOSTIC or not data or with_sample):
        raise fail("--master trains the language-agnostic model from --data datasets only")
    if data:
        summary = _train_from_datasets(trainer, target, data, data_dir if with_sample else None,
                                       seed, master, extra)
    else:
        check_data_dir(data_dir)
        summary = trainer.main(output_dir=target, data_dir=data_dir, seed=seed, **extra)
    typer.echo(f"trained {name} {summary.get('version', '')} into {target}")
    card = _evaluate_dir(target)
    import sys

    from revertrisk_service.evaluation.summary_table import print_held_out

    print_held_out(card, terminal=sys.stdout.isatty())


def _train_from_datasets(trainer, target: Path, data: list[Path], sample_dir: Path | None,
                         seed: int, master: str | None, extra: dict[str, object]) -> dict[str, Any]:
    from revertrisk_service.training.dataset_reader import DatasetError

    if sample_dir is not None:
        check_data_dir(sample_dir)
    try:
        if master is not None:
            from revertrisk_service.training.language_agnostic_spark import train_on_spark

            return train_on_spark(target, data, master, seed=seed)
        from revertrisk_service.training.table import load_table

        return trainer.main_from_table(output_dir=target, table=load_table(data, sample_dir),
                                       seed=seed, **extra)
    except DatasetError as error:
        raise fail(str(error)) from None


def _evaluate_dir(model_dir: Path) -> dict:
    """Evaluate a trained model in place; returns its model card."""
    from revertrisk_service.evaluation.evaluate import evaluate_model_dir
    from revertrisk_service.locations import MANIFEST_FILE, PREDICTIONS_FILE

    for needed in (MANIFEST_FILE, PREDICTIONS_FILE):
        if not (model_dir / needed).is_file():
            raise fail(f"no trained model in {model_dir} ({needed} missing): run `make models`")
    card = evaluate_model_dir(model_dir)
    typer.echo(f"evaluation written under {model_dir}")
    return card


# The options of the cross-validation commands (ablate, disparate-impact), shared.
CvRepeats = Annotated[int, typer.Option(min=1, help="Cross-validation repeats.")]
CvFolds = Annotated[int, typer.Option(min=2, help="Folds per repeat.")]


def _cv_spec_builder(model: str, data_dir: Path | None):
    """The cross-validation spec builder of a model named on the command line, bound to the
    labelled data (checked to be there), and the model's name."""
    from functools import partial

    from revertrisk_service.evaluation.ablation_runs import (
        language_agnostic_spec,
        multilingual_spec,
    )

    specs = {LANGUAGE_AGNOSTIC: language_agnostic_spec, MULTILINGUAL: multilingual_spec}
    name = _model_named(model).name
    data_dir = data_dir or default_data_dir()
    check_data_dir(data_dir)
    return partial(specs[name], data_dir), name


@app.command()
def ablate(
    model: ModelArgument,
    data_dir: DataDirOption = None,
    repeats: CvRepeats = 5,
    folds: CvFolds = 5,
) -> None:
    """Feature-group ablations by repeated grouped cross-validation (hold-out excluded); writes
    ablation.json next to the model, which `evaluate` renders into EVALUATION.md."""
    from revertrisk_service.evaluation.ablation import CvPlan
    from revertrisk_service.evaluation.ablation_runs import run_ablation, write_ablation

    settings = _settings()
    build, name = _cv_spec_builder(model, data_dir)
    result = run_ablation(build(), CvPlan(repeats=repeats, folds=folds))
    path = write_ablation(result, settings.models_dir / name)
    typer.echo(f"ablation written to {path}")


@app.command("disparate-impact")
def disparate_impact(
    model: ModelArgument,
    data_dir: DataDirOption = None,
    repeats: CvRepeats = 5,
    folds: CvFolds = 5,
) -> None:
    """Anonymous/registered ratios of the shipped feature set's out-of-fold predictions (repeated
    grouped CV, hold-out excluded) against the label ratio; writes disparate_impact.json next to
    the model, which `evaluate` renders into EVALUATION.md and the model card."""
    from revertrisk_service.evaluation.ablation import CvPlan
    from revertrisk_service.evaluation.disparate_impact import (
        cross_validated_disparate_impact,
        write_disparate_impact,
    )
    from revertrisk_service.training.progress import progress_bar

    settings = _settings()
    build, name = _cv_spec_builder(model, data_dir)
    plan = CvPlan(repeats=repeats, folds=folds)
    spec = build(shipped_only=True)
    with progress_bar(f"disparate impact {name}", repeats * folds) as step:
        result = cross_validated_disparate_impact(spec, plan, on_fold=lambda: step("fold"))
    path = write_disparate_impact(result, settings.models_dir / name)
    typer.echo(f"{result['verdict']}\ndisparate impact written to {path}")


@app.command()
def signals(
    group: Annotated[str | None, typer.Option(help="Only this group, e.g. 'summary'")] = None,
    where: Annotated[bool, typer.Option(help="Also show where each signal is declared")] = False,
) -> None:
    """List every signal: name, group, description, and which models read it (a table on a
    terminal; tab-separated lines under a header when piped)."""
    import sys

    from revertrisk_service.models.manifest import load_manifest
    from revertrisk_service.signals.listing import (
        signal_groups,
        signals_plain,
        signals_rows,
        signals_table,
    )

    if group is not None and group not in signal_groups():
        raise fail(f"no signal group {group!r}; the groups are: {', '.join(signal_groups())}")
    settings = _settings()
    features = {}
    for name in MODEL_NAMES:
        if (settings.model_dir(name) / "model.json").exists():
            features[name] = load_manifest(settings.model_dir(name)).features
    rows = signals_rows(features, group=group, where=where)
    if not sys.stdout.isatty():
        typer.echo(signals_plain(rows))
        return
    from rich.console import Console

    title = "signals" if group is None else f"signals in {group!r}"
    Console().print(signals_table(rows, title))


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="Model name, e.g. revertrisk-language-agnostic")],
) -> None:
    """Write evaluation reports, threshold statistics and the model card for a trained model."""
    _evaluate_dir(_settings().model_dir(model))


# Its options repeat serve's: typer reads each command's own signature, and both map onto the
# same Settings through _settings().
@app.command()
def precache(
    stream_url: Annotated[str | None, typer.Option(help="EventStreams SSE URL.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO time to start from when no checkpoint exists.")] = None,
    server_url: Annotated[str | None, typer.Option(help="Post to this running server instead of scoring in-process.")] = None,
    models: ModelsOption = None,
    wiki_url: WikiUrlOption = None,
    redis_url: Annotated[str | None, typer.Option(help="Score cache and checkpoint store (env REDIS_URL).")] = None,
    consumer_name: str = "default",
    concurrency: int = 4,
    queue_size: int = 1000,
    include_bots: bool = False,
    metrics_port: Annotated[int | None, typer.Option(help="Serve Prometheus metrics on this port.")] = None,
    shard: Annotated[str | None, typer.Option(help="SSE only. INDEX/COUNT: score only this shard's pages (run COUNT processes with distinct --consumer-name).")] = None,
    kafka_bootstrap: Annotated[str | None, typer.Option(help="HOST:PORT[,HOST:PORT]: read edits from Kafka instead of SSE (env KAFKA_BOOTSTRAP; TLS/SASL: KAFKA_* env).")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Kafka topic to consume (repeatable), e.g. eqiad.mediawiki.page_change.v1.")] = None,
    group: Annotated[str | None, typer.Option(help="Kafka consumer group: replicas with the same group share the partitions.")] = None,
    start_from: Annotated[str, typer.Option(help="Kafka: where a group without committed offsets starts (latest or earliest).")] = "latest",
    max_in_flight: Annotated[int, typer.Option(min=1, help="Kafka: records fetched and not yet committed, at most (what a crash re-reads).")] = 1000,
    session_timeout_ms: Annotated[int, typer.Option(min=1000, help="Kafka consumer session timeout: how soon a dead replica's partitions move.")] = 30_000,
    heartbeat_interval_ms: Annotated[int, typer.Option(min=100, help="Kafka consumer heartbeat interval (under a third of the session timeout).")] = 3_000,
) -> None:
    """Score every matching edit of the live stream (SSE, or a Kafka consumer group) into the score cache."""
    import asyncio

    from revertrisk_service.precache.command import PrecacheOptions, run_precache_command
    from revertrisk_service.server.logging_setup import configure_logging

    configure_logging()
    settings = _settings(
        models=models, wiki_url=wiki_url, redis_url=redis_url, kafka_bootstrap=kafka_bootstrap
    )
    kafka_fields = _kafka_fields(
        settings.kafka_bootstrap, topic, group, start_from,
        sse_only={"--shard": shard, "--stream-url": stream_url, "--since": since},
    )
    kafka = None
    if settings.kafka_bootstrap and kafka_fields is not None:
        from revertrisk_service.precache.kafka.mode import kafka_source

        try:
            kafka = kafka_source(
                settings, settings.kafka_bootstrap, **kafka_fields, concurrency=concurrency,
                max_in_flight=max_in_flight, session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=heartbeat_interval_ms,
            )
        except ValueError as error:  # a Kafka setting that cannot work, in one line
            raise fail(str(error)) from None
    options = PrecacheOptions(
        stream_url=stream_url,
        since=since,
        server_url=server_url,
        consumer_name=consumer_name,
        concurrency=concurrency,
        queue_size=queue_size,
        include_bots=include_bots,
        metrics_port=metrics_port,
        shard=_shard(shard),
        kafka=kafka,
    )
    asyncio.run(run_precache_command(settings, options))


def _kafka_fields(
    bootstrap: str | None,
    topics: list[str] | None,
    group: str | None,
    start_from: str,
    sse_only: dict[str, str | None],
) -> dict[str, Any] | None:
    """The consumer's topics, group and start, or None for SSE mode; one line when inconsistent."""
    if not bootstrap:
        if topics or group:
            raise fail("--topic and --group need --kafka-bootstrap (or KAFKA_BOOTSTRAP)")
        return None
    if not topics or not group:
        raise fail("Kafka mode needs --topic (at least one) and --group")
    given = [flag for flag, value in sse_only.items() if value is not None]
    if given:
        raise fail(
            f"{', '.join(given)}: for the SSE stream only; Kafka replicas share the "
            "partitions of their --group and resume from its committed offsets"
        )
    if start_from not in ("earliest", "latest"):
        raise fail(f"--start-from {start_from!r}: expected earliest or latest")
    return {"topics": tuple(topics), "group": group, "start_from": start_from}


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise typer.BadParameter(f"{text!r}: expected INDEX/COUNT with 0 <= INDEX < COUNT, e.g. 0/2")
    return int(index), int(count)


feedback_app = typer.Typer(help="Patroller feedback: the judgments database.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")
# One `revertrisk dataset` group (docs/training-data-contract.md): `build` from edit history (dataset/cli.py,
# Spark imported only when it runs) and `feedback`, the patrollers' judgments, below.
app.add_typer(dataset_app, name="dataset")
app.add_typer(models_app, name="models")


@app.command("retrain")
def retrain(
    name: str,
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="A history dataset (`revertrisk dataset build`); repeatable."),
    ] = None,
    feedback_export: Annotated[
        Path | None, typer.Option(help="A feedback export (`revertrisk dataset feedback`).")
    ] = None,
    outcomes: Annotated[
        bool, typer.Option(help="Train on the observed outcomes too (fetched from MediaWiki).")
    ] = True,
    seed: int = 42,
    as_json: JsonOption = False,
) -> None:
    """Build a candidate from history datasets, the feedback export and the observed outcomes;
    evaluate it and register it as the challenger."""
    import asyncio

    from revertrisk_service.server.assembly import build_mediawiki_client
    from revertrisk_service.training.dataset_reader import DatasetError
    from revertrisk_service.versions.cli import one_line_errors, operator, printed
    from revertrisk_service.versions.retrain import retrain as retrain_model

    require_parquet()
    settings = _settings()
    with one_line_errors():
        try:
            candidate = asyncio.run(retrain_model(
                settings, name, data or [], feedback_export, outcomes, operator(), seed,
                client=build_mediawiki_client,
            ))  # fmt: skip
        except DatasetError as error:
            raise fail(str(error)) from None
    body = {"model": name, "challenger": candidate.version, "sources": candidate.sources,
            "metrics": candidate.metrics}
    printed(as_json, body, lambda c: c.print(
        f"{name} {candidate.version} trained on {len(candidate.sources)} sources, evaluated "
        f"and set as the challenger (shadow-scored from now on; `revertrisk models compare "
        f"{name}` once its edits are decided)"))


def _feedback_store(settings: Settings):
    from revertrisk_service.feedback.engine import DatabaseUrlError
    from revertrisk_service.feedback.store import FeedbackStore

    try:
        return FeedbackStore.from_url(settings.feedback_database_url, settings.feedback_db_timeout_s)
    except DatabaseUrlError as error:
        raise fail(str(error)) from None


@feedback_app.command("migrate")
def feedback_migrate() -> None:
    """Bring FEEDBACK_DATABASE_URL's tables to the newest migration (the server also does it on
    first use; run this ahead of a deploy, or with a role allowed to change the schema)."""
    from sqlalchemy.exc import SQLAlchemyError

    from revertrisk_service.feedback.migrate import head_revision, upgrade_to_head

    store = _feedback_store(_settings())
    try:
        revision = upgrade_to_head(store.engine)
    except SQLAlchemyError as error:
        raise fail(f"feedback database: {str(error).splitlines()[0]}") from None
    finally:
        store.close()
    typer.echo(f"feedback database at migration {revision} (newest: {head_revision()})")


@dataset_app.command("feedback")
def dataset_feedback(
    out: Annotated[Path, typer.Option("--out", help="Directory for the Parquet table and _dataset.json.")],
    wiki_url: WikiUrlOption = None,
) -> None:
    """The patrollers' current judgments joined with the edits' signals (each edit fetched again
    from MediaWiki), as a labeled Parquet table: label = judged "damaging"."""
    import asyncio

    from revertrisk_service.errors import FeedbackUnavailable
    from revertrisk_service.feedback.export import export_feedback
    from revertrisk_service.models.manifest import load_manifest
    from revertrisk_service.server.assembly import build_mediawiki_client
    from revertrisk_service.training.progress import progress_bar

    require_parquet()
    settings = _settings(wiki_url=wiki_url)
    store = _feedback_store(settings)
    try:
        judgments = store.current_judgments()
    except FeedbackUnavailable as error:
        raise fail(error.message) from None
    finally:
        store.close()
    signals = [n for name in settings.enabled_models()
               for n in load_manifest(settings.model_dir(name)).features]

    async def run() -> dict:
        client = build_mediawiki_client(settings)
        revisions = len({(j["wiki_db"], j["rev_id"]) for j in judgments})
        try:
            with progress_bar("fetching judged edits", revisions) as step:
                return await export_feedback(judgments, client, out, signals,
                                             on_chunk=lambda n: step(advance=n))
        finally:
            await client.aclose()

    summary = asyncio.run(run())
    typer.echo(f"{summary['rows']} judgments ({summary['positives']} damaging) of "
               f"{summary['revisions']} revisions written to {out}")
    if summary["fetch_failed"]:
        typer.echo(f"not fetched (signals left null): {summary['fetch_failed']}")


@app.command("dev-wiki")
def dev_wiki(
    port: Annotated[int, typer.Option(help="Loopback port for the wiki.")] = 8081,
    workdir: Annotated[Path, typer.Option("--dir", help="Work directory, wiped on start.")] = Path(
        "var/local-wiki"
    ),
) -> None:
    """Run a throwaway real MediaWiki with the test fixture history (a checkout's dev install:
    `make dev-wiki`)."""
    try:
        from revertrisk_devtools.local_wiki import serve_until_interrupted
    except ModuleNotFoundError as error:
        if error.name != "revertrisk_devtools":
            raise
        # The dev tools are a separate package (devtools/), never in the wheel or the image.
        raise fail(
            "dev-wiki needs the development tools, which only a checkout's dev install has: "
            "run `make dev-wiki` in a clone of the repository"
        ) from None

    serve_until_interrupted(workdir, port)


if __name__ == "__main__":
    app()
