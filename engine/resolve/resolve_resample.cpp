// upsample, unpool (Chainer unpooling_nd) and zero_insert geometry under each convention.
#include <algorithm>

#include "engine/resolve/resolve_internal.h"

namespace convscope::engine::detail {
void resolveResample(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  auto key = [&](Param p) { return keyOf(rc, layer, p); };
  const int dims = layer.dims;
  layer.outChannels = layer.inChannels;
  std::vector<std::string> parts;
  if (layer.op == Op::Upsample) {
    const std::string scaleKey = key(Param::Scale);
    const std::string given = pr.has(scaleKey) ? scaleKey : (pr.has("scale") ? "scale" : scaleKey);
    pr.accept(scaleKey);
    pr.accept("scale");
    if (!pr.has(given)) pr.fail(scaleKey, "is required (integer up-sampling factor)");
    const std::vector<int> s = pr.axes(given, {}, 1);
    const std::string mode =
        pr.word(key(Param::Mode), paramDefault(layer.op, cv, Param::Mode).get<std::string>(),
                {"nearest", "linear", "bilinear"});
    layer.upsampleMode = mode == "nearest" ? UpsampleMode::Nearest : UpsampleMode::Linear;
    for (int a = 0; a < dims; ++a) {
      Axis& x = layer.ax[a];
      x.s = s[a];
      x.out = checkedOutLength(pr, given, static_cast<long long>(x.in) * s[a], a, dims);
      parts.push_back(axisName(a, dims) + "_out = " + axisName(a, dims) + "*s = " + n2s(x.in) + "*" +
                      n2s(s[a]) + " = " + n2s(x.out));
    }
    layer.formula = joinAxes(parts, dims);
    return;
  }
  if (layer.op == Op::ZeroInsert) {
    const std::string stride = key(Param::Stride);
    if (!pr.has(stride)) pr.fail(stride, "is required (zeros between samples = stride - 1)");
    const std::vector<int> s = pr.axes(stride, {}, 1);
    for (int a = 0; a < dims; ++a) {
      Axis& x = layer.ax[a];
      x.s = s[a];
      x.out = checkedOutLength(pr, stride, static_cast<long long>(x.in - 1) * s[a] + 1, a, dims);
      parts.push_back(axisName(a, dims) + "_out = (" + axisName(a, dims) + "-1)s + 1 = (" + n2s(x.in) +
                      "-1)*" + n2s(s[a]) + " + 1 = " + n2s(x.out));
    }
    layer.formula = joinAxes(parts, dims);
    return;
  }
  // unpool (Chainer unpooling_nd)
  const std::string kName = key(Param::Kernel);
  if (!pr.has(kName)) pr.fail(kName, "is required");
  const std::vector<int> k = pr.axes(kName, {}, 1);
  const std::vector<int> s = pr.axes(key(Param::Stride), k, 1);
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
    p = pr.axes(key(Param::Padding), p, 0);
  }
  const bool coverAll =
      pr.boolean(key(Param::CoverAll), paramDefault(layer.op, cv, Param::CoverAll).get<bool>());
  const std::string tName = key(Param::TargetSize);
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
    x.out =
        checkedOutLength(pr, hasTarget ? tName : key(Param::Padding), out, a, dims, "unpool output length");
    const std::string n = axisName(a, dims);
    const std::string full = "s(" + n + "-1) + k - 2p" + std::string(coverAll ? " - (s-1)" : "") + " = " +
                             n2s(s[a]) + "*" + n2s(x.in - 1) + " + " + n2s(k[a]) + " - " + n2s(2 * p[a]) +
                             (coverAll ? " - " + n2s(s[a] - 1) : std::string()) + " = " + n2s(D);
    parts.push_back(n + "_out = " + (hasTarget ? tName + " = " + n2s(out) + " (D = " + full + ")" : full));
  }
  layer.formula = std::string(coverAll ? "cover_all=True; " : "") + joinAxes(parts, dims);
}

}  // namespace convscope::engine::detail
