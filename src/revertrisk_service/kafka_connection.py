"""How this service reaches a Kafka cluster: bootstrap servers plus TLS and SASL, shared by the
precache consumer and the prediction-event producer.

The settings pass straight through to aiokafka's client options (security_protocol,
sasl_mechanism, ...), so Kafka's own documentation of those options applies. A mistake is caught
here, in one line, before any connection is tried.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka.helpers import create_ssl_context

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# OAUTHBEARER and GSSAPI need a token provider or Kerberos, which this service does not wire.
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class KafkaConfigError(ValueError):
    """A Kafka setting that cannot work; the message is one line naming the setting."""


@dataclass(frozen=True)
class KafkaConnection:
    bootstrap: tuple[str, ...]
    security_protocol: str = "PLAINTEXT"
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None

    @classmethod
    def parse(cls, bootstrap: str, **security: Any) -> KafkaConnection:
        """`bootstrap` is HOST:PORT[,HOST:PORT...]; `security` the fields above."""
        servers = tuple(s.strip() for s in bootstrap.split(",") if s.strip())
        for server in servers:
            host, _, port = server.rpartition(":")
            if not host or not port.isdigit():
                raise KafkaConfigError(f"Kafka bootstrap {server!r}: expected HOST:PORT")
        if not servers:
            raise KafkaConfigError("Kafka bootstrap is empty: expected HOST:PORT[,HOST:PORT]")
        connection = cls(servers, **{k: v for k, v in security.items() if v is not None})
        connection.check()
        return connection

    def check(self) -> None:
        protocol = self.security_protocol
        if protocol not in SECURITY_PROTOCOLS:
            raise KafkaConfigError(
                f"KAFKA_SECURITY_PROTOCOL {protocol!r}: expected one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        uses_sasl = protocol.startswith("SASL_")
        if uses_sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise KafkaConfigError(
                    f"KAFKA_SASL_MECHANISM {self.sasl_mechanism!r}: {protocol} needs one of "
                    f"{', '.join(SASL_MECHANISMS)}"
                )
            if not (self.sasl_username and self.sasl_password):
                raise KafkaConfigError(
                    f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
                )
        elif self.sasl_mechanism or self.sasl_username:
            raise KafkaConfigError(
                f"KAFKA_SASL_* settings are set but KAFKA_SECURITY_PROTOCOL is {protocol}; "
                "use SASL_SSL or SASL_PLAINTEXT"
            )
        uses_tls = protocol.endswith("SSL")
        files = {"KAFKA_SSL_CAFILE": self.ssl_cafile, "KAFKA_SSL_CERTFILE": self.ssl_certfile,
                 "KAFKA_SSL_KEYFILE": self.ssl_keyfile}
        given = {name: path for name, path in files.items() if path is not None}
        if given and not uses_tls:
            raise KafkaConfigError(
                f"{', '.join(given)} set but KAFKA_SECURITY_PROTOCOL is {protocol}; use SSL or SASL_SSL"
            )
        for name, path in given.items():
            if not Path(path).is_file():
                raise KafkaConfigError(f"{name} {str(path)!r}: no such file")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise KafkaConfigError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together")

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.security_protocol.endswith("SSL"):
            return None
        # No CA file: the system's trusted CAs; hostnames are always checked.
        return create_ssl_context(
            cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments common to AIOKafkaConsumer and AIOKafkaProducer."""
        options: dict[str, Any] = {
            "bootstrap_servers": list(self.bootstrap),
            "security_protocol": self.security_protocol,
            "ssl_context": self.ssl_context(),
        }
        if self.security_protocol.startswith("SASL_"):
            options.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        return options


def connection_from_settings(settings: Any, bootstrap: str) -> KafkaConnection:
    """The connection to `bootstrap` with the KAFKA_* security settings of `settings`."""
    # Named one by one: the settings carry a `kafka_` prefix, and each field is found by name
    # when grepping.
    return KafkaConnection.parse(
        bootstrap,
        security_protocol=settings.kafka_security_protocol,
        ssl_cafile=settings.kafka_ssl_cafile,
        ssl_certfile=settings.kafka_ssl_certfile,
        ssl_keyfile=settings.kafka_ssl_keyfile,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=settings.kafka_sasl_password,
    )
