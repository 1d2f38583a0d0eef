#!/usr/bin/env python3
"""End-to-end tests of `convscope render`, `convscope animate` and `convscope run --csv`.

Every format for every view of two lessons:
  PNG decodes (ffmpeg) with the requested size; SVG parses as XML and has <text> elements and no
  <image>; PDF renders with pdftoppm; .tex compiles with pdflatex (a handful of runs, each in a temp
  dir); GIF frame count == number of steps (own GIF block parser) and it loops; MP4 decodes with
  ffprobe with the right frame count; PNG frames match tests/export/golden within a tolerance.
Bad arguments exit 2 with a message and leave no file (nor a temporary one).

Regenerate the golden frames (after an intended change of the renderer, and look at them):
  /usr/bin/python3 tests/export/test_export.py --convscope build/app/convscope --regenerate-golden
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LESSONS = os.path.join(ROOT, "resources", "lessons")
GOLDEN = os.path.join(HERE, "golden")

# (lesson, layer, view): every view of two lessons (conv1d_basics: conv layer 0 and conv_transpose
# layer 2; transposed_scatter: its conv_transpose layer 0).
CASES = [
    ("conv1d_basics", 0, "slide"), ("conv1d_basics", 2, "scatter"), ("conv1d_basics", 2, "zero_insert"),
    ("conv1d_basics", 0, "matrix"), ("conv1d_basics", 2, "overlap"), ("conv1d_basics", 1, "receptive_field"),
    ("conv1d_basics", 0, "activations"),
    ("transposed_scatter", 0, "slide"), ("transposed_scatter", 0, "scatter"), ("transposed_scatter", 0, "zero_insert"),
    ("transposed_scatter", 0, "matrix"), ("transposed_scatter", 0, "overlap"),
    ("transposed_scatter", 0, "receptive_field"), ("transposed_scatter", 0, "activations"),
]
TEX_COMPILED = {("conv1d_basics", "slide"), ("transposed_scatter", "scatter"), ("conv1d_basics", "matrix"),
                ("transposed_scatter", "activations")}
GOLDEN_CASE = ("transposed_scatter", 0, "scatter", "480x300")  # every step, light theme

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def png_pixels(path):
    """RGB pixels of an image (any format ffmpeg reads) as an (H, W, 3) uint8 array."""
    probe = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                 "-of", "csv=p=0", path])
    w, h = (int(x) for x in probe.stdout.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def gif_info(path):
    """(frames, loops) from the GIF's own block structure."""
    data = open(path, "rb").read()
    assert data[:6] in (b"GIF87a", b"GIF89a"), "not a GIF"
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    frames, loops = 0, False
    while pos < len(data):
        b = data[pos]
        if b == 0x3B:
            break
        if b == 0x21:
            label = data[pos + 1]
            pos += 2
            first = True
            while data[pos]:
                n = data[pos]
                if label == 0xFF and first and data[pos + 1:pos + 1 + n] == b"NETSCAPE2.0":
                    loops = True
                first = False
                pos += n + 1
            pos += 1
        elif b == 0x2C:
            frames += 1
            f = data[pos + 9]
            pos += 10 + (3 * (2 << (f & 7)) if f & 0x80 else 0)
            pos += 1  # LZW minimum code size
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
        else:
            raise ValueError("bad GIF block 0x%02x at %d" % (b, pos))
    return frames, loops


def steps_of(cs, lesson, layer, view):
    r = run([cs, "render", os.path.join(LESSONS, lesson + ".json"), "--layer", str(layer), "--view", view,
             "--step", "999999", "-o", os.devnull + ".png"])
    import re
    m = re.search(r"has (\d+) steps", r.stderr)
    return int(m.group(1)) if m else None


def test_figures(cs, work):
    for lesson, layer, view in CASES:
        stack = os.path.join(LESSONS, lesson + ".json")
        base = os.path.join(work, "%s_%d_%s" % (lesson, layer, view))
        for ext in ("png", "svg", "pdf", "tex"):
            out = base + "." + ext
            size = "640x400" if ext == "png" else "960x600"
            r = run([cs, "render", stack, "--layer", str(layer), "--view", view, "--step", "1", "--size", size,
                     "-o", out])
            if view == "activations":  # one step only
                r = run([cs, "render", stack, "--view", view, "--size", size, "-o", out])
            if not check(r.returncode == 0 and os.path.exists(out), "render %s %s %s: %s" % (lesson, view, ext, r.stderr)):
                continue
            if ext == "png":
                check(png_size(out) == (640, 400), "%s: PNG size %s" % (out, png_size(out)))
                check(png_pixels(out).shape == (400, 640, 3), "%s: PNG decodes" % out)
            elif ext == "svg":
                try:
                    root = ET.parse(out).getroot()
                    ns = "{http://www.w3.org/2000/svg}"
                    texts = root.findall(".//%stext" % ns)
                    paths = root.findall(".//%spath" % ns) + root.findall(".//%srect" % ns)
                    check(len(texts) >= 3, "%s: only %d <text> elements" % (out, len(texts)))
                    check(len(paths) >= 3, "%s: no vector shapes" % out)
                    if view != "activations":  # heatmaps are images by nature
                        check(not root.findall(".//%simage" % ns), "%s: embeds a bitmap" % out)
                except ET.ParseError as e:
                    check(False, "%s: not XML: %s" % (out, e))
            elif ext == "pdf":
                with tempfile.TemporaryDirectory() as td:
                    p = run(["pdftoppm", "-r", "24", "-png", out, os.path.join(td, "p")])
                    check(p.returncode == 0 and os.listdir(td), "%s: pdftoppm: %s" % (out, p.stderr))
                    pf = run(["pdffonts", out])
                    check("DejaVu" in pf.stdout, "%s: text is not text (no fonts)" % out)
            elif ext == "tex":
                src = open(out, encoding="utf-8").read()
                check("\\begin{tikzpicture}" in src and "\\definecolor" in src and "\\node" in src,
                      "%s: not a TikZ picture with colours and text" % out)
                check("\\includegraphics" not in src and "not embedded" not in src, "%s: embeds an image" % out)
                if (lesson, view) in TEX_COMPILED:
                    with tempfile.TemporaryDirectory() as td:
                        shutil.copy(out, os.path.join(td, "fig.tex"))
                        p = run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "fig.tex"], cwd=td,
                                timeout=180)
                        ok = p.returncode == 0 and os.path.exists(os.path.join(td, "fig.pdf"))
                        if not check(ok, "%s: pdflatex failed:\n%s" % (out, p.stdout[-1500:])):
                            continue
                        q = run(["pdftoppm", "-r", "24", "-png", os.path.join(td, "fig.pdf"), os.path.join(td, "p")])
                        check(q.returncode == 0, "%s: compiled PDF does not render" % out)


def test_animations(cs, work):
    for lesson, layer, view in CASES:
        if view == "activations":
            continue
        stack = os.path.join(LESSONS, lesson + ".json")
        steps = steps_of(cs, lesson, layer, view)
        if not check(steps, "%s %s: step count" % (lesson, view)):
            continue
        base = os.path.join(work, "anim_%s_%d_%s" % (lesson, layer, view))
        r = run([cs, "animate", stack, "--layer", str(layer), "--view", view, "--size", "480x300", "--fps", "4",
                 "-o", base + ".mp4"])
        r1 = run([cs, "animate", stack, "--layer", str(layer), "--view", view, "--size", "480x300", "--fps", "4",
                  "-o", base + ".gif"])
        if check(r1.returncode == 0, "animate gif %s %s: %s" % (lesson, view, r1.stderr)):
            frames, loops = gif_info(base + ".gif")
            check(frames == steps, "%s.gif: %d frames, %d steps" % (base, frames, steps))
            check(loops, "%s.gif: does not loop" % base)
        if check(r.returncode == 0, "animate mp4 %s %s: %s" % (lesson, view, r.stderr)):
            p = run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                     "stream=nb_read_frames,width,height", "-of", "csv=p=0", base + ".mp4"])
            parts = p.stdout.strip().split(",")
            check(p.returncode == 0 and parts == ["480", "300", str(steps)],
                  "%s.mp4: ffprobe says %s, expected 480x300 with %d frames" % (base, p.stdout.strip(), steps))


def frames_for_golden(cs, outdir):
    lesson, layer, view, size = GOLDEN_CASE
    r = run([cs, "animate", os.path.join(LESSONS, lesson + ".json"), "--layer", str(layer), "--view", view,
             "--size", size, "--frames-dir", outdir])
    return r


def test_golden(cs, work):
    out = os.path.join(work, "golden_frames")
    shutil.rmtree(out, ignore_errors=True)
    r = frames_for_golden(cs, out)
    if not check(r.returncode == 0, "frames-dir: %s" % r.stderr):
        return
    names = sorted(f for f in os.listdir(GOLDEN) if f.endswith(".png"))
    check(names and sorted(os.listdir(out)) == names, "frames %s vs golden %s" % (sorted(os.listdir(out)), names))
    for n in names:
        a = png_pixels(os.path.join(out, n)).astype(np.int16)
        b = png_pixels(os.path.join(GOLDEN, n)).astype(np.int16)
        if not check(a.shape == b.shape, "%s: size %s vs golden %s" % (n, a.shape, b.shape)):
            continue
        d = np.abs(a - b).max(axis=2)
        frac = float((d > 48).mean())
        check(d.mean() < 2.0 and frac < 0.005,
              "%s differs from the golden frame: mean %.2f, %.3f%% pixels off" % (n, d.mean(), 100 * frac))
    # SVG frames too
    svgdir = os.path.join(work, "svg_frames")
    shutil.rmtree(svgdir, ignore_errors=True)
    lesson, layer, view, size = GOLDEN_CASE
    r = run([cs, "animate", os.path.join(LESSONS, lesson + ".json"), "--layer", str(layer), "--view", view,
             "--size", size, "--frames-dir", svgdir, "--frame-format", "svg"])
    check(r.returncode == 0 and len(os.listdir(svgdir)) == len(names), "svg frames: %s" % r.stderr)


def test_bad_arguments(cs, work):
    stack = os.path.join(LESSONS, "conv1d_basics.json")
    bad = os.path.join(work, "bad")
    shutil.rmtree(bad, ignore_errors=True)
    os.makedirs(bad)
    ro = os.path.join(bad, "readonly")
    os.makedirs(ro)
    os.chmod(ro, 0o555)
    cases = [
        (["render", stack, "--layer", "0", "--view", "sideways", "-o", bad + "/a.png"], "unknown view"),
        (["render", stack, "--layer", "0", "--view", "slide", "--step", "9", "-o", bad + "/a.png"], "out of range"),
        (["render", stack, "--layer", "0", "--view", "slide", "--step", "0", "-o", bad + "/a.png"], "1..8"),
        (["render", stack, "--layer", "0", "--view", "slide", "--step", "-1", "-o", bad + "/a.png"], "out of range"),
        (["render", stack, "--layer", "7", "--view", "slide", "-o", bad + "/a.png"], "out of range"),
        (["render", stack, "--layer", "0", "--view", "scatter", "-o", bad + "/a.png"], "scatter"),
        (["render", stack, "--layer", "0", "--view", "slide", "-o", bad + "/a.bmp"], "extension"),
        (["render", stack, "--layer", "0", "--view", "slide", "-o", bad + "/missing/dir/a.png"], "does not exist"),
        (["render", stack, "--layer", "0", "--view", "slide", "-o", ro + "/a.svg"], "not writable"),
        (["render", stack, "--layer", "0", "--view", "slide", "--size", "12x5", "-o", bad + "/a.png"], "--size"),
        (["render", stack, "--layer", "0", "--view", "slide", "--theme", "neon", "-o", bad + "/a.png"], "theme"),
        (["render", stack, "--layer", "0", "--view", "slide", "-o", bad + "/a.gif"], "animate"),
        (["animate", stack, "--layer", "0", "--view", "slide", "-o", bad + "/a.avi"], "extension"),
        (["animate", stack, "--layer", "0", "--view", "slide", "--to", "99", "-o", bad + "/a.gif"], "out of range"),
        (["animate", stack, "--layer", "0", "--view", "slide", "--from", "0", "-o", bad + "/a.gif"], "--from"),
        (["animate", stack, "--layer", "0", "--view", "slide", "--from", "5", "--to", "4", "-o", bad + "/a.gif"],
         "before --from"),
        (["animate", stack, "--layer", "0", "--view", "blur", "-o", bad + "/a.mp4"], "unknown view"),
        (["animate", stack, "--layer", "0", "--view", "slide", "-o", ro + "/a.gif"], "not writable"),
        (["animate", stack, "--layer", "0", "--view", "slide", "--fps", "0", "-o", bad + "/a.gif"], "--fps"),
    ]
    if os.geteuid() == 0:  # root writes into read-only directories anyway
        cases = [c for c in cases if "not writable" not in c[1]]
    for args, needle in cases:
        r = run([cs] + args)
        check(r.returncode == 2, "%s: exit %d (expected 2): %s" % (" ".join(args[3:]), r.returncode, r.stderr))
        check(needle in r.stderr, "%s: message %r lacks %r" % (" ".join(args), r.stderr.strip(), needle))
    left = [f for f in os.listdir(bad) if f != "readonly"] + os.listdir(ro)
    check(not left, "bad arguments left files behind: %s" % left)
    os.chmod(ro, 0o755)


def test_lesson_step_default(cs, work):
    """Without --step (and without --view/--layer) render draws the lesson's own view.step (an index
    from 0 in the file, so the frame of --step view.step + 1, counted from 1)."""
    stack = os.path.join(LESSONS, "transposed_scatter.json")
    with open(stack) as f:
        step = json.load(f)["view"]["step"]
    check(step > 0, "transposed_scatter's view.step is %r; this test needs a step > 0" % step)
    outs = {}
    for name, extra in (("default", []), ("explicit", ["--step", str(step + 1)]), ("zero", ["--step", "1"])):
        out = os.path.join(work, "lesson_step_%s.png" % name)
        r = run([cs, "render", stack, "--size", "480x300", "-o", out] + extra)
        if check(r.returncode == 0, "render %s: %s" % (name, r.stderr)):
            outs[name] = png_pixels(out)
    if len(outs) == 3:
        check(np.array_equal(outs["default"], outs["explicit"]), "render without --step is not the lesson's step %d" % step)
        check(not np.array_equal(outs["default"], outs["zero"]), "render without --step drew step 1")


def svg_texts(path):
    """Every text of an SVG, joined by newlines (Qt's SVG writes one <text> per run)."""
    root = ET.parse(path).getroot()
    return "\n".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))


def test_step_numbering(cs, work):
    """One step convention: `render --step T` draws the frame titled "step T / N", `trace --step T`
    prints "step T of N" for output position T - 1 (the slide view's step T), --step 0 is a usage error
    naming the option and the range 1..N, and --frames-dir names step T frame_000T."""
    stack = os.path.join(LESSONS, "transposed_scatter.json")
    d = os.path.join(work, "steps")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    n = steps_of(cs, "transposed_scatter", 0, "slide")
    if not check(n and n > 3, "transposed_scatter slide: step count %r" % n):
        return
    for t in (1, 4, n):
        svg = os.path.join(d, "slide_%d.svg" % t)
        r = run([cs, "render", stack, "--layer", "0", "--view", "slide", "--step", str(t), "-o", svg])
        if check(r.returncode == 0, "render --step %d: %s" % (t, r.stderr)):
            texts = svg_texts(svg)
            check("step %d / %d" % (t, n) in texts, "render --step %d: title lacks 'step %d / %d'" % (t, t, n))
        r = run([cs, "trace", stack, "--layer", "0", "--step", str(t)])
        first = r.stdout.splitlines()[0] if r.stdout else ""
        check(r.returncode == 0 and "step %d of %d, position [%d]" % (t, n, t - 1) in first,
              "trace --step %d printed %r (expected step %d of %d, position [%d])" % (t, first, t, n, t - 1))
        r = run([cs, "trace", stack, "--layer", "0", "--step", str(t), "--json"])
        check(r.returncode == 0 and json.loads(r.stdout)["step"] == t, "trace --step %d --json: %s" % (t, r.stdout[:80]))
    for option, args in (("--step", ["render", stack, "--layer", "0", "--view", "slide", "--step", "0", "-o",
                                     os.path.join(d, "z.png")]),
                         ("--step", ["trace", stack, "--layer", "0", "--step", "0"]),
                         ("--step", ["trace", stack, "--layer", "0", "--step", str(n + 1)]),
                         ("--from", ["animate", stack, "--layer", "0", "--view", "slide", "--from", "0",
                                     "--frames-dir", d])):
        r = run([cs] + args)
        check(r.returncode == 2 and option in r.stderr and "1..%d" % n in r.stderr,
              "%s: exit %d, %r (expected exit 2 naming %s and 1..%d)" % (" ".join(args[3:]), r.returncode,
                                                                       r.stderr.strip(), option, n))
    frames = os.path.join(d, "frames")
    r = run([cs, "animate", stack, "--layer", "0", "--view", "slide", "--from", "2", "--to", "3", "--size",
             "320x200", "--frames-dir", frames, "--frame-format", "svg"])
    if check(r.returncode == 0, "animate --from 2 --to 3: %s" % r.stderr):
        names = sorted(os.listdir(frames))
        check(names == ["frame_0002.svg", "frame_0003.svg"], "animate --from 2 --to 3 wrote %s" % names)
        if names:
            check("step 2 / %d" % n in svg_texts(os.path.join(frames, names[0])), "frame_0002 is not step 2")


def saturated_rows(img):
    """Rows of an RGB image holding saturated (cell-coloured) pixels: max - min channel > 60."""
    sat = img.max(axis=2).astype(int) - img.min(axis=2).astype(int)
    rows = np.nonzero((sat > 60).sum(axis=1) > 2)[0]
    return (int(rows[0]), int(rows[-1])) if len(rows) else None


def test_no_title_caption(cs, work):
    """--no-title drops the title line, --no-caption the explanation and the footer (legend and
    formula); the scene grows into the freed room (its coloured cells span more rows)."""
    stack = os.path.join(LESSONS, "transposed_scatter.json")
    d = os.path.join(work, "bare")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    base = [cs, "render", stack, "--layer", "0", "--view", "scatter", "--step", "3"]
    imgs, texts = {}, {}
    for name, extra in (("full", []), ("no_title", ["--no-title"]), ("no_caption", ["--no-caption"]),
                        ("bare", ["--no-title", "--no-caption"])):
        png, svg = os.path.join(d, name + ".png"), os.path.join(d, name + ".svg")
        r1 = run(base + extra + ["-o", png])
        r2 = run(base + extra + ["-o", svg])
        if check(r1.returncode == 0 and r2.returncode == 0, "render %s: %s %s" % (name, r1.stderr, r2.stderr)):
            imgs[name], texts[name] = png_pixels(png), svg_texts(svg)
    if len(imgs) != 4:
        return
    title, caption, footer = "Layer 0 · conv_transpose · scatter", "Each input x[i] stamps", "output length:"
    check(title in texts["full"] and caption in texts["full"] and footer in texts["full"],
          "the full frame lacks its title, explanation or footer")
    check(title not in texts["no_title"] and caption in texts["no_title"], "--no-title: title %r / caption %r" %
          (title in texts["no_title"], caption in texts["no_title"]))
    check(title in texts["no_caption"] and caption not in texts["no_caption"] and footer not in texts["no_caption"],
          "--no-caption left the explanation or the footer")
    check(title not in texts["bare"] and footer not in texts["bare"], "--no-title --no-caption left text")
    full, bare = saturated_rows(imgs["full"]), saturated_rows(imgs["bare"])
    if check(full and bare, "no coloured cells found"):
        check(bare[1] - bare[0] > (full[1] - full[0]) * 1.1,
              "the scene did not grow into the freed room: rows %s without title/caption, %s with" % (bare, full))
    check(not np.array_equal(imgs["full"], imgs["no_title"]), "--no-title changed nothing")
    check(not np.array_equal(imgs["full"], imgs["no_caption"]), "--no-caption changed nothing")
    # the activation plots: --no-title drops the "Activations · NAME" line (SVG text) and changes the image
    acts = {}
    for name, extra in (("with", []), ("without", ["--no-title"])):
        svg = os.path.join(d, "acts_%s.svg" % name)
        r = run([cs, "render", stack, "--view", "activations", "-o", svg] + extra)
        if check(r.returncode == 0, "render --view activations %s: %s" % (extra, r.stderr)):
            acts[name] = svg_texts(svg)
    if len(acts) == 2:
        check("Activations" in acts["with"] and "Activations" not in acts["without"],
              "render --view activations --no-title kept the title")


def test_run_csv(cs, work):
    out = os.path.join(work, "run_csv")
    shutil.rmtree(out, ignore_errors=True)
    stack = os.path.join(LESSONS, "conv1d_basics.json")
    r = run([cs, "run", stack, "--out", out, "--csv"])
    if not check(r.returncode == 0, "run --csv: %s" % r.stderr):
        return
    for i in range(3):
        npy = np.load(os.path.join(out, "layer_%d.npy" % i))
        csv = np.loadtxt(os.path.join(out, "layer_%d.csv" % i), delimiter=",", skiprows=1, ndmin=2)
        check(np.array_equal(npy[0].T.astype(np.float32), csv.astype(np.float32)), "layer_%d.csv != .npy" % i)
    out2 = os.path.join(work, "run_csv_only")
    shutil.rmtree(out2, ignore_errors=True)
    r = run([cs, "run", stack, "--out", out2, "--csv-only"])
    check(r.returncode == 0 and sorted(os.listdir(out2)) == ["layer_0.csv", "layer_1.csv", "layer_2.csv"],
          "run --csv-only: %s %s" % (r.stderr, os.listdir(out2) if os.path.isdir(out2) else None))


def test_write_fails_part_way(cs, work):
    """A write that fails part-way is a problem of the environment, not of ConvScope: exit 2, one
    message naming the file and the system's reason, and nothing left behind (not even the
    temporary file). A full disk needs a mount to make; a file size limit (RLIMIT_FSIZE, SIGXFSZ
    ignored) fails the same write() calls with EFBIG ("File too large") instead of ENOSPC."""
    import resource
    import signal
    stack = os.path.join(LESSONS, "conv1d_basics.json")
    d = os.path.join(work, "write_fails")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    limit = 2048  # bytes: every target below is larger

    def small_file_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cases = [
        ["render", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.png")],
        ["render", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.svg")],
        ["render", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.pdf")],
        ["render", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.tex")],
        ["render", stack, "--view", "activations", "-o", os.path.join(d, "activations.png")],
        ["animate", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.gif")],
        ["animate", stack, "--layer", "0", "--view", "slide", "-o", os.path.join(d, "slide.mp4")],
    ]
    for args in cases:
        target = args[-1]
        name = os.path.basename(target)
        r = subprocess.run([cs] + args, capture_output=True, text=True, preexec_fn=small_file_limit)
        check(r.returncode == 2, "%s: exit %d (expected 2): %s" % (name, r.returncode, r.stderr.strip()))
        check(target in r.stderr, "%s: message does not name the file: %r" % (name, r.stderr.strip()))
        check("File too large" in r.stderr, "%s: message lacks the system's reason: %r" % (name, r.stderr.strip()))
        check("internal error" not in r.stderr, "%s: reported as an internal error: %r" % (name, r.stderr.strip()))
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        check(len(lines) == 1, "%s: %d lines on stderr (one message expected): %r" % (name, len(lines), r.stderr))
    left = os.listdir(d)
    check(not left, "failed writes left files behind: %s" % left)
    # Without the limit the same commands succeed (the limit, not the arguments, made them fail).
    r = run([cs] + cases[0])
    check(r.returncode == 0 and png_size(cases[0][-1]) is not None, "render without a limit: %s" % r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "convscope_export_test"))
    ap.add_argument("--regenerate-golden", action="store_true")
    ap.add_argument("--only", help="run only the test functions whose name contains this")
    a = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if a.regenerate_golden:
        for f in os.listdir(GOLDEN):
            if f.endswith(".png"):
                os.remove(os.path.join(GOLDEN, f))
        r = frames_for_golden(a.convscope, GOLDEN)
        print(r.stdout, r.stderr)
        return r.returncode
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    for t in (test_bad_arguments, test_write_fails_part_way, test_run_csv, test_lesson_step_default,
              test_step_numbering, test_no_title_caption, test_figures,
              test_animations, test_golden):
        if a.only and a.only not in t.__name__:
            continue
        print("==", t.__name__, flush=True)
        t(a.convscope, a.work)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
