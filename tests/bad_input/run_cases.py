#!/usr/bin/python3
"""Run every bad-input case against a convscope binary and check how it fails.

Usage: run_cases.py --convscope PATH [--cases DIR] [--work DIR] [--only SUBSTR] [--verbose]

For every case (see README.md for expect.json) the case is copied into the work directory with
its generated .npy files (make_cases.py), then each command is run with the case directory as
the working directory and the stack given as "stack.json", so paths and digits in the message
come from the message itself. Checks:
  * the exit status equals "exit" (2 for bad input); a signal or a timeout is a crash;
  * every "stderr_contains" entry occurs in stderr (case-insensitive; a nested list means any
    one of its strings), every "stderr_regex" matches (case-insensitive);
  * stderr is one message: at most "max_stderr_lines" non-empty lines (1 for errors);
  * `run` gets a fresh --out directory; on failure it must be absent or empty afterwards; on
    success it must hold layer_<i>.npy as "outputs" describes.
Prints a table and exits 1 if any case failed.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_cases  # noqa: E402

TIMEOUT_S = 60


def describe_status(rc):
    if rc is None:
        return "timeout"
    if rc < 0:
        try:
            return "signal %s" % signal.Signals(-rc).name
        except ValueError:
            return "signal %d" % -rc
    return "exit %d" % rc


def check_outputs(out_dir, spec, problems):
    """Check layer_<i>.npy files of a successful run against the case's "outputs" spec."""
    count = spec.get("count")
    files = sorted(f for f in os.listdir(out_dir) if re.fullmatch(r"layer_\d+\.npy", f)) \
        if os.path.isdir(out_dir) else []
    if count is not None and len(files) != count:
        problems.append("run wrote %d layer files, expected %d" % (len(files), count))
        return
    arrays = {}
    for i in range(len(files)):
        path = os.path.join(out_dir, "layer_%d.npy" % i)
        try:
            arrays[i] = np.load(path, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001
            problems.append("layer_%d.npy unreadable: %s" % (i, exc))
            continue
        if arrays[i].dtype != np.float32:
            problems.append("layer_%d.npy dtype %s, expected float32" % (i, arrays[i].dtype))
    for key, pred, what in (
            ("nan", lambda a: np.isnan(a).any(), "contains no NaN"),
            ("posinf", lambda a: np.isposinf(a).any(), "contains no +Inf"),
            ("neginf", lambda a: np.isneginf(a).any(), "contains no -Inf"),
            ("finite_somewhere", lambda a: np.isfinite(a).any(), "has no finite value"),
            ("all_finite", lambda a: np.isfinite(a).all(), "has non-finite values")):
        for i in spec.get(key, []):
            if i in arrays and not pred(arrays[i]):
                problems.append("layer_%d.npy %s" % (i, what))


def run_one(binary, case_dir, command, expect, verbose):
    """Run one command of a case. Returns (status text, list of problems, stderr)."""
    sub, extra = command[0], list(command[1:])
    argv = [binary, sub, "stack.json"] + extra
    out_dir = os.path.join(case_dir, "out")
    if sub == "run":
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        argv += ["--out", "out"]
    problems = []
    try:
        proc = subprocess.run(argv, cwd=case_dir, capture_output=True, timeout=TIMEOUT_S)
        rc = proc.returncode
        stderr = proc.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        rc = None
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
    want = expect.get("exit", 2)
    if rc is None or rc < 0:
        problems.append("CRASH (%s)" % describe_status(rc))
    elif rc != want:
        problems.append("%s, expected exit %d" % (describe_status(rc), want)
                        + (" (1 = internal failure on bad input)" if rc == 1 and want == 2 else ""))
    low = stderr.lower()
    for entry in expect.get("stderr_contains", []):
        alts = entry if isinstance(entry, list) else [entry]
        if not any(a.lower() in low for a in alts):
            problems.append("stderr lacks " + (repr(alts[0]) if len(alts) == 1
                                               else "one of " + "/".join(map(repr, alts))))
    for rx in expect.get("stderr_regex", []):
        if not re.search(rx, stderr, re.IGNORECASE):
            problems.append("stderr does not match /%s/" % rx)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    max_lines = expect.get("max_stderr_lines", 1 if want != 0 else 3)
    if len(lines) > max_lines:
        problems.append("stderr has %d lines, expected at most %d" % (len(lines), max_lines))
    if want != 0 and not lines:
        problems.append("stderr is empty")
    if sub == "run":
        if want != 0:
            if os.path.isdir(out_dir) and os.listdir(out_dir):
                problems.append("run left partial output: %s" % sorted(os.listdir(out_dir))[:5])
        elif rc == 0 and "outputs" in expect:
            check_outputs(out_dir, expect["outputs"], problems)
    return describe_status(rc), problems, stderr


def main():
    ap = argparse.ArgumentParser(description="Run the ConvScope bad-input cases.")
    ap.add_argument("--convscope", required=True, help="path of the convscope binary")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    ap.add_argument("--work", default=None, help="where to materialise cases (default: ./bad_input_work)")
    ap.add_argument("--only", default=None, help="run only cases whose name contains this")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every stderr")
    args = ap.parse_args()

    binary = os.path.abspath(args.convscope)
    if not os.access(binary, os.X_OK):
        print("run_cases.py: convscope binary not found or not executable: %s" % binary)
        return 2
    work = os.path.abspath(args.work or os.path.join(os.getcwd(), "bad_input_work"))
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    names = make_cases.materialise(args.cases, work)
    if args.only:
        names = [n for n in names if args.only in n]

    rows, failed = [], 0
    for name in names:
        case_dir = os.path.join(work, name)
        with open(os.path.join(case_dir, "expect.json")) as f:
            expect = json.load(f)
        commands = expect.get("commands") or [expect["command"]]
        for command in commands:
            status, problems, stderr = run_one(binary, case_dir, command, expect, args.verbose)
            failed += bool(problems)
            rows.append((name, " ".join(command), status, problems, stderr))

    w = max(len(r[0]) for r in rows) if rows else 10
    print("%-*s  %-12s %-10s %s" % (w, "case", "command", "status", "result"))
    print("-" * (w + 40))
    for name, cmd, status, problems, stderr in rows:
        print("%-*s  %-12s %-10s %s" % (w, name, cmd, status, "ok" if not problems else "FAIL"))
        for p in problems:
            print("%*s  - %s" % (w, "", p))
        if problems or args.verbose:
            shown = stderr.strip().replace("\n", "\n%*s    " % (w, ""))
            print("%*s    stderr: %s" % (w, "", shown[:600] if shown else "(empty)"))
    print("-" * (w + 40))
    print("%d of %d runs passed, %d failed (%d cases)" % (len(rows) - failed, len(rows), failed, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
