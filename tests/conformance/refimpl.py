"""Reference interpreter of ConvScope stack files, in torch float64.

Every layer of a stack (see docs/stack-format.md) is evaluated here from its JSON dict and its
.npy files, following docs/conventions.md:

* pytorch convention: the real torch modules/functionals are the oracle (nn.ConvNd with
  padding_mode, nn.ConvTransposeNd.forward(output_size=...), F.max_pool/avg_pool).
* keras / onnx / chainer: emulated with the two primitives of docs/conventions.md §Canonical layer
  (P1 = pad then valid correlation, P2 = full transposed scatter then a zero-extended window)
  plus a per-convention resolver of (pads) or (start, L_out).

Tensors are channels-first with a batch axis: (N, C, L) or (N, C, H, W), dtype float64.
`Illegal` means the framework refuses the configuration (a stack that must give exit 2).
`Avoid` means the configuration is legal but the frameworks' readings are ambiguous, so the
generator does not use it.
"""
import math
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")
D64 = torch.float64


class Illegal(Exception):
    pass


class Avoid(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# names per convention (docs/stack-format.md)
NAMES = {
    "pytorch": dict(out="out_channels", k="kernel_size", s="stride", pad="padding", d="dilation",
                    g="groups", op="output_padding", size="output_size", pool_k="kernel_size"),
    "keras": dict(out="filters", k="kernel_size", s="strides", pad="padding", d="dilation_rate",
                  g="groups", op="output_padding", size=None, pool_k="pool_size"),
    "onnx": dict(out="out_channels", k="kernel_shape", s="strides", pad="pads", d="dilations",
                 g="group", op="output_padding", size="output_shape", pool_k="kernel_shape"),
    "chainer": dict(out="out_channels", k="ksize", s="stride", pad="pad", d="dilate",
                    g="groups", op=None, size="outsize", pool_k="ksize"),
}


def ints(v, dims):
    if isinstance(v, (list, tuple)):
        if len(v) != dims:
            raise Illegal("per-axis list of wrong length")
        return tuple(int(a) for a in v)
    return (int(v),) * dims


def cdiv(a, b):
    return -((-a) // b)


# ----------------------------------------------------------------------------------------------
# primitives
def pad_nd(x, pads, mode="constant", value=0.0):
    flat = []
    for b, e in reversed(pads):
        flat += [b, e]
    if mode == "constant":
        return F.pad(x, flat, mode="constant", value=value)
    return F.pad(x, flat, mode=mode)


def _conv(dims):
    return F.conv1d if dims == 1 else F.conv2d


def _convt(dims):
    return F.conv_transpose1d if dims == 1 else F.conv_transpose2d


def p1(x, W, b, s, d, g, pads):
    """Forward conv: zero pad (pb, pe) per axis, then valid cross-correlation."""
    dims = x.dim() - 2
    for a in range(dims):
        dk = d[a] * (W.shape[2 + a] - 1) + 1
        if x.shape[2 + a] + pads[a][0] + pads[a][1] < dk:
            raise Illegal("padded input shorter than the kernel span")
    xp = pad_nd(x, pads)
    return _conv(dims)(xp, W, b, stride=s, dilation=d, groups=g)


def p2(x, W, b, s, d, g, starts, outs):
    """Transposed conv: full scatter buffer, window [start, start+out) zero-extended, + bias."""
    dims = x.dim() - 2
    for o in outs:
        if o < 1:
            raise Illegal("output length < 1")
    full = _convt(dims)(x, W, None, stride=s, padding=0, dilation=d, groups=g)
    pads = []
    for a in range(dims):
        Lf = full.shape[2 + a]
        pads.append((-starts[a], starts[a] + outs[a] - Lf))
    y = pad_nd(full, pads)
    if b is not None:
        y = y + b.view(1, -1, *([1] * dims))
    return y


def tf_same(L, k, s, d=1):
    dk = d * (k - 1) + 1
    out = cdiv(L, s)
    total = max(0, (out - 1) * s + dk - L)
    return total // 2, total - total // 2


def onnx_same(L, k, s, d, upper):
    dk = d * (k - 1) + 1
    out = cdiv(L, s)
    total = max(0, (out - 1) * s + dk - L)
    pb = total // 2 if upper else total - total // 2
    return pb, total - pb


def keras_deconv(L, k, s, d, padding, op):
    """(start, L_out) of Keras ConvNDTranspose (docs/conventions.md §Keras transposed convolution),
    Illegal on TF errors."""
    dk = d * (k - 1) + 1
    if op is not None and op >= s:
        raise Illegal("keras: output_padding >= stride")
    if op is None:
        Lout = L * s + max(dk - s, 0) if padding == "valid" else L * s
    else:
        pad = dk // 2 if padding == "same" else 0
        Lout = (L - 1) * s + dk - 2 * pad + op
    if Lout < 1:
        raise Illegal("keras: empty output")
    if padding == "same":
        if cdiv(Lout, s) != L:
            raise Illegal("TF conv_transpose: ceil(L_out/s) != L")
        start = max(0, (L - 1) * s + dk - Lout) // 2
    else:
        if Lout < dk or (Lout - dk) // s + 1 != L:
            raise Illegal("TF conv_transpose: VALID size mismatch")
        start = 0
    return start, Lout


def chainer_conv_outsize(L, k, s, p, cover_all, d=1):
    dk = d * (k - 1) + 1
    if cover_all:
        return (L + 2 * p - dk + s - 1) // s + 1
    return (L + 2 * p - dk) // s + 1


# ----------------------------------------------------------------------------------------------
# weights
def keras_to_torch(Wn, dims):
    # conv (k..,C/g,O) -> (O,C/g,k..); transposed (k..,O,C) -> (C,O,k..): same permutation
    return Wn.permute(2, 1, 0) if dims == 1 else Wn.permute(3, 2, 0, 1)


def torch_to_keras(Wt, dims):
    return Wt.permute(2, 1, 0) if dims == 1 else Wt.permute(2, 3, 1, 0)


def load_weight(conv, lay, files, dims, C, transposed):
    """Returns (W torch-layout float64, bias or None, O)."""
    n = NAMES[conv]
    if "weight" in lay:
        Wn = torch.from_numpy(np.asarray(files[lay["weight"]], dtype=np.float64))
        if Wn.dim() != dims + 2:
            raise Illegal("weight rank")
        Wt = keras_to_torch(Wn, dims) if conv == "keras" else Wn
        if transposed:
            O = Wt.shape[1] * int(lay.get(n["g"], 1)) if conv != "keras" else Wt.shape[1]
        else:
            O = Wt.shape[0]
        if n["k"] in lay and tuple(Wt.shape[2:]) != ints(lay[n["k"]], dims):
            raise Illegal("kernel size disagrees with the weight file")
        if n["out"] in lay and int(lay[n["out"]]) != O:
            raise Illegal("out channels disagree with the weight file")
    else:
        init = lay["init"]
        assert init["kind"] == "ones", "only init ones can be computed by the reference"
        k = ints(lay[n["k"]], dims)
        O = int(lay[n["out"]])
        g = int(lay.get(n["g"], 1))
        shape = (C, O // g) + k if transposed else (O, C // g) + k
        Wt = torch.ones(shape, dtype=D64)
        return Wt, torch.zeros(O, dtype=D64), O
    b = None
    if conv == "pytorch":
        has = lay.get("bias", True)
    elif conv == "keras":
        has = lay.get("use_bias", True)
    elif conv == "onnx":
        has = "bias" in lay
    else:
        has = not lay.get("nobias", False)
    if has:
        b = torch.from_numpy(np.asarray(files[lay["bias"]], dtype=np.float64))
    return Wt, b, O


# ----------------------------------------------------------------------------------------------
def ref_conv(conv, lay, files, x):
    dims = x.dim() - 2
    n = NAMES[conv]
    C = x.shape[1]
    Ls = x.shape[2:]
    W, b, O = load_weight(conv, lay, files, dims, C, False)
    k = tuple(W.shape[2:])
    s = ints(lay.get(n["s"], 1), dims)
    d = ints(lay.get(n["d"], 1), dims)
    g = int(lay.get(n["g"], 1))
    if C % g or O % g or W.shape[1] * g != C:
        raise Illegal("groups / channels mismatch")
    if conv == "pytorch":
        pad = lay.get("padding", 0)
        mode = lay.get("padding_mode", "zeros")
        if isinstance(pad, list) and pad and isinstance(pad[0], list):
            if mode != "zeros":
                raise Avoid("explicit pairs with padding_mode")
            return p1(x, W, b, s, d, g, [tuple(p) for p in pad])
        if not isinstance(pad, str):
            pad = ints(pad, dims)
        M = (nn.Conv1d if dims == 1 else nn.Conv2d)
        try:
            m = M(C, O, k, stride=s, padding=pad, dilation=d, groups=g, bias=b is not None,
                  padding_mode=mode, dtype=D64)
            with torch.no_grad():
                m.weight.copy_(W)
                if b is not None:
                    m.bias.copy_(b)
                return m(x)
        except (RuntimeError, ValueError, TypeError) as e:
            raise Illegal("torch: %s" % e)
    if conv == "keras":
        padding = lay.get("padding", "valid")
        if padding == "valid":
            pads = [(0, 0)] * dims
        elif padding == "same":
            pads = [tf_same(Ls[a], k[a], s[a], d[a]) for a in range(dims)]
        elif padding == "causal" and dims == 1:
            pads = [(d[0] * (k[0] - 1), 0)]
        else:
            raise Illegal("keras padding")
        return p1(x, W, b, s, d, g, pads)
    if conv == "onnx":
        auto = lay.get("auto_pad", "NOTSET")
        if auto == "NOTSET":
            pp = lay.get("pads", [0] * (2 * dims))
            pads = [(pp[a], pp[a + dims]) for a in range(dims)]
        elif auto == "VALID":
            pads = [(0, 0)] * dims
        else:
            pads = [onnx_same(Ls[a], k[a], s[a], d[a], auto == "SAME_UPPER") for a in range(dims)]
        return p1(x, W, b, s, d, g, pads)
    if conv == "chainer":
        p = ints(lay.get("pad", 0), dims)
        ca = lay.get("cover_all", False)
        pads = [(p[a], p[a] + (s[a] - 1 if ca else 0)) for a in range(dims)]
        for a in range(dims):
            if Ls[a] + 2 * p[a] < d[a] * (k[a] - 1) + 1:
                raise Illegal("chainer: input shorter than kernel")
        return p1(x, W, b, s, d, g, pads)
    raise ValueError(conv)


def ref_conv_transpose(conv, lay, files, x):
    dims = x.dim() - 2
    n = NAMES[conv]
    C = x.shape[1]
    Ls = x.shape[2:]
    W, b, O = load_weight(conv, lay, files, dims, C, True)
    k = tuple(W.shape[2:])
    s = ints(lay.get(n["s"], 1), dims)
    d = ints(lay.get(n["d"], 1), dims)
    g = int(lay.get(n["g"], 1)) if n["g"] else 1
    if conv == "keras" and n["g"] in lay and int(lay[n["g"]]) != 1:
        raise Illegal("keras: no groups on transposed conv")
    if conv == "keras" and any(t > 1 for t in s) and any(t > 1 for t in d):
        raise Illegal("keras: strides > 1 together with dilation_rate > 1")
    if W.shape[0] != C or C % g or O % g:
        raise Illegal("groups / channels mismatch")
    Lf = [(Ls[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 for a in range(dims)]
    if conv == "pytorch":
        pad = lay.get("padding", 0)
        if lay.get("padding_mode", "zeros") != "zeros":
            raise Illegal("torch: conv_transpose supports only zeros padding_mode")
        if isinstance(pad, str):
            raise Illegal("torch: conv_transpose padding string unsupported")
        if isinstance(pad, list) and pad and isinstance(pad[0], list):
            if "output_padding" in lay or "output_size" in lay:
                raise Avoid("pairs with output padding")
            starts = [pad[a][0] for a in range(dims)]
            outs = [Lf[a] - pad[a][0] - pad[a][1] for a in range(dims)]
            if min(min(pp) for pp in pad) < 0:
                raise Illegal("negative crop")
            return p2(x, W, b, s, d, g, starts, outs)
        p = ints(pad, dims)
        op = ints(lay.get("output_padding", 0), dims)
        M = nn.ConvTranspose1d if dims == 1 else nn.ConvTranspose2d
        try:
            m = M(C, O, k, stride=s, padding=p, output_padding=op, groups=g, bias=b is not None,
                  dilation=d, dtype=D64)
            with torch.no_grad():
                m.weight.copy_(W)
                if b is not None:
                    m.bias.copy_(b)
                osz = lay.get("output_size")
                y = m(x, output_size=list(ints(osz, dims))) if osz is not None else m(x)
        except (RuntimeError, ValueError, TypeError) as e:
            raise Illegal("torch: %s" % e)
        if min(y.shape[2:]) < 1:
            raise Illegal("empty")
        return y
    if conv == "keras":
        padding = lay.get("padding", "valid")
        if padding not in ("valid", "same"):
            raise Illegal("keras transposed padding")
        opv = lay.get("output_padding")
        op = [None] * dims if opv is None else ints(opv, dims)
        res = [keras_deconv(Ls[a], k[a], s[a], d[a], padding, op[a]) for a in range(dims)]
        return p2(x, W, b, s, d, g, [r[0] for r in res], [r[1] for r in res])
    if conv == "onnx":
        auto = lay.get("auto_pad", "NOTSET")
        op = ints(lay.get("output_padding", 0), dims)
        for a in range(dims):
            if op[a] >= s[a] and op[a] >= d[a]:
                raise Illegal("onnx: output_padding >= stride and dilation")
        starts, outs = [], []
        oshape = lay.get("output_shape")
        for a in range(dims):
            if oshape is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
                out = int(oshape[a]) if oshape is not None else Ls[a] * s[a]
                total = Lf[a] + op[a] - out
                pb = total // 2 if auto == "SAME_UPPER" else total - total // 2
                starts.append(pb)
                outs.append(out)
            elif auto == "VALID":
                starts.append(0)
                outs.append(Lf[a] + op[a])
            else:
                pp = lay.get("pads", [0] * (2 * dims))
                starts.append(pp[a])
                outs.append(Lf[a] + op[a] - pp[a] - pp[a + dims])
        return p2(x, W, b, s, d, g, starts, outs)
    if conv == "chainer":
        p = ints(lay.get("pad", 0), dims)
        Dl = [Lf[a] - 2 * p[a] for a in range(dims)]
        osz = lay.get("outsize")
        outs = list(Dl) if osz is None else list(ints(osz, dims))
        for a in range(dims):
            if not (Dl[a] - (s[a] - 1) <= outs[a] <= Dl[a] + (s[a] - 1)):
                raise Illegal("chainer: outsize outside [D-(s-1), D+(s-1)]")
        return p2(x, W, b, s, d, g, list(p), outs)
    raise ValueError(conv)


# ----------------------------------------------------------------------------------------------
def _pool_generic(x, kind, k, s, d, pads, divisor):
    """pads per axis (pb, pe); divisor: 'full' (prod k) or 'exclude' (only real elements)."""
    dims = x.dim() - 2
    for a in range(dims):
        if x.shape[2 + a] + pads[a][0] + pads[a][1] < d[a] * (k[a] - 1) + 1:
            raise Illegal("pool window larger than padded input")
    if kind == "max":
        xp = pad_nd(x, pads, value=-math.inf)
        f = F.max_pool1d if dims == 1 else F.max_pool2d
        y = f(xp, k, s, 0, d)
        if not torch.isfinite(y).all():
            raise Avoid("a max window lies entirely in the padding")
        return y
    assert all(a == 1 for a in d)
    f = F.avg_pool1d if dims == 1 else F.avg_pool2d
    kk = float(np.prod(k))
    ssum = f(pad_nd(x, pads), k, s, 0) * kk
    if divisor == "full":
        return ssum / kk
    cnt = f(pad_nd(torch.ones_like(x[:1, :1]), pads), k, s, 0) * kk
    if (cnt <= 0).any():
        raise Avoid("avg window entirely in padding")
    return ssum / cnt


def ref_pool(conv, kind, lay, x):
    dims = x.dim() - 2
    Ls = x.shape[2:]
    n = NAMES[conv]
    k = ints(lay[n["pool_k"]], dims)
    if conv == "pytorch":
        s = ints(lay.get("stride", k), dims)
        p = ints(lay.get("padding", 0), dims)
        ceil = bool(lay.get("ceil_mode", False))
        try:
            if kind == "max":
                d = ints(lay.get("dilation", 1), dims)
                f = F.max_pool1d if dims == 1 else F.max_pool2d
                y = f(x, k, s, p, d, ceil)
            else:
                if "dilation" in lay:
                    raise Illegal("avg_pool has no dilation")
                f = F.avg_pool1d if dims == 1 else F.avg_pool2d
                y = f(x, k, s, p, ceil, bool(lay.get("count_include_pad", True)))
        except (RuntimeError, ValueError) as e:
            raise Illegal("torch: %s" % e)
        if min(y.shape[2:]) < 1 or not torch.isfinite(y).all():
            raise Illegal("empty")
        return y
    if conv == "keras":
        s = ints(lay.get("strides", k), dims)
        padding = lay.get("padding", "valid")
        pads = [tf_same(Ls[a], k[a], s[a]) if padding == "same" else (0, 0) for a in range(dims)]
        return _pool_generic(x, kind, k, s, (1,) * dims, pads, "exclude")
    if conv == "onnx":
        s = ints(lay.get("strides", 1), dims)
        d = ints(lay.get("dilations", 1), dims)
        if kind == "avg" and any(a != 1 for a in d):
            raise Illegal("avg pool dilations")
        auto = lay.get("auto_pad", "NOTSET")
        ceil = int(lay.get("ceil_mode", 0))
        cip = int(lay.get("count_include_pad", 0))
        if auto == "NOTSET":
            pp = lay.get("pads", [0] * (2 * dims))
            pads = [(pp[a], pp[a + dims]) for a in range(dims)]
        elif auto == "VALID":
            pads = [(0, 0)] * dims
        else:
            pads = [onnx_same(Ls[a], k[a], s[a], d[a], auto == "SAME_UPPER") for a in range(dims)]
            if ceil:
                raise Avoid("ceil with auto_pad")
        ext = []
        for a in range(dims):
            dk = d[a] * (k[a] - 1) + 1
            tot = Ls[a] + pads[a][0] + pads[a][1]
            if tot < dk:
                raise Illegal("pool window larger than padded input")
            if ceil:
                out = cdiv(tot - dk, s[a]) + 1
                if (out - 1) * s[a] >= Ls[a] + pads[a][0]:
                    raise Avoid("ceil window starting in the end padding (readings differ)")
                ext.append((out - 1) * s[a] + dk - tot)
            else:
                ext.append(0)
        if kind == "avg" and cip:
            if any(ext):
                raise Avoid("count_include_pad with ceil extension")
            return _pool_generic(x, kind, k, s, d, pads, "full")
        xpads = [(pads[a][0], pads[a][1] + ext[a]) for a in range(dims)]
        return _pool_generic(x, kind, k, s, d, xpads, "exclude")
    if conv == "chainer":
        s = ints(lay.get("stride", k), dims)
        p = ints(lay.get("pad", 0), dims)
        if kind == "max":
            ca = lay.get("cover_all", True)
            pads = [(p[a], p[a] + (s[a] - 1 if ca else 0)) for a in range(dims)]
            for a in range(dims):
                if Ls[a] + 2 * p[a] < k[a]:
                    raise Illegal("chainer pool: input shorter than window")
            return _pool_generic(x, kind, k, s, (1,) * dims, pads, "exclude")
        if "cover_all" in lay:
            raise Illegal("chainer average pooling has no cover_all")
        return _pool_generic(x, kind, k, s, (1,) * dims, [(pa, pa) for pa in p], "full")
    raise ValueError(conv)


def ref_upsample(conv, lay, x):
    dims = x.dim() - 2
    key = {"pytorch": "scale_factor", "keras": "size", "onnx": "scales", "chainer": "scale"}[conv]
    v = lay.get(key, lay.get("scale"))
    sc = ints(v, dims)
    if min(sc) < 1:
        raise Illegal("scale < 1")
    if conv == "keras":
        mode = {"nearest": "nearest", "bilinear": "linear"}[lay.get("interpolation", "nearest")]
    else:
        mode = lay.get("mode", "nearest")
    if mode == "nearest":
        return F.interpolate(x, scale_factor=tuple(float(a) for a in sc), mode="nearest")
    return F.interpolate(x, scale_factor=tuple(float(a) for a in sc),
                         mode="linear" if dims == 1 else "bilinear", align_corners=False)


def ref_unpool(conv, lay, x):
    dims = x.dim() - 2
    Ls = x.shape[2:]
    C = x.shape[1]
    n = NAMES[conv]
    k = ints(lay[n["pool_k"] if conv != "pytorch" else "kernel_size"], dims)
    s = ints(lay.get(n["s"], k), dims)
    if conv == "onnx":
        pp = lay.get("pads", [0] * (2 * dims))
        if any(pp[a] != pp[a + dims] for a in range(dims)):
            raise Illegal("unpool: asymmetric pads")
        p = tuple(pp[:dims])
    else:
        p = ints(lay.get(n["pad"], 0), dims)
    ca = lay.get("cover_all", True)
    osz = lay.get(n["size"])
    outs = []
    for a in range(dims):
        Dl = s[a] * (Ls[a] - 1) + k[a] - 2 * p[a]
        if osz is None:
            o = Dl - (s[a] - 1) if ca else Dl
        else:
            o = ints(osz, dims)[a]
            if chainer_conv_outsize(o, k[a], s[a], p[a], ca) != Ls[a]:
                raise Illegal("unpool: outsize inconsistent with input")
        outs.append(o)
    W = torch.ones((C, 1) + k, dtype=D64)
    return p2(x, W, None, s, (1,) * dims, C, list(p), outs)


def ref_zero_insert(conv, lay, x):
    dims = x.dim() - 2
    s = ints(lay.get(NAMES[conv]["s"], 1), dims)
    shape = list(x.shape[:2]) + [(x.shape[2 + a] - 1) * s[a] + 1 for a in range(dims)]
    y = torch.zeros(shape, dtype=D64)
    if dims == 1:
        y[:, :, ::s[0]] = x
    else:
        y[:, :, ::s[0], ::s[1]] = x
    return y


def ref_batch_norm(conv, lay, files, x):
    C = x.shape[1]

    def get(name, default):
        if name in lay:
            return torch.from_numpy(np.asarray(files[lay[name]], dtype=np.float64))
        return torch.full((C,), default, dtype=D64)

    mean, var, gam, bet = get("mean", 0.0), get("var", 1.0), get("weight", 1.0), get("bias", 0.0)
    epsk = "eps" if conv in ("pytorch", "chainer") else "epsilon"
    # defaults: torch / ONNX 1e-5, Keras 1e-3, Chainer 2e-5 (chainer.links.BatchNormalization)
    eps = float(lay.get(epsk, {"keras": 1e-3, "chainer": 2e-5}.get(conv, 1e-5)))
    sh = (1, C) + (1,) * (x.dim() - 2)
    return (x - mean.view(sh)) / torch.sqrt(var.view(sh) + eps) * gam.view(sh) + bet.view(sh)


LEAKY = {"pytorch": ("negative_slope", 0.01), "keras": ("alpha", 0.3), "onnx": ("alpha", 0.01),
         "chainer": ("slope", 0.2)}


def ref_layer(conv, lay, files, x):
    op = lay["op"]
    if op == "conv":
        return ref_conv(conv, lay, files, x)
    if op == "conv_transpose":
        return ref_conv_transpose(conv, lay, files, x)
    if op in ("max_pool", "avg_pool"):
        return ref_pool(conv, op[:3], lay, x)
    if op == "upsample":
        return ref_upsample(conv, lay, x)
    if op == "unpool":
        return ref_unpool(conv, lay, x)
    if op == "zero_insert":
        return ref_zero_insert(conv, lay, x)
    if op == "batch_norm":
        return ref_batch_norm(conv, lay, files, x)
    if op == "relu":
        return torch.relu(x)
    if op == "leaky_relu":
        key, dflt = LEAKY[conv]
        return F.leaky_relu(x, float(lay.get(key, dflt)))
    if op == "elu":
        return F.elu(x, float(lay.get("alpha", 1.0)))
    if op == "gelu":
        return F.gelu(x, approximate=lay.get("approximate", "none"))
    if op == "tanh":
        return torch.tanh(x)
    if op == "sigmoid":
        return torch.sigmoid(x)
    raise ValueError(op)


def ref_stack(conv, layers, files, x):
    """x: float64 (N, C, ...). Returns the list of every layer's output."""
    outs = []
    for lay in layers:
        x = ref_layer(conv, lay, files, x)
        if min(x.shape[2:]) < 1:
            raise Illegal("empty output")
        outs.append(x)
    return outs
