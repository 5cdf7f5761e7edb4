"""The order tests are handed to xdist's workers in (tests/scheduling.py): each browser group at
the head of a first run of its own, filled with cheap tests, and nothing lost or repeated."""

from __future__ import annotations

from scheduling import first_run_length, spread


def _group(name: str) -> str | None:
    return name.split(":")[0] if name.startswith(("staff:", "resident:")) else None


def _cheap(name: str) -> bool:
    return name.startswith("theme:")


def _suite() -> list[str]:
    return (
        [f"resident:{n}" for n in range(30)]
        + [f"staff:{n}" for n in range(25)]
        + [f"store:{n}" for n in range(300)]
        + [f"theme:{n}" for n in range(400)]
        + [f"web:{n}" for n in range(300)]
    )


def test_each_group_starts_a_first_run_of_its_own_filled_with_cheap_tests() -> None:
    tests, workers = _suite(), 5
    run = first_run_length(len(tests), workers)
    assert run == 52  # 1,055 tests // 5 workers // 4
    ordered = spread(tests, workers, _group, _cheap)
    runs = [ordered[start : start + run] for start in range(0, 2 * run, run)]
    assert {_group(t) for t in runs[0] if _group(t)} == {"resident"}
    assert {_group(t) for t in runs[1] if _group(t)} == {"staff"}
    assert all(_group(t) or _cheap(t) for t in runs[0] + runs[1])
    assert runs[0][:30] == [f"resident:{n}" for n in range(30)]
    assert sorted(ordered) == sorted(tests)
    rest = ordered[2 * run :]
    assert rest == [t for t in tests if t not in runs[0] and t not in runs[1]]


def test_the_order_is_kept_when_the_groups_cannot_each_have_a_worker() -> None:
    tests = _suite()
    assert spread(tests, 1, _group, _cheap) == tests
    assert spread(tests[:40], 5, _group, _cheap) == tests[:40]  # fewer tests than two runs
    only_staff = [t for t in tests if not t.startswith("resident:")]
    assert spread(only_staff, 5, _group, _cheap) == only_staff
