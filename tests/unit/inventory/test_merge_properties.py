"""Property tests of the merge rule against a slow replay written here, independently."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.inventory import merge
from webapp.inventory.merge import Event, Kind

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
MINUTES = 20  # a short span so that several events often share one instant
DELTA_KINDS = [Kind.SALE, Kind.SALE, Kind.SALE, Kind.RECEIVE, Kind.DAMAGE, Kind.REFUND,
               Kind.TRANSFER_IN, Kind.TRANSFER_OUT]
STREAMS = [(1, 1), (1, 2), (2, 1)]
# No per-example deadline: a loaded machine must not turn a correct property into a failure.
relaxed = settings(deadline=None)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


@st.composite
def histories(draw, streams=STREAMS[:1], max_size=25, resets=True):
    n = draw(st.integers(0, max_size))
    keys = draw(st.lists(st.uuids().map(str), min_size=n, max_size=n, unique=True))
    kinds = DELTA_KINDS + ([Kind.COUNT, Kind.COUNT, Kind.OPENING] if resets else [])
    events = []
    for key in keys:
        kind = draw(st.sampled_from(kinds))
        when = at(draw(st.integers(0, MINUTES)))
        if kind in merge.DELTA_KINDS:
            qty = merge.signed(kind, draw(st.integers(1, 40)))
        else:
            qty = draw(st.integers(0, 120))
        item, location = draw(st.sampled_from(streams))
        events.append(Event(key, kind, when, qty, item, location))
    return events


@st.composite
def arrivals(draw, events):
    """The same facts in any order, some delivered more than once."""
    dups = draw(st.lists(st.sampled_from(events), max_size=10)) if events else []
    return draw(st.permutations(events + dups))


def replay_order(e: Event):
    # At one instant deltas come first: a counter at that instant has seen them.
    return (e.occurred_at, 1 if e.is_reset else 0, e.key)


def replay(events, until=None, stop_before=None) -> int:
    unique = {}
    for e in events:
        unique.setdefault(e.key, e)
    qty = 0
    for e in sorted(unique.values(), key=replay_order):
        if stop_before is not None and replay_order(e) >= replay_order(stop_before):
            break
        if until is not None and e.occurred_at > until:
            break
        if e.is_reset:
            qty = e.quantity
        elif e.is_delta:
            qty += e.quantity
    return qty


@relaxed
@given(st.data())
def test_any_arrival_order_and_any_duplicates_give_the_same_levels(data):
    events = data.draw(histories(streams=STREAMS, max_size=40))
    shuffled = data.draw(arrivals(events))
    assert merge.levels(shuffled) == merge.levels(events)
    for stream in STREAMS:
        mine = [e for e in shuffled if e.stream == stream]
        assert merge.current(mine).quantity == merge.levels(events).get(stream, 0)


@relaxed
@given(st.data())
def test_the_level_at_any_instant_agrees_with_a_slow_replay(data):
    events = data.draw(histories())
    when = at(data.draw(st.integers(-1, 2 * MINUTES + 2)) / 2)
    assert merge.level_at(data.draw(arrivals(events)), when) == replay(events, until=when)


@relaxed
@given(histories(streams=STREAMS, max_size=40))
def test_the_level_is_the_latest_reset_plus_the_deltas_after_it(events):
    for stream in STREAMS:
        mine = [e for e in events if e.stream == stream]
        resets = [e for e in mine if e.is_reset]
        latest = max(resets, key=lambda e: e.order, default=None)
        base = latest.quantity if latest else 0
        later = sum(e.quantity for e in mine
                    if e.is_delta and (latest is None or e.occurred_at > latest.occurred_at))
        assert merge.levels(events).get(stream, 0) == base + later == replay(mine)


@relaxed
@given(st.data())
def test_folding_events_as_they_arrive_matches_the_full_computation(data):
    events = data.draw(histories())
    seen: list[Event] = []
    level = merge.EMPTY
    for event in data.draw(arrivals(events)):
        if any(e.key == event.key for e in seen):
            continue
        seen.append(event)
        folded = merge.apply(level, event)
        level = merge.current(seen) if folded is None else folded
        assert level.quantity == replay(seen)
    assert level == merge.current(events)


@relaxed
@given(histories())
def test_expected_at_a_count_agrees_with_a_replay_stopped_just_before_it(events):
    for count in (e for e in events if e.kind is Kind.COUNT):
        assert merge.expected_at(events, count) == replay(events, stop_before=count)
        assert merge.variance(events, count) == count.quantity - replay(events, stop_before=count)


@relaxed
@given(histories())
def test_the_level_is_the_sum_of_every_reset_variance_plus_every_delta(events):
    resets = sum(e.quantity - merge.expected_at(events, e) for e in events if e.is_reset)
    deltas = sum(e.quantity for e in events if e.is_delta)
    assert merge.current(events).quantity == resets + deltas


@relaxed
@given(st.data())
def test_adjustments_never_move_the_level(data):
    events = data.draw(histories())
    counts = [e for e in events if e.kind is Kind.COUNT]
    adjustments = [
        Event(f"adj-{i}", Kind.ADJUSTMENT, count.occurred_at, data.draw(st.integers(-50, 50)),
              count_key=count.key)
        for i, count in enumerate(counts)
    ]
    when = at(data.draw(st.integers(0, MINUTES)))
    assert merge.current(events + adjustments) == merge.current(events)
    assert merge.level_at(events + adjustments, when) == merge.level_at(events, when)


@relaxed
@given(st.data())
def test_a_late_delta_before_the_latest_count_moves_only_that_counts_variance(data):
    events = data.draw(histories())
    counts = [e for e in events if e.kind is Kind.COUNT]
    if not counts:
        return
    latest = max(counts, key=lambda e: e.order)
    if any(e.is_reset and e.order > latest.order for e in events):
        return
    minute = data.draw(st.integers(0, MINUTES).filter(lambda m: at(m) <= latest.occurred_at))
    late = Event("late-sale", Kind.SALE, at(minute), -data.draw(st.integers(1, 9)))
    before = merge.variance(events, latest)
    assert merge.current(events + [late]).quantity == merge.current(events).quantity
    moved = merge.variance(events + [late], latest) - before
    # The count saw the shelf after the sale, unless a reset between them already did.
    between = [e for e in events if e.is_reset and late.occurred_at <= e.occurred_at
               and e.order < latest.order]
    assert moved == (0 if between else -late.quantity)


@relaxed
@given(st.data())
def test_once_the_corrections_are_recorded_every_count_is_fully_explained(data):
    events = data.draw(histories())
    first = merge.corrections(events)
    adjustments = [Event(f"adj-{k}", Kind.ADJUSTMENT, T0, q, count_key=k) for k, q in first.items()]
    more = data.draw(histories())
    assert merge.corrections(data.draw(arrivals(events + adjustments))) == {}
    for count in (e for e in events if e.kind is Kind.COUNT):
        recorded = sum(a.quantity for a in adjustments if a.count_key == count.key)
        assert recorded == merge.variance(events, count)
    followed = merge.corrections(events + adjustments + more)
    assert set(followed) <= {e.key for e in events + more if e.kind is Kind.COUNT}


@pytest.mark.parametrize(
    ("kind", "quantity", "code"),
    [
        (Kind.SALE, 1, "bad_sign"),
        (Kind.SALE, 0, "bad_sign"),
        (Kind.RECEIVE, -3, "bad_sign"),
        (Kind.REFUND, -1, "bad_sign"),
        (Kind.DAMAGE, 2, "bad_sign"),
        (Kind.TRANSFER_OUT, 4, "bad_sign"),
        (Kind.TRANSFER_IN, -4, "bad_sign"),
        (Kind.COUNT, -1, "negative_quantity"),
        (Kind.OPENING, -7, "negative_quantity"),
        (Kind.ADJUSTMENT, 3, "missing_count"),
        ("shrug", 1, "unknown_kind"),
    ],
)
def test_an_event_with_the_wrong_sign_or_shape_is_refused(kind, quantity, code):
    with pytest.raises(merge.InvalidEvent) as caught:
        Event("k", kind, T0, quantity)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"occurred_at": datetime(2026, 11, 28, 9, 0)}, "naive_time"),
        ({"key": ""}, "missing_key"),
        ({"quantity": 1.5}, "bad_quantity"),
        ({"quantity": True}, "bad_quantity"),
    ],
)
def test_an_event_without_a_key_a_zone_or_a_whole_quantity_is_refused(changes, code):
    fields = {"key": "k", "kind": Kind.RECEIVE, "occurred_at": T0, "quantity": 2} | changes
    with pytest.raises(merge.InvalidEvent) as caught:
        Event(**fields)
    assert caught.value.code == code
