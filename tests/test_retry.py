"""The one retry policy: its waits, its attempt limit, Retry-After, the caller's deadline."""

from __future__ import annotations

from revertrisk_service.retry import RetryPolicy


def waits(policy: RetryPolicy, n: int) -> list[float | None]:
    retries = policy.start()
    return [retries.next_delay() for _ in range(n)]


def test_waits_double_up_to_the_cap() -> None:
    assert waits(RetryPolicy(0.5, 3.0), 6) == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


def test_attempts_are_counted_with_the_first_one() -> None:
    # Three attempts: two waits between them, then give up.
    assert waits(RetryPolicy(1.0, 10.0, max_attempts=3), 3) == [1.0, 2.0, None]
    assert waits(RetryPolicy(1.0, 10.0, max_attempts=1), 1) == [None]


def test_jitter_only_adds_up_to_its_fraction() -> None:
    policy = RetryPolicy(1.0, 8.0, jitter=0.1)
    for _ in range(200):
        first, second = waits(policy, 2)
        assert first is not None and 1.0 <= first <= 1.1
        assert second is not None and 2.0 <= second <= 2.2


def test_retry_after_replaces_the_backoff() -> None:
    retries = RetryPolicy(1.0, 10.0).start()
    assert retries.next_delay(retry_after=7.5) == 7.5
    assert retries.next_delay() == 2.0


def test_a_wait_that_would_pass_the_deadline_gives_up() -> None:
    retries = RetryPolicy(1.0, 10.0).start()
    assert retries.next_delay(within=1.5) == 1.0
    assert retries.next_delay(within=1.5) is None


def test_reset_starts_over() -> None:
    retries = RetryPolicy(1.0, 10.0).start()
    retries.next_delay()
    retries.next_delay()
    retries.reset()
    assert retries.next_delay() == 1.0
