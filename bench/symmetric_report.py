#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tables for docs/performance.md from a gostcsp_bench JSON run of the Sym/ benchmarks.

usage: python3 bench/symmetric_report.py sym.json
MB/s = 10^6 bytes/s (items as Google Benchmark's bytes_per_second); ratios against gost-engine
(gostprov) or Botan measured in the same run."""
import json
import sys
from collections import defaultdict

SIZES = {64: "64 B", 1024: "1 KiB", 1 << 20: "1 MiB"}


def main():
    data = json.load(open(sys.argv[1]))
    rate = defaultdict(lambda: defaultdict(dict))  # mode -> impl -> size -> MB/s
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b["name"].split("_")[0] if b.get("run_type") == "aggregate" else b["name"]
        parts = name.split("/")
        if len(parts) != 4 or parts[0] != "Sym" or "bytes_per_second" not in b:
            continue
        _, mode, impl, size = parts
        rate[mode][impl][int(size)] = b["bytes_per_second"] / 1e6
    peers = {"gost89-ecb": "botan"}
    combined = {}
    k = rate.get("kuznyechik-ctr-acpkm", {}).get("gost-engine")
    o = rate.get("kuznyechik-omac", {}).get("gost-engine")
    if k and o:  # gost-engine's CTR-ACPKM + OMAC over the same data
        combined = {s: 1 / (1 / k[s] + 1 / o[s]) for s in k if s in o}
    for mode in sorted(rate):
        impls = rate[mode]
        peer = peers.get(mode, "gost-engine")
        ref = impls.get(peer)
        if mode.endswith("-mgm") and combined:
            ref, peer = combined, "gost-engine kuznyechik CTR-ACPKM+OMAC"
        print(f"\n**{mode}**, MB/s" + (f" (ratio = / {peer})" if ref else ""))
        cols = [i for i in impls]
        print("| implementation | " + " | ".join(SIZES[s] for s in SIZES) + " |")
        print("|---|" + "---:|" * len(SIZES))
        for impl in cols:
            cells = []
            for s in SIZES:
                v = impls[impl].get(s)
                if v is None:
                    cells.append("")
                    continue
                r = f" ({v / ref[s]:.2f}x)" if ref and s in ref and impl != peer else ""
                cells.append(f"{v:.1f}{r}")
            print(f"| {impl} | " + " | ".join(cells) + " |")
        if mode.endswith("-mgm") and combined:
            print("| gost-engine CTR-ACPKM+OMAC (combined) | " +
                  " | ".join(f"{combined[s]:.1f}" for s in SIZES if s in combined) + " |")


if __name__ == "__main__":
    main()
