// max_pool / avg_pool, upsample, unpool and zero_insert geometry under each convention.
#include <algorithm>
#include <filesystem>

#include "npy.h"

#include "resolve_internal.h"

namespace convscope::engine::detail {
namespace {
std::string n2s(long long v) { return std::to_string(v); }
}  // namespace

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
  std::vector<int> pb(dims, 0), pe(dims, 0);
  bool ceilMode = false;
  std::string padParam = nm.padding;
  std::string prefix;
  switch (cv) {
    case Convention::PyTorch: {
      pb = pr.axes("padding", pb, 0);
      pe = pb;
      ceilMode = pr.boolean("ceil_mode", false);
      if (!isMax) layer.avgDivisor = pr.boolean("count_include_pad", true) ? AvgDivisor::IncludePad : AvgDivisor::ExcludePad;
      for (int a = 0; a < dims; ++a) {
        const int dk = d[a] * (k[a] - 1) + 1;
        if (2 * pb[a] > (isMax ? dk : k[a]))
          pr.fail("padding", "must be at most half of the " + std::string(isMax ? "effective " : "") + "kernel size (" +
                                 n2s(pb[a]) + " > " + n2s(isMax ? dk : k[a]) + "/2; PyTorch rule)");
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
          pr.fail("pads", "must be a list of " + n2s(2 * dims) + " integers [begins..., ends...], got " +
                              (v.is_array() ? n2s(static_cast<long long>(v.size())) + " values " : std::string()) + v.dump());
        for (int i = 0; i < 2 * dims; ++i) {
          long long x;
          if (!jsonToInt(v[i], x) || x < 0 || x > (1 << 24)) pr.fail("pads", "must contain integers >= 0, got " + v.dump());
          (i < dims ? pb[i] : pe[i - dims]) = static_cast<int>(x);
        }
      }
      ceilMode = pr.boolean("ceil_mode", false);
      if (!isMax)
        layer.avgDivisor = pr.boolean("count_include_pad", false) ? AvgDivisor::IncludePad : AvgDivisor::ExcludePad;
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
    long long out = floorDiv(padded - x.span() + (ceilMode ? s[a] - 1 : 0), s[a]) + 1;
    // PyTorch/ONNX ceil_mode: the last window must start inside the input or the left padding.
    if (ceilMode && out > 0 && (out - 1) * s[a] >= static_cast<long long>(x.in) + pb[a]) --out;
    if (out < 1)
      pr.fail(kName, "pool window " + n2s(x.span()) + " is wider than the padded input " + n2s(padded) + " along " +
                         axisName(a, dims));
    x.out = static_cast<int>(out);
    const std::string n = axisName(a, dims);
    parts.push_back(n + "_out = " + (ceilMode ? "ceil" : "floor") + "((" + n + " + pb + pe - d(k-1) - 1)/s) + 1 = " +
                    (ceilMode ? "ceil" : "floor") + "((" + n2s(x.in) + " + " + n2s(pb[a]) + " + " + n2s(pe[a]) + " - " +
                    n2s(x.span() - 1) + " - 1)/" + n2s(s[a]) + ") + 1 = " + n2s(out));
  }
  layer.formula = prefix + joinAxes(parts, dims);
}

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
      x.out = x.in * s[a];
      parts.push_back(axisName(a, dims) + "_out = " + axisName(a, dims) + "*s = " + n2s(x.in) + "*" + n2s(s[a]) + " = " +
                      n2s(x.out));
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
      x.out = (x.in - 1) * s[a] + 1;
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
      if (!v.is_array() || static_cast<int>(v.size()) != 2 * dims) pr.fail("pads", "must be a list of " + n2s(2 * dims) + " integers");
      for (int a = 0; a < dims; ++a) {
        long long b, e;
        if (!jsonToInt(v[a], b) || !jsonToInt(v[a + dims], e) || b < 0 || b != e || b > (1 << 24))
          pr.fail("pads", "unpool takes symmetric non-negative pads, got " + v.dump());
        p[a] = static_cast<int>(b);
      }
    }
  } else {
    p = pr.axes(nm.padding, p, 0);
  }
  const bool coverAll = pr.boolean("cover_all", true);
  const std::string tName = cv == Convention::Keras ? "output_size" : (nm.targetSize[0] ? nm.targetSize : "outsize");
  const bool hasTarget = pr.has(tName);
  std::vector<int> target;
  if (hasTarget) target = pr.axes(tName, {}, 1);
  else pr.accept(tName);
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
                           " does not pool back to the input length " + n2s(x.in) + " (Chainer requires get_conv_outsize(outsize) == L)");
    }
    if (out < 1) pr.fail(nm.padding, "unpool output length " + n2s(out) + " along " + axisName(a, dims) + " must be >= 1");
    x.out = static_cast<int>(out);
    parts.push_back(axisName(a, dims) + "_out = " + (hasTarget ? "outsize " + n2s(out) : "s(" + axisName(a, dims) + "-1) + k - 2p" +
                    std::string(coverAll ? " - (s-1)" : "") + " = " + n2s(out)));
  }
  layer.formula = std::string(coverAll ? "cover_all=True; " : "") + joinAxes(parts, dims);
}

void resolveElementwise(ParamReader& pr, const ResolveContext& rc, const Shape& in, Layer& layer) {
  (void)in;
  const Convention cv = rc.convention;
  layer.outChannels = layer.inChannels;
  for (int a = 0; a < layer.dims; ++a) layer.ax[a].out = layer.ax[a].in;
  layer.formula = "elementwise: output shape = input shape";
  switch (layer.op) {
    case Op::LeakyRelu: {
      const char* key = cv == Convention::PyTorch ? "negative_slope" : cv == Convention::Chainer ? "slope" : "alpha";
      const double def = cv == Convention::Keras ? 0.3 : cv == Convention::Chainer ? 0.2 : 0.01;
      layer.alpha = static_cast<float>(pr.number(key, def));
      break;
    }
    case Op::Elu: layer.alpha = static_cast<float>(pr.number("alpha", 1.0)); break;
    case Op::Gelu: layer.geluTanh = pr.word("approximate", "none", {"none", "tanh"}) == "tanh"; break;
    case Op::BatchNorm: {
      const char* epsKey = paramNames(cv).eps;
      layer.eps = static_cast<float>(pr.number(epsKey, cv == Convention::Keras ? 1e-3 : 1e-5));
      if (layer.eps < 0) pr.fail(epsKey, "must be >= 0");
      const int C = layer.inChannels;
      layer.mean = Tensor(Shape{C}, 0.0f);
      layer.var = Tensor(Shape{C}, 1.0f);
      layer.gamma = Tensor(Shape{C}, 1.0f);
      layer.beta = Tensor(Shape{C}, 0.0f);
      if (pr.has("init")) {
        const auto& ini = pr.raw("init");
        if (!ini.is_object()) pr.fail("init", "must be an object {\"kind\": \"random\", \"seed\": n}");
        ParamReader ir(ini, pr.context(), 1);
        const std::string kind = ir.word("kind", "random", {"random", "ones"});
        const auto seed = static_cast<unsigned long long>(ir.integer("seed", rc.index, 0));
        ir.finish();
        if (kind == "random") {
          fillUniform(layer.mean.data, seed, 0.5f);
          fillUniform(layer.var.data, seed + 1, 0.5f);
          for (float& v : layer.var.data) v += 1.0f;  // in [0.5, 1.5)
          fillUniform(layer.gamma.data, seed + 2, 0.5f);
          for (float& v : layer.gamma.data) v += 1.0f;
          fillUniform(layer.beta.data, seed + 3, 0.5f);
        }
      }
      const std::pair<const char*, Tensor*> files[] = {
          {"mean", &layer.mean}, {"var", &layer.var}, {"weight", &layer.gamma}, {"bias", &layer.beta}};
      for (const auto& [key, dst] : files) {
        if (!pr.has(key)) {
          pr.accept(key);
          continue;
        }
        ErrorContext c = pr.context();
        c.param = key;
        const std::string rel = pr.path(key);
        std::filesystem::path path(rel);
        if (path.is_relative() && !rc.baseDir.empty()) path = std::filesystem::path(rc.baseDir) / path;
        Tensor t;
        try {
          t = readNpy(path.lexically_normal().string(), key);
        } catch (const EngineError& e) {
          c.file = rc.file + " -> " + e.context().file;
          throw EngineError(c, e.rule());
        }
        if (t.shape != Shape{C}) pr.fail(key, "file " + rel + " has shape " + shapeToString(t.shape) + " but must be [" + n2s(C) + "] (one value per channel)");
        *dst = std::move(t);
      }
      for (float v : layer.var.data)
        if (v < 0) pr.fail("var", "variances must be >= 0");
      layer.formula = "y = (x - mean) / sqrt(var + eps) * weight + bias, per channel";
      break;
    }
    default: break;
  }
}

}  // namespace convscope::engine::detail
