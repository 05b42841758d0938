#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Renders gostcsp_bench JSON (Streebog, GOST R 34.11-2012) as the MB/s table of docs/performance.md.
# Usage: streebog_report.py bench.json   (from --benchmark_out=bench.json --benchmark_repetitions=N)
# Each cell is the best (highest) throughput over the repetitions: on a shared machine the
# fastest run is the one least disturbed by other load.
import json
import sys

data = json.load(open(sys.argv[1]))
best = {}
for b in data["benchmarks"]:
    if b.get("run_type") == "aggregate" or "error_occurred" in b and b["error_occurred"]:
        continue
    name = b.get("run_name", b["name"])
    if not name.startswith("Streebog-"):
        continue
    algo, impl, size = name.split("/")[:3]
    mbs = b["bytes_per_second"] / 1e6
    key = (algo, impl, int(size))
    best[key] = max(best.get(key, 0.0), mbs)

impls = ["gostcsp-portable", "gostcsp-avx512_gfni", "gost-engine", "botan"]
sizes = sorted({k[2] for k in best})


def size_name(s):
    return f"{s >> 20} MiB" if s >= 1 << 20 else (f"{s >> 10} KiB" if s >= 1024 else f"{s} B")


for algo in ["Streebog-256", "Streebog-512"]:
    print(f"### {algo}: MB/s (10^6 bytes/s), best of the repetitions\n")
    print("| message | " + " | ".join(impls) + " | portable / gost-engine | avx512_gfni / gost-engine |")
    print("|---|" + "---:|" * (len(impls) + 2))
    for s in sizes:
        row = [best.get((algo, i, s)) for i in impls]
        eng = best.get((algo, "gost-engine", s))
        cells = [f"{v:.1f}" if v else "n/a" for v in row]
        r1 = f"{row[0] / eng:.2f}x" if row[0] and eng else "n/a"
        r2 = f"{row[1] / eng:.2f}x" if row[1] and eng else "n/a"
        print(f"| {size_name(s)} | " + " | ".join(cells) + f" | {r1} | {r2} |")
    print()
