"""Teams' per-conversation limits (7 a second, 60 in 30 seconds) are kept by waiting, never by dropping."""

from __future__ import annotations

from bot.notifier import ConversationRateLimiter


class ManualTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_the_eighth_message_in_a_second_waits() -> None:
    time = ManualTime()
    limiter = ConversationRateLimiter(sleep=time.sleep, now=time.clock)
    for _ in range(7):
        await limiter.acquire("a")
    assert time.sleeps == []
    await limiter.acquire("a")
    assert time.sleeps == [1.0]


async def test_sixty_in_thirty_seconds_then_a_wait_and_conversations_are_separate() -> None:
    time = ManualTime()
    limiter = ConversationRateLimiter(sleep=time.sleep, now=time.clock)
    sent_at = []
    for _ in range(61):
        await limiter.acquire("busy")
        sent_at.append(time.now)
    assert sent_at[59] < 30.0
    assert sent_at[60] >= 30.0, "the 61st waits until the first of the 60 leaves the 30-second window"
    for window_start in range(len(sent_at)):
        in_second = [t for t in sent_at if sent_at[window_start] <= t < sent_at[window_start] + 1.0]
        assert len(in_second) <= 7
    before = time.now
    await limiter.acquire("quiet")
    assert time.now == before
