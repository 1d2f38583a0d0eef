#!/usr/bin/python3
"""Project files (.convscope) from strangers, through the command line: check / run / render.

Usage: test_project_files.py --convscope PATH [--work DIR] [--gui] [unittest options]

A project is a zip (manifest.json, stack.json, data/...); these tests write them with Python's
zipfile, independently of ConvScope's writer. What they hold ConvScope to:
- a project's stack may only read members of its own data/ folder: an absolute path, '..', '~' or
  a name the manifest does not list is refused (exit 2) with a message naming the member and the
  path, and nothing outside the project is opened (a FIFO stands in for the secret: opening it for
  reading would block, and the run would time out);
- a member is refused from its declared size before it is inflated (a 4 GiB entry of zeros in a
  4 MB file: exit 2 within seconds and without the memory), a .npy member must be exactly what its
  header declares;
- error messages quote a token of a bad file, never lines of it;
- a valid project runs, and its outputs match PyTorch.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

import numpy as np

CONVSCOPE = None
WORK = None
GUI = False
TIMEOUT_S = 60


def cli(*args, timeout=TIMEOUT_S):
    return subprocess.run([CONVSCOPE] + [str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)


def fmt(proc):
    return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (proc.returncode, proc.stdout[-3000:],
                                                        proc.stderr[-3000:])


def npy_bytes(array):
    path = os.path.join(WORK, "tmp_array.npy")
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))
    with open(path, "rb") as f:
        return f.read()


def conv_stack(weight_ref="data/w.npy", input_ref=None, extra_layer=None):
    stack = {"convscope": 1, "convention": "pytorch",
             "input": {"shape": [2, 12], "generator": {"kind": "ramp"}},
             "layers": [{"op": "conv", "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1,
                         "weight": weight_ref, "bias": False}]}
    if input_ref is not None:
        stack["input"] = {"data": input_ref}
    if extra_layer is not None:
        stack["layers"].append(extra_layer)
    return stack


def write_project(path, stack, files, listed=None):
    """files: archive name -> bytes; listed: names for the manifest (default: the files)."""
    manifest = {"format": "convscope-project", "format_version": 1, "stack": "stack.json",
                "files": sorted(files) if listed is None else listed}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(manifest))
        z.writestr("stack.json", json.dumps(stack))
        for name, data in files.items():
            z.writestr(name, data)
    return path


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        rng = np.random.default_rng(7)
        self.weight = rng.standard_normal((3, 2, 3)).astype(np.float32)

    def project(self, name, stack, files=None, listed=None):
        if files is None:
            files = {"data/w.npy": npy_bytes(self.weight)}
        return write_project(os.path.join(self.dir, name), stack, files, listed)

    def assertRefused(self, proc, *needles):
        self.assertEqual(proc.returncode, 2, fmt(proc))
        for n in needles:
            self.assertIn(n, proc.stderr, fmt(proc))
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, "one message: " + fmt(proc))


class TestValidProjects(Base):
    def test_check_a_project(self):
        p = self.project("ok.convscope", conv_stack())
        proc = cli("check", p)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        self.assertIn("[3, 6]", proc.stdout)

    def test_run_with_input_member_matches_torch(self):
        import torch
        import torch.nn.functional as F
        rng = np.random.default_rng(3)
        x = rng.standard_normal((2, 12)).astype(np.float32)
        stack = conv_stack(input_ref="data/x.npy")
        p = self.project("in.convscope", stack,
                         {"data/w.npy": npy_bytes(self.weight), "data/x.npy": npy_bytes(x)})
        out = os.path.join(self.dir, "out")
        proc = cli("run", p, "--out", out)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        got = np.load(os.path.join(out, "layer_0.npy"))
        want = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(self.weight), stride=2,
                        padding=1).numpy()
        self.assertEqual(got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)

    def test_render_a_project(self):
        if not GUI:
            self.skipTest("render needs the GUI build")
        p = self.project("r.convscope", conv_stack())
        png = os.path.join(self.dir, "fig.png")
        proc = cli("render", p, "--layer", 0, "--view", "slide", "--step", 1, "-o", png)
        self.assertEqual(proc.returncode, 0, fmt(proc))
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


class TestPathsOutsideTheProject(Base):
    def setUp(self):
        super().setUp()
        # The "secret": a FIFO. Opening it for reading blocks until a writer comes, so a reader
        # that touched it would hang past the timeout.
        self.secret = os.path.join(self.dir, "secret.npy")
        os.mkfifo(self.secret)

    def refused(self, name, stack, *needles, files=None, listed=None):
        p = self.project(name, stack, files, listed)
        for cmd in (["check", p], ["run", p, "--out", os.path.join(self.dir, "o_" + name)]):
            try:
                proc = cli(*cmd, timeout=20)
            except subprocess.TimeoutExpired:
                self.fail("%s opened a file outside the project (it blocked on the FIFO)" % " ".join(cmd))
            # A path is quoted up to 64 characters (then "…"): look for its start.
            self.assertRefused(proc, p, *[n[:40] for n in needles])
            self.assertIn("not one of the project's data files", proc.stderr, fmt(proc))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "o_" + name, "layer_0.npy")))

    def test_absolute_weight(self):
        self.refused("abs.convscope", conv_stack(weight_ref=self.secret), "/layers/0/weight", self.secret)

    def test_dotdot_weight(self):
        rel = "data/../../" + os.path.basename(self.dir) + "/secret.npy"
        self.refused("dotdot.convscope", conv_stack(weight_ref=rel), "/layers/0/weight", rel)

    def test_home_and_proc_paths(self):
        self.refused("home.convscope", conv_stack(weight_ref="~/.ssh/id_rsa"), "~/.ssh/id_rsa")
        self.refused("proc.convscope", conv_stack(weight_ref="/proc/self/environ"), "/proc/self/environ")

    def test_absolute_input(self):
        self.refused("input.convscope", conv_stack(input_ref=self.secret), "/input/data", self.secret)

    def test_batch_norm_statistics(self):
        bn = {"op": "batch_norm", "mean": self.secret}
        self.refused("bn.convscope", conv_stack(extra_layer=bn), "/layers/1/mean", self.secret)

    def test_name_not_in_manifest(self):
        p = self.project("unlisted.convscope", conv_stack(weight_ref="data/other.npy"))
        proc = cli("check", p)
        self.assertRefused(proc, p, "data/other.npy", "does not list")

    def test_long_path_is_quoted_short(self):
        ref = "/" + "a" * 5000
        p = self.project("long.convscope", conv_stack(weight_ref=ref))
        proc = cli("check", p)
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertLess(len(proc.stderr) - len(p), 500, fmt(proc))


class TestInflationLimits(Base):
    def test_four_gib_entry_is_refused_at_once(self):
        """A 4 MB project whose weight inflates to 4 GiB: refused from its size, not inflated."""
        p = os.path.join(self.dir, "bomb.convscope")
        manifest = {"format": "convscope-project", "format_version": 1, "files": ["data/w.npy"]}
        with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("manifest.json", json.dumps(manifest))
            z.writestr("stack.json", json.dumps(conv_stack()))
            chunk = bytes(1 << 24)
            with z.open("data/w.npy", "w", force_zip64=True) as f:
                for _ in range(256):  # 4 GiB of zeros
                    f.write(chunk)
        self.assertLess(os.path.getsize(p), 8 << 20)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.monotonic()
        proc = cli("check", p)
        elapsed = time.monotonic() - t0
        self.assertRefused(proc, p, "data/w.npy")
        self.assertLess(elapsed, 10.0, "took %.1f s" % elapsed)  # today: ~42 s and 8.4 GB
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertLess(max(peak_kib, before), 1 << 20, "peak RSS %d KiB" % peak_kib)

    def test_npy_member_longer_than_its_header(self):
        data = npy_bytes(self.weight) + bytes(64 << 20)
        p = self.project("long_npy.convscope", conv_stack(), {"data/w.npy": data})
        proc = cli("check", p)
        self.assertRefused(proc, p, "data/w.npy", "header")

    def test_unreferenced_member_is_not_inflated(self):
        files = {"data/w.npy": npy_bytes(self.weight), "data/junk.bin": bytes(64 << 20)}
        p = self.project("junk.convscope", conv_stack(), files)
        proc = cli("check", p)
        self.assertEqual(proc.returncode, 0, fmt(proc))


class TestMessages(Base):
    def test_garbage_json_is_quoted_as_a_token(self):
        path = os.path.join(self.dir, "garbage.json")
        with open(path, "w") as f:
            f.write("{\"convscope\": 1, \"layers\": " + "q" * 4000 + "}")
        proc = cli("check", path)
        self.assertEqual(proc.returncode, 2, fmt(proc))
        self.assertNotIn("q" * 40, proc.stderr.replace(path, ""))
        self.assertLess(len(proc.stderr) - len(path), 300, fmt(proc))

    def test_not_a_zip(self):
        p = os.path.join(self.dir, "plain.convscope")
        with open(p, "w") as f:
            f.write("PK" + "y" * 5000)
        proc = cli("check", p)
        self.assertRefused(proc, p)
        self.assertNotIn("y" * 40, proc.stderr.replace(p, ""))

    def test_project_stack_with_bad_json(self):
        p = os.path.join(self.dir, "badjson.convscope")
        manifest = {"format": "convscope-project", "format_version": 1}
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("manifest.json", json.dumps(manifest))
            z.writestr("stack.json", "{\"layers\": \"" + "z" * 3000)
        proc = cli("check", p)
        self.assertRefused(proc, p, "stack.json")
        self.assertNotIn("z" * 40, proc.stderr.replace(p, ""))


def main():
    global CONVSCOPE, WORK, GUI
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--work", default=None)
    ap.add_argument("--gui", action="store_true")
    args, rest = ap.parse_known_args()
    CONVSCOPE = os.path.abspath(args.convscope)
    GUI = args.gui
    WORK = args.work or tempfile.mkdtemp(prefix="convscope-projects-")
    os.makedirs(WORK, exist_ok=True)
    prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
