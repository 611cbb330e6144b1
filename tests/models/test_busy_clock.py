"""Generation time of overlapping calls: queue time is not counted as generation."""

from ratchet.models.timing import BusyClock


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lone_call_is_charged_its_whole_latency():
    clock = FakeClock()
    busy = BusyClock(clock)
    ticket = busy.start()
    clock.now += 3.0
    assert busy.stop(ticket) == 3.0


def test_calls_queued_behind_a_serial_server_share_its_busy_time():
    """Four requests sent together to a server that answers one at a time, 2 s each: latencies
    2, 4, 6, 8 s (20 s summed, four times the 8 s of wall time the server was busy); charges add
    up to the 8 s."""
    clock = FakeClock()
    busy = BusyClock(clock)
    tickets = [busy.start() for _ in range(4)]
    charged = []
    for ticket in tickets:
        clock.now += 2.0
        charged.append(busy.stop(ticket))
    assert abs(sum(charged) - 8.0) < 1e-9
    assert charged[0] == 0.5 and charged[-1] > charged[0]


def test_idle_time_between_calls_is_charged_to_nobody():
    clock = FakeClock()
    busy = BusyClock(clock)
    first = busy.start()
    clock.now += 1.0
    assert busy.stop(first) == 1.0
    clock.now += 50.0
    second = busy.start()
    clock.now += 1.0
    assert busy.stop(second) == 1.0
