#!/usr/bin/env python3
"""bench_interactive: `convscope bench --interactive --json --repeat 3`.

Checks the JSON contract — {"cases": [{"name", "median_ms", "p95_ms", ...}]} with the five cases, every
number positive and finite — plus bad arguments (exit 2) and the help text. Speed is only measured,
never asserted: the targets are reported in "target_ms"/"met", whatever they say.
"""
import argparse
import json
import math
import os
import subprocess
import sys

CASES = ["default_lesson_param_change", "stack10_64ch_16000_param_change", "gif_60_frames_800x400",
         "app_start_to_first_frame", "heavy_edit_stays_live"]


def numbers(value, path):
    """Every number inside `value` (bools excluded), with its JSON path."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numbers(v, f"{path}[{i}]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    args = ap.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    failures = []

    def check(cond, msg):
        if not cond:
            failures.append(msg)
            print("FAIL:", msg)

    r = subprocess.run([args.convscope, "bench", "--interactive", "--json", "--repeat", "3"], capture_output=True,
                       text=True, env=env, timeout=400)
    check(r.returncode == 0, f"bench --interactive exited {r.returncode}: {r.stderr[-2000:]}")
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError as e:
        print(r.stdout[-2000:], r.stderr[-2000:])
        print(f"FAIL: stdout is not JSON: {e}")
        return 1
    check(isinstance(doc, dict) and list(doc) == ["cases"], f"top level must be exactly {{'cases'}}, got {list(doc)}")
    cases = doc.get("cases", [])
    check([c.get("name") for c in cases] == CASES, f"case names {[c.get('name') for c in cases]} != {CASES}")
    for c in cases:
        name = c.get("name")
        for key in ("median_ms", "p95_ms"):
            v = c.get(key)
            check(isinstance(v, (int, float)) and not isinstance(v, bool), f"{name}.{key} is not a number: {v!r}")
        for path, v in numbers(c, name):
            if path.endswith(".layer_changed") or path.endswith(".step") or path.endswith(".layers_reused"):
                check(math.isfinite(v) and v >= 0, f"{path} = {v} is not a finite index")
            else:
                check(math.isfinite(v) and v > 0, f"{path} = {v} is not positive and finite")
        if isinstance(c.get("median_ms"), (int, float)) and isinstance(c.get("p95_ms"), (int, float)):
            check(c["p95_ms"] >= c["median_ms"], f"{name}: p95 {c['p95_ms']} < median {c['median_ms']}")
        check(c.get("repeats") == 3, f"{name}: repeats {c.get('repeats')} != 3")
        check(isinstance(c.get("met"), bool), f"{name}: 'met' is not a bool")
        check(isinstance(c.get("note"), str) and c["note"], f"{name}: no note")
    by = {c.get("name"): c for c in cases}
    stack = by.get("stack10_64ch_16000_param_change", {})
    check(stack.get("layer_changed") == 5, f"stack10: layer_changed {stack.get('layer_changed')} != 5")
    # an edit of layer 5 recomputes from layer 5 on: the app reused layers 0-4 on every change
    check(stack.get("layers_reused") == 5, f"stack10: layers_reused {stack.get('layers_reused')!r} != 5")
    check(by.get("default_lesson_param_change", {}).get("layers_reused") == 0,
          "default lesson: its layer 0 changes, nothing can be reused")
    check("platform" in by.get("app_start_to_first_frame", {}), "app start: no platform reported")
    heavy = by.get("heavy_edit_stays_live", {})
    cancel = heavy.get("cancel_to_thread_free_ms")
    check(isinstance(cancel, list) and len(cancel) == 3, f"heavy edit: cancel_to_thread_free_ms {cancel!r} is not 3 samples")
    check(isinstance(heavy.get("cancel_met"), bool), "heavy edit: 'cancel_met' is not a bool")
    print(r.stdout)

    for bad in (["--repeat", "0"], ["--repeat", "x"], ["--threads", "2"], ["stack.json"], ["--bogus"], ["--repeat"]):
        b = subprocess.run([args.convscope, "bench", "--interactive", *bad], capture_output=True, text=True, env=env,
                           timeout=60)
        check(b.returncode == 2 and b.stderr.strip() and not b.stdout.strip(),
              f"bench --interactive {' '.join(bad)}: exit {b.returncode} (want 2), stderr {b.stderr!r}")
    h = subprocess.run([args.convscope, "bench", "--help"], capture_output=True, text=True, env=env, timeout=60)
    check(h.returncode == 0 and "--interactive" in h.stdout, "bench --help does not document --interactive")
    g = subprocess.run([args.convscope, "--help"], capture_output=True, text=True, env=env, timeout=60)
    check(g.returncode == 0 and "bench --interactive" in g.stdout, "convscope --help does not list bench --interactive")

    print("bench_interactive:", "FAILED" if failures else "ok", f"({len(failures)} failures)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
