"""The catalogue benchmark runs at a small size, and a sync after a few changes fetches only
the changed definitions and the one index that lists them (counted by the client and by the
server). No timing is asserted."""

from __future__ import annotations

from pathlib import Path

from bench.catalogue import format_report, run


def test_the_catalogue_benchmark_runs_and_a_sync_fetches_only_what_changed(tmp_path: Path) -> None:
    report = run(tmp_path, services=24, councils=3, changed=2, searches=3)
    assert report.first_sync_files == 24 + 3  # every definition and each council's index
    assert report.second_sync_files == 2 + 1  # the two changed, and their council's index
    # the server's count: those files, and the few metadata files TUF reads (a newer root asked
    # for, timestamp, snapshot, the changed council's role), not every definition again
    assert 2 + 1 + 3 <= report.second_sync_requests <= 2 + 1 + 5
    assert report.first_sync_requests >= report.first_sync_files
    assert report.found == 3  # report-pothole-0, -8 and -16
    assert "24 services" in format_report(report)
