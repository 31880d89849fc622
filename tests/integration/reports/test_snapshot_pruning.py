"""Old level snapshots are pruned, and pruning never leaves a valuation summing a snapshot
whose rows are gone: a reader marks its snapshot used before relying on it, and one that
finds it deleted builds it anew."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from tests.integration.reports.test_fast_reports import end_of, flt, ledger_says, shop, t  # noqa: F401
from webapp.jobs import service as jobs
from webapp.reports import snapshots, valuation
from webapp.reports.models import LevelSnapshot, LevelSnapshotRow
from webapp.types import utcnow

pytestmark = pytest.mark.usefixtures("shop")  # the ledger of test_fast_reports, for every test


def _snapshot(db, store, at) -> LevelSnapshot:
    db.session.expire_all()
    return db.session.scalar(select(LevelSnapshot).where(LevelSnapshot.store_id == store.id,
                                                         LevelSnapshot.at == at))


def _rows(db, snapshot_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(LevelSnapshotRow)
                             .where(LevelSnapshotRow.snapshot_id == snapshot_id))


def _last_used(db, at, days_ago: int) -> None:
    """Make the snapshot at ``at`` look built and last used ``days_ago`` days ago."""
    then = utcnow() - timedelta(days=days_ago)
    db.session.execute(update(LevelSnapshot).where(LevelSnapshot.at == at)
                       .values(built_at=then, last_used_at=then))
    db.session.commit()


def _without_snapshots(monkeypatch, store, at) -> valuation.Valuation:
    """The valuation folded from the whole ledger, no snapshot involved."""
    with monkeypatch.context() as m:
        m.setattr(snapshots, "snapshot_for", lambda *args, **kwargs: None)
        return valuation.valuation(flt(store), at)


def _rows_as_levels(db, snap: LevelSnapshot) -> dict:
    return {(r.item_id, r.location_id): r.quantity for r in db.session.scalars(
        select(LevelSnapshotRow).where(LevelSnapshotRow.snapshot_id == snap.id))}


def test_a_snapshot_unused_for_longer_than_keep_days_goes_with_its_rows(db, store):
    old, recent = end_of(5, store), end_of(12, store)
    valuation.levels_at(store.id, old)
    valuation.levels_at(store.id, recent)
    old_id = _snapshot(db, store, old).id
    assert _rows(db, old_id) > 0
    _last_used(db, old, 40)
    _last_used(db, recent, 30)

    assert snapshots.prune(35) == 1

    assert snapshots.snapshot_instants(store.id) == [recent]
    assert _rows(db, old_id) == 0  # by the cascade, on SQLite too
    assert _rows(db, _snapshot(db, store, recent).id) > 0


def test_a_snapshot_built_long_ago_but_used_recently_is_kept(db, store):
    at = end_of(5, store)
    valuation.levels_at(store.id, at)
    _last_used(db, at, 40)
    built = _snapshot(db, store, at)

    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)  # uses it: a touch
    assert snapshots.prune(35) == 0

    kept = _snapshot(db, store, at)
    assert kept.id == built.id and _rows(db, kept.id) > 0
    assert kept.last_used_at > utcnow() - timedelta(days=1)


def test_a_pruned_day_is_built_anew_and_valued_as_the_ledger_says(db, store, record, monkeypatch, request):
    at = end_of(5, store)
    valuation.levels_at(store.id, at)
    _last_used(db, at, 40)
    assert snapshots.prune(35) == 1
    assert snapshots.snapshot_instants(store.id) == []
    milk = request.getfixturevalue("shop")["milk"]
    record(milk, "sale", -2, at=t(2))  # a late event, so the new one must be built from the ledger

    got = valuation.valuation(flt(store), at)

    rebuilt = _snapshot(db, store, at)
    assert rebuilt is not None and rebuilt.built_at > utcnow() - timedelta(days=1)
    assert rebuilt.last_used_at > utcnow() - timedelta(days=1)
    expected = _without_snapshots(monkeypatch, store, at)
    assert (got.total_cents, got.rows, got.by_category, got.by_location) == (
        expected.total_cents, expected.rows, expected.by_category, expected.by_location)
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)


def _pruned_at_its_touch(db, monkeypatch, at, *, committed: bool) -> list[int]:
    """Delete the snapshot at ``at`` just before a reader marks it used, as a pruner running
    between the reader's SELECT and its touch would: ``committed`` from another connection,
    else in the reader's own transaction (on SQLite a reader that has written already holds
    the only write lock, so only PostgreSQL can interleave there; the touch sees the same)."""
    touch, deleted = snapshots._touch, []

    def pruned_first(snap, now):
        if snap.at == at and not deleted:
            gone = delete(LevelSnapshot).where(LevelSnapshot.id == snap.id)
            if committed:
                with db.engine.begin() as other:
                    other.execute(gone)
            else:
                db.session.execute(gone)
            deleted.append(snap.id)
        return touch(snap, now)

    monkeypatch.setattr(snapshots, "_touch", pruned_first)
    return deleted


def test_a_reader_whose_snapshot_is_pruned_before_its_touch_builds_it_anew(db, store, monkeypatch):
    at = end_of(5, store)
    valuation.levels_at(store.id, at)
    _last_used(db, at, 40)
    deleted = _pruned_at_its_touch(db, monkeypatch, at, committed=True)

    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)

    assert deleted  # the seam ran: the reader did find its snapshot gone
    rebuilt = _snapshot(db, store, at)
    assert rebuilt.built_at > utcnow() - timedelta(days=1)  # a new one, not the pruned one
    assert _rows_as_levels(db, rebuilt) == ledger_says(db, store, at)


def test_a_base_pruned_before_its_touch_is_not_built_upon(db, store, monkeypatch):
    base_at, at = end_of(5, store), end_of(12, store)
    valuation.levels_at(store.id, base_at)
    deleted = _pruned_at_its_touch(db, monkeypatch, base_at, committed=False)

    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)

    assert deleted
    assert snapshots.snapshot_instants(store.id) == [at]
    assert _rows_as_levels(db, _snapshot(db, store, at)) == ledger_says(db, store, at)


@pytest.mark.parametrize(("keep_days", "pruned"), [(10, 1), (35, 0)])
def test_the_jobs_cycle_prunes_by_snapshot_keep_days(app, db, store, keep_days, pruned):
    at = end_of(5, store)
    valuation.levels_at(store.id, at)
    _last_used(db, at, 20)
    app.config["SNAPSHOT_KEEP_DAYS"] = keep_days

    results = {r.name: r for r in jobs.run_cycle()}

    step = results["snapshots prune"]
    assert step.ok, step.summary
    assert step.summary == f"{pruned} snapshot(s) pruned"
    assert snapshots.snapshot_instants(store.id) == ([] if pruned else [at])
