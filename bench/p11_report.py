#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the PKCS#11 benchmarks (bench_p11_sign.cpp, bench_p11_find.cpp) in one run and prints the
markdown table for docs/performance.md with the issue's ratios, the command and the load.

    python3 bench/p11_report.py build/bench/gostcsp_bench [--json out.json] [--min-time 0.5]

With --from-json FILE it only renders an earlier run's JSON."""
import argparse
import json
import os
import subprocess
import sys

FILTER = "P11Sign|P11Find|P11Login"


def run(binary, min_time, out):
    cmd = [binary, "--benchmark_filter=" + FILTER, "--benchmark_min_time=%s" % min_time,
           "--benchmark_format=json", "--benchmark_out=" + out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return " ".join(cmd[:3])


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            rows[b["name"]] = None
            continue
        rows[b["name"]] = b
    return data["context"], rows


def rate(rows, name):
    b = rows.get(name)
    return b["ops_per_s"] if b and "ops_per_s" in b else None


def usec(rows, name):
    b = rows.get(name)
    if not b:
        return None
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    return b["real_time"] * scale


def fmt_rate(v):
    return "–" if v is None else "{:,.0f}".format(v).replace(",", " ")


def fmt_ratio(a, b, target=None):
    if a is None or b is None or b == 0:
        return "–"
    r = a / b
    mark = "" if target is None else (" ✓" if r >= target else " ✗")
    return "%.2f×%s" % (r, mark)


def fmt_time(v):
    if v is None:
        return "–"
    return "%.1f µs" % v if v < 1000 else "%.2f ms" % (v / 1000)


def render(ctx, rows, command, load_avg):
    out = []
    out.append("Command: `%s` (one run). Load: %s. %d CPUs at %s MHz." % (
        command, load_avg, ctx.get("num_cpus", 0), ctx.get("mhz_per_cpu", "?")))
    out.append("")
    out.append("| C_Sign (ops/s, wall) | 1 thr | 2 thr | 2 thr / 1 thr (≥ 1.8) | 1 proc | 2 procs "
               "| 2 procs / 1 proc (≥ 1.8) | module / core, 1 thr (≥ 0.9) | module / SoftHSM2 "
               "P-256, 1 thr · 2 thr (≥ 2) |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    hsm1 = rate(rows, "P11Sign/p256/softhsm2/real_time/threads:1")
    for s in ("256-A", "512-A"):
        for impl in ("gostcsp", "core"):
            t1 = rate(rows, "P11Sign/%s/%s/real_time/threads:1" % (s, impl))
            t2 = rate(rows, "P11Sign/%s/%s/real_time/threads:2" % (s, impl))
            p1 = rate(rows, "P11SignProcs/%s/%s/1/iterations:1/real_time" % (s, impl))
            p2 = rate(rows, "P11SignProcs/%s/%s/2/iterations:1/real_time" % (s, impl))
            core1 = rate(rows, "P11Sign/%s/core/real_time/threads:1" % s)
            vs_core = fmt_ratio(t1, core1, 0.9) if impl == "gostcsp" else ""
            hsm2 = rate(rows, "P11Sign/p256/softhsm2/real_time/threads:2")
            vs_hsm = (fmt_ratio(t1, hsm1, 2.0) + " · " + fmt_ratio(t2, hsm2, 2.0)
                      if impl == "gostcsp" and s == "256-A" else "")
            out.append("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                "module" if impl == "gostcsp" else "core", s, fmt_rate(t1), fmt_rate(t2),
                fmt_ratio(t2, t1, 1.8), fmt_rate(p1), fmt_rate(p2), fmt_ratio(p2, p1, 1.8),
                vs_core, vs_hsm))
    hsm2 = rate(rows, "P11Sign/p256/softhsm2/real_time/threads:2")
    out.append("| SoftHSM2 ECDSA P-256 | %s | %s | %s | – | – | – | | |" % (
        fmt_rate(hsm1), fmt_rate(hsm2), fmt_ratio(hsm2, hsm1)))
    out.append("")
    out.append("| C_FindObjectsInit + C_FindObjects + Final (wall, one match) | objects | gostcsp "
               "| SoftHSM2 | SoftHSM2 / gostcsp |")
    out.append("|---|---|---|---|---|")
    for q in ("label", "id", "class"):
        for n in (100, 10000, 100000):
            g = usec(rows, "P11Find/%s/gostcsp/objects:%d/real_time" % (q, n))
            h = usec(rows, "P11Find/%s/softhsm2/objects:%d/real_time" % (q, n))
            out.append("| %s | %s | %s | %s | %s |" % (
                q, "{:,}".format(n).replace(",", " "), fmt_time(g), fmt_time(h),
                fmt_ratio(h, g)))
    for n in (100, 10000, 100000):
        g = usec(rows, "P11Find/label/gostcsp-after-other-write/objects:%d/iterations:20/real_time" % n)
        out.append("| label, after another process's commit | %s | %s | | |" % (
            "{:,}".format(n).replace(",", " "), fmt_time(g)))
    out.append("")
    lg = usec(rows, "P11Login/gostcsp/real_time")
    kd = usec(rows, "P11Login/kdf/pbkdf2-streebog512:10000")
    out.append("C_Login + C_Logout (kdf_iterations 10000): %s; the KDF alone: %s; login / KDF = %s." % (
        fmt_time(lg), fmt_time(kd), fmt_ratio(lg, kd)))
    big = usec(rows, "P11Login/gostcsp-beside-100k/real_time")
    if big is not None:
        out.append("The same once the module also holds the 100,000-object token's handles: %s "
                   "(%s the first)." % (fmt_time(big), fmt_ratio(big, lg)))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?")
    ap.add_argument("--json", default="p11_bench.json")
    ap.add_argument("--from-json")
    ap.add_argument("--min-time", default="0.5")
    a = ap.parse_args()
    load_before = " ".join("%.2f" % x for x in os.getloadavg())
    if a.from_json:
        command, path = "(from %s)" % a.from_json, a.from_json
    elif a.binary:
        command, path = run(a.binary, a.min_time, a.json), a.json
    else:
        ap.error("give the gostcsp_bench binary or --from-json")
    load_after = " ".join("%.2f" % x for x in os.getloadavg())
    ctx, rows = load(path)
    print(render(ctx, rows, command,
                 "load average %s before, %s after" % (load_before, load_after)))


if __name__ == "__main__":
    sys.exit(main())
