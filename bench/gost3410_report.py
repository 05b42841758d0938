#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Renders gostcsp_bench JSON (GOST R 34.10-2012 sign / verify / keygen / VKO and the OpenSSL
# P-256 reference) as the 34.10 tables of docs/performance.md: one table per operation, ops/s per
# implementation and the ratio columns, with the machine and the command taken from the run.
#
# Usage:
#   gost3410_report.py bench.json [--command "..."] [--update docs/performance.md]
# bench.json comes from
#   gostcsp_bench --benchmark_filter='GOST/|P256/' --benchmark_out=bench.json \
#                 --benchmark_out_format=json [--benchmark_repetitions=N]
# Each cell is the best (highest) CPU-time rate over the repetitions: on a shared machine the
# fastest run is the one least disturbed by other load. With --update the text between the
# markers <!-- gost3410-tables:begin --> and <!-- gost3410-tables:end --> is replaced.
import argparse
import json
import re
import sys

SETS = ["256-test", "256-A", "256-B", "256-C", "256-D", "512-test", "512-A", "512-B", "512-C"]
OPS = ["sign", "verify", "keygen", "vko"]
IMPLS = ["gostcsp", "gostcsp-portable", "gost-engine", "botan"]
P256 = {"sign": "P256/sign/openssl", "verify": "P256/verify/openssl",
        "keygen": "P256/keygen/openssl", "vko": "P256/vko(ecdh)/openssl"}
BEGIN, END = "<!-- gost3410-tables:begin -->", "<!-- gost3410-tables:end -->"


def load(path):
    data = json.load(open(path))
    best = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        rate = b.get("ops/s")
        if rate is None:
            continue
        best[name] = max(best.get(name, 0.0), float(rate))
    return data.get("context", {}), best


def fmt(v):
    return f"{v:,.0f}" if v else "—"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "—"


def render(ctx, best, command):
    out = []
    cpu = ctx.get("cpu_model") or ""
    out.append(f"Machine: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz"
               + (f" ({cpu})" if cpu else "") + f", host `{ctx.get('host_name', '?')}`, "
               f"run {ctx.get('date', '?')}, Google Benchmark library built as "
               f"`{ctx.get('library_build_type', '?')}`, load average "
               f"{', '.join(f'{x:.1f}' for x in ctx.get('load_avg', []))}.")
    out.append("")
    out.append(f"Command: `{command}`")
    out.append("")
    out.append("ops/s are CPU-time rates (best of the repetitions); the ratio columns divide "
               "within this one run. `gostcsp` runs the MULX/ADX kernels, `gostcsp-portable` the "
               "portable C++ field code (what clang and `GOSTCSP_NO_ADX=1` builds run).")
    out.append("")
    shortfalls = []
    for op in OPS:
        out.append(f"**{op}** (ops/s)")
        out.append("")
        out.append("| set | " + " | ".join(IMPLS) +
                   " | gostcsp / gost-engine | portable / gost-engine | gostcsp / Botan |")
        out.append("|---|" + "---:|" * (len(IMPLS) + 3))
        for s in SETS:
            v = {i: best.get(f"GOST/{op}/{s}/{i}") for i in IMPLS}
            if not any(v.values()):
                continue
            eng = v["gost-engine"]
            out.append(f"| {s} | " + " | ".join(fmt(v[i]) for i in IMPLS) +
                       f" | {ratio(v['gostcsp'], eng)} | {ratio(v['gostcsp-portable'], eng)}"
                       f" | {ratio(v['gostcsp'], v['botan'])} |")
            if v["gostcsp"] and eng and v["gostcsp"] < 3 * eng:
                shortfalls.append(f"{op} {s} {v['gostcsp'] / eng:.2f}x")
        p = best.get(P256[op])
        if p:
            out.append("")
            line = f"OpenSSL ECDSA/ECDH P-256 {op} in the same run: {fmt(p)}/s"
            if op == "sign":
                b256 = max((best.get(f"GOST/sign/{s}/gostcsp") or 0) for s in SETS[:5])
                line += f"; best 256-bit gostcsp sign {fmt(b256)}/s = {ratio(b256, p)} of it"
            out.append(line + ".")
        out.append("")
    if shortfalls:
        out.append("Below the 3x gost-engine target in this run: " + ", ".join(shortfalls) + ".")
    else:
        out.append("Every set and operation is at or above 3x gost-engine in this run.")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--command", default="gostcsp_bench --benchmark_filter='GOST/|P256/'")
    ap.add_argument("--cpu-model", default="")
    ap.add_argument("--update")
    a = ap.parse_args()
    ctx, best = load(a.json)
    if a.cpu_model:
        ctx["cpu_model"] = a.cpu_model
    text = render(ctx, best, a.command)
    if not a.update:
        sys.stdout.write(text)
        return
    doc = open(a.update).read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{a.update}: markers {BEGIN} / {END} not found")
    doc = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END),
                 lambda _: BEGIN + "\n" + text + END, doc, flags=re.S)
    open(a.update, "w").write(doc)


if __name__ == "__main__":
    main()
