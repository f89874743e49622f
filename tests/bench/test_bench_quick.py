"""The benchmark harness works end to end: `bench/run.py --quick` runs every available server, prints the
table and writes the JSON. Timings are not asserted (the machine may be busy); only that figures exist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(400)
def test_quick_bench_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=380,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
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
