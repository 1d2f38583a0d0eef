// resolveLayer dispatch, weight/bias loading and initialisation (conv, conv_transpose).
//
// Index of this file:
//   [SECTION] HELPERS  axis names, checked lengths, spans, seeded values, data files
//   [SECTION] WEIGHTS  weight file, bias switch, init, resolveWeights
//   [SECTION] LAYER    unknown keys, resolveLayer
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/core/limits.h"
#include "engine/io/npy.h"
#include "engine/resolve/op_schema.h"
#include "engine/resolve/resolve_internal.h"

namespace convscope::engine {
namespace detail {

// [SECTION] HELPERS
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

// [SECTION] WEIGHTS
namespace {

// The weight in canonical and in the file's layout (docs/conventions.md §Weight layouts).
struct WeightLayout {
  bool transposed;
  bool keras;
  int C, g, dims;
  // Canonical weight shape: conv (O, C/g, k...), transposed (C, O/g, k...).
  Shape canonical(int O, const std::vector<int>& k) const {
    Shape s = transposed ? Shape{C, O / g} : Shape{O, C / g};
    for (int a = 0; a < dims; ++a) s.push_back(k[static_cast<size_t>(a)]);
    return s;
  }
  // The same shape in the file's (convention's) layout, for messages.
  Shape native(const Shape& canon) const {
    if (!keras) return canon;
    Shape s(canon.begin() + 2, canon.end());
    s.push_back(canon[1]);
    s.push_back(canon[0]);
    return s;
  }
  std::string note() const {
    return keras ? (transposed ? " (keras layout (k..., O, C))" : " (keras layout (k..., C/groups, O))")
                 : (transposed ? " (layout (C, O/groups, k...))" : " (layout (O, C/groups, k...))");
  }
};

// Reads the "weight" file into canonical layout; sets `kernel` and `outChannels` from it, after
// checking they agree with what the parameters said (empty / 0 = not said).
Tensor readWeightFile(ParamReader& pr, const ResolveContext& rc, const WeightLayout& wl,
                      const std::string& kName, const std::string& oName, std::vector<int>& kernel,
                      int& outChannels) {
  const std::string weightFile = pr.raw("weight").is_string() ? pr.raw("weight").get<std::string>() : "";
  Tensor w = readData(pr, rc, "weight");
  const Shape fileShape = w.shape;
  const int dims = wl.dims;
  if (w.rank() != dims + 2)
    pr.fail("weight", "weight file " + weightFile + " must have " + std::to_string(dims + 2) +
                          " axes for a " + std::to_string(dims) + "-D layer" + wl.note() + ", it has shape " +
                          shapeToString(fileShape));
  if (wl.keras) {
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
                       " (file shape " + shapeToString(fileShape) + wl.note() + ")");
  kernel = wk;
  const int O = outChannels > 0
                    ? outChannels
                    : (wl.transposed ? static_cast<int>(w.dim(1)) * wl.g : static_cast<int>(w.dim(0)));
  const Shape expect = wl.canonical(O, kernel);
  if (w.shape != expect)
    pr.fail("weight", "weight file " + weightFile + " has shape " + shapeToString(fileShape) +
                          " but in-channels " + std::to_string(wl.C) + ", " + oName + " " +
                          std::to_string(O) + ", groups " + std::to_string(wl.g) + " need " +
                          shapeToString(wl.native(expect)) + wl.note());
  outChannels = O;
  return w;
}

// Refuses a weight over the element or byte limits (engine/core/limits.h).
void checkWeightSize(const ParamReader& pr, const std::string& kName, const Shape& wShape) {
  if (numelSaturating(wShape) > (int64_t(1) << 31))
    pr.fail(kName, "the weight would have " + std::to_string(numelSaturating(wShape)) + " elements (shape " +
                       shapeToString(wShape) + "); the limit is 2^31");
  if (tensorBytes(wShape) > limits().maxTensorBytes)
    pr.fail(kName, "the weight " + shapeToString(wShape) + " would need " + formatBytes(tensorBytes(wShape)) +
                       ", more than the tensor limit of " + formatBytes(limits().maxTensorBytes) +
                       " (CONVSCOPE_MAX_TENSOR_BYTES)");
}

// The bias switch under the convention's name (Param::Bias; chainer's nobias is inverted). "bias"
// may also name a file under every convention, which switches the bias on.
bool readBiasSwitch(ParamReader& pr, const ResolveContext& rc, Op op, bool biasFile) {
  const std::string key = paramKey(op, rc.convention, Param::Bias);
  const bool keyDefault = paramDefault(op, rc.convention, Param::Bias).get<bool>();
  if (key == "bias") return biasFile || pr.boolean(key, keyDefault);
  const bool inverted = rc.convention == Convention::Chainer;
  if (pr.has("bias") && !biasFile)
    pr.fail("bias", std::string("must be a file name under ") + conventionName(rc.convention) + " (use \"" +
                        key + "\" for on/off)");
  const bool on = pr.boolean(key, keyDefault) != inverted;
  if (biasFile && !on)
    pr.fail(key, std::string("is ") + (inverted ? "true" : "false") + " but a bias file is given");
  return on;
}

// The "init" object: kind and seed (the seed defaults to the layer index).
struct InitSpec {
  std::string kind = "random";
  unsigned long long seed = 0;
};
InitSpec readInit(ParamReader& pr, const ResolveContext& rc, bool hasWeightFile) {
  InitSpec init;
  init.seed = static_cast<unsigned long long>(rc.index);
  if (!pr.has("init")) return init;
  const auto& ini = pr.raw("init");
  if (!ini.is_object())
    pr.fail("init", "must be an object {\"kind\": \"random|ones|identity\", \"seed\": n}");
  ParamReader ir(ini, pr.context(), 1);
  init.kind = ir.word("kind", "random", {"random", "ones", "identity"});
  init.seed = static_cast<unsigned long long>(ir.integer("seed", rc.index, 0));
  ir.finish();
  if (hasWeightFile) pr.fail("init", "cannot be combined with a \"weight\" file");
  return init;
}

// A weight of canonical shape `wShape` made by `init`: random uniform in [-bound, bound), ones, or
// identity (centre tap, channel i → channel i within each group).
Tensor initialWeight(const InitSpec& init, const WeightLayout& wl, const Shape& wShape,
                     const std::vector<int>& kernel, int outChannels, float bound) {
  Tensor w(wShape);
  if (init.kind == "random") {
    fillUniform(w.data, init.seed, bound);
  } else if (init.kind == "ones") {
    std::fill(w.data.begin(), w.data.end(), 1.0f);
  } else {
    const int64_t a0 = wShape[0], a1 = wShape[1];
    int64_t centre = 0, stride = 1, kProd = 1;
    for (int a = wl.dims - 1; a >= 0; --a) {
      centre += (kernel[a] / 2) * stride;
      stride *= kernel[a];
      kProd *= kernel[a];
    }
    for (int64_t i = 0; i < a0; ++i) {
      const int64_t j = wl.transposed ? i % (wl.C / wl.g) : i % (outChannels / wl.g);
      if (j < a1) w.data[(i * a1 + j) * kProd + centre] = 1.0f;
    }
  }
  return w;
}

}  // namespace

void resolveWeights(ParamReader& pr, const ResolveContext& rc, Layer& layer, std::vector<int> kernel,
                    int outChannels) {
  auto key = [&](Param p) { return std::string(paramKey(layer.op, rc.convention, p)); };
  const WeightLayout wl{layer.op == Op::ConvTranspose, rc.convention == Convention::Keras, layer.inChannels,
                        layer.groups, layer.dims};
  const std::string kName = key(Param::Kernel);
  const std::string oName = key(Param::OutChannels);
  const std::string gName = key(Param::Groups);
  auto checkDivides = [&](const std::string& what, int n) {
    if (n % wl.g != 0)
      pr.fail(gName, what + " " + std::to_string(n) + " must be divisible by groups " + std::to_string(wl.g));
  };
  checkDivides("in-channels", wl.C);
  if (outChannels > 0) checkDivides(oName, outChannels);

  const bool hasWeightFile = pr.has("weight");
  Tensor w;
  if (hasWeightFile) w = readWeightFile(pr, rc, wl, kName, oName, kernel, outChannels);
  if (kernel.empty()) pr.fail(kName, "is required (or give a \"weight\" file)");
  if (outChannels <= 0) pr.fail(oName, "is required (or give a \"weight\" file)");
  checkDivides(oName, outChannels);
  layer.outChannels = outChannels;
  for (int a = 0; a < wl.dims; ++a) layer.ax[a].k = kernel[a];

  const Shape wShape = wl.canonical(outChannels, kernel);
  checkWeightSize(pr, kName, wShape);
  const bool biasFile = pr.has("bias") && pr.raw("bias").is_string();
  const bool biasOn = readBiasSwitch(pr, rc, layer.op, biasFile);
  const InitSpec init = readInit(pr, rc, hasWeightFile);
  int64_t kProd = 1;
  for (int a = 0; a < wl.dims; ++a) kProd *= kernel[a];
  const int fanInAxis1 = static_cast<int>(wShape[1]);  // PyTorch's fan_in = weight.size(1) * prod(k)
  const float bound = 1.0f / std::sqrt(static_cast<float>(fanInAxis1 * kProd));
  layer.weight = hasWeightFile ? std::move(w) : initialWeight(init, wl, wShape, kernel, outChannels, bound);
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
    if (init.kind == "random" && !hasWeightFile) fillUniform(layer.bias.data, init.seed ^ 0xB1A5ull, bound);
  }
}

}  // namespace detail

using namespace detail;

// [SECTION] LAYER
namespace {

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
  const auto& keys = allParamKeys();
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
  Layer layer;
  if (!parseOp(opWord, layer.op)) {
    std::string list;
    for (Op op : allOps()) list += (list.empty() ? "" : ", ") + std::string(opName(op));
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
