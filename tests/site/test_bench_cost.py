"""bench/cost.py calls the web and scoring workers' reading code itself, in fresh processes: a
change to those functions breaks it only when someone runs the bench. This runs its measuring
child on a normal and a hostile file of its own making, so the suite says so first."""

import importlib.util
from pathlib import Path

import numpy as np

_SPEC = importlib.util.spec_from_file_location("cost_bench", Path(__file__).resolve().parents[2] / "bench" / "cost.py")
cost_bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cost_bench)


def test_the_cost_benchs_child_reads_its_files_as_the_workers_do(tmp_path):
    normal = cost_bench.normal_file("classification", 50_000, 1 << 20, np.random.default_rng(1))
    hostile = cost_bench.hostile_files("classification", normal, 50_000)["every line bad"]
    verdicts = {}
    for name, data in (("normal", normal), ("hostile", hostile)):
        path = tmp_path / f"{name}.txt"
        path.write_bytes(data.tobytes())
        verdicts[name] = cost_bench.in_fresh_process({"kind": "classification", "images": 50_000, "path": str(path),
                                                      "worker_heap": True})
    assert (verdicts["normal"]["web_verdict"], verdicts["normal"]["scoring_verdict"]) == ("accepted", "scored")
    assert verdicts["hostile"]["web_verdict"].startswith("refused (")
    assert verdicts["hostile"]["scoring_verdict"] == "refused"
    assert all(0 < v["web"] and 0 < v["scoring"] and 0 < v["web_peak_mb"] for v in verdicts.values())
