#!/usr/bin/env python3
"""source_structure: the rules that keep the source tree walkable (docs/architecture.md).

  check_structure.py SOURCE_DIR

Fails, naming each offender, when in engine/, app/ or widgets/:
- a function is longer than 130 lines (the aim is about 120; function_lengths.py lists them);
- a .cpp over 300 lines does not open with "// Index of this file:" listing exactly its
  "// [SECTION] NAME" markers, in order;
- a folder holds more than 20 source files;
- a comment cites an issue ("issue 12") or a file outside the repository (../shared, conv-semantics.md);
- engine/ includes a Qt header.
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from function_lengths import functions  # noqa: E402

MAX_FUNCTION = 130
MAX_FILES = 20
CITATION = re.compile(r"//.*(\bissue\s+#?\d+|\.\./shared|conv-semantics\.md)", re.I)
MARK = re.compile(r"^// \[SECTION\] (.+?)\s*$")
ENTRY = re.compile(r"^//\s+\[SECTION\] (.+?)(?:\s{2,}.*)?$")


def sources(root):
    for top in ("engine", "app", "widgets"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith((".cpp", ".h")):
                    yield os.path.join(d, n)


def index_problems(path, lines):
    inc = next((i for i, l in enumerate(lines) if l.startswith("#include")), 0)
    head, body = lines[:inc], lines[inc:]
    markers = [m.group(1) for m in map(MARK.match, body) if m]
    if "// Index of this file:" not in head:
        return ["%s: %d lines and no '// Index of this file:' before its includes" % (path, len(lines))]
    start = head.index("// Index of this file:")
    entries = [m.group(1).strip() for m in map(ENTRY.match, head[start + 1:]) if m]
    if not markers:
        return ["%s: an index but no '// [SECTION] NAME' markers" % path]
    if entries != markers:
        return ["%s: index %s does not list the markers %s" % (path, entries, markers)]
    return []


def main():
    root = os.path.abspath(sys.argv[1])
    problems = []
    per_folder = collections.Counter()
    for path in sources(root):
        rel = os.path.relpath(path, root)
        per_folder[os.path.dirname(rel)] += 1
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for i, line in enumerate(lines, 1):
            if CITATION.search(line):
                problems.append("%s:%d: a comment cites an issue or a file outside the repository: %s"
                                % (rel, i, line.strip()[:100]))
            if rel.startswith("engine") and re.match(r"\s*#\s*include\s*<Q", line):
                problems.append("%s:%d: engine/ includes Qt" % (rel, i))
        if path.endswith(".cpp"):
            for length, start, name in functions(path):
                if length > MAX_FUNCTION:
                    problems.append("%s:%d: %s is %d lines (at most %d)" % (rel, start, name, length, MAX_FUNCTION))
            if len(lines) > 300:
                problems += index_problems(rel, lines)
    for folder, n in sorted(per_folder.items()):
        if n > MAX_FILES:
            problems.append("%s/ holds %d source files (at most %d)" % (folder, n, MAX_FILES))
    for p in problems:
        print("FAIL " + p)
    print("%d source files in %d folders checked, %d problems" % (sum(per_folder.values()), len(per_folder),
                                                                   len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
