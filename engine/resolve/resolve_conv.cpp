// conv and conv_transpose geometry under each convention.
//
// Index of this file:
//   [SECTION] GEOMETRY    convOutLength, sameGeometry
//   [SECTION] PADS        pytorch padding, onnx pads, output length and formula
//   [SECTION] CONV        shared parameters, per-convention pads, resolveConv
//   [SECTION] TRANSPOSED  per-convention crops and output lengths, resolveConvTranspose
#include <algorithm>

#include "engine/resolve/resolve_internal.h"

namespace convscope::engine {

// [SECTION] GEOMETRY
int convOutLength(int L, int pb, int pe, int k, int s, int d) {
  const long long dk = static_cast<long long>(d) * (k - 1) + 1;
  const long long span = static_cast<long long>(L) + pb + pe - dk;
  if (span < 0) return 0;
  return static_cast<int>(span / s + 1);
}

ConvAxisGeometry sameGeometry(int L, int k, int s, int d, bool lower) {
  const long long dk = static_cast<long long>(d) * (k - 1) + 1;
  ConvAxisGeometry g;
  g.out = static_cast<int>(detail::ceilDiv(L, s));
  const long long total = std::max<long long>(0, static_cast<long long>(g.out - 1) * s + dk - L);
  g.pb = static_cast<int>(lower ? total - total / 2 : total / 2);
  g.pe = static_cast<int>(total - g.pb);
  return g;
}

namespace detail {
// [SECTION] PADS
namespace {

// Reads the pytorch "padding" value: int, per-axis ints, a word, or [[b, e], ...].
// Returns false and sets `word` when a word was given.
bool torchPadding(ParamReader& pr, int dims, std::vector<int>& pb, std::vector<int>& pe, std::string& word) {
  pb.assign(dims, 0);
  pe.assign(dims, 0);
  if (!pr.has("padding")) {
    pr.accept("padding");
    return true;
  }
  const auto& v = pr.raw("padding");
  if (v.is_string()) {
    word = v.get<std::string>();
    if (word != "valid" && word != "same")
      pr.fail("padding", "must be an int, a list, \"valid\" or \"same\", got \"" + word + "\"");
    return false;
  }
  if (v.is_array() && !v.empty() && v[0].is_array()) {
    if (static_cast<int>(v.size()) != dims)
      pr.fail("padding", "explicit [[begin, end], ...] needs one pair per spatial axis (" +
                             std::to_string(dims) + "), got " + std::to_string(v.size()));
    for (int a = 0; a < dims; ++a) {
      const auto& pair = v[a];
      long long b, e;
      if (!pair.is_array() || pair.size() != 2 || !jsonToInt(pair[0], b) || !jsonToInt(pair[1], e))
        pr.fail("padding", "explicit padding must be [[begin, end], ...] with integers, got " + shortDump(v));
      if (b < 0 || e < 0) pr.fail("padding", "must be >= 0, got " + shortDump(v));
      if (b > (1 << 24) || e > (1 << 24)) pr.fail("padding", "is too large: " + shortDump(v));
      pb[a] = static_cast<int>(b);
      pe[a] = static_cast<int>(e);
    }
    return true;
  }
  pb = pr.axes("padding", std::vector<int>(dims, 0), 0);
  pe = pb;
  return true;
}

// ONNX "pads" [b1..bn, e1..en].
void onnxPads(ParamReader& pr, int dims, std::vector<int>& pb, std::vector<int>& pe) {
  pb.assign(dims, 0);
  pe.assign(dims, 0);
  pr.accept("pads");
  if (!pr.has("pads")) return;
  const auto& v = pr.raw("pads");
  if (!v.is_array() || static_cast<int>(v.size()) != 2 * dims)
    pr.fail("pads", "must be a list of " + std::to_string(2 * dims) +
                        " integers [begins..., ends...] for a " + std::to_string(dims) + "-D layer, got " +
                        (v.is_array() ? std::to_string(v.size()) + " values " : std::string()) +
                        shortDump(v));
  for (int i = 0; i < 2 * dims; ++i) {
    long long x;
    if (!jsonToInt(v[i], x)) pr.fail("pads", "must contain integers, got " + shortDump(v));
    if (x < 0) pr.fail("pads", "must be >= 0, got " + shortDump(v));
    if (x > (1 << 24)) pr.fail("pads", "is too large: " + shortDump(v));
    (i < dims ? pb[i] : pe[i - dims]) = static_cast<int>(x);
  }
}

// Checks the padded input admits at least one window and fills out + formula part.
void finishConvAxis(ParamReader& pr, Layer& layer, int a, const std::string& padParam) {
  Axis& x = layer.ax[a];
  const long long padded = static_cast<long long>(x.in) + x.pb + x.pe;
  if (padded < x.span64()) {
    // The classic mistake: a signal of C samples given as 1 step of C features (Keras (steps,
    // input_dim) = (1, 8000) instead of (8000, 1)).
    const bool swapped =
        layer.dims == 1 && x.in == 1 && layer.inChannels >= x.span64() && pr.context().layer == 0;
    pr.fail(padParam,
            "kernel span d(k-1)+1 = " + n2s(x.span64()) + " is wider than the padded input " + n2s(x.in) +
                " + " + n2s(x.pb) + " + " + n2s(x.pe) + " = " + n2s(padded) + " along " +
                axisName(a, layer.dims) +
                (swapped ? "; the input is 1 step of " + n2s(layer.inChannels) +
                               " channels: did you mean steps = " + n2s(layer.inChannels) +
                               ", input_dim = 1 (one channel of " + n2s(layer.inChannels) + " samples)?"
                         : std::string()));
  }
  x.out = checkedOutLength(pr, padParam, (padded - x.span64()) / x.s + 1, a, layer.dims);
}

std::string convFormula(const Layer& l) {
  std::vector<std::string> parts;
  for (int a = 0; a < l.dims; ++a) {
    const Axis& x = l.ax[a];
    const std::string n = axisName(a, l.dims);
    parts.push_back(n + "_out = floor((" + n + " + pb + pe - d(k-1) - 1)/s) + 1 = floor((" + n2s(x.in) +
                    " + " + n2s(x.pb) + " + " + n2s(x.pe) + " - " + n2s(x.d) + "*" + n2s(x.k - 1) + " - 1)/" +
                    n2s(x.s) + ") + 1 = " + n2s(x.out));
  }
  return joinAxes(parts, l.dims);
}

// [SECTION] CONV
// Parameters shared by conv and conv_transpose; sets layer.groups and ax[].s/d.
struct ConvCommon {
  std::vector<int> kernel;  // empty when not given (a weight file may give it)
  int outChannels = 0;      // 0 when not given
  std::vector<int> s, d;
};
ConvCommon readConvCommon(ParamReader& pr, const ResolveContext& rc, Layer& layer) {
  const int dims = layer.dims;
  auto key = [&](Param p) { return keyOf(rc, layer, p); };
  ConvCommon cc;
  if (pr.has(key(Param::Kernel)))
    cc.kernel = pr.axes(key(Param::Kernel), {}, 1);
  else
    pr.accept(key(Param::Kernel));
  const std::string oName = key(Param::OutChannels);
  cc.outChannels = pr.has(oName) ? pr.integer(oName, 0, 1) : (pr.accept(oName), 0);
  cc.s = pr.axes(key(Param::Stride), std::vector<int>(dims, 1), 1);
  cc.d = pr.axes(key(Param::Dilation), std::vector<int>(dims, 1), 1);
  layer.groups = pr.integer(key(Param::Groups), 1, 1);
  for (int a = 0; a < dims; ++a) {
    layer.ax[a].s = cc.s[a];
    layer.ax[a].d = cc.d[a];
  }
  return cc;
}

// Pads of a forward conv along every axis, the parameter a failure is reported on, and the
// formula's prefix naming the rule.
struct ConvPads {
  std::vector<int> pb, pe;
  std::string param;
  std::string prefix;
};

// docs/conventions.md §PyTorch convolution, §PyTorch same padding, §Padding modes.
ConvPads torchConvPads(ParamReader& pr, const ConvCommon& cc, Layer& layer) {
  const int dims = layer.dims;
  ConvPads p{{}, {}, "padding", ""};
  std::string word;
  if (!torchPadding(pr, dims, p.pb, p.pe, word) && word == "same") {
    for (int a = 0; a < dims; ++a)
      if (cc.s[a] != 1)
        pr.fail("padding", "'same' is refused by PyTorch when stride != 1 (stride is " +
                               shapeToString(Shape(cc.s.begin(), cc.s.end())) + ")");
    for (int a = 0; a < dims; ++a) {
      const int total = cc.d[a] * (layer.ax[a].k - 1);
      p.pb[a] = total / 2;
      p.pe[a] = total - p.pb[a];
    }
    p.prefix = "PyTorch 'same': total d(k-1), extra pad on the end; ";
  }
  const std::string mode = pr.word(
      "padding_mode", paramDefault(layer.op, Convention::PyTorch, Param::PaddingMode).get<std::string>(),
      {"zeros", "reflect", "replicate", "circular"});
  layer.padMode = mode == "zeros"       ? PadMode::Zeros
                  : mode == "reflect"   ? PadMode::Reflect
                  : mode == "replicate" ? PadMode::Replicate
                                        : PadMode::Circular;
  for (int a = 0; a < dims; ++a) {
    const int L = layer.ax[a].in;
    const int big = std::max(p.pb[a], p.pe[a]);
    if (layer.padMode == PadMode::Reflect && big >= L)
      pr.fail("padding", "reflect padding " + n2s(big) + " must be smaller than the input length " + n2s(L) +
                             " along " + axisName(a, dims) + " (PyTorch rule)");
    if (layer.padMode == PadMode::Circular && big > L)
      pr.fail("padding", "circular padding " + n2s(big) + " must be at most the input length " + n2s(L) +
                             " along " + axisName(a, dims) +
                             " (PyTorch: it would wrap around more than once)");
  }
  return p;
}

// docs/conventions.md §Keras convolution: strides > 1 together with dilation_rate > 1 is refused
// (conv and conv_transpose alike).
void refuseKerasStrideWithDilation(ParamReader& pr, const ConvCommon& cc, int dims) {
  bool anyS = false, anyD = false;
  for (int a = 0; a < dims; ++a) {
    anyS |= cc.s[a] > 1;
    anyD |= cc.d[a] > 1;
  }
  if (anyS && anyD)
    pr.fail("strides", "Keras refuses strides > 1 together with dilation_rate > 1 (strides " +
                           shapeToString(Shape(cc.s.begin(), cc.s.end())) + ", dilation_rate " +
                           shapeToString(Shape(cc.d.begin(), cc.d.end())) + ")");
}

// docs/conventions.md §Keras convolution, §TF SAME padding, §Keras causal padding.
ConvPads kerasConvPads(ParamReader& pr, const ConvCommon& cc, const Layer& layer) {
  const int dims = layer.dims;
  ConvPads p{std::vector<int>(dims, 0), std::vector<int>(dims, 0), "padding", ""};
  const std::string word = pr.word("padding", "valid", {"valid", "same", "causal"});
  refuseKerasStrideWithDilation(pr, cc, dims);
  if (word == "causal") {
    if (dims != 1) pr.fail("padding", "'causal' is only for Conv1D (1-D layers)");
    p.pb[0] = cc.d[0] * (layer.ax[0].k - 1);
    p.prefix = "Keras causal: left pad d(k-1); ";
  } else if (word == "same") {
    for (int a = 0; a < dims; ++a) {
      const auto g = sameGeometry(layer.ax[a].in, layer.ax[a].k, cc.s[a], cc.d[a], false);
      p.pb[a] = g.pb;
      p.pe[a] = g.pe;
    }
    p.prefix = "TF SAME: out = ceil(L/s), total = max(0,(out-1)s+dk-L), extra pad at the end; ";
  }
  return p;
}

// docs/conventions.md §ONNX convolution.
ConvPads onnxConvPads(ParamReader& pr, const ConvCommon& cc, const Layer& layer) {
  const int dims = layer.dims;
  ConvPads p{{}, {}, "pads", ""};
  const std::string ap = pr.word("auto_pad", "NOTSET", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  onnxPads(pr, dims, p.pb, p.pe);
  if (ap == "VALID") {
    p.pb.assign(dims, 0);
    p.pe.assign(dims, 0);
  } else if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    for (int a = 0; a < dims; ++a) {
      const auto g = sameGeometry(layer.ax[a].in, layer.ax[a].k, cc.s[a], cc.d[a], ap == "SAME_LOWER");
      p.pb[a] = g.pb;
      p.pe[a] = g.pe;
    }
    p.prefix = ap + ": out = ceil(L/s), extra pad at the " + (ap == "SAME_UPPER" ? "end" : "start") + "; ";
    p.param = "auto_pad";
  }
  return p;
}

// docs/conventions.md §Chainer convolution and cover_all.
ConvPads chainerConvPads(ParamReader& pr, const ConvCommon& cc, const Layer& layer) {
  const int dims = layer.dims;
  ConvPads p{std::vector<int>(dims, 0), std::vector<int>(dims, 0), "pad", ""};
  const std::vector<int> pad = pr.axes("pad", std::vector<int>(dims, 0), 0);
  const bool coverAll =
      pr.boolean("cover_all", paramDefault(layer.op, Convention::Chainer, Param::CoverAll).get<bool>());
  for (int a = 0; a < dims; ++a) {
    p.pb[a] = pad[a];
    p.pe[a] = pad[a] + (coverAll ? cc.s[a] - 1 : 0);
  }
  if (coverAll) p.prefix = "Chainer cover_all: pads (p, p+s-1); ";
  return p;
}

}  // namespace

void resolveConv(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  const ConvCommon cc = readConvCommon(pr, rc, layer);
  resolveWeights(pr, rc, layer, cc.kernel, cc.outChannels);
  checkSpans(pr, keyOf(rc, layer, Param::Dilation), layer);
  const ConvPads p = cv == Convention::PyTorch ? torchConvPads(pr, cc, layer)
                     : cv == Convention::Keras ? kerasConvPads(pr, cc, layer)
                     : cv == Convention::Onnx  ? onnxConvPads(pr, cc, layer)
                                               : chainerConvPads(pr, cc, layer);
  for (int a = 0; a < layer.dims; ++a) {
    layer.ax[a].pb = p.pb[a];
    layer.ax[a].pe = p.pe[a];
    finishConvAxis(pr, layer, a, p.param);
  }
  layer.formula = p.prefix + convFormula(layer);
}

// [SECTION] TRANSPOSED
namespace {

// What a transposed conv's resolution adds to the formula: a rule prefix and one part per axis.
struct Formula {
  std::string prefix;
  std::vector<std::string> parts;
};

// output_padding rule shared by pytorch and onnx (docs/conventions.md §PyTorch transposed
// convolution): op < s or op < d, per axis.
void checkOutputPadding(const ParamReader& pr, const ConvCommon& cc, const std::vector<int>& op, int dims) {
  for (int a = 0; a < dims; ++a)
    if (!(op[a] < cc.s[a] || op[a] < cc.d[a]))
      pr.fail("output_padding", "must be smaller than either stride or dilation (got " + n2s(op[a]) +
                                    " with stride " + n2s(cc.s[a]) + ", dilation " + n2s(cc.d[a]) +
                                    " along " + axisName(a, dims) + ")");
}

// Target sizes: one int, one per spatial axis, or the whole [N, C, spatial...] shape.
std::vector<int> targetSizes(ParamReader& pr, const std::string& key, int dims) {
  const auto& v = pr.raw(key);
  std::vector<int> t;
  if (v.is_array() && static_cast<int>(v.size()) == dims + 2) {
    for (int a = 0; a < dims; ++a) {
      long long x;
      if (!jsonToInt(v[2 + a], x) || x < 1)
        pr.fail(key, "must contain positive integers, got " + shortDump(v));
      t.push_back(static_cast<int>(std::min<long long>(x, 1 << 30)));
    }
    return t;
  }
  return pr.axes(key, {}, 1);
}

// docs/conventions.md §PyTorch transposed convolution, §PyTorch output_size.
Formula torchConvTranspose(ParamReader& pr, const ConvCommon& cc, Layer& layer) {
  const int dims = layer.dims;
  const std::vector<int>& s = cc.s;
  Formula f;
  std::vector<int> pb, pe;
  std::string word;
  if (!torchPadding(pr, dims, pb, pe, word))
    pr.fail("padding", "PyTorch ConvTranspose does not support padding='" + word + "' (use an int)");
  std::vector<int> op = pr.axes("output_padding", std::vector<int>(dims, 0), 0);
  if (pr.has("output_size")) {
    const std::vector<int> target = targetSizes(pr, "output_size", dims);
    for (int a = 0; a < dims; ++a) {
      const Axis& x = layer.ax[a];
      const long long lmin = static_cast<long long>(x.in - 1) * s[a] - pb[a] - pe[a] + x.span64();
      const long long lmax = lmin + s[a] - 1;
      if (target[a] < lmin || target[a] > lmax)
        pr.fail("output_size", "requested size " + n2s(target[a]) + " along " + axisName(a, dims) +
                                   " is outside the valid range [" + n2s(lmin) + ", " + n2s(lmax) +
                                   "] = [(L-1)s - 2p + d(k-1) + 1, that + s - 1] (PyTorch rule)");
      op[a] = static_cast<int>(target[a] - lmin);
    }
    f.prefix = "output_size → output_padding " + shapeToString(Shape(op.begin(), op.end())) + "; ";
  } else {
    checkOutputPadding(pr, cc, op, dims);
  }
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    x.outputPadding = op[a];
    x.start = pb[a];
    const long long out = static_cast<long long>(x.fullLength64()) - pb[a] - pe[a] + op[a];
    if (out < 1)
      pr.fail("padding", "output length (L-1)s - 2p + d(k-1) + op + 1 = " + n2s(out) + " along " +
                             axisName(a, dims) + " must be >= 1");
    x.out = checkedOutLength(pr, "padding", out, a, dims);
    const std::string n = axisName(a, dims);
    f.parts.push_back(n + "_out = (" + n + "-1)s - pb - pe + d(k-1) + op + 1 = (" + n2s(x.in) + "-1)*" +
                      n2s(x.s) + " - " + n2s(pb[a]) + " - " + n2s(pe[a]) + " + " + n2s(x.d) + "*" +
                      n2s(x.k - 1) + " + " + n2s(op[a]) + " + 1 = " + n2s(x.out));
  }
  return f;
}

// docs/conventions.md §Keras transposed convolution: the output length (deconv_output_length) and
// the crop start of TensorFlow's gradient reading, refused when `out` does not map back to L.
void kerasTransposedAxis(ParamReader& pr, Axis& x, int a, int dims, bool same, bool opGiven, int op) {
  const long long L = x.in, S = x.s, dk = x.span64();
  long long out;
  if (!opGiven)
    out = same ? L * S : L * S + std::max(dk - S, 0ll);
  else
    out = (L - 1) * S + dk - 2 * (same ? dk / 2 : 0) + op;
  if (out < 1) pr.fail("padding", "Keras output length along " + axisName(a, dims) + " would be " + n2s(out));
  // TF conv*_transpose is the gradient of the forward conv of input length `out`:
  const bool ok = same ? ceilDiv(out, S) == L : (out >= dk && floorDiv(out - dk, S) + 1 == L);
  if (!ok)
    pr.fail("output_padding", "TensorFlow rejects this: the output length " + n2s(out) + " along " +
                                  axisName(a, dims) + " does not map back to the input length " + n2s(L) +
                                  " under " + (same ? "SAME (ceil(L_out/s) != L)" : "VALID") +
                                  " (e.g. an even kernel with output_padding=0 in 'same')");
  x.start = same ? static_cast<int>(std::max(0ll, (L - 1) * S + dk - out) / 2) : 0;
  x.out = checkedOutLength(pr, "padding", out, a, dims);
  x.outputPadding = opGiven ? op : 0;
}

// The Keras output length of one axis with its numbers (the three cases of kerasTransposedAxis).
std::string kerasTransposedFormula(const Axis& x, int a, int dims, bool same, bool opGiven, int op) {
  const std::string n = axisName(a, dims);
  const std::string L = n2s(x.in), S = n2s(x.s), dk = n2s(x.span64());
  std::string f;
  if (!opGiven && same)
    f = n + "_out = " + n + "*s = " + L + "*" + S;
  else if (!opGiven)
    f = n + "_out = " + n + "*s + max(d(k-1)+1 - s, 0) = " + L + "*" + S + " + max(" + dk + " - " + S +
        ", 0)";
  else
    f = n + "_out = (" + n + "-1)s + d(k-1)+1 - 2*" + (same ? "floor((d(k-1)+1)/2)" : "0") + " + op = (" + L +
        "-1)*" + S + " + " + dk + " - 2*" + n2s(same ? x.span64() / 2 : 0) + " + " + n2s(op);
  return f + " = " + n2s(x.out) + ", start = " + n2s(x.start) + " (full length " + n2s(x.fullLength64()) +
         ")";
}

Formula kerasConvTranspose(ParamReader& pr, const ConvCommon& cc, Layer& layer) {
  const int dims = layer.dims;
  Formula f;
  const std::string word = pr.word("padding", "valid", {"valid", "same", "causal"});
  if (word == "causal")
    pr.fail("padding", "'causal' is not accepted by Keras Conv1DTranspose (valid or same only)");
  refuseKerasStrideWithDilation(pr, cc, dims);
  const bool same = word == "same";
  const bool opGiven = pr.has("output_padding");
  const std::vector<int> op = pr.axes("output_padding", std::vector<int>(dims, 0), 0);
  if (opGiven)
    for (int a = 0; a < dims; ++a)
      if (op[a] >= cc.s[a])
        pr.fail("output_padding", "Keras requires output_padding < strides (got " + n2s(op[a]) +
                                      " with strides " + n2s(cc.s[a]) + ")");
  f.prefix = std::string("Keras ") + (same ? "same" : "valid") + ", output_padding " +
             (opGiven ? "given" : "None") + "; crop start = floor(max(0,(L-1)s+dk-L_out)/2); ";
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    kerasTransposedAxis(pr, x, a, dims, same, opGiven, op[a]);
    f.parts.push_back(kerasTransposedFormula(x, a, dims, same, opGiven, op[a]));
  }
  return f;
}

// docs/conventions.md §ONNX transposed convolution, §ONNX output_shape split.
Formula onnxConvTranspose(ParamReader& pr, const ConvCommon& cc, Layer& layer) {
  const int dims = layer.dims;
  Formula f;
  const std::string ap = pr.word("auto_pad", "NOTSET", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  std::vector<int> pb, pe;
  onnxPads(pr, dims, pb, pe);
  const std::vector<int> op = pr.axes("output_padding", std::vector<int>(dims, 0), 0);
  checkOutputPadding(pr, cc, op, dims);
  const bool hasShape = pr.has("output_shape");
  std::vector<int> target;
  if (hasShape)
    target = targetSizes(pr, "output_shape", dims);
  else
    pr.accept("output_shape");
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    x.outputPadding = op[a];
    const long long Lf = x.fullLength64();
    const std::string n = axisName(a, dims);
    if (hasShape || ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      const long long out = hasShape ? target[a] : static_cast<long long>(x.in) * cc.s[a];
      const long long total = Lf + op[a] - out;
      const long long b = ap == "SAME_UPPER" ? floorDiv(total, 2) : total - floorDiv(total, 2);
      x.start = static_cast<int>(b);
      x.out = checkedOutLength(pr, hasShape ? "output_shape" : "strides", out, a, dims);
      f.parts.push_back(
          n + "_out = " +
          (hasShape ? n2s(out) + " (output_shape)"
                    : n + "*s = " + n2s(x.in) + "*" + n2s(cc.s[a]) + " = " + n2s(out)) +
          ", total = s(" + n + "-1)+op+d(k-1)+1-" + n + "_out = " + n2s(x.s) + "*" + n2s(x.in - 1) + " + " +
          n2s(op[a]) + " + " + n2s(x.span64()) + " - " + n2s(out) + " = " + n2s(total) +
          ", pad begin = " + (ap == "SAME_UPPER" ? "total//2" : "total - total//2") + " = " + n2s(b));
      continue;
    }
    if (ap == "VALID") pb[a] = pe[a] = 0;
    x.start = pb[a];
    const long long out = Lf + op[a] - pb[a] - pe[a];
    if (out < 1)
      pr.fail("pads",
              "output length s(L-1) + op + dk - pb - pe = " + n2s(out) + " along " + n + " must be >= 1");
    x.out = checkedOutLength(pr, "pads", out, a, dims);
    f.parts.push_back(n + "_out = s(" + n + "-1) + op + d(k-1)+1 - pb - pe = " + n2s(x.s) + "*" +
                      n2s(x.in - 1) + " + " + n2s(op[a]) + " + " + n2s(x.span64()) + " - " + n2s(pb[a]) +
                      " - " + n2s(pe[a]) + " = " + n2s(out));
  }
  return f;
}

// docs/conventions.md §Chainer deconvolution and outsize.
Formula chainerConvTranspose(ParamReader& pr, const ConvCommon& cc, Layer& layer) {
  const int dims = layer.dims;
  const std::vector<int>& s = cc.s;
  Formula f;
  const std::vector<int> p = pr.axes("pad", std::vector<int>(dims, 0), 0);
  const bool hasOut = pr.has("outsize");
  std::vector<int> target;
  if (hasOut)
    target = targetSizes(pr, "outsize", dims);
  else
    pr.accept("outsize");
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    const long long D = static_cast<long long>(x.fullLength64()) - 2 * p[a];
    long long out = D;
    if (hasOut) {
      if (target[a] < D - (s[a] - 1) || target[a] > D + (s[a] - 1))
        pr.fail("outsize", "outsize " + n2s(target[a]) + " along " + axisName(a, dims) +
                               " is outside [D-(s-1), D+(s-1)] = [" + n2s(D - (s[a] - 1)) + ", " +
                               n2s(D + (s[a] - 1)) + "], D = s(L-1)+dk-2p (Chainer rule)");
      out = target[a];
    }
    if (out < 1)
      pr.fail("pad",
              "output length s(L-1)+dk-2p = " + n2s(out) + " along " + axisName(a, dims) + " must be >= 1");
    x.start = p[a];
    x.out = checkedOutLength(pr, "pad", out, a, dims);
    x.outputPadding = static_cast<int>(out - D);
    const std::string n = axisName(a, dims);
    const std::string full = "s(" + n + "-1)+d(k-1)+1-2p = " + n2s(x.s) + "*" + n2s(x.in - 1) + " + " +
                             n2s(x.span64()) + " - " + n2s(2 * p[a]) + " = " + n2s(D);
    f.parts.push_back(n + "_out = " + (hasOut ? "outsize = " + n2s(out) + ", D = " + full : full));
  }
  return f;
}

}  // namespace

void resolveConvTranspose(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  const ConvCommon cc = readConvCommon(pr, rc, layer);
  if (cv == Convention::PyTorch && pr.has("padding_mode")) {
    const std::string mode = pr.word("padding_mode", "zeros", {"zeros", "reflect", "replicate", "circular"});
    if (mode != "zeros")
      pr.fail("padding_mode", "PyTorch ConvTranspose only supports 'zeros', got '" + mode + "'");
  }
  if (cv == Convention::Keras && layer.groups != 1)
    pr.fail("groups", "Keras Conv1DTranspose/Conv2DTranspose have no groups (only groups = 1)");
  resolveWeights(pr, rc, layer, cc.kernel, cc.outChannels);
  checkSpans(pr, keyOf(rc, layer, Param::Dilation), layer);
  const Formula f = cv == Convention::PyTorch ? torchConvTranspose(pr, cc, layer)
                    : cv == Convention::Keras ? kerasConvTranspose(pr, cc, layer)
                    : cv == Convention::Onnx  ? onnxConvTranspose(pr, cc, layer)
                                              : chainerConvTranspose(pr, cc, layer);
  layer.formula = f.prefix + joinAxes(f.parts, layer.dims);
}

}  // namespace detail
}  // namespace convscope::engine
