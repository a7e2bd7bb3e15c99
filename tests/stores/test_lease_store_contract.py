"""The ``LeaseStore`` contract, run against every metastore adapter (``conftest.py``)."""

from __future__ import annotations

import threading

from javumbo.stores.ports import LeaseStore
from tests.stores.meta_records import NOW, unique


def test_lease_acquire_renew_and_block(leases: LeaseStore) -> None:
    name = unique("flush")
    assert leases.acquire_lease(name, "a", 30, NOW)
    lease = leases.get_lease(name)
    assert lease is not None and (lease.owner, lease.expires_at) == ("a", NOW + 30)
    assert not leases.acquire_lease(name, "b", 30, NOW + 29)
    assert leases.acquire_lease(name, "a", 30, NOW + 20)  # renewal by the owner
    lease = leases.get_lease(name)
    assert lease is not None and lease.expires_at == NOW + 50
    assert not leases.acquire_lease(name, "b", 30, NOW + 49)
    assert leases.get_lease(unique("none")) is None


def test_expired_lease_can_be_stolen_and_the_old_owner_cannot_release_it(
    leases: LeaseStore,
) -> None:
    name = unique("flush")
    assert leases.acquire_lease(name, "a", 30, NOW)
    assert leases.acquire_lease(name, "b", 30, NOW + 30)
    leases.release_lease(name, "a")
    lease = leases.get_lease(name)
    assert lease is not None and lease.owner == "b"
    assert not leases.acquire_lease(name, "a", 30, NOW + 31)
    leases.release_lease(name, "b")
    assert leases.get_lease(name) is None
    assert leases.acquire_lease(name, "a", 30, NOW + 31)


def test_racing_lease_acquisition_has_one_winner(leases: LeaseStore) -> None:
    name = unique("lease")
    racers = 8
    barrier = threading.Barrier(racers)
    results: list[bool] = []
    lock = threading.Lock()

    def racer(index: int) -> None:
        barrier.wait()
        got = leases.acquire_lease(name, f"owner-{index}", 30, NOW)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False] * (racers - 1) + [True]
