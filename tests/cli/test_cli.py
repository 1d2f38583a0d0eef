#!/usr/bin/python3
"""End-to-end tests of the convscope command line (check, run, bench, --help, usage errors).

Usage: test_cli.py --convscope PATH [--examples DIR] [--work DIR] [unittest options, e.g. -v or
TestCheck.test_pytorch_example]

Expected shapes are derived independently of the engine: PyTorch and Chainer example stacks are
rebuilt as torch layers (torch 1.13 from /usr/bin/python3) and pushed through with zeros; Keras
and ONNX stacks use the closed-form rules of docs/conventions.md, written out below.
"""
import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONVSCOPE = None
EXAMPLES = os.path.join(REPO, "examples")
WORK = None
TIMEOUT_S = 120

EXAMPLE_FILES = {
    "pytorch": "pytorch_upsampler.json",
    "keras": "keras_conv1d_transpose.json",
    "onnx": "onnx_same_upper.json",
    "chainer": "chainer_deconv2d.json",
}


def cli(*args, cwd=None):
    return subprocess.run([CONVSCOPE] + [str(a) for a in args], cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT_S)


def load_example(convention):
    path = os.path.join(EXAMPLES, EXAMPLE_FILES[convention])
    with open(path) as f:
        return path, json.load(f)


def per_axis(value, n):
    if isinstance(value, list):
        assert len(value) == n, value
        return list(value)
    return [value] * n


def input_cf_shape(stack):
    """Input shape without batch, channels first (the examples carry no batch axis)."""
    shape = list(stack["input"]["shape"])
    if stack.get("layout", "channels_first") == "channels_last":
        shape = [shape[-1]] + shape[:-1]
    return shape


def fmt(proc):
    return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (proc.returncode, proc.stdout[-3000:],
                                                        proc.stderr[-3000:])


# ---------------------------------------------------------------------------------------------
# Expected shapes and paddings
def torch_expected(stack):
    """PyTorch / Chainer stack rebuilt with torch: [(out_shape, padding)] per layer."""
    import torch
    import torch.nn.functional as F

    conv = stack.get("convention", "pytorch")
    names = {"pytorch": dict(k="kernel_size", s="stride", p="padding", d="dilation", g="groups",
                             outsize="output_size"),
             "chainer": dict(k="ksize", s="stride", p="pad", d="dilate", g="groups",
                             outsize="outsize")}[conv]
    shape = input_cf_shape(stack)
    nd = len(shape) - 1
    x = torch.zeros([1] + shape, dtype=torch.float64)
    res = []
    for layer in stack["layers"]:
        op = layer["op"]
        C = x.shape[1]
        L = list(x.shape[2:])
        g = layer.get(names["g"], 1)
        if op in ("conv", "conv_transpose", "unpool"):
            k = per_axis(layer[names["k"]], nd)
            s = per_axis(layer.get(names["s"], 1 if op != "unpool" else layer[names["k"]]), nd)
            p = per_axis(layer.get(names["p"], 0), nd)
            d = per_axis(layer.get(names["d"], 1), nd)
        if op == "conv":
            O = layer["out_channels"]
            mod = (torch.nn.Conv1d if nd == 1 else torch.nn.Conv2d)(
                C, O, k, stride=s, padding=p, dilation=d, groups=g).double()
            with torch.no_grad():
                x = mod(x)
            pad = [[pi, pi] for pi in p]
        elif op in ("conv_transpose", "unpool"):
            if op == "conv_transpose":
                O = layer["out_channels"]
                mod = (torch.nn.ConvTranspose1d if nd == 1 else torch.nn.ConvTranspose2d)(
                    C, O, k, stride=s, padding=p, dilation=d, groups=g,
                    output_padding=per_axis(layer.get("output_padding", 0), nd)).double()
                call = lambda inp, size=None: mod(inp, output_size=size)  # noqa: E731
            else:  # chainer unpooling_nd == depthwise conv_transpose with an all-ones kernel
                ones = torch.ones([C, 1] + k, dtype=torch.float64)
                ct = F.conv_transpose1d if nd == 1 else F.conv_transpose2d

                def call(inp, size=None, ones=ones, ct=ct, s=s, p=p):
                    full = ct(inp, ones, stride=s, padding=p, groups=C)
                    return full if size is None else full[(...,) + tuple(slice(0, n) for n in size)]
            full_len = [(L[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 for a in range(nd)]
            D = [full_len[a] - 2 * p[a] for a in range(nd)]  # torch / chainer default, op=0
            target = layer.get(names["outsize"])
            if target is None and op == "unpool" and layer.get("cover_all", True):
                target = [D[a] - (s[a] - 1) for a in range(nd)]
            with torch.no_grad():
                if target is None:
                    x = call(x)
                else:
                    target = per_axis(target, nd)
                    if op == "conv_transpose" and all(t >= Da for t, Da in zip(target, D)):
                        x = call(x, target)  # torch's own output_size handling
                    else:  # below D (chainer only): torch's output then truncated at the end
                        assert all(t <= Da for t, Da in zip(target, D)), (target, D)
                        x = call(x)[(...,) + tuple(slice(0, t) for t in target)] \
                            if op == "conv_transpose" else call(x, target)
            out = list(x.shape[2:])
            pad = [[p[a], full_len[a] - p[a] - out[a]] for a in range(nd)]
        elif op == "relu":
            x = torch.relu(x)
            pad = [[0, 0]] * nd
        else:
            raise AssertionError("torch_expected: op %s not handled" % op)
        res.append((list(x.shape[1:]), pad))
    return res


def keras_expected(stack):
    """Keras closed forms (docs/conventions.md §Keras); 1-D or 2-D, per axis."""
    shape = input_cf_shape(stack)
    C, L = shape[0], shape[1:]
    nd = len(L)
    res = []
    for layer in stack["layers"]:
        op = layer["op"]
        if op == "relu":
            res.append(([C] + L, [[0, 0]] * nd))
            continue
        k = per_axis(layer["kernel_size"], nd)
        s = per_axis(layer.get("strides", 1), nd)
        d = per_axis(layer.get("dilation_rate", 1), nd)
        padding = layer.get("padding", "valid")
        outs, pads = [], []
        for a in range(nd):
            dk = d[a] * (k[a] - 1) + 1
            if op == "conv":
                if padding == "valid":
                    out, pb, pe = math.ceil((L[a] - dk + 1) / s[a]), 0, 0
                elif padding == "same":
                    out = math.ceil(L[a] / s[a])
                    total = max(0, (out - 1) * s[a] + dk - L[a])
                    pb, pe = total // 2, total - total // 2
                else:  # causal
                    out, pb, pe = math.ceil(L[a] / s[a]), dk - 1, 0
                outs.append(out)
                pads.append([pb, pe])
            elif op == "conv_transpose":
                op_ = layer.get("output_padding")
                if op_ is None:
                    out = L[a] * s[a] if padding == "same" else L[a] * s[a] + max(dk - s[a], 0)
                else:
                    pad = dk // 2 if padding == "same" else 0
                    out = (L[a] - 1) * s[a] + dk - 2 * pad + per_axis(op_, nd)[a]
                full = (L[a] - 1) * s[a] + dk
                start = max(0, full - out) // 2 if padding == "same" else 0
                outs.append(out)
                pads.append([start, full - start - out])
            else:
                raise AssertionError("keras_expected: op %s not handled" % op)
        C = layer["filters"]
        L = outs
        res.append(([C] + L, pads))
    return res


def onnx_expected(stack):
    """ONNX closed forms (docs/conventions.md §ONNX, spec split rule)."""
    shape = input_cf_shape(stack)
    C, L = shape[0], shape[1:]
    nd = len(L)
    res = []
    for layer in stack["layers"]:
        op = layer["op"]
        if op == "relu":
            res.append(([C] + L, [[0, 0]] * nd))
            continue
        k = per_axis(layer["kernel_shape"], nd)
        s = per_axis(layer.get("strides", 1), nd)
        d = per_axis(layer.get("dilations", 1), nd)
        auto = layer.get("auto_pad", "NOTSET")
        pads = layer.get("pads", [0] * (2 * nd))
        outs, applied = [], []
        for a in range(nd):
            dk = d[a] * (k[a] - 1) + 1
            if op == "conv":
                if auto in ("SAME_UPPER", "SAME_LOWER"):
                    out = math.ceil(L[a] / s[a])
                    total = max(0, (out - 1) * s[a] + dk - L[a])
                    pb = total // 2 if auto == "SAME_UPPER" else total - total // 2
                    pe = total - pb
                else:
                    pb, pe = (0, 0) if auto == "VALID" else (pads[a], pads[a + nd])
                    out = (L[a] + pb + pe - dk) // s[a] + 1
            elif op == "conv_transpose":
                opad = per_axis(layer.get("output_padding", 0), nd)[a]
                oshape = layer.get("output_shape")
                if oshape is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
                    out = oshape[a] if oshape is not None else L[a] * s[a]
                    total = s[a] * (L[a] - 1) + opad + dk - out
                    pb = total // 2 if auto == "SAME_UPPER" else total - total // 2
                else:
                    pb = 0 if auto == "VALID" else pads[a]
                    pe_ = 0 if auto == "VALID" else pads[a + nd]
                    out = s[a] * (L[a] - 1) + opad + dk - pb - pe_
                full = (L[a] - 1) * s[a] + dk
                pe = full - pb - out
            else:
                raise AssertionError("onnx_expected: op %s not handled" % op)
            outs.append(out)
            applied.append([pb, pe])
        C = layer["out_channels"]
        L = outs
        res.append(([C] + L, applied))
    return res


def expected_for(convention, stack):
    if convention in ("pytorch", "chainer"):
        return torch_expected(stack)
    return {"keras": keras_expected, "onnx": onnx_expected}[convention](stack)


def to_layout(cf_shape, layout):
    return cf_shape if layout == "channels_first" else cf_shape[1:] + cf_shape[:1]


# ---------------------------------------------------------------------------------------------
class Base(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cli_", dir=WORK)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check_json(self, stack_path):
        proc = cli("check", stack_path, "--json")
        self.assertEqual(proc.returncode, 0, fmt(proc))
        try:
            return json.loads(proc.stdout)
        except ValueError as exc:
            self.fail("check --json stdout is not JSON (%s)\n%s" % (exc, fmt(proc)))

    def write_stack(self, stack, name="stack.json"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(stack, f, indent=1)
        return path


class TestHelp(Base):
    def test_top_level_help(self):
        proc = cli("--help")
        self.assertEqual(proc.returncode, 0, fmt(proc))
        text = (proc.stdout + proc.stderr).lower()
        self.assertIn("usage", text)
        for sub in ("check", "run", "bench"):
            self.assertIn(sub, text, "top-level --help should list the sub-command %s" % sub)

    def test_subcommand_help(self):
        for sub in ("check", "run", "bench"):
            with self.subTest(sub=sub):
                proc = cli(sub, "--help")
                self.assertEqual(proc.returncode, 0, fmt(proc))
                text = (proc.stdout + proc.stderr).lower()
                self.assertIn("usage", text, fmt(proc))
                self.assertIn(sub, text, fmt(proc))
        self.assertIn("--out", (cli("run", "--help").stdout + cli("run", "--help").stderr))
        bench_help = cli("bench", "--help")
        for flag in ("--repeat", "--threads", "--json"):
            self.assertIn(flag, bench_help.stdout + bench_help.stderr)


class TestUsageErrors(Base):
    def assert_usage_error(self, proc, *words):
        self.assertEqual(proc.returncode, 2, fmt(proc))
        err = proc.stderr.lower()
        self.assertTrue("usage" in err or "--help" in err, "no usage hint on stderr\n" + fmt(proc))
        for w in words:
            self.assertIn(w.lower(), err, fmt(proc))

    def test_unknown_subcommand(self):
        self.assert_usage_error(cli("frobnicate"), "frobnicate")

    def test_check_without_stack(self):
        self.assert_usage_error(cli("check"))

    def test_run_without_stack(self):
        self.assert_usage_error(cli("run", "--out", os.path.join(self.tmp, "o")))

    def test_run_without_out(self):
        path, _ = load_example("pytorch")
        self.assert_usage_error(cli("run", path), "--out")

    def test_bench_without_stack(self):
        self.assert_usage_error(cli("bench", "--json"))

    def test_unknown_option(self):
        path, _ = load_example("pytorch")
        self.assert_usage_error(cli("check", path, "--no-such-flag"), "--no-such-flag")

    def test_bench_repeat_not_a_number(self):
        path, _ = load_example("pytorch")
        self.assert_usage_error(cli("bench", path, "--repeat", "many", "--json"), "repeat")

    def test_bench_repeat_zero(self):
        path, _ = load_example("pytorch")
        self.assert_usage_error(cli("bench", path, "--repeat", "0", "--json"), "repeat")

    def test_run_out_is_a_file(self):
        path, _ = load_example("pytorch")
        target = os.path.join(self.tmp, "a_file")
        open(target, "w").close()
        proc = cli("run", path, "--out", target)
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertIn("a_file", proc.stderr, fmt(proc))

    def test_stack_file_missing(self):
        missing = os.path.join(self.tmp, "no_such_stack.json")
        for sub in (["check"], ["run", "--out", os.path.join(self.tmp, "o")]):
            with self.subTest(sub=sub[0]):
                proc = cli(sub[0], missing, *sub[1:])
                self.assertEqual(proc.returncode, 2, fmt(proc))
                self.assertIn("no_such_stack.json", proc.stderr, fmt(proc))
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "o"))
                                 and os.listdir(os.path.join(self.tmp, "o")))


# Every option each sub-command takes, as the README and the tests use them. --help of a
# sub-command must list exactly these (plus -h/--help), and each must be accepted by the parser.
SUBCOMMAND_OPTIONS = {
    "check": ["--json", "--lesson"],
    "run": ["-o", "--out", "--csv", "--csv-only", "--json", "--lesson"],
    "bench": ["--repeat", "--threads", "--interactive", "--case", "--json", "--lesson"],
    "import": ["-o", "--out", "--shape", "--json"],
    "equiv": ["--layer", "--json", "--lesson"],
    "trace": ["--layer", "--step", "--json", "--lesson"],
    "field": ["--layer", "--position", "--from", "--json", "--lesson"],
    "compare": ["--lesson", "--input", "--json"],
    "render": ["--layer", "--view", "--step", "--size", "--theme", "--no-title", "--no-caption", "--compare", "-o", "--out",
               "--lesson"],
    "animate": ["--layer", "--view", "--fps", "--size", "--theme", "--from", "--to", "--no-title", "--no-caption", "--compare",
                "-o", "--out", "--frames-dir", "--frame-format", "--lesson"],
}
GUI_SUBCOMMANDS = ("render", "animate")
LESSONS = os.path.join(REPO, "resources", "lessons")


def available_subcommands():
    """Sub-commands of this build: render/animate only when `convscope render --help` works."""
    subs = [s for s in SUBCOMMAND_OPTIONS if s not in GUI_SUBCOMMANDS]
    if cli("render", "--help").returncode == 0:
        subs += list(GUI_SUBCOMMANDS)
    return subs


VALUED_OPTIONS = {"-o", "--out", "--lesson", "--input", "--repeat", "--threads", "--case", "--shape", "--layer",
                  "--step", "--position", "--from", "--view", "--size", "--theme", "--fps", "--to",
                  "--frames-dir", "--frame-format"}


def help_options(text):
    """The "options:" table of a --help: {option name: its meaning}. An entry starts with a line
    "  -x, --name VALUE  meaning" or "      --name VALUE  meaning"; deeper-indented lines continue it."""
    body = text.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    entries = {}
    names = []
    for line in body.splitlines():
        m = re.match(r"  (?:(-\w), )?(?:    )?(--[\w-]+|-\w)( [^ ]+)?(?:  +|$)(.*)", line)
        if m and not line.startswith(" " * 6 + " "):
            names = [n for n in (m.group(1), m.group(2)) if n]
            for n in names:
                entries[n] = m.group(4).strip()
        else:
            for n in names:
                entries[n] = (entries[n] + " " + line.strip()).strip()
    return entries


class TestParser(Base):
    """The one parser every sub-command uses: --help, unknown options, missing values."""

    def test_help_lists_every_option_with_its_meaning(self):
        for sub in available_subcommands():
            with self.subTest(sub=sub):
                proc = cli(sub, "--help")
                self.assertEqual(proc.returncode, 0, fmt(proc))
                self.assertIn("usage: convscope " + sub, proc.stdout)
                listed = help_options(proc.stdout)
                self.assertEqual(set(listed), set(SUBCOMMAND_OPTIONS[sub]) | {"-h", "--help"},
                                 "options listed by '%s --help'\n%s" % (sub, proc.stdout))
                for name, meaning in listed.items():
                    self.assertGreater(len(meaning), 8, "%s %s has no meaning\n%s" % (sub, name, proc.stdout))

    def test_every_subcommand_accepts_its_options(self):
        # The stack does not exist, so nothing runs; a declared option is never "unknown".
        missing = os.path.join(self.tmp, "missing", "stack.json")
        for sub in available_subcommands():
            for opt in SUBCOMMAND_OPTIONS[sub]:
                with self.subTest(sub=sub, opt=opt):
                    args = [opt, "1"] if opt in VALUED_OPTIONS else [opt]
                    proc = cli(sub, missing, *args, cwd=self.tmp)
                    self.assertEqual(proc.returncode, 2, fmt(proc))
                    self.assertNotIn("unknown option", proc.stderr, fmt(proc))
        self.assertEqual(os.listdir(self.tmp), [])

    def test_missing_value_names_option(self):
        for sub in available_subcommands():
            for opt in (o for o in SUBCOMMAND_OPTIONS[sub] if o in VALUED_OPTIONS):
                with self.subTest(sub=sub, opt=opt):
                    proc = cli(sub, opt)
                    self.assertEqual(proc.returncode, 2, fmt(proc))
                    self.assertIn("'%s'" % opt, proc.stderr, fmt(proc))
                    self.assertIn("convscope " + sub, proc.stderr, fmt(proc))

    def test_unknown_option_names_option_and_subcommand(self):
        for sub in available_subcommands():
            for bad in ("--no-such-option", "--no-such-option=3", "-q"):
                with self.subTest(sub=sub, bad=bad):
                    proc = cli(sub, bad)
                    self.assertEqual(proc.returncode, 2, fmt(proc))
                    self.assertIn("unknown option " + bad.split("=")[0], proc.stderr, fmt(proc))
                    self.assertIn("convscope " + sub, proc.stderr, fmt(proc))
                    self.assertIn("--help", proc.stderr, fmt(proc))
                    self.assertEqual(len(proc.stderr.strip().splitlines()), 1, fmt(proc))
                    self.assertEqual(proc.stdout, "", fmt(proc))

    def test_flag_with_a_value_is_refused(self):
        path, _ = load_example("pytorch")
        proc = cli("check", path, "--json=yes")
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertIn("--json", proc.stderr, fmt(proc))

    def test_integer_option_out_of_range_names_option(self):
        path, _ = load_example("pytorch")
        proc = cli("trace", path, "--layer", "zero", "--step", "1")
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertIn("--layer", proc.stderr, fmt(proc))
        self.assertIn("zero", proc.stderr, fmt(proc))

    def test_top_level_help_lists_every_subcommand(self):
        text = cli("--help").stdout
        for sub in available_subcommands():
            self.assertRegex(text, r"(?m)^  %s " % sub)
        self.assertIn("--lesson", text)


class TestLesson(Base):
    """--lesson NAME instead of a STACK file gives what the lesson's file gives."""

    def lesson_file(self, name="conv1d_basics"):
        return os.path.join(LESSONS, name + ".json")

    def test_check_lesson_equals_check_file(self):
        by_name = cli("check", "--lesson", "conv1d_basics", "--json")
        by_file = cli("check", self.lesson_file(), "--json")
        self.assertEqual(by_name.returncode, 0, fmt(by_name))
        self.assertEqual(by_file.returncode, 0, fmt(by_file))
        self.assertEqual(json.loads(by_name.stdout), json.loads(by_file.stdout))
        text = cli("check", "--lesson=conv1d_basics")
        self.assertEqual(text.returncode, 0, fmt(text))
        self.assertIn("lesson conv1d_basics", text.stdout)

    def test_run_lesson_equals_run_file(self):
        outs = {}
        for how, args in (("name", ["--lesson", "transposed_scatter"]),
                          ("file", [self.lesson_file("transposed_scatter")])):
            out = os.path.join(self.tmp, how)
            proc = cli("run", *args, "--out", out)
            self.assertEqual(proc.returncode, 0, fmt(proc))
            outs[how] = {f: np.load(os.path.join(out, f)) for f in sorted(os.listdir(out))}
        self.assertEqual(sorted(outs["name"]), sorted(outs["file"]))
        self.assertTrue(outs["name"])
        for f in outs["name"]:
            np.testing.assert_array_equal(outs["name"][f], outs["file"][f], err_msg=f)

    def test_render_lesson_equals_render_file(self):
        if "render" not in available_subcommands():
            self.skipTest("render needs the GUI build")
        pngs = {}
        for how, args in (("name", ["--lesson", "transposed_scatter"]),
                          ("file", [self.lesson_file("transposed_scatter")])):
            out = os.path.join(self.tmp, how + ".png")
            proc = cli("render", *args, "--size", "320x200", "-o", out)
            self.assertEqual(proc.returncode, 0, fmt(proc))
            with open(out, "rb") as f:
                pngs[how] = f.read()
        self.assertTrue(pngs["name"].startswith(b"\x89PNG"))
        self.assertEqual(pngs["name"], pngs["file"], "the lesson's own view drawn by name and by file")

    def test_other_stack_commands_take_a_lesson(self):
        for args in (["equiv", "--layer", "0", "--json"], ["trace", "--layer", "0", "--step", "1", "--json"],
                     ["field", "--layer", "0", "--position", "0", "--json"],
                     ["bench", "--repeat", "1", "--json"]):
            with self.subTest(sub=args[0]):
                proc = cli(*args, "--lesson", "conv1d_basics")
                self.assertEqual(proc.returncode, 0, fmt(proc))
                json.loads(proc.stdout)

    def test_unknown_lesson_lists_the_lessons(self):
        names = sorted(f[:-5] for f in os.listdir(LESSONS) if f.endswith(".json"))
        subs = [["check"], ["run", "--out", os.path.join(self.tmp, "o")]]
        if "render" in available_subcommands():
            subs.append(["render", "-o", os.path.join(self.tmp, "a.png")])
        for sub in subs:
            with self.subTest(sub=sub[0]):
                proc = cli(sub[0], "--lesson", "no_such_lesson", *sub[1:])
                self.assertEqual(proc.returncode, 2, fmt(proc))
                self.assertIn("no_such_lesson", proc.stderr, fmt(proc))
                self.assertIn("--lesson", proc.stderr, fmt(proc))
                for n in names:
                    self.assertIn(n, proc.stderr, fmt(proc))
                self.assertEqual(len(proc.stderr.strip().splitlines()), 1, fmt(proc))
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "o")))
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "a.png")))

    def test_stack_and_lesson_together_are_refused(self):
        proc = cli("check", self.lesson_file(), "--lesson", "conv1d_basics")
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertIn("--lesson", proc.stderr, fmt(proc))

    def test_help_lists_the_lessons(self):
        text = cli("check", "--help").stdout
        for f in os.listdir(LESSONS):
            if f.endswith(".json"):
                self.assertIn(f[:-5], text)


class TestOutputOption(Base):
    """-o DIR, --out DIR and --out=DIR are the same option wherever a command writes files."""

    def test_run_short_and_long(self):
        path, stack = load_example("pytorch")
        d = {k: os.path.join(self.tmp, k) for k in ("short", "long", "inline", "glued")}
        for name, args in (("short", ["-o", d["short"]]), ("long", ["--out", d["long"]]),
                           ("inline", ["--out=" + d["inline"]]), ("glued", ["-o" + d["glued"]])):
            with self.subTest(form=name):
                proc = cli("run", path, *args)
                self.assertEqual(proc.returncode, 0, fmt(proc))
                self.assertEqual(len(os.listdir(d[name])), len(stack["layers"]))

    def test_render_short_and_long(self):
        if "render" not in available_subcommands():
            self.skipTest("render needs the GUI build")
        for opt in ("-o", "--out"):
            with self.subTest(opt=opt):
                out = os.path.join(self.tmp, "fig%s.svg" % opt.strip("-"))
                proc = cli("render", "--lesson", "conv1d_basics", "--size", "320x200", opt, out)
                self.assertEqual(proc.returncode, 0, fmt(proc))
                self.assertTrue(os.path.getsize(out) > 0)

    def test_import_short_and_long(self):
        # A missing model is reported as such: the option itself was understood.
        for opt in ("-o", "--out"):
            with self.subTest(opt=opt):
                proc = cli("import", os.path.join(self.tmp, "missing.onnx"), opt,
                           os.path.join(self.tmp, "s.json"))
                self.assertEqual(proc.returncode, 2, fmt(proc))
                self.assertIn("missing.onnx", proc.stderr, fmt(proc))
                self.assertNotIn("unknown option", proc.stderr, fmt(proc))


class TestExamples(Base):
    def test_examples_follow_the_format(self):
        for convention, fname in EXAMPLE_FILES.items():
            with self.subTest(example=fname):
                path, stack = load_example(convention)
                self.assertEqual(stack["convscope"], 1)
                self.assertEqual(stack["convention"], convention)
                self.assertIn(stack.get("layout", "channels_first"),
                              ("channels_first", "channels_last"))
                self.assertTrue(2 <= len(stack["layers"]) <= 4)
                self.assertIn("generator", stack["input"])
                for layer in stack["layers"]:
                    self.assertNotIn("weight", layer, "examples need no .npy files")


class TestCheck(Base):
    def _check_example(self, convention):
        path, stack = load_example(convention)
        expected = expected_for(convention, stack)
        doc = self.check_json(path)
        self.assertIsInstance(doc, dict)
        self.assertIn("layers", doc)
        layers = doc["layers"]
        self.assertEqual(len(layers), len(stack["layers"]))
        prev = input_cf_shape(stack)
        for i, (entry, layer, (out_shape, pad)) in enumerate(zip(layers, stack["layers"], expected)):
            with self.subTest(convention=convention, layer=i):
                for key in ("index", "op", "input_shape", "output_shape", "padding"):
                    self.assertIn(key, entry)
                self.assertEqual(entry["index"], i)
                self.assertEqual(entry["op"], layer["op"])
                self.assertEqual(entry["input_shape"], prev, "input_shape (channels first, no batch)")
                self.assertEqual(entry["output_shape"], out_shape, "output_shape")
                self.assertEqual(entry["padding"], pad, "padding [[begin, end], ...]")
                prev = entry["output_shape"]
        # the text form names every op and states the formula with its numbers
        proc = cli("check", path)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        text = proc.stdout
        for layer, (out_shape, _) in zip(stack["layers"], expected):
            self.assertIn(layer["op"], text, fmt(proc))
            for n in out_shape[1:]:
                self.assertRegex(text, r"\b%d\b" % n, fmt(proc))
        self.assertIn("=", text, "text form should show the formula used\n" + fmt(proc))
        self.assertEqual(proc.stderr.strip(), "", "no warnings expected\n" + fmt(proc))

    def test_pytorch_example(self):
        self._check_example("pytorch")

    def test_keras_example(self):
        self._check_example("keras")

    def test_onnx_example(self):
        self._check_example("onnx")

    def test_chainer_example(self):
        self._check_example("chainer")

    def test_parameters_and_multiply_adds_are_torchs(self):
        # The PyTorch upsampler: Conv1d(2, 8, 5, padding=2), ReLU, ConvTranspose1d(8, 2, 3, stride=2,
        # padding=1, output_padding=1) on 32 samples.
        import torch
        path, _ = load_example("pytorch")
        doc = self.check_json(path)
        mods = [torch.nn.Conv1d(2, 8, 5, padding=2), torch.nn.ReLU(),
                torch.nn.ConvTranspose1d(8, 2, 3, stride=2, padding=1, output_padding=1)]
        want = [sum(p.numel() for p in m.parameters()) for m in mods]
        self.assertEqual([l["parameters"] for l in doc["layers"]], want)
        self.assertEqual(doc["parameters"], sum(want))
        # conv: out * C * k; conv_transpose: in * O * k (one multiply-add per stamp tap); relu: out.
        self.assertEqual([l["multiply_adds"] for l in doc["layers"]], [8 * 32 * 2 * 5, 8 * 32, 8 * 32 * 2 * 3])
        self.assertEqual(doc["multiply_adds"], 8 * 32 * 2 * 5 + 8 * 32 + 8 * 32 * 2 * 3)
        text = cli("check", path).stdout
        self.assertIn("parameters 88, multiply-adds 2560 per sample", text)
        self.assertIn("total: parameters 138, multiply-adds 4352 per sample", text)

    def test_json_schema_types(self):
        for convention in EXAMPLE_FILES:
            with self.subTest(convention=convention):
                path, stack = load_example(convention)
                doc = self.check_json(path)
                nd = len(input_cf_shape(stack)) - 1
                for entry in doc["layers"]:
                    self.assertIsInstance(entry["index"], int)
                    self.assertIsInstance(entry["op"], str)
                    for key in ("input_shape", "output_shape"):
                        self.assertEqual(len(entry[key]), nd + 1)
                        self.assertTrue(all(isinstance(v, int) and v >= 1 for v in entry[key]))
                    self.assertEqual(len(entry["padding"]), nd)
                    for pair in entry["padding"]:
                        self.assertEqual(len(pair), 2)
                        self.assertTrue(all(isinstance(v, int) for v in pair))

    def test_nan_warning_keeps_json_stdout_clean(self):
        x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(2, 32)
        x[1, 7] = np.nan
        np.save(os.path.join(self.tmp, "x.npy"), x)
        _, stack = load_example("pytorch")
        stack["input"] = {"shape": [2, 32], "data": "x.npy"}
        path = self.write_stack(stack)
        proc = cli("check", path, "--json")
        self.assertEqual(proc.returncode, 0, fmt(proc))
        self.assertIn("nan", proc.stderr.lower(), "NaN warning belongs on stderr\n" + fmt(proc))
        doc = json.loads(proc.stdout)  # the warning must not leak into the JSON
        self.assertEqual(doc["layers"][-1]["output_shape"], [2, 64])

    def test_shapes_in_the_stacks_layout_and_words(self):
        # Keras Conv1D(filters=8, kernel_size=5) on 8000 steps of 1 feature, channels_last: torch's
        # Conv1d(1, 8, 5) on (N, C, L) = (1, 1, 8000), its output moved to (N, L, C).
        import torch
        stack = {"convscope": 1, "convention": "keras", "layout": "channels_last",
                 "input": {"shape": [8000, 1], "generator": {"kind": "noise", "seed": 1}},
                 "layers": [{"op": "conv", "filters": 8, "kernel_size": 5}, {"op": "relu"}]}
        path = self.write_stack(stack)
        y = torch.nn.Conv1d(1, 8, 5)(torch.zeros(1, 1, 8000))
        want = list(y.permute(0, 2, 1).shape[1:])  # [7996, 8]
        doc = self.check_json(path)
        self.assertEqual(doc["input_shape"], [1, 8000], "input_shape stays channels first")
        self.assertEqual(doc["input_shape_layout"], [8000, 1])
        self.assertEqual(doc["input_axes"], ["steps", "input_dim"])
        conv, relu = doc["layers"]
        self.assertEqual(conv["output_shape"], list(y.shape[1:]), "output_shape stays channels first")
        self.assertEqual(conv["input_shape_layout"], [8000, 1])
        self.assertEqual(conv["output_shape_layout"], want)
        self.assertEqual(conv["output_axes"], ["steps", "filters"])
        self.assertEqual(relu["output_shape_layout"], want)
        self.assertEqual(relu["output_axes"], ["steps", "filters"])
        text = cli("check", path).stdout
        self.assertIn("input: [8000, 1] (steps, input_dim)", text)
        self.assertIn("[8000, 1] (steps, input_dim) -> [%d, %d] (steps, filters)" % tuple(want), text)
        self.assertNotIn("(C, spatial)", text)
        # every example: the layout form is what `run` writes (the stack's layout, batch dropped)
        for convention in EXAMPLE_FILES:
            with self.subTest(convention=convention):
                ex_path, ex = load_example(convention)
                layout = ex.get("layout", "channels_first")
                out = os.path.join(self.tmp, "run_" + convention)
                proc = cli("run", ex_path, "--out", out)
                self.assertEqual(proc.returncode, 0, fmt(proc))
                for entry in self.check_json(ex_path)["layers"]:
                    a = np.load(os.path.join(out, "layer_%d.npy" % entry["index"]))
                    self.assertEqual(entry["output_shape_layout"], list(a.shape[1:]))
                    self.assertEqual(entry["output_shape_layout"], to_layout(entry["output_shape"], layout))
                    self.assertEqual(len(entry["output_axes"]), len(entry["output_shape_layout"]))
                    if convention == "pytorch":
                        self.assertEqual(entry["output_axes"], ["C", "L"])

    def test_empty_layer_list(self):
        _, stack = load_example("pytorch")
        stack["layers"] = []
        doc = self.check_json(self.write_stack(stack))
        self.assertEqual(doc["layers"], [])


class TestTeach(Base):
    def test_equiv_lists_only_the_ways_that_apply(self):
        one_d, _ = load_example("pytorch")
        two_d, _ = load_example("chainer")
        for path, rank in ((one_d, 1), (two_d, 2)):
            with self.subTest(rank=rank):
                proc = cli("equiv", path, "--layer", "0", "--json")
                self.assertEqual(proc.returncode, 0, fmt(proc))
                methods = json.loads(proc.stdout)["methods"]
                self.assertEqual("conv2d_singleton" in methods, rank == 1, methods)
                self.assertEqual("hw_swapped" in methods, rank == 2, methods)
                text = cli("equiv", path, "--layer", "0").stdout
                self.assertEqual("conv2d_singleton" in text, rank == 1, text)
                for m in methods:
                    self.assertLessEqual(methods[m], 1e-4, m)
        help_text = cli("equiv", "--help").stdout
        self.assertIn("conv2d_singleton", help_text)
        self.assertIn("hw_swapped", help_text)

    def test_field_says_what_a_fractional_stride_means(self):
        # Layer 2 of the PyTorch upsampler is ConvTranspose1d(stride=2): its field on the input
        # moves 1/2 of an input step per output step.
        path, _ = load_example("pytorch")
        proc = cli("field", path, "--layer", "2", "--position", "10")
        self.assertEqual(proc.returncode, 0, fmt(proc))
        self.assertIn('stride ["1/2"]', proc.stdout)
        self.assertIn("stride 1/2 (a fractional stride)", proc.stdout)
        self.assertIn("1 input step per 2 output steps", proc.stdout)
        self.assertRegex(proc.stdout, r"padding 5/2: .*1/2\*p - 5/2")


class TestRun(Base):
    def _run(self, stack_path, *extra):
        out = os.path.join(self.tmp, "out")
        proc = cli("run", stack_path, "--out", out, *extra)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        return out, proc

    def _load_layers(self, out, count):
        names = sorted(f for f in os.listdir(out) if f.endswith(".npy"))
        self.assertEqual(names, sorted("layer_%d.npy" % i for i in range(count)))
        arrays = []
        for i in range(count):
            a = np.load(os.path.join(out, "layer_%d.npy" % i), allow_pickle=False)
            self.assertEqual(a.dtype, np.float32, "layer_%d.npy" % i)
            self.assertTrue(a.flags["C_CONTIGUOUS"], "layer_%d.npy must be C order" % i)
            arrays.append(a)
        return arrays

    def test_run_every_example(self):
        for convention in EXAMPLE_FILES:
            with self.subTest(convention=convention):
                path, stack = load_example(convention)
                expected = expected_for(convention, stack)
                layout = stack.get("layout", "channels_first")
                out, proc = self._run(path, "--json")
                try:
                    json.loads(proc.stdout)
                except ValueError:
                    self.fail("run --json stdout is not JSON\n" + fmt(proc))
                arrays = self._load_layers(out, len(stack["layers"]))
                for i, (a, layer, (shape, _)) in enumerate(zip(arrays, stack["layers"], expected)):
                    self.assertEqual(list(a.shape), [1] + to_layout(shape, layout),
                                     "layer_%d.npy: batch axis kept, layout %s" % (i, layout))
                    self.assertTrue(np.isfinite(a).all(), "layer_%d.npy" % i)
                    if layer["op"] == "relu":
                        np.testing.assert_array_equal(a, np.maximum(arrays[i - 1], 0))
                shutil.rmtree(out)

    def test_channels_last_output_is_n_l_c(self):
        path, stack = load_example("keras")
        out, _ = self._run(path)
        arrays = self._load_layers(out, len(stack["layers"]))
        self.assertEqual(arrays[0].shape, (1, 32, 8))
        self.assertEqual(arrays[-1].shape, (1, 64, 3))

    def test_batch_axis_is_kept(self):
        _, stack = load_example("pytorch")
        stack["input"]["shape"] = [3] + stack["input"]["shape"]  # [N, C, L]
        stack["input"]["generator"] = {"kind": "noise", "seed": 5}
        out, _ = self._run(self.write_stack(stack))
        arrays = self._load_layers(out, len(stack["layers"]))
        self.assertEqual([a.shape for a in arrays], [(3, 8, 32), (3, 8, 32), (3, 2, 64)])
        self.assertFalse(np.array_equal(arrays[0][0], arrays[0][1]), "noise is independent per item")

    def test_run_is_deterministic(self):
        path, stack = load_example("chainer")
        out, _ = self._run(path)
        first = self._load_layers(out, len(stack["layers"]))
        shutil.rmtree(out)
        out, _ = self._run(path)
        for a, b in zip(first, self._load_layers(out, len(stack["layers"]))):
            np.testing.assert_array_equal(a, b)

    def test_pytorch_numbers_with_weight_files(self):
        import torch
        rng = np.random.default_rng(11)
        x = rng.standard_normal((2, 32)).astype(np.float32)
        w0 = rng.uniform(-0.5, 0.5, (8, 2, 5)).astype(np.float32)
        b0 = rng.uniform(-0.5, 0.5, (8,)).astype(np.float32)
        w2 = rng.uniform(-0.5, 0.5, (8, 2, 3)).astype(np.float32)  # transposed: (C, O/g, k)
        b2 = rng.uniform(-0.5, 0.5, (2,)).astype(np.float64)      # float64 files are accepted
        for name, arr in dict(x=x, w0=w0, b0=b0, w2=w2, b2=b2).items():
            np.save(os.path.join(self.tmp, name + ".npy"), arr)
        _, stack = load_example("pytorch")
        stack["input"] = {"data": "x.npy"}  # shape taken from the file
        stack["layers"][0].update(weight="w0.npy", bias="b0.npy")
        stack["layers"][2].update(weight="w2.npy", bias="b2.npy")
        for layer in stack["layers"]:
            layer.pop("init", None)
        out, _ = self._run(self.write_stack(stack))
        got = self._load_layers(out, 3)
        t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa: E731
        y0 = torch.nn.functional.conv1d(t(x)[None], t(w0), t(b0), padding=2)
        y1 = torch.relu(y0)
        y2 = torch.nn.functional.conv_transpose1d(y1, t(w2), t(b2), stride=2, padding=1,
                                                  output_padding=1)
        for i, ref in enumerate((y0, y1, y2)):
            np.testing.assert_allclose(got[i], ref.numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg="layer_%d.npy vs torch" % i)

    def test_keras_channels_last_numbers_with_weight_files(self):
        import torch
        rng = np.random.default_rng(12)
        x = rng.standard_normal((32, 3)).astype(np.float32)          # (L, C)
        k0 = rng.uniform(-0.5, 0.5, (3, 3, 8)).astype(np.float32)    # Conv1D (k, C, filters)
        k2 = rng.uniform(-0.5, 0.5, (3, 3, 8)).astype(np.float32)    # Conv1DTranspose (k, filters, C)
        for name, arr in dict(x=x, k0=k0, k2=k2).items():
            np.save(os.path.join(self.tmp, name + ".npy"), arr)
        _, stack = load_example("keras")
        stack["input"] = {"shape": [32, 3], "data": "x.npy"}
        stack["layers"][0].update(weight="k0.npy", use_bias=False)
        stack["layers"][2].update(weight="k2.npy", use_bias=False)
        for layer in stack["layers"]:
            layer.pop("init", None)
        out, _ = self._run(self.write_stack(stack))
        got = self._load_layers(out, 3)
        t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa: E731
        xt = t(x).T[None]                                             # (1, C, L)
        y0 = torch.nn.functional.conv1d(xt, t(k0).permute(2, 1, 0), padding=1)  # same, k=3, s=1
        y1 = torch.relu(y0)
        # TF SAME, k=3, s=2, output_padding=None: L_out = 64, crop start 0 (not torch padding=1)
        y2 = torch.nn.functional.conv_transpose1d(y1, t(k2).permute(2, 1, 0), stride=2)[..., :64]
        for i, ref in enumerate((y0, y1, y2)):
            np.testing.assert_allclose(got[i], ref.permute(0, 2, 1).numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg="layer_%d.npy vs torch (channels_last)" % i)


class TestBench(Base):
    def _bench(self, *extra):
        path, stack = load_example("pytorch")
        proc = cli("bench", path, *extra)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        try:
            doc = json.loads(proc.stdout)
        except ValueError:
            self.fail("bench --json stdout is not JSON\n" + fmt(proc))
        self.assertIsInstance(doc, dict)
        for key in ("threads", "layers", "total_ms_median"):
            self.assertIn(key, doc)
        self.assertEqual(len(doc["layers"]), len(stack["layers"]))
        for i, (entry, layer) in enumerate(zip(doc["layers"], stack["layers"])):
            self.assertEqual(entry["index"], i)
            self.assertEqual(entry["op"], layer["op"])
            ms = entry["ms_median"]
            self.assertIsInstance(ms, (int, float))
            self.assertTrue(math.isfinite(ms) and ms >= 0, entry)
        total = doc["total_ms_median"]
        self.assertTrue(isinstance(total, (int, float)) and math.isfinite(total) and total > 0, doc)
        self.assertIsInstance(doc["threads"], int)
        self.assertGreaterEqual(doc["threads"], 1)
        return doc

    def test_bench_json_schema(self):
        doc = self._bench("--repeat", "3", "--threads", "2", "--json")
        self.assertEqual(doc["threads"], 2)
        self.assertTrue(any(e["ms_median"] > 0 for e in doc["layers"]), doc)

    def test_bench_single_thread(self):
        self.assertEqual(self._bench("--repeat", "2", "--threads", "1", "--json")["threads"], 1)

    def test_bench_defaults(self):
        self._bench("--json")


def main():
    global CONVSCOPE, EXAMPLES, WORK
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--examples", default=EXAMPLES)
    ap.add_argument("--work", default=None, help="scratch directory (default: system temp)")
    args, rest = ap.parse_known_args()
    CONVSCOPE = os.path.abspath(args.convscope)
    EXAMPLES = os.path.abspath(args.examples)
    if args.work:
        os.makedirs(args.work, exist_ok=True)
        WORK = os.path.abspath(args.work)
    if not os.access(CONVSCOPE, os.X_OK):
        print("test_cli.py: convscope binary not found or not executable: %s" % CONVSCOPE)
        return 2
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
