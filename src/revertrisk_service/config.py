"""Service settings: environment variables (upper-case names) with CLI flags layered on top."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from revertrisk_service import __version__
from revertrisk_service.training.paths import ARTIFACTS_DIR

LANGUAGE_AGNOSTIC = "revertrisk-language-agnostic"
MULTILINGUAL = "revertrisk-multilingual"
ALL_MODELS = (LANGUAGE_AGNOSTIC, MULTILINGUAL)


def bundled_models_dir() -> Path:
    """models/ at the repository root, where `make models` writes the shipped artifacts."""
    return ARTIFACTS_DIR


DEFAULT_USER_AGENT = (
    f"revertrisk-service/{__version__} "
    "(revert-risk scoring service; operators set USER_AGENT to include their contact)"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    wiki_url: str | None = Field(
        default=None,
        description="One base URL for every wiki (e.g. an internal API gateway); requests then "
        "carry 'Host: <lang>.wikipedia.org'. Unset: each wiki's public host is called directly.",
    )
    models_dir: Path = Field(default_factory=bundled_models_dir)
    model_path: Path | None = Field(
        default=None, description="Directory of one model artifact; overrides models_dir/<name>."
    )
    models: str = Field(
        default=",".join(ALL_MODELS), description="Comma-separated models to serve."
    )
    model: str | None = Field(
        default=None,
        description="The one model to serve (a container's MODEL); overrides MODELS when set.",
    )
    http_port: int = 8080
    workers: int = Field(
        default=1, ge=1, le=64, description="Serving processes on the port (metrics add up)."
    )
    shutdown_grace_s: float = Field(
        default=25.0,
        gt=0,
        description="After SIGTERM: seconds in-flight requests get before they are cut. Keep it "
        "below Kubernetes' terminationGracePeriodSeconds.",
    )
    http_timeout_s: float = Field(default=5.0, gt=0)
    mediawiki_deadline_s: float = Field(default=15.0, gt=0)
    mediawiki_max_retries: int = Field(default=3, ge=0)
    # API calls in flight at once, per process: a batch of 20 new pages needs 20 page-creation
    # queries, which then go out in one round instead of three.
    mediawiki_max_concurrency: int = Field(default=24, ge=1, le=256)
    user_agent: str = DEFAULT_USER_AGENT
    max_batch_size: int = Field(default=50, ge=1, le=1000)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    enable_presave: bool = False
    # Protection: predict requests one client may have in flight (0: no limit), and the proxies
    # whose X-Client-IP / X-Forwarded-For name the client (comma-separated IPs or CIDRs).
    client_concurrency_limit: int = Field(default=16, ge=0)
    trusted_proxies: str = ""
    # Multilingual model runtime.
    device: str = Field(default="auto", pattern="^(auto|cpu|cuda)$")
    max_text_length: int = Field(default=512, ge=8, le=4096)
    max_texts_per_revision: int = Field(default=32, ge=1)
    # Where scoring runs: -1 one worker process per CPU the container may use (cgroup quota
    # aware), 0 threads of the serving process, N that many processes.
    scoring_processes: int = Field(default=-1, ge=-1, le=64)
    # Score cache.
    redis_url: str | None = None
    cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=1)
    negative_cache_ttl_s: int = Field(default=60, ge=0)
    cache_max_entries: int = Field(default=100_000, ge=1)
    # ORES v3 layer: alias=model pairs (see ores/aliases.py).
    ores_model_aliases: str = "reverted=revertrisk-language-agnostic"
    # Prediction events, posted only when both are set.
    eventgate_url: str | None = None
    eventgate_stream: str | None = None
    eventgate_queue_size: int = Field(default=10_000, ge=1)
    eventgate_max_attempts: int = Field(default=6, ge=1)
    eventgate_backoff_initial_s: float = Field(default=0.5, gt=0)
    eventgate_backoff_max_s: float = Field(default=30.0, gt=0)
    eventgate_timeout_s: float = Field(default=5.0, gt=0)
    # Kafka (precache consumer and prediction-event producer): bootstrap servers, and the
    # TLS/SASL options passed through to aiokafka (see kafka_connection.py and the README).
    # They mirror KafkaConnection's fields (a duplicates-tool pair): here each is read from the
    # environment, there they are checked to fit together.
    kafka_bootstrap: str | None = None
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    # Prediction events to this Kafka topic instead of EventGate (bootstrap: its own, else
    # KAFKA_BOOTSTRAP).
    prediction_events_kafka_topic: str | None = None
    prediction_events_kafka_bootstrap: str | None = None
    # Live patrol page: how many recent scores a newly opened page starts with.
    patrol_backlog: int = Field(default=200, ge=0, le=5000)
    # With Redis: recently served scores kept in this process too (0 turns it off).
    local_cache_ttl_s: float = Field(default=60.0, ge=0)
    local_cache_max_entries: int = Field(default=10_000, ge=1)
    # Patroller feedback: on only when the operator gives the tools' hashed tokens.
    feedback_tokens_file: Path | None = Field(
        default=None,
        description="Lines '<tool name> <sha256 hex of its token>'; unset: feedback is off.",
    )
    feedback_database_url: str = Field(
        default="sqlite:///var/feedback/feedback.sqlite3",
        description="SQLAlchemy URL of the judgments database: a SQLite file for one replica, "
        "postgresql+psycopg://... when several replicas share it.",
    )
    feedback_rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    feedback_rate_burst: int = Field(default=20, ge=1, le=10_000)
    feedback_db_timeout_s: float = Field(default=5.0, gt=0)
    # Model versions (versions/): unset, each model serves its one directory as today.
    model_registry_dir: Path | None = Field(
        default=None,
        description="Installed versions side by side (<dir>/<model>/versions/<version>/); the "
        "champion alias picks the one that serves, the challenger the one shadow-scored.",
    )
    version_poll_s: float = Field(
        default=1.0, gt=0, le=60,
        description="How often each serving process reads the aliases: a promotion reaches "
        "every process within this, plus the time to load a version it does not hold yet.",
    )
    operator_tokens_file: Path | None = Field(
        default=None,
        description="Lines '<operator name> <sha256 hex of the token>' for promotion and "
        "rollback over HTTP; unset: those endpoints are off (the CLI still works).",
    )
    # Outcomes of stream edits (docs/observed-quality.md), kept in FEEDBACK_DATABASE_URL.
    outcomes_enabled: bool = Field(
        default=False,
        description="Record each stream edit's scores and decide, from the stream, whether it "
        "was reverted; serves /v1/models/<name>/quality.",
    )
    # The dataset labels' defaults (dataset/defaults.py): 48 hours, 15 revisions.
    outcomes_window_s: float = Field(default=48 * 3600, gt=0)
    outcomes_radius: int = Field(default=15, ge=1, le=100)
    # Pages whose recent hashes stay in memory; the others are read back from the database.
    outcomes_max_pages: int = Field(default=10_000, ge=1, le=10_000_000)
    # How often closed windows are decided ("not reverted") and old revisions forgotten.
    outcomes_sweep_interval_s: float = Field(default=10.0, gt=0)
    # The period the observed-quality gauges cover, and how often they are recomputed.
    outcomes_quality_period_s: float = Field(default=30 * 86400, gt=0)
    outcomes_gauge_interval_s: float = Field(default=60.0, gt=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        from revertrisk_service.serving.client_address import parse_networks

        parse_networks(value)
        return value

    def enabled_models(self) -> list[str]:
        chosen = (self.model or "").strip() or self.models
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = [n for n in names if n not in ALL_MODELS]
        if unknown:
            raise ValueError(f"Unknown model(s) {unknown}; choose from {list(ALL_MODELS)}")
        return names

    def model_dir(self, name: str) -> Path:
        if self.model_path is not None and len(self.enabled_models()) == 1:
            return self.model_path
        return self.models_dir / name
