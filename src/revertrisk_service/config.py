"""Service settings: environment variables (upper-case names) with CLI flags layered on top."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from revertrisk_service import __version__
from revertrisk_service.locations import ARTIFACTS_DIR
from revertrisk_service.model_table import LANGUAGE_AGNOSTIC, MODEL_NAMES

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def bundled_models_dir() -> Path:
    """`models/` at the repository root, where `make models` writes the shipped artifacts
    (`./models` outside a checkout)."""
    return ARTIFACTS_DIR


DEFAULT_USER_AGENT = (
    f"revertrisk-service/{__version__} "
    "(revert-risk scoring service; operators set USER_AGENT to include their contact)"
)


class Settings(BaseSettings):
    """Every setting is one declaration: its type, default and bounds, then the docstring that
    the documentation's configuration reference prints (a field without one fails the site's
    build)."""

    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", use_attribute_docstrings=True
    )

    wiki_url: str | None = None
    """One base URL for every wiki (e.g. an internal API gateway); requests go to
    $WIKI_URL/w/api.php with 'Host: <lang>.wikipedia.org' (Lift Wing's internal-endpoint style).
    Unset: each wiki's public host, https://<lang>.wikipedia.org/w/api.php."""

    models_dir: Path = Field(default_factory=bundled_models_dir)
    """Where the model artifacts are, one directory per model name."""

    model_path: Path | None = None
    """One model's artifact directory, when serving one model; overrides MODELS_DIR/<name>."""

    models: str = ",".join(MODEL_NAMES)
    """Comma-separated names of the models to serve."""

    model: str | None = None
    """The one model to serve; overrides MODELS when set (the image and the Helm chart set it)."""

    http_port: int = 8080
    """Listening port (`serve --port`)."""

    workers: int = Field(default=1, ge=1, le=64)
    """HTTP serving processes on the port (`serve --workers`); their metrics add up on /metrics."""

    shutdown_grace_s: float = Field(default=25.0, gt=0)
    """After SIGTERM: seconds in-flight requests get before they are cut. Keep it below Kubernetes'
    terminationGracePeriodSeconds."""

    http_timeout_s: float = Field(default=5.0, gt=0)
    """Timeout of one MediaWiki API call, in seconds."""

    mediawiki_deadline_s: float = Field(default=15.0, gt=0)
    """Total time for one MediaWiki fetch, retries included (maxlag, 429 and 5xx are retried with
    backoff, honouring Retry-After)."""

    mediawiki_max_retries: int = Field(default=3, ge=0)
    """Retries of one MediaWiki API call."""

    # API calls in flight at once, per process: a batch of 20 new pages needs 20 page-creation
    # queries, which then go out in one round instead of three.
    mediawiki_max_concurrency: int = Field(default=24, ge=1, le=256)
    """MediaWiki API calls in flight at once per process (a batch of 20 new pages sends its 20
    page-creation queries in one round)."""

    user_agent: str = DEFAULT_USER_AGENT
    """User-Agent sent to MediaWiki; include your contact: Wikimedia blocks generic agents."""

    max_batch_size: int = Field(default=50, ge=1, le=1000)
    """Instances per batch request (Lift Wing: 20, ORES: 50); also the ORES routes' batch split."""

    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    """Request body limit, in bytes (413 above it)."""

    enable_presave: bool = False
    """Accept pre-save requests (`revision_data`): an edit scored before it is saved."""

    # Protection: predict requests one client may have in flight (0: no limit), and the proxies
    # whose X-Client-IP / X-Forwarded-For name the client (comma-separated IPs or CIDRs).
    client_concurrency_limit: int = Field(default=16, ge=0)
    """Predict requests one client may have in flight; beyond it 429 with Retry-After (as ORES's
    per-IP PoolCounter limits did); 0 turns it off. A score the replica holds in memory is answered
    without taking a slot."""

    trusted_proxies: str = ""
    """Comma-separated IPs or CIDRs of the proxies in front. From a trusted peer, its X-Client-IP
    names the client; else X-Forwarded-For is read from the right, past the trusted proxies, and the
    first address that is not one is the client. From any other peer, or when empty, the peer
    address is the client and those headers are ignored."""

    # Multilingual model runtime.
    device: str = Field(default="auto", pattern="^(auto|cpu|cuda)$")
    """Where the multilingual model's text classifiers run (auto takes CUDA when present)."""

    max_text_length: int = Field(default=512, ge=8, le=4096)
    """Multilingual model's text classifiers: tokens per text (longer texts are truncated)."""

    max_texts_per_revision: int = Field(default=32, ge=1)
    """Multilingual model's text classifiers: texts per kind and revision, the first N in diff order
    (the total count stays a feature)."""

    # Where scoring runs: -1 one worker process per CPU the container may use (cgroup quota
    # aware), 0 threads of the serving process, N that many processes.
    scoring_processes: int = Field(default=-1, ge=-1, le=64)
    """Where edit facts and scoring run: -1 one worker process per CPU the container may use
    (affinity and cgroup quota; at most 8, each holds the models), 0 threads of the serving process,
    N that many processes."""

    # Score cache.
    redis_url: str | None = None
    """Redis score cache shared by replicas (redis://host:6379/0); unset: an in-memory LRU per
    process."""

    cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=1)
    """How long a score stays cached, in seconds."""

    negative_cache_ttl_s: int = Field(default=60, ge=0)
    """How long an answer about the revision itself (not found, page creation, hidden text, not
    wikitext) stays cached, in seconds."""

    cache_max_entries: int = Field(default=100_000, ge=1)
    """Entries of the in-memory score cache (without Redis)."""

    # ORES v3 layer: alias=model pairs (see ores/aliases.py).
    ores_model_aliases: str = f"reverted={LANGUAGE_AGNOSTIC}"
    """ORES model names answered by our models, as alias=model,...; empty: none."""

    # Prediction events, posted only when both are set.
    eventgate_url: str | None = None
    """EventGate to post prediction events to (with EVENTGATE_STREAM; both or neither)."""

    eventgate_stream: str | None = None
    """The stream prediction events are posted to; with a Kafka topic instead, their meta.stream."""

    eventgate_queue_size: int = Field(default=10_000, ge=1)
    """Prediction events waiting to be posted; when full a new one is dropped and counted."""

    eventgate_max_attempts: int = Field(default=6, ge=1)
    """Tries per batch of prediction events before it is dropped."""

    eventgate_backoff_initial_s: float = Field(default=0.5, gt=0)
    """First wait before a prediction-event retry (doubling)."""

    eventgate_backoff_max_s: float = Field(default=30.0, gt=0)
    """Longest wait between prediction-event retries."""

    eventgate_timeout_s: float = Field(default=5.0, gt=0)
    """Timeout of one post of prediction events, in seconds."""

    # Kafka (precache consumer and prediction-event producer): bootstrap servers, and the
    # TLS/SASL options passed through to aiokafka (see kafka_connection.py and the README).
    # They mirror KafkaConnection's fields: here each is read from the
    # environment, there they are checked to fit together.
    kafka_bootstrap: str | None = None
    """Kafka bootstrap servers (host:port,...) of `precache --kafka-bootstrap` and the
    prediction-event producer."""

    kafka_security_protocol: str = "PLAINTEXT"
    """PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."""

    kafka_ssl_cafile: Path | None = None
    """CA bundle for Kafka TLS; unset: the system CAs (hostnames are always checked)."""

    kafka_ssl_certfile: Path | None = None
    """Client certificate for Kafka TLS (with KAFKA_SSL_KEYFILE)."""

    kafka_ssl_keyfile: Path | None = None
    """Client certificate's key for Kafka TLS."""

    kafka_sasl_mechanism: str | None = None
    """PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."""

    kafka_sasl_username: str | None = None
    """Kafka SASL user name."""

    kafka_sasl_password: str | None = None
    """Kafka SASL password."""

    # Prediction events to this Kafka topic instead of EventGate (bootstrap: its own, else
    # KAFKA_BOOTSTRAP).
    prediction_events_kafka_topic: str | None = None
    """Produce prediction events to this Kafka topic instead of posting them to EventGate."""

    prediction_events_kafka_bootstrap: str | None = None
    """Bootstrap servers for that topic; unset: KAFKA_BOOTSTRAP."""

    patrol_backlog: int = Field(default=200, ge=0, le=5000)
    """Recent scores a newly opened patrol page starts with."""

    patrol_link_url: str | None = None
    """Base URL of the wiki the patrol page's page and diff links open (one wiki for every language,
    such as a local test wiki); unset: each wiki's public host."""

    local_cache_ttl_s: float = Field(default=60.0, ge=0)
    """With Redis: scores this process served or computed are also kept in its memory this long, in
    seconds (0: off)."""

    local_cache_max_entries: int = Field(default=10_000, ge=1)
    """With Redis: entries of that in-memory copy."""

    # Patroller feedback: on only when the operator gives the tools' hashed tokens.
    feedback_tokens_file: Path | None = None
    """Lines '<tool name> <sha256 hex of its token>', re-read when it changes; unset: feedback is
    off (404 feature_disabled)."""

    feedback_database_url: str = "sqlite:///var/feedback/feedback.sqlite3"
    """SQLAlchemy URL of the judgments database: a SQLite file for one replica (the default path is
    relative to the working directory: in the read-only image point it at a mounted volume),
    postgresql+psycopg://user:password@host/db when several replicas share it."""

    feedback_rate_per_minute: int = Field(default=120, ge=1, le=100_000)
    """Judgments one tool token may send per minute, per process (429 beyond)."""

    feedback_rate_burst: int = Field(default=20, ge=1, le=10_000)
    """Judgments one tool token may send at once."""

    feedback_db_timeout_s: float = Field(default=5.0, gt=0)
    """Connection, lock and statement limit for the feedback database, in seconds; beyond it 503."""

    # Model versions (versions/): unset, each model serves its one directory as today.
    model_registry_dir: Path | None = None
    """Installed versions side by side (<dir>/<model>/versions/<version>/); the champion alias picks
    the one that serves, the challenger the one shadow-scored."""

    version_poll_s: float = Field(default=1.0, gt=0, le=60)
    """How often each serving process reads the aliases: a promotion reaches every process within
    this, plus the time to load a version it does not hold yet."""

    operator_tokens_file: Path | None = None
    """Lines '<operator name> <sha256 hex of the token>' for promotion and rollback over HTTP;
    unset: those endpoints are off (the CLI still works)."""

    # Outcomes of stream edits (docs/observed-quality.md), kept in FEEDBACK_DATABASE_URL.
    outcomes_enabled: bool = False
    """Record each stream edit's scores and decide, from the stream, whether it was reverted; serves
    /v1/models/<name>/quality."""

    # The dataset labels' defaults (identity_reverts.py): 48 hours, 15 revisions.
    outcomes_window_s: float = Field(default=48 * 3600, gt=0)
    """How long after an edit a revert still counts, in seconds (the dataset labels' window)."""

    outcomes_radius: int = Field(default=15, ge=1, le=100)
    """How many revisions one identity revert may undo at once (the dataset labels' radius)."""

    outcomes_max_pages: int = Field(default=10_000, ge=1, le=10_000_000)
    """Pages whose recent hashes stay in memory (least recently edited dropped first); the others
    are read back from the database."""

    outcomes_sweep_interval_s: float = Field(default=10.0, gt=0)
    """How often edits whose window closed are decided 'not reverted' and old revisions forgotten,
    in seconds."""

    outcomes_quality_period_s: float = Field(default=30 * 86400, gt=0)
    """The period the observed-quality gauges cover, in seconds."""

    outcomes_gauge_interval_s: float = Field(default=60.0, gt=0)
    """How often the observed-quality gauges are recomputed."""


    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    def enabled_models(self) -> list[str]:
        chosen = (self.model or "").strip() or self.models
        names = [n.strip() for n in chosen.split(",") if n.strip()]
        unknown = [n for n in names if n not in MODEL_NAMES]
        if unknown:
            raise ValueError(f"Unknown model(s) {unknown}; choose from {list(MODEL_NAMES)}")
        return names

    def model_dir(self, name: str) -> Path:
        if self.model_path is not None and len(self.enabled_models()) == 1:
            return self.model_path
        return self.models_dir / name


def parse_networks(spec: str) -> list[IPNetwork]:
    """'10.0.0.0/8, 127.0.0.1' -> networks; raises ValueError naming the bad entry."""
    networks = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR network: {part!r}") from None
    return networks
