"""Cold-start import time of each function module, as a ratio to `import boto3`.

Each measurement is a fresh interpreter (as a Lambda cold start is), repeated; the median counts. It is the
import's CPU time (user + system), not the wall clock: on a shared machine the wall clock also counts whatever
else runs meanwhile, while a Lambda cold start has its CPU to itself.
Run: python -m bench.cold_start [--runs 7]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import time, importlib.util, sys
t = time.process_time()
{body}
print(time.process_time() - t)
"""
LOAD_APP = """spec = importlib.util.spec_from_file_location("app", {path!r})
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)"""


def _time(body: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    baseline = _time("import boto3", args.runs)
    print(f"cold start (median of {args.runs} fresh interpreters); baseline import boto3 = {baseline * 1000:.0f} ms")
    rows = []
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        seconds = _time(LOAD_APP.format(path=str(app)), args.runs)
        rows.append((app.parent.name, seconds, seconds / baseline))
        print(f"  functions/{app.parent.name:<12} {seconds * 1000:7.0f} ms   ratio to import boto3: "
              f"{seconds / baseline:5.2f}")
    return rows


if __name__ == "__main__":
    main()
