// upsample, unpool (Chainer unpooling_nd) and zero_insert geometry under each convention.
#include <algorithm>

#include "engine/resolve/resolve_internal.h"

namespace convscope::engine::detail {
void resolveResample(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  const ParamNames& nm = paramNames(cv);
  const int dims = layer.dims;
  layer.outChannels = layer.inChannels;
  std::vector<std::string> parts;
  if (layer.op == Op::Upsample) {
    const char* scaleKey = cv == Convention::PyTorch ? "scale_factor"
                           : cv == Convention::Keras ? "size"
                           : cv == Convention::Onnx  ? "scales"
                                                     : "scale";
    const std::string key = pr.has(scaleKey) ? scaleKey : (pr.has("scale") ? "scale" : scaleKey);
    pr.accept(scaleKey);
    pr.accept("scale");
    if (!pr.has(key)) pr.fail(scaleKey, "is required (integer up-sampling factor)");
    const std::vector<int> s = pr.axes(key, {}, 1);
    const std::string modeKey = cv == Convention::Keras ? "interpolation" : "mode";
    const std::string mode = pr.word(modeKey, "nearest", {"nearest", "linear", "bilinear"});
    layer.upsampleMode = mode == "nearest" ? UpsampleMode::Nearest : UpsampleMode::Linear;
    for (int a = 0; a < dims; ++a) {
      Axis& x = layer.ax[a];
      x.s = s[a];
      x.out = checkedOutLength(pr, key, static_cast<long long>(x.in) * s[a], a, dims);
      parts.push_back(axisName(a, dims) + "_out = " + axisName(a, dims) + "*s = " + n2s(x.in) + "*" +
                      n2s(s[a]) + " = " + n2s(x.out));
    }
    layer.formula = joinAxes(parts, dims);
    return;
  }
  if (layer.op == Op::ZeroInsert) {
    if (!pr.has(nm.stride)) pr.fail(nm.stride, "is required (zeros between samples = stride - 1)");
    const std::vector<int> s = pr.axes(nm.stride, {}, 1);
    for (int a = 0; a < dims; ++a) {
      Axis& x = layer.ax[a];
      x.s = s[a];
      x.out = checkedOutLength(pr, nm.stride, static_cast<long long>(x.in - 1) * s[a] + 1, a, dims);
      parts.push_back(axisName(a, dims) + "_out = (" + axisName(a, dims) + "-1)s + 1 = " + n2s(x.out));
    }
    layer.formula = joinAxes(parts, dims);
    return;
  }
  // unpool (Chainer unpooling_nd)
  const std::string kName = nm.poolKernel;
  if (!pr.has(kName)) pr.fail(kName, "is required");
  const std::vector<int> k = pr.axes(kName, {}, 1);
  const std::vector<int> s = pr.axes(nm.stride, k, 1);
  std::vector<int> p(dims, 0);
  if (cv == Convention::Onnx) {
    pr.accept("pads");
    if (pr.has("pads")) {
      const auto& v = pr.raw("pads");
      if (!v.is_array() || static_cast<int>(v.size()) != 2 * dims)
        pr.fail("pads", "must be a list of " + n2s(2 * dims) + " integers");
      for (int a = 0; a < dims; ++a) {
        long long b, e;
        if (!jsonToInt(v[a], b) || !jsonToInt(v[a + dims], e) || b < 0 || b != e || b > (1 << 24))
          pr.fail("pads", "unpool takes symmetric non-negative pads, got " + shortDump(v));
        p[a] = static_cast<int>(b);
      }
    }
  } else {
    p = pr.axes(nm.padding, p, 0);
  }
  const bool coverAll = pr.boolean("cover_all", true);
  const std::string tName =
      cv == Convention::Keras ? "output_size" : (nm.targetSize[0] ? nm.targetSize : "outsize");
  const bool hasTarget = pr.has(tName);
  std::vector<int> target;
  if (hasTarget)
    target = pr.axes(tName, {}, 1);
  else
    pr.accept(tName);
  for (int a = 0; a < dims; ++a) {
    Axis& x = layer.ax[a];
    x.k = k[a];
    x.s = s[a];
    x.start = p[a];
    const long long D = static_cast<long long>(x.in - 1) * s[a] + k[a] - 2 * p[a] - (coverAll ? s[a] - 1 : 0);
    long long out = D;
    if (hasTarget) {
      out = target[a];
      // Chainer: get_conv_outsize(out, k, s, p, cover_all) must give back L.
      const long long back = (out + 2 * p[a] - k[a] + (coverAll ? s[a] - 1 : 0));
      if (back < 0 || back / s[a] + 1 != x.in)
        pr.fail(tName, "outsize " + n2s(out) + " along " + axisName(a, dims) +
                           " does not pool back to the input length " + n2s(x.in) +
                           " (Chainer requires get_conv_outsize(outsize) == L)");
    }
    x.out = checkedOutLength(pr, hasTarget ? tName : nm.padding, out, a, dims, "unpool output length");
    parts.push_back(axisName(a, dims) + "_out = " +
                    (hasTarget ? "outsize " + n2s(out)
                               : "s(" + axisName(a, dims) + "-1) + k - 2p" +
                                     std::string(coverAll ? " - (s-1)" : "") + " = " + n2s(out)));
  }
  layer.formula = std::string(coverAll ? "cover_all=True; " : "") + joinAxes(parts, dims);
}

}  // namespace convscope::engine::detail
