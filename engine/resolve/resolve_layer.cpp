// resolveLayer dispatch, weight/bias loading and initialisation (conv, conv_transpose).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/core/limits.h"
#include "engine/io/npy.h"
#include "engine/resolve/resolve_internal.h"

namespace convscope::engine {
namespace detail {

std::string joinAxes(const std::vector<std::string>& parts, int dims) {
  std::string s;
  for (int a = 0; a < dims; ++a) s += (a ? "; " : "") + parts[static_cast<size_t>(a)];
  return s;
}

std::string axisName(int a, int dims) {
  return dims == 1 ? "L" : (a == 0 ? "H" : "W");
}

int checkedOutLength(const ParamReader& pr, const std::string& key, long long out, int a, int dims,
                     const std::string& what) {
  if (out < 1)
    pr.fail(key, what + " along " + axisName(a, dims) + " would be " + n2s(out) + "; it must be >= 1");
  if (out > kMaxAxisLength)
    pr.fail(key, what + " along " + axisName(a, dims) + " would be " + n2s(out) +
                     ", more than the largest axis length " + n2s(kMaxAxisLength) + " (2^30)");
  return static_cast<int>(out);
}

void checkSpans(const ParamReader& pr, const std::string& key, const Layer& layer) {
  for (int a = 0; a < layer.dims; ++a)
    if (layer.ax[a].span64() > kMaxAxisLength)
      pr.fail(key, "kernel span d(k-1)+1 = " + n2s(layer.ax[a].span64()) + " along " +
                       axisName(a, layer.dims) + " is more than the largest axis length " +
                       n2s(kMaxAxisLength) + " (2^30)");
}

void fillUniform(std::vector<float>& v, unsigned long long seed, float bound) {
  unsigned long long state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (float& x : v) {
    state += 0x9E3779B97F4A7C15ull;
    unsigned long long z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const double u = static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);  // [0,1)
    x = static_cast<float>((2.0 * u - 1.0) * bound);
  }
}

static Tensor readData(ParamReader& pr, const ResolveContext& rc, const std::string& key) {
  const std::string rel = pr.path(key);
  ErrorContext c = pr.context();
  c.param = key;
  c.file = rc.file;
  const std::string path = dataFilePath(rel, rc.baseDir, rc.access, c);
  try {
    return readNpy(path, key);
  } catch (const EngineError& e) {
    c.file = e.context().file.empty() ? rc.file : rc.file + " -> " + e.context().file;
    throw EngineError(c, e.rule());
  }
}

void resolveWeights(ParamReader& pr, const ResolveContext& rc, Layer& layer, std::vector<int> kernel,
                    int outChannels, bool biasDefault) {
  const ParamNames& nm = paramNames(rc.convention);
  const bool transposed = layer.op == Op::ConvTranspose;
  const int dims = layer.dims;
  const int C = layer.inChannels;
  const int g = layer.groups;
  const std::string kName = nm.kernel;
  const std::string oName = nm.outChannels;

  const std::string layoutNote =
      rc.convention == Convention::Keras
          ? (transposed ? " (keras layout (k..., O, C))" : " (keras layout (k..., C/groups, O))")
          : (transposed ? " (layout (C, O/groups, k...))" : " (layout (O, C/groups, k...))");
  if (C % g != 0)
    pr.fail(nm.groups,
            "in-channels " + std::to_string(C) + " must be divisible by groups " + std::to_string(g));
  if (outChannels > 0 && outChannels % g != 0)
    pr.fail(nm.groups,
            oName + " " + std::to_string(outChannels) + " must be divisible by groups " + std::to_string(g));
  // Canonical weight shape for given out-channels and kernel: conv (O, C/g, k...), transposed (C, O/g, k...).
  auto canonicalShape = [&](int O, const std::vector<int>& k) {
    Shape s = transposed ? Shape{C, O / g} : Shape{O, C / g};
    for (int a = 0; a < dims; ++a) s.push_back(k[static_cast<size_t>(a)]);
    return s;
  };
  // The same shape in the file's (convention's) layout, for messages.
  auto nativeShape = [&](const Shape& canon) {
    if (rc.convention != Convention::Keras) return canon;
    Shape s(canon.begin() + 2, canon.end());
    s.push_back(canon[1]);
    s.push_back(canon[0]);
    return s;
  };

  bool hasWeightFile = pr.has("weight");
  Tensor w;
  std::string weightFile;
  if (hasWeightFile) {
    weightFile = pr.has("weight") && pr.raw("weight").is_string() ? pr.raw("weight").get<std::string>() : "";
    w = readData(pr, rc, "weight");
    const Shape fileShape = w.shape;
    if (w.rank() != dims + 2)
      pr.fail("weight", "weight file " + weightFile + " must have " + std::to_string(dims + 2) +
                            " axes for a " + std::to_string(dims) + "-D layer" + layoutNote +
                            ", it has shape " + shapeToString(fileShape));
    if (rc.convention == Convention::Keras) {
      // keras conv (k..., C/g, O) and transposed (k..., O, C) → (O, C/g, k...) / (C, O, k...)
      std::vector<int> perm = dims == 1 ? std::vector<int>{2, 1, 0} : std::vector<int>{3, 2, 0, 1};
      w = permute(w, perm);
    }
    std::vector<int> wk;
    for (int a = 0; a < dims; ++a) wk.push_back(static_cast<int>(w.dim(2 + a)));
    for (int a = 0; a < dims; ++a)
      if (wk[a] < 1)
        pr.fail("weight", "weight file " + weightFile + " has a zero-sized kernel axis: shape " +
                              shapeToString(fileShape));
    if (!kernel.empty() && kernel != wk)
      pr.fail(kName, "says " + shapeToString(Shape(kernel.begin(), kernel.end())) + " but the weight file " +
                         weightFile + " has kernel " + shapeToString(Shape(wk.begin(), wk.end())) +
                         " (file shape " + shapeToString(fileShape) + layoutNote + ")");
    kernel = wk;
    const int O = outChannels > 0
                      ? outChannels
                      : (transposed ? static_cast<int>(w.dim(1)) * g : static_cast<int>(w.dim(0)));
    const Shape expect = canonicalShape(O, kernel);
    if (w.shape != expect)
      pr.fail("weight", "weight file " + weightFile + " has shape " + shapeToString(fileShape) +
                            " but in-channels " + std::to_string(C) + ", " + oName + " " + std::to_string(O) +
                            ", groups " + std::to_string(g) + " need " + shapeToString(nativeShape(expect)) +
                            layoutNote);
    outChannels = O;
  }
  if (kernel.empty()) pr.fail(kName, "is required (or give a \"weight\" file)");
  if (outChannels <= 0) pr.fail(oName, "is required (or give a \"weight\" file)");
  if (outChannels % g != 0)
    pr.fail(nm.groups,
            oName + " " + std::to_string(outChannels) + " must be divisible by groups " + std::to_string(g));
  layer.outChannels = outChannels;
  for (int a = 0; a < dims; ++a) layer.ax[a].k = kernel[a];

  const Shape wShape = canonicalShape(outChannels, kernel);
  int64_t kProd = 1;
  for (int a = 0; a < dims; ++a) kProd *= kernel[a];
  if (numelSaturating(wShape) > (int64_t(1) << 31))
    pr.fail(kName, "the weight would have " + std::to_string(numelSaturating(wShape)) + " elements (shape " +
                       shapeToString(wShape) + "); the limit is 2^31");
  if (tensorBytes(wShape) > limits().maxTensorBytes)
    pr.fail(kName, "the weight " + shapeToString(wShape) + " would need " + formatBytes(tensorBytes(wShape)) +
                       ", more than the tensor limit of " + formatBytes(limits().maxTensorBytes) +
                       " (CONVSCOPE_MAX_TENSOR_BYTES)");

  // bias switch, under the convention's name; "bias" may also be a file under every convention.
  bool biasOn = biasDefault;
  const bool biasFile = pr.has("bias") && pr.raw("bias").is_string();
  if (rc.convention == Convention::Keras) {
    if (pr.has("bias") && !biasFile)
      pr.fail("bias", "must be a file name under keras (use \"use_bias\" for on/off)");
    biasOn = pr.boolean("use_bias", biasDefault);
    if (biasFile && !biasOn) pr.fail("use_bias", "is false but a bias file is given");
  } else if (rc.convention == Convention::Chainer) {
    if (pr.has("bias") && !biasFile)
      pr.fail("bias", "must be a file name under chainer (use \"nobias\" for on/off)");
    biasOn = !pr.boolean("nobias", !biasDefault);
    if (biasFile && !biasOn) pr.fail("nobias", "is true but a bias file is given");
  } else if (!biasFile) {
    biasOn = pr.boolean("bias", biasDefault);
  }
  if (biasFile) biasOn = true;

  // init
  std::string kind = "random";
  unsigned long long seed = static_cast<unsigned long long>(rc.index);
  if (pr.has("init")) {
    const auto& ini = pr.raw("init");
    if (!ini.is_object())
      pr.fail("init", "must be an object {\"kind\": \"random|ones|identity\", \"seed\": n}");
    ErrorContext ic = pr.context();
    ParamReader ir(ini, ic, 1);
    kind = ir.word("kind", "random", {"random", "ones", "identity"});
    seed = static_cast<unsigned long long>(ir.integer("seed", rc.index, 0));
    ir.finish();
    if (hasWeightFile) pr.fail("init", "cannot be combined with a \"weight\" file");
  }
  const int fanInAxis1 = static_cast<int>(wShape[1]);  // PyTorch's fan_in = weight.size(1) * prod(k)
  const float bound = 1.0f / std::sqrt(static_cast<float>(fanInAxis1 * kProd));
  if (!hasWeightFile) {
    w = Tensor(wShape);
    if (kind == "random") {
      fillUniform(w.data, seed, bound);
    } else if (kind == "ones") {
      std::fill(w.data.begin(), w.data.end(), 1.0f);
    } else {  // identity: centre tap, channel i → channel i within each group
      const int64_t a0 = wShape[0], a1 = wShape[1];
      int64_t centre = 0, stride = 1;
      for (int a = dims - 1; a >= 0; --a) {
        centre += (kernel[a] / 2) * stride;
        stride *= kernel[a];
      }
      for (int64_t i = 0; i < a0; ++i) {
        const int64_t j = transposed ? i % (C / g) : i % (outChannels / g);
        if (j < a1) w.data[(i * a1 + j) * kProd + centre] = 1.0f;
      }
    }
  }
  layer.weight = std::move(w);
  layer.bias = Tensor();
  if (biasFile) {
    const std::string biasFileName = pr.raw("bias").get<std::string>();
    Tensor b = readData(pr, rc, "bias");
    if (b.shape != Shape{outChannels})
      pr.fail("bias", "bias file " + biasFileName + " has shape " + shapeToString(b.shape) +
                          " but must be [" + std::to_string(outChannels) +
                          "] (one value per output channel)");
    layer.bias = std::move(b);
  } else if (biasOn) {
    layer.bias = Tensor(Shape{outChannels});
    if (kind == "random" && !hasWeightFile) fillUniform(layer.bias.data, seed ^ 0xB1A5ull, bound);
  }
}

}  // namespace detail

using namespace detail;

namespace {

// Every key any op reads under any convention. A key outside it is a typo whatever the op, and
// is reported before any "missing parameter" error it may cause.
const std::vector<std::string>& knownKeys() {
  static const std::vector<std::string> keys = {"op",
                                                "name",
                                                "comment",
                                                "out_channels",
                                                "filters",
                                                "kernel_size",
                                                "kernel_shape",
                                                "ksize",
                                                "pool_size",
                                                "stride",
                                                "strides",
                                                "padding",
                                                "pads",
                                                "pad",
                                                "auto_pad",
                                                "dilation",
                                                "dilation_rate",
                                                "dilations",
                                                "dilate",
                                                "groups",
                                                "group",
                                                "output_padding",
                                                "output_size",
                                                "output_shape",
                                                "outsize",
                                                "bias",
                                                "use_bias",
                                                "nobias",
                                                "padding_mode",
                                                "cover_all",
                                                "weight",
                                                "init",
                                                "ceil_mode",
                                                "count_include_pad",
                                                "scale_factor",
                                                "size",
                                                "scales",
                                                "scale",
                                                "mode",
                                                "interpolation",
                                                "negative_slope",
                                                "alpha",
                                                "slope",
                                                "approximate",
                                                "eps",
                                                "epsilon",
                                                "mean",
                                                "var"};
  return keys;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

void refuseUnknownKeys(const nlohmann::json& spec, const ErrorContext& ctx) {
  const auto& keys = knownKeys();
  for (auto it = spec.begin(); it != spec.end(); ++it) {
    if (std::find(keys.begin(), keys.end(), it.key()) != keys.end()) continue;
    std::string best;
    size_t bestD = 3;
    for (const auto& k : keys)
      if (const size_t d = editDistance(it.key(), k); d < bestD) {
        bestD = d;
        best = k;
      }
    ErrorContext c = ctx;
    c.param = it.key();
    throw EngineError(
        c, "unknown parameter" + (best.empty() ? std::string() : "; did you mean '" + best + "'?"));
  }
}

}  // namespace

Layer resolveLayer(const nlohmann::json& spec, const ResolveContext& rc, const Shape& inShape) {
  ErrorContext ctx{rc.file, rc.index, "", ""};
  if (!spec.is_object())
    throw EngineError(ctx, "a layer must be a JSON object with an \"op\", got " + jsonTypeName(spec));
  if (!spec.contains("op")) throw EngineError(ctx, "missing \"op\"");
  if (!spec.at("op").is_string()) {
    ctx.param = "op";
    throw EngineError(ctx, "must be a string, got " + jsonTypeName(spec.at("op")));
  }
  const std::string opWord = spec.at("op").get<std::string>();
  ctx.op = opWord;
  static const std::vector<std::pair<std::string, Op>> ops = {{"conv", Op::Conv},
                                                              {"conv_transpose", Op::ConvTranspose},
                                                              {"upsample", Op::Upsample},
                                                              {"unpool", Op::Unpool},
                                                              {"zero_insert", Op::ZeroInsert},
                                                              {"max_pool", Op::MaxPool},
                                                              {"avg_pool", Op::AvgPool},
                                                              {"batch_norm", Op::BatchNorm},
                                                              {"relu", Op::Relu},
                                                              {"leaky_relu", Op::LeakyRelu},
                                                              {"elu", Op::Elu},
                                                              {"gelu", Op::Gelu},
                                                              {"tanh", Op::Tanh},
                                                              {"sigmoid", Op::Sigmoid}};
  Layer layer;
  bool found = false;
  for (const auto& [w, op] : ops)
    if (w == opWord) {
      layer.op = op;
      found = true;
    }
  if (!found) {
    std::string list;
    for (const auto& [w, op] : ops) list += (list.empty() ? "" : ", ") + w;
    ctx.param = "op";
    throw EngineError(ctx, "unknown op " + shortDump(spec.at("op")) + "; known ops: " + list);
  }
  if (static_cast<int>(inShape.size()) != rc.dims + 1)
    throw EngineError(ctx, "internal: input rank mismatch " + shapeToString(inShape));
  layer.dims = rc.dims;
  for (int64_t v : inShape)
    if (v < 1 || v > kMaxAxisLength)
      throw EngineError(ctx,
                        "input " + shapeToString(inShape) + " has a size outside 1.." + n2s(kMaxAxisLength));
  layer.inChannels = static_cast<int>(inShape[0]);
  for (int a = 0; a < rc.dims; ++a) layer.ax[a].in = static_cast<int>(inShape[1 + a]);

  refuseUnknownKeys(spec, ctx);
  ParamReader pr(spec, ctx, rc.dims);
  pr.accept("op");
  pr.accept("name");     // free-text label
  pr.accept("comment");  // free text
  switch (layer.op) {
    case Op::Conv:
      resolveConv(pr, rc, inShape, layer);
      break;
    case Op::ConvTranspose:
      resolveConvTranspose(pr, rc, inShape, layer);
      break;
    case Op::MaxPool:
    case Op::AvgPool:
      resolvePool(pr, rc, inShape, layer);
      break;
    case Op::Upsample:
    case Op::Unpool:
    case Op::ZeroInsert:
      resolveResample(pr, rc, inShape, layer);
      break;
    default:
      resolveElementwise(pr, rc, inShape, layer);
      break;
  }
  pr.finish();
  for (int a = 0; a < layer.dims; ++a) {
    const Axis& x = layer.ax[a];
    if (x.out < 1)
      throw EngineError(
          ctx, "the output would be empty along " + axisName(a, layer.dims) + " (" + layer.formula + ")");
    // Every kernel indexes with int: spans and transposed-conv buffers must stay well inside it.
    if (x.span64() > kMaxAxisLength + kMaxAxisLength / 2 ||
        x.fullLength64() > kMaxAxisLength + kMaxAxisLength / 2)
      throw EngineError(ctx, "the kernel span or stride along " + axisName(a, layer.dims) +
                                 " is too large for an input of length " + n2s(x.in) + " (" + layer.formula +
                                 ")");
  }
  const int64_t outElems = numel(layer.outputShape());
  if (outElems > (int64_t(1) << 32))
    throw EngineError(ctx, "the output " + shapeToString(layer.outputShape()) + " would have " +
                               std::to_string(outElems) + " elements per batch item; the limit is 2^32");
  return layer;
}

}  // namespace convscope::engine
