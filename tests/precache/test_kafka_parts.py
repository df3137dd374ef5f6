"""The Kafka precacher's parts without a broker: offsets, retry policy, connection settings, CLI."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from revertrisk_service.kafka_connection import KafkaConfigError, KafkaConnection
from revertrisk_service.precache.kafka.offsets import OffsetBook
from revertrisk_service.precache.retry_policy import is_transient

TP0, TP1 = TopicPartition("t", 0), TopicPartition("t", 1)


def test_a_partition_commits_only_past_records_whose_predecessors_are_handled() -> None:
    book = OffsetBook()
    book.assign({TP0, TP1})
    seqs = [book[TP0].fetched(offset) for offset in (10, 11, 12)]
    book[TP1].fetched(5)
    assert book.uncommitted() == 4
    book[TP0].done(seqs[1])
    assert book.to_commit() == {}  # offset 10 is still in flight
    book[TP0].done(seqs[0])
    assert book.to_commit() == {TP0: 12}  # the next offset to read
    book.committed({TP0: 12})
    assert book.to_commit() == {} and book.uncommitted() == 2
    book.revoke({TP0})
    assert book.uncommitted() == 1 and TP0 not in book.partitions


def test_failures_of_the_dependency_are_retried_and_failures_of_the_edit_are_not() -> None:
    code = lambda c: {"error": {"revertrisk-language-agnostic": {"code": c, "error": "x"}}}
    assert is_transient(code("mediawiki_unavailable"))
    assert is_transient(code("mediawiki_timeout"))
    assert is_transient(ConnectionError("down"))
    assert is_transient({"error": {"m": {"error": {"code": "x"}, "status": 503}}})
    assert not is_transient(code("revision_not_found"))
    assert not is_transient(code("revision_info_deleted"))
    assert not is_transient({"scores": {}})


@pytest.mark.parametrize(
    ("bootstrap", "security", "complaint"),
    [
        ("", {}, "bootstrap is empty"),
        ("kafka:abc", {}, "expected HOST:PORT"),
        ("k:9092", {"security_protocol": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
        ("k:9092", {"security_protocol": "SASL_SSL"}, "KAFKA_SASL_MECHANISM"),
        ("k:9092", {"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "KAFKA_SASL_USERNAME"),
        ("k:9092", {"sasl_mechanism": "PLAIN"}, "use SASL_SSL or SASL_PLAINTEXT"),
        ("k:9092", {"ssl_cafile": Path("/nonexistent/ca.crt")}, "use SSL or SASL_SSL"),
        ("k:9092", {"security_protocol": "SSL", "ssl_cafile": Path("/nonexistent/ca.crt")}, "no such file"),
    ],
)
def test_kafka_setting_mistakes_are_one_line(bootstrap: str, security: dict, complaint: str) -> None:
    with pytest.raises(KafkaConfigError) as refused:
        KafkaConnection.parse(bootstrap, **security)
    assert complaint in str(refused.value) and "\n" not in str(refused.value)


def _self_signed(tmp_path: Path) -> Path:
    cert = tmp_path / "ca.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kafka",
         "-keyout", str(tmp_path / "ca.key"), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert


def test_tls_and_sasl_settings_pass_through_to_the_client(tmp_path: Path) -> None:
    cafile = _self_signed(tmp_path)
    connection = KafkaConnection.parse(
        "a:9093,b:9093", security_protocol="SASL_SSL", ssl_cafile=cafile,
        sasl_mechanism="SCRAM-SHA-512", sasl_username="precache", sasl_password="secret",
    )
    options = connection.client_options()
    assert options["bootstrap_servers"] == ["a:9093", "b:9093"]
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "precache", "secret"
    )
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "kafka"),),)]
    assert KafkaConnection.parse("k:9092").client_options()["ssl_context"] is None


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--topic", "t"], "need --kafka-bootstrap"),
        (["--kafka-bootstrap", "k:9092", "--topic", "t"], "needs --topic (at least one) and --group"),
        (["--kafka-bootstrap", "k:9092", "--topic", "t", "--group", "g", "--shard", "0/2"], "--shard: for the SSE stream only"),
        (["--kafka-bootstrap", "k:9092", "--topic", "t", "--group", "g", "--start-from", "middle"], "expected earliest or latest"),
    ],
)
def test_precache_cli_refuses_inconsistent_kafka_options_in_one_line(args: list[str], complaint: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "revertrisk_service.cli", "precache", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert complaint in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
