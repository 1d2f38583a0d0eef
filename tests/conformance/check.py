#!/usr/bin/python3
"""Run `convscope` on every case written by generate.py and compare with the references.

    /usr/bin/python3 check.py --cases DIR --convscope PATH/TO/convscope [--jobs 2] [--only SUBSTR]

For a case that must succeed:
  * `convscope run stack.json --out OUT` must exit 0 and write OUT/layer_<i>.npy for every layer;
    each must have the reference's shape and max|out - ref| <= 1e-4 * max(1, max|ref|);
  * `convscope check stack.json --json` must list every layer with output_shape equal to the
    reference's shape without batch, channels first.
For a case that must be rejected: `convscope run` must exit 2 with a non-empty stderr message.
Prints a summary (counts per op / convention / dims, every failure with its worst difference)
and exits 1 if anything failed.
"""
import argparse
import collections
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

RTOL = 1e-4
TIMEOUT = 120


def run(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout after %d s" % TIMEOUT


def check_case(args):
    convscope, root, meta = args
    d = os.path.join(root, meta["dir"])
    stack = os.path.join(d, "stack.json")
    problems = []
    worst = 0.0
    if meta["expect"] == "error":
        outdir = tempfile.mkdtemp(prefix="csconf_")
        rc, out, err = run([convscope, "run", stack, "--out", outdir])
        shutil.rmtree(outdir, ignore_errors=True)
        if rc != 2:
            problems.append("expected exit 2, got %s (stderr: %s)" % (rc, err.strip()[:300]))
        elif not err.strip():
            problems.append("exit 2 but stderr is empty")
        return meta, problems, worst
    outdir = tempfile.mkdtemp(prefix="csconf_")
    try:
        rc, out, err = run([convscope, "run", stack, "--out", outdir])
        if rc != 0:
            problems.append("run exited %s: %s" % (rc, err.strip()[:400]))
        else:
            for i, shape in enumerate(meta["output_shapes"]):
                ref = np.load(os.path.join(d, "expected", "layer_%d.npy" % i))
                path = os.path.join(outdir, "layer_%d.npy" % i)
                if not os.path.exists(path):
                    problems.append("layer %d (%s): no layer_%d.npy written" % (i, meta["ops"][i], i))
                    continue
                got = np.load(path)
                if got.dtype != np.float32:
                    problems.append("layer %d (%s): dtype %s, expected float32" % (i, meta["ops"][i], got.dtype))
                if got.shape != ref.shape:
                    problems.append("layer %d (%s): shape %s, expected %s"
                                    % (i, meta["ops"][i], list(got.shape), list(ref.shape)))
                    continue
                scale = max(1.0, float(np.abs(ref).max()) if ref.size else 1.0)
                diff = np.abs(got.astype(np.float64) - ref)
                md = float(np.nanmax(diff)) if diff.size else 0.0
                if not np.isfinite(got).all() and np.isfinite(ref).all():
                    md = float("inf")
                rel = md / scale
                worst = max(worst, rel)
                if not rel <= RTOL:
                    idx = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else ()
                    problems.append("layer %d (%s): max|out-ref| = %.3g (scale %.3g) at %s: got %.6g want %.6g"
                                    % (i, meta["ops"][i], md, scale, list(map(int, idx)),
                                       float(got[idx]), float(ref[idx])))
        rc, out, err = run([convscope, "check", stack, "--json"])
        if rc != 0:
            problems.append("check --json exited %s: %s" % (rc, err.strip()[:300]))
        else:
            try:
                js = json.loads(out)
                layers = js["layers"]
                if len(layers) != len(meta["output_shapes"]):
                    problems.append("check --json lists %d layers, expected %d"
                                    % (len(layers), len(meta["output_shapes"])))
                for i, (lay, shape) in enumerate(zip(layers, meta["output_shapes"])):
                    if list(lay.get("output_shape", [])) != shape:
                        problems.append("check --json layer %d (%s): output_shape %s, expected %s"
                                        % (i, meta["ops"][i], lay.get("output_shape"), shape))
                    if lay.get("index", i) != i:
                        problems.append("check --json layer %d: index %s" % (i, lay.get("index")))
            except (ValueError, KeyError, TypeError) as e:
                problems.append("check --json output unparsable (%s): %s" % (e, out[:200]))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    return meta, problems, worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", required=True, help="directory written by generate.py")
    ap.add_argument("--convscope", required=True, help="path to the convscope executable")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    convscope = os.path.abspath(args.convscope)
    if not os.access(convscope, os.X_OK):
        print("check.py: %s is not executable" % convscope, file=sys.stderr)
        return 2
    with open(os.path.join(args.cases, "manifest.json")) as f:
        manifest = json.load(f)
    metas = [m for m in manifest["cases"] if args.only in m["dir"]]
    work = [(convscope, args.cases, m) for m in metas]
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        results = pool.map(check_case, work, chunksize=4)

    per = {k: collections.Counter() for k in ("op", "convention", "dims", "layout", "batch")}
    fails = []
    worst_ok = 0.0
    for meta, problems, worst in results:
        status = "fail" if problems else "pass"
        for op in set(meta["ops"]):
            per["op"][(op, status)] += 1
        per["convention"][(meta["convention"], status)] += 1
        per["dims"][("%d-D" % meta["dims"], status)] += 1
        per["layout"][(meta["layout"], status)] += 1
        per["batch"][("N=%s" % (meta["batch"] or "absent"), status)] += 1
        if problems:
            fails.append((meta, problems, worst))
        else:
            worst_ok = max(worst_ok, worst)
        if args.verbose:
            print("%s %s" % (status.upper(), meta["dir"]))

    def table(title, counter):
        keys = sorted({k for k, _ in counter})
        print("%s:" % title)
        for k in keys:
            p, f = counter[(k, "pass")], counter[(k, "fail")]
            print("  %-16s %4d cases  %4d pass  %4d fail" % (k, p + f, p, f))

    nerr = sum(m["expect"] == "error" for m in metas)
    print("ConvScope PyTorch/Keras/ONNX/Chainer conformance: %d cases (%d numeric, %d expected errors)"
          % (len(metas), len(metas) - nerr, nerr))
    for k in ("op", "convention", "dims", "layout", "batch"):
        table("by " + k, per[k])
    for s in manifest.get("skipped", []):
        print("skipped at generation: %s (%s)" % (s["name"], s["reason"]))
    print("worst relative difference among passing cases: %.3g (tolerance %.0e)" % (worst_ok, RTOL))
    if fails:
        print("\n%d FAILURES:" % len(fails))
        for meta, problems, worst in sorted(fails, key=lambda t: t[0]["dir"]):
            print("- %s  [%s %d-D %s, ops %s, expect %s]%s"
                  % (os.path.join(args.cases, meta["dir"]), meta["convention"], meta["dims"], meta["layout"],
                     "->".join(meta["ops"]), meta["expect"], "  worst rel diff %.3g" % worst if worst else ""))
            if meta.get("desc"):
                print("    (%s)" % meta["desc"])
            for p in problems[:6]:
                print("    " + p)
        print("\nFAILED: %d of %d cases" % (len(fails), len(metas)))
        return 1
    print("\nOK: all %d cases pass" % len(metas))
    return 0


if __name__ == "__main__":
    sys.exit(main())
