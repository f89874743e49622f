"""The benchmark harness works end to end: `bench/run.py --quick` runs every available server, prints the
table and writes the JSON. Timings are not asserted (the machine may be busy); only that figures exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _quick_bench(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=380,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.timeout(400)
def test_quick_bench_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    proc = _quick_bench(out)
    assert "| figure |" in proc.stdout
    report = json.loads(out.read_text())
    targets = report["targets"]
    assert {"echo", "ocpp-lib"} <= set(targets)
    if "chargegrid-sqlite" in targets:  # the same server over wss:// (TLS under uvloop, as `serve` runs)
        assert "chargegrid-wss" in targets
    for name, res in targets.items():
        assert "error" not in res, (name, res)
        if "connections" in res:
            assert res["connections"] and res["connections"][0]["failures"] == 0, (name, res["connections"])
        assert res["throughput"]["max"]["rate"] > 0, name
        if "boot_storm" in res:
            assert res["boot_storm"]["failures"] == 0, (name, res["boot_storm"])


def _postgres_and_redis() -> bool:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import run as bench_run
    finally:
        sys.path.pop(0)
    return bench_run.postgres_available() and bench_run.redis_available()


@pytest.mark.timeout(400)
def test_quick_cluster_bench_runs_two_workers_and_counts_redis_and_postgres_work(tmp_path: Path) -> None:
    if not _postgres_and_redis():
        pytest.skip("needs PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379")
    out = tmp_path / "cluster.json"
    proc = _quick_bench(out, "--targets", "chargegrid-pg-w2", "--phases", "throughput,boot")
    assert "| Redis commands per booted charger (boot storm) |" in proc.stdout
    result = json.loads(out.read_text())["targets"]["chargegrid-pg-w2"]
    assert result["throughput"]["max"]["rate"] > 0
    costs = result["throughput"]["cluster_costs"]
    # Both workers hold chargers and refresh their leases: Redis is busy even with the fleet idle.
    assert costs["idle"]["redis_per_s"] > 0, costs
    assert result["boot_storm"]["failures"] == 0, result["boot_storm"]["runs"]
    boot = result["boot_storm"]["runs"][0]["costs"]
    assert boot["redis_per_unit"] > 0 and boot["pg_commits_per_unit"] > 0, boot
