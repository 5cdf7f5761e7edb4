"""`python -m bench.memory` runs end to end: one real Borough process on SQLite, residents of
every shipped service walked to check answers, wrk driving their pages in chunks, the server's
resident memory read after each. Nothing about memory is asserted: the harness must measure
what it says (every service, the requests counted, no bad statuses)."""

from __future__ import annotations

import itertools

from bench import memory as bench_memory
from borough.demo import shipped_definitions


def test_the_memory_benchmark_samples_the_worker_across_every_service(wrk_installed: None) -> None:
    samples, per_service, started_mb = bench_memory.run(requests=600, every=300, residents=1, connections=4)

    assert set(per_service) == {service.id for service in bench_memory.services()}
    assert len(per_service) == len(shipped_definitions()) and all(count > 2 for count in per_service.values())
    assert started_mb > 0
    assert samples[0].requests == 0 and len(samples) >= 2 and samples[-1].requests >= 600
    for before, after in itertools.pairwise(samples):
        assert after.requests > before.requests and after.rss_mb > 0 and after.rate > 0
        # No answer was refused and no page failed: the figures are of pages served, not errors.
        assert after.bad == 0, after
    text = bench_memory.format_report(samples, per_service, started_mb, warmup_samples=1)
    assert f"after the warm-up (from {samples[1].requests} requests" in text
