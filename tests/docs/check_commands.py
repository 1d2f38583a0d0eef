#!/usr/bin/env python3
"""docs_commands: every `convscope` example in README.md and docs/*.md runs and shows what the code prints.

Two kinds of examples are checked:
  ```text blocks: a line `$ convscope ARGS` followed by the expected output (stdout, then stderr)
                  up to the next `$ ` line or the end of the block; a line `...` matches any lines.
  ```sh blocks:   every line starting with `convscope ` must exit 0, and the file or directory it
                  names with -o/--out must exist and be non-empty afterwards.
Commands run in a scratch directory that links the repository's examples/ and resources/, so
relative paths in the documents work and the outputs land outside the source tree.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile


def blocks(path):
    """Yields (language, first line number, lines) for every fenced block of a Markdown file."""
    lang, start, body = None, 0, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = re.match(r"^```(\w*)\s*$", line)
            if m and lang is None:
                lang, start, body = m.group(1) or "plain", n + 1, []
            elif line.startswith("```") and lang is not None:
                yield lang, start, body
                lang = None
            elif lang is not None:
                body.append(line)


def matches(expected, actual):
    """Line-wise equality where an expected `...` line stands for any number of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


def run(exe, args, cwd):
    p = subprocess.run([exe] + args, cwd=cwd, capture_output=True, text=True, timeout=600)
    out = p.stdout.splitlines() + p.stderr.splitlines()
    return p.returncode, [l.rstrip() for l in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    a.source = os.path.abspath(a.source)
    a.convscope = os.path.abspath(a.convscope)
    docs = [os.path.join(a.source, "README.md")]
    docs += sorted(os.path.join(a.source, "docs", f) for f in os.listdir(os.path.join(a.source, "docs"))
                   if f.endswith(".md"))
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        for d in ("examples", "resources"):
            os.symlink(os.path.join(a.source, d), os.path.join(work, d))
        for doc in docs:
            rel = os.path.relpath(doc, a.source)
            for lang, start, body in blocks(doc):
                if lang == "text":
                    i = 0
                    while i < len(body):
                        if not body[i].startswith("$ convscope "):
                            i += 1
                            continue
                        j = i + 1
                        while j < len(body) and not body[j].startswith("$ "):
                            j += 1
                        args = shlex.split(body[i][len("$ convscope "):])
                        rc, out = run(a.convscope, args, work)
                        checked += 1
                        expected = [l.rstrip() for l in body[i + 1:j]]
                        if not matches(expected, out):
                            failures.append(f"{rel}:{start + i}: `{body[i][2:]}` (exit {rc}) printed:\n"
                                            + "\n".join("    " + l for l in out) + "\n  the document shows:\n"
                                            + "\n".join("    " + l for l in expected))
                        i = j
                elif lang == "sh":
                    for k, line in enumerate(body):
                        if not line.startswith("convscope "):
                            continue
                        args = shlex.split(line[len("convscope "):], comments=True)
                        rc, out = run(a.convscope, args, work)
                        checked += 1
                        target = None
                        for flag in ("-o", "--out"):
                            if flag in args and args.index(flag) + 1 < len(args):
                                target = os.path.join(work, args[args.index(flag) + 1])
                        ok = rc == 0
                        if ok and target is not None:
                            ok = os.path.exists(target) and (os.path.isdir(target) and os.listdir(target)
                                                             or os.path.getsize(target) > 0)
                        if not ok:
                            failures.append(f"{rel}:{start + k}: `{line}` exit {rc}, output "
                                            f"{'missing' if rc == 0 else 'not checked'}:\n"
                                            + "\n".join("    " + l for l in out[-10:]))
    for f in failures:
        print("FAIL " + f)
    print(f"{checked} documented commands run, {len(failures)} differ from the documents")
    if checked == 0:
        print("FAIL no documented command found: the parser no longer sees the examples")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
