// max_pool / avg_pool geometry under each convention (pads, ceil_mode / cover_all, divisor);
// docs/conventions.md §Pool output length and the per-convention pool sections.
#include <algorithm>

#include "engine/resolve/resolve_internal.h"

namespace convscope::engine::detail {
namespace {

// Pads of a pool along every axis, whether ceil_mode applies and the formula's prefix naming the rule.
struct PoolPads {
  std::vector<int> pb, pe;
  bool ceilMode = false;
  std::string prefix;
};

// The divisor switch of avg_pool under pytorch / onnx (count_include_pad, default from the schema).
AvgDivisor readCountIncludePad(ParamReader& pr, const ResolveContext& rc, const Layer& layer) {
  const bool include = pr.boolean(keyOf(rc, layer, Param::CountIncludePad),
                                  paramDefault(layer.op, rc.convention, Param::CountIncludePad).get<bool>());
  return include ? AvgDivisor::IncludePad : AvgDivisor::ExcludePad;
}

// docs/conventions.md §PyTorch pools: the pad is at most half the kernel, 2p <= k, for both pools;
// max_pool compares with the plain kernel size, not the dilated span (PyTorch's pool2d_shape_check).
PoolPads torchPoolPads(ParamReader& pr, const ResolveContext& rc, const std::vector<int>& k, Layer& layer) {
  const int dims = layer.dims;
  PoolPads p;
  p.pb = pr.axes("padding", std::vector<int>(dims, 0), 0);
  p.pe = p.pb;
  p.ceilMode = pr.boolean("ceil_mode", false);
  if (layer.op == Op::AvgPool) layer.avgDivisor = readCountIncludePad(pr, rc, layer);
  for (int a = 0; a < dims; ++a)
    if (2LL * p.pb[a] > k[a])
      pr.fail("padding", "must be at most half of the kernel size (" + n2s(p.pb[a]) + " > " + n2s(k[a]) +
                             "/2 along " + axisName(a, dims) + "; PyTorch rule pad <= kernel_size/2" +
                             (layer.op == Op::MaxPool ? ", with the kernel size before dilation)" : ")"));
  return p;
}

// docs/conventions.md §Keras pools (TF SAME with d = 1).
PoolPads kerasPoolPads(ParamReader& pr, const std::vector<int>& k, const std::vector<int>& s, Layer& layer) {
  const int dims = layer.dims;
  PoolPads p{std::vector<int>(dims, 0), std::vector<int>(dims, 0), false, ""};
  if (pr.word("padding", "valid", {"valid", "same"}) == "same") {
    for (int a = 0; a < dims; ++a) {
      const auto g = sameGeometry(layer.ax[a].in, k[a], s[a], 1, false);
      p.pb[a] = g.pb;
      p.pe[a] = g.pe;
    }
    p.prefix = "TF SAME: out = ceil(L/s); ";
  }
  layer.avgDivisor = AvgDivisor::ExcludePad;
  return p;
}

// docs/conventions.md §ONNX pools, §ONNX pads order.
PoolPads onnxPoolPads(ParamReader& pr, const ResolveContext& rc, const std::vector<int>& k,
                      const std::vector<int>& s, const std::vector<int>& d, Layer& layer) {
  const int dims = layer.dims;
  PoolPads p{std::vector<int>(dims, 0), std::vector<int>(dims, 0), false, ""};
  const std::string ap = pr.word("auto_pad", "NOTSET", {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"});
  pr.accept("pads");
  if (pr.has("pads")) {
    const auto& v = pr.raw("pads");
    if (!v.is_array() || static_cast<int>(v.size()) != 2 * dims)
      pr.fail("pads",
              "must be a list of " + n2s(2 * dims) + " integers [begins..., ends...], got " +
                  (v.is_array() ? n2s(static_cast<long long>(v.size())) + " values " : std::string()) +
                  shortDump(v));
    for (int i = 0; i < 2 * dims; ++i) {
      long long x;
      if (!jsonToInt(v[i], x) || x < 0 || x > (1 << 24))
        pr.fail("pads", "must contain integers >= 0, got " + shortDump(v));
      (i < dims ? p.pb[i] : p.pe[i - dims]) = static_cast<int>(x);
    }
  }
  p.ceilMode = pr.boolean("ceil_mode", false);
  if (layer.op == Op::AvgPool) layer.avgDivisor = readCountIncludePad(pr, rc, layer);
  if (ap == "VALID") {
    std::fill(p.pb.begin(), p.pb.end(), 0);
    std::fill(p.pe.begin(), p.pe.end(), 0);
  } else if (ap != "NOTSET") {
    for (int a = 0; a < dims; ++a) {
      const auto g = sameGeometry(layer.ax[a].in, k[a], s[a], d[a], ap == "SAME_LOWER");
      p.pb[a] = g.pb;
      p.pe[a] = g.pe;
    }
  }
  return p;
}

// docs/conventions.md §Chainer pools.
PoolPads chainerPoolPads(ParamReader& pr, const ResolveContext& rc, const std::vector<int>& s, Layer& layer) {
  const int dims = layer.dims;
  PoolPads p{{}, {}, false, ""};
  p.pb = pr.axes("pad", std::vector<int>(dims, 0), 0);
  p.pe = p.pb;
  if (layer.op == Op::AvgPool) {
    layer.avgDivisor = AvgDivisor::FullKernel;
  } else if (pr.boolean("cover_all", paramDefault(layer.op, rc.convention, Param::CoverAll).get<bool>())) {
    for (int a = 0; a < dims; ++a) p.pe[a] = p.pb[a] + s[a] - 1;
    p.prefix = "Chainer cover_all: pads (p, p+s-1); ";
  }
  return p;
}

// The output length of one axis (docs/conventions.md §Pool output length); returns the formula part.
std::string poolAxis(ParamReader& pr, const std::string& kName, Axis& x, int a, int dims, bool ceilMode) {
  const long long padded = static_cast<long long>(x.in) + x.pb + x.pe;
  // floor division as PyTorch's div_rtn: with ceil_mode a window wider than the input still fits once.
  long long out = floorDiv(padded - x.span64() + (ceilMode ? x.s - 1 : 0), x.s) + 1;
  // PyTorch/ONNX ceil_mode: the last window must start inside the input or the left padding.
  const bool dropLast = ceilMode && out > 0 && (out - 1) * x.s >= static_cast<long long>(x.in) + x.pb;
  if (dropLast) --out;
  if (out < 1)
    pr.fail(kName, "pool window " + n2s(x.span64()) + " is wider than the padded input " + n2s(padded) +
                       " along " + axisName(a, dims));
  x.out = checkedOutLength(pr, kName, out, a, dims);
  const std::string n = axisName(a, dims);
  const std::string rounding = ceilMode ? "ceil" : "floor";
  return n + "_out = " + rounding + "((" + n + " + pb + pe - d(k-1) - 1)/s) + 1 = " + rounding + "((" +
         n2s(x.in) + " + " + n2s(x.pb) + " + " + n2s(x.pe) + " - " + n2s(x.span64() - 1) + " - 1)/" +
         n2s(x.s) + ") + 1" + (dropLast ? " - 1" : "") + " = " + n2s(out) +
         (dropLast ? " (- 1: a last window would start in the end padding, and is dropped)" : "");
}

}  // namespace

void resolvePool(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  const int dims = layer.dims;
  layer.outChannels = layer.inChannels;
  const std::string kName = keyOf(rc, layer, Param::Kernel);
  if (!pr.has(kName)) pr.fail(kName, "is required");
  const std::vector<int> k = pr.axes(kName, {}, 1);
  const std::vector<int> defStride = cv == Convention::Onnx ? std::vector<int>(dims, 1) : k;
  const std::vector<int> s = pr.axes(keyOf(rc, layer, Param::Stride), defStride, 1);
  const std::string dName = keyOf(rc, layer, Param::Dilation);
  std::vector<int> d(dims, 1);
  if (!dName.empty()) d = pr.axes(dName, d, 1);
  for (int a = 0; a < dims; ++a) {
    layer.ax[a].k = k[a];
    layer.ax[a].s = s[a];
    layer.ax[a].d = d[a];
  }
  checkSpans(pr, dName.empty() ? kName : dName, layer);
  const PoolPads p = cv == Convention::PyTorch ? torchPoolPads(pr, rc, k, layer)
                     : cv == Convention::Keras ? kerasPoolPads(pr, k, s, layer)
                     : cv == Convention::Onnx  ? onnxPoolPads(pr, rc, k, s, d, layer)
                                               : chainerPoolPads(pr, rc, s, layer);
  std::vector<std::string> parts;
  for (int a = 0; a < dims; ++a) {
    layer.ax[a].pb = p.pb[a];
    layer.ax[a].pe = p.pe[a];
    parts.push_back(poolAxis(pr, kName, layer.ax[a], a, dims, p.ceilMode));
  }
  layer.formula = p.prefix + joinAxes(parts, dims);
}

}  // namespace convscope::engine::detail
