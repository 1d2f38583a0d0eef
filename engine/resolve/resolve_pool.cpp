// max_pool / avg_pool geometry under each convention (pads, ceil_mode / cover_all, divisor).
#include <algorithm>

#include "engine/resolve/resolve_internal.h"

namespace convscope::engine::detail {
void resolvePool(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  const ParamNames& nm = paramNames(cv);
  const int dims = layer.dims;
  const bool isMax = layer.op == Op::MaxPool;
  layer.outChannels = layer.inChannels;
  const std::string kName = nm.poolKernel;
  if (!pr.has(kName)) pr.fail(kName, "is required");
  const std::vector<int> k = pr.axes(kName, {}, 1);
  const std::vector<int> defStride = cv == Convention::Onnx ? std::vector<int>(dims, 1) : k;
  const std::vector<int> s = pr.axes(nm.stride, defStride, 1);
  std::vector<int> d(dims, 1);
  if (isMax && cv != Convention::Keras && cv != Convention::Chainer) d = pr.axes(nm.dilation, d, 1);
  for (int a = 0; a < dims; ++a) {
    layer.ax[a].k = k[a];
    layer.ax[a].d = d[a];
  }
  checkSpans(pr, isMax ? nm.dilation : kName, layer);
  std::vector<int> pb(dims, 0), pe(dims, 0);
  bool ceilMode = false;
  std::string padParam = nm.padding;
  std::string prefix;
  switch (cv) {
    case Convention::PyTorch: {
      pb = pr.axes("padding", pb, 0);
      pe = pb;
      ceilMode = pr.boolean("ceil_mode", false);
      if (!isMax)
        layer.avgDivisor =
            pr.boolean("count_include_pad", true) ? AvgDivisor::IncludePad : AvgDivisor::ExcludePad;
      for (int a = 0; a < dims; ++a) {
        const int dk = d[a] * (k[a] - 1) + 1;
        if (2 * pb[a] > (isMax ? dk : k[a]))
          pr.fail("padding", "must be at most half of the " + std::string(isMax ? "effective " : "") +
                                 "kernel size (" + n2s(pb[a]) + " > " + n2s(isMax ? dk : k[a]) +
                                 "/2; PyTorch rule)");
      }
      break;
    }
    case Convention::Keras: {
      const std::string word = pr.word("padding", "valid", {"valid", "same"});
      if (word == "same") {
        for (int a = 0; a < dims; ++a) {
          const auto g = sameGeometry(layer.ax[a].in, k[a], s[a], 1, false);
          pb[a] = g.pb;
          pe[a] = g.pe;
        }
        prefix = "TF SAME: out = ceil(L/s); ";
      }
      layer.avgDivisor = AvgDivisor::ExcludePad;
      break;
    }
    case Convention::Onnx: {
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
          (i < dims ? pb[i] : pe[i - dims]) = static_cast<int>(x);
        }
      }
      ceilMode = pr.boolean("ceil_mode", false);
      if (!isMax)
        layer.avgDivisor =
            pr.boolean("count_include_pad", false) ? AvgDivisor::IncludePad : AvgDivisor::ExcludePad;
      if (ap == "VALID") {
        std::fill(pb.begin(), pb.end(), 0);
        std::fill(pe.begin(), pe.end(), 0);
      } else if (ap != "NOTSET") {
        for (int a = 0; a < dims; ++a) {
          const auto g = sameGeometry(layer.ax[a].in, k[a], s[a], d[a], ap == "SAME_LOWER");
          pb[a] = g.pb;
          pe[a] = g.pe;
        }
        padParam = "auto_pad";
      }
      break;
    }
    case Convention::Chainer: {
      pb = pr.axes("pad", pb, 0);
      pe = pb;
      if (isMax) {
        if (pr.boolean("cover_all", true)) {
          for (int a = 0; a < dims; ++a) pe[a] = pb[a] + s[a] - 1;
          prefix = "Chainer cover_all: pads (p, p+s-1); ";
        }
      } else {
        layer.avgDivisor = AvgDivisor::FullKernel;
      }
      break;
    }
  }
  std::vector<std::string> parts;
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    x.k = k[a];
    x.s = s[a];
    x.d = d[a];
    x.pb = pb[a];
    x.pe = pe[a];
    const long long padded = static_cast<long long>(x.in) + pb[a] + pe[a];
    // floor division as PyTorch's div_rtn: with ceil_mode a window wider than the input still fits once.
    long long out = floorDiv(padded - x.span64() + (ceilMode ? s[a] - 1 : 0), s[a]) + 1;
    // PyTorch/ONNX ceil_mode: the last window must start inside the input or the left padding.
    if (ceilMode && out > 0 && (out - 1) * s[a] >= static_cast<long long>(x.in) + pb[a]) --out;
    if (out < 1)
      pr.fail(kName, "pool window " + n2s(x.span64()) + " is wider than the padded input " + n2s(padded) +
                         " along " + axisName(a, dims));
    x.out = checkedOutLength(pr, kName, out, a, dims);
    const std::string n = axisName(a, dims);
    parts.push_back(n + "_out = " + (ceilMode ? "ceil" : "floor") + "((" + n +
                    " + pb + pe - d(k-1) - 1)/s) + 1 = " + (ceilMode ? "ceil" : "floor") + "((" + n2s(x.in) +
                    " + " + n2s(pb[a]) + " + " + n2s(pe[a]) + " - " + n2s(x.span64() - 1) + " - 1)/" +
                    n2s(s[a]) + ") + 1 = " + n2s(out));
  }
  layer.formula = prefix + joinAxes(parts, dims);
}

}  // namespace convscope::engine::detail
