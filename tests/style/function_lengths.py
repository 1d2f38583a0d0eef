#!/usr/bin/env python3
"""Lengths of the functions in C++ sources, longest first (a tool, not a test).

  tests/style/function_lengths.py [--min N] FILE_OR_DIR...

A function is a brace block opened at namespace level (inside namespaces only) whose line is not a
namespace, class, struct, enum or union; its length counts the lines from that opening line to its
closing brace, lambdas and nested blocks included. Comments and string literals are skipped when
counting braces. Functions are kept to about 120 lines; this finds the ones that are not.
"""
import argparse
import os
import re
import sys


def code_of(line, state):
    """The line without comments and string contents; state['block'] tracks /* ... */."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["block"], i = False, j + 2
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"], i = True, i + 2
            continue
        c = line[i]
        if c in "\"'":
            i += 1
            while i < len(line) and line[i] != c:
                i += 2 if line[i] == "\\" else 1
            out.append('""')
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def functions(path):
    """(length, first line, name) of every function in path."""
    state, stack, found = {"block": False}, [], []
    pending, start, name = "", 0, "?"
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for n, raw in enumerate(lines, 1):
        s = code_of(raw, state)
        at_top = all(k == "ns" for k in stack)
        for ch in s:
            if ch == "{":
                if all(k == "ns" for k in stack):
                    head = s.split("{")[0]
                    if re.search(r"\bnamespace\b|\bextern\s+\"\"", head + " " + pending):
                        stack.append("ns")
                    elif re.search(r"^\s*(class|struct|enum|union)\b", head) or (
                            "(" not in head and "(" not in pending):
                        stack.append("type")
                    else:
                        stack.append("fn")
                        start = n
                        names = re.findall(r"([~\w:]+)\s*\(", pending + " " + head)
                        name = names[0] if names else "?"
                else:
                    stack.append("block")
            elif ch == "}" and stack:
                if stack.pop() == "fn" and all(k == "ns" for k in stack):
                    found.append((n - start + 1, start, name))
        if at_top and all(k == "ns" for k in stack):
            t = s.strip()
            ends = not t or t.endswith((";", "}")) or t.startswith("#")
            pending = "" if ends else (pending + " " + t)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min", type=int, default=100, help="list functions of at least this many lines")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    files = []
    for p in a.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, x) for x in names if x.endswith(".cpp")]
        else:
            files.append(p)
    rows = [(L, path, st, nm) for path in sorted(files) for L, st, nm in functions(path)]
    for L, path, st, nm in sorted(rows, reverse=True):
        if L >= a.min:
            print(f"{L:5d}  {path}:{st}  {nm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
