#!/usr/bin/python3
"""Engine vs PyTorch on the cases of torch_conv_ref.py (CASES), in the same run, 1 and 2 threads.

Runs build-perf's engine_bench (Google Benchmark, JSON, median of repetitions) and
torch_conv_ref.py (PyTorch tuned as performance.md says: OPENBLAS_CORETYPE=SkylakeX, glibc malloc
never trims/mmaps, torch.set_num_threads(t) matched by OpenBLAS), then prints a Markdown table:
case, threads, engine ms, torch ms, engine GFLOP/s, % of performance.md's peak (175 / 345 GFLOP/s for
1 / 2 threads), % of this host's own register FMA loop (engine_bench --fma-peak), torch/engine. It
also checks the engine's outputs against torch's (out_sum and out_samples, `engine_bench
--checksums`): exactness, not just speed.

  /usr/bin/python3 tests/bench/compare.py --bench build-perf/tests/bench/engine_bench
  /usr/bin/python3 tests/bench/compare.py --cases audio_s1,stack10 --threads 1 --reps 5
  /usr/bin/python3 tests/bench/compare.py --reps 5 --baseline OLD/engine_bench   # before/after columns
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEAK = {1: 175.0, 2: 345.0}  # GFLOP/s, performance.md (AVX-512 FMA, independent chains)
TUNED_ENV = {
    "OPENBLAS_CORETYPE": "SkylakeX",
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default=os.path.join(HERE, "..", "..", "build-perf", "tests", "bench", "engine_bench"))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--cases", default="all", help="comma list of case names (stack10 = the 10-layer stack)")
    p.add_argument("--reps", type=int, default=11, help="repetitions (median) for both sides")
    p.add_argument("--min-time", type=float, default=0.1, help="engine_bench --benchmark_min_time per repetition")
    p.add_argument("--json", help="also write the rows as JSON here")
    p.add_argument("--baseline", help="a second engine_bench (e.g. built from an older commit) timed in the same "
                                      "run: adds its ms and torch/engine ratio as 'before' columns")
    p.add_argument("--openblas-dir", default=os.path.join(HERE, "..", "..", "build-perf", "openblas"),
                   help="directory with OpenBLAS's libblas.so.3 for torch (used when the system BLAS is "
                        "netlib's reference BLAS); fetch with: apt-get download libopenblas0-pthread && "
                        "dpkg -x libopenblas0-pthread_*.deb x && cp -a x/usr/lib/x86_64-linux-gnu/openblas-pthread/* DIR")
    return p.parse_args()


def run_engine(a, threads, bench=None):
    bench = bench or a.bench
    names = None if a.cases == "all" else a.cases.split(",")
    filt = "/t(%s)(/|$)" % "|".join(str(t) for t in threads)
    if names:
        filt = "^(%s)/.*%s" % ("|".join(names), filt)
    cmd = [bench, "--benchmark_format=json", "--benchmark_filter=" + filt,
           "--benchmark_repetitions=%d" % a.reps, "--benchmark_report_aggregates_only=true",
           "--benchmark_min_time=%g" % a.min_time]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ, **TUNED_ENV)).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name, op, t = b["run_name"].split("/")[:3]
        ms = b["real_time"] * {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}[b["time_unit"]]
        res[(name, op, int(t[1:]))] = {"ms": ms, "flop": b["flop"]}
    ck = subprocess.run([bench, "--checksums"], check=True, capture_output=True, text=True).stdout
    sums = {}
    for line in ck.splitlines():
        d = json.loads(line)
        sums[(d["name"], d["op"])] = d
    return res, sums


def run_torch(a, threads):
    names = None if a.cases == "all" else a.cases.split(",")
    cmd = ["/usr/bin/python3", os.path.join(HERE, "torch_conv_ref.py"), "--threads", ",".join(map(str, threads)),
           "--reps", str(a.reps), "--openblas-coretype", "SkylakeX"]
    if names:
        case_names = [n for n in names if n != "stack10"]
        cmd += ["--cases", ",".join(case_names) if case_names else "none"]
        if "stack10" not in names:
            cmd.append("--no-stack")
    env = dict(os.environ, **TUNED_ENV)
    if os.path.exists(os.path.join(a.openblas_dir, "libblas.so.3")):
        env["LD_LIBRARY_PATH"] = os.path.abspath(a.openblas_dir) + ":" + env.get("LD_LIBRARY_PATH", "")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    res, sums, env = {}, {}, {}
    for line in out.splitlines():
        d = json.loads(line)
        op = "stack" if d["kind"] == "stack" else d["op"]
        res[(d["name"], op, d["threads"])] = {"ms": d["ms_median"], "flop": d["flop"], "backend": d.get("backend", "")}
        sums[(d["name"], op)] = d
        env = {k: d.get(k) for k in ("torch", "openblas_core", "loadavg1")}
    return res, sums, env


def close(a, b, scale):
    return abs(a - b) <= 1e-4 * max(1.0, abs(b)) + 1e-6 * scale


def check_exact(esum, tsum):
    """Engine output vs torch's: same shape, sum within float rounding, every sample within 1e-4 relative."""
    if esum["out_shape"] != tsum["out_shape"]:
        return False, "shape %s vs %s" % (esum["out_shape"], tsum["out_shape"])
    scale = tsum["out_abs_sum"]
    if abs(esum["out_sum"] - tsum["out_sum"]) > 1e-5 * scale + 1e-6:
        return False, "sum %.9g vs %.9g" % (esum["out_sum"], tsum["out_sum"])
    worst = 0.0
    for k, v in tsum["out_samples"].items():
        e = esum["out_samples"].get(k)
        if e is None or not close(e, v, 0):
            return False, "sample %s: %r vs %r" % (k, e, v)
        worst = max(worst, abs(e - v))
    return True, "max sample diff %.1e" % worst


def main():
    a = parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    load0 = os.getloadavg()[0]
    host_peak = {}
    for line in subprocess.run([a.bench, "--fma-peak"], check=True, capture_output=True, text=True).stdout.splitlines():
        d = json.loads(line)
        host_peak[d["threads"]] = d["gflops"]
    eng, esums = run_engine(a, threads)
    base = run_engine(a, threads, a.baseline)[0] if a.baseline else {}
    tor, tsums, env = run_torch(a, threads)
    load1 = os.getloadavg()[0]
    if env.get("openblas_core") is None:
        print("WARNING: torch is not using OpenBLAS (reference BLAS: transposed conv far below its best); "
              "see --openblas-dir", file=sys.stderr)
    rows = []
    for key in sorted(tor, key=lambda k: (list(tor).index(k))):
        if key not in eng:
            continue
        e, t = eng[key], tor[key]
        gf = e["flop"] / (e["ms"] * 1e-3) / 1e9
        name, op, th = key
        ok, why = check_exact(esums[(name, op)], tsums[(name, op)]) if (name, op) in esums else (False, "missing")
        rows.append({"case": name, "op": op, "threads": th, "engine_ms": e["ms"], "torch_ms": t["ms"],
                     "gflops": gf, "pct_peak": 100.0 * gf / PEAK.get(th, PEAK[2]),
                     "pct_host_peak": 100.0 * gf / host_peak[th] if th in host_peak else float("nan"),
                     "torch_gflops": t["flop"] / (t["ms"] * 1e-3) / 1e9, "ratio": t["ms"] / e["ms"],
                     "exact": ok, "exact_note": why})
        if key in base:
            rows[-1]["before_ms"] = base[key]["ms"]
            rows[-1]["before_ratio"] = t["ms"] / base[key]["ms"]
    rows.sort(key=lambda r: (r["threads"],))
    print("engine vs PyTorch %s (OpenBLAS core %s, malloc tunables), load average %.2f -> %.2f, medians of %d" % (
        env.get("torch"), env.get("openblas_core"), load0, load1, a.reps))
    print("peak: performance.md %s GFLOP/s; this host's register FMA loop %s GFLOP/s (1 / 2 threads)" % (
        " / ".join("%.0f" % PEAK[t] for t in (1, 2)), " / ".join("%.0f" % host_peak.get(t, 0) for t in (1, 2))))
    print()
    before = bool(base)
    print("| case | op | threads | engine ms | torch ms | engine GFLOP/s | % peak | % host peak | torch/engine | exact |" +
          (" before ms | before torch/engine |" if before else ""))
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if before else ""))
    for r in rows:
        print("| %s | %s | %d | %s | %s | %.1f | %.0f%% | %.0f%% | %.2f× | %s |" % (
            r["case"], r["op"], r["threads"], fmt_ms(r["engine_ms"]), fmt_ms(r["torch_ms"]), r["gflops"],
            r["pct_peak"], r["pct_host_peak"], r["ratio"], "yes" if r["exact"] else "NO (%s)" % r["exact_note"]) +
            (" %s | %.2f× |" % (fmt_ms(r["before_ms"]), r["before_ratio"]) if "before_ms" in r else
             " — | — |" if before else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"load_before": load0, "load_after": load1, "env": env, "host_peak": host_peak, "rows": rows}, f,
                  indent=1)
    bad = [r for r in rows if not r["exact"]]
    for r in bad:
        print("MISMATCH %s %s: %s" % (r["case"], r["op"], r["exact_note"]), file=sys.stderr)
    return 1 if bad else 0


def fmt_ms(ms):
    return "%.4f" % ms if ms < 0.1 else "%.3f" % ms if ms < 10 else "%.1f" % ms


if __name__ == "__main__":
    sys.exit(main())
