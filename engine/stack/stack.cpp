// stack.cpp.
//
// Index of this file:
//   [SECTION] PARSE    stack JSON text, dims from layers, loadStack
//   [SECTION] HEADER   top-level keys
//   [SECTION] INPUT    data file or generator, shape, dims
//   [SECTION] BUDGET   memory, compute and scratch limits
//   [SECTION] RESOLVE  resolveLayers, resolveStack
//   [SECTION] FORWARD  forward, forwardFrom, layout, non-finite reports
#include "engine/stack/stack.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/core/limits.h"
#include "engine/io/input_file.h"
#include "engine/io/input_generator.h"
#include "engine/io/npy.h"
#include "engine/kernels/kernels.h"
#include "engine/resolve/param_reader.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/view_spec.h"

namespace convscope::engine {
// [SECTION] PARSE
namespace {

constexpr int kSupportedVersion = 1;

// Spatial rank implied by the layers: the first layer with a kernel/stride list (its length) or,
// for conv and conv_transpose, a weight file (4-D → 2, else 1). 0 when nothing says.
int dimsFromLayers(const nlohmann::json& layers, const std::string& baseDir, DataAccess access) {
  if (!layers.is_array()) return 0;
  for (const auto& l : layers) {
    if (!l.is_object()) continue;
    for (const char* key : {"kernel_size", "kernel_shape", "ksize", "pool_size", "stride", "strides"}) {
      if (l.contains(key) && l.at(key).is_array()) return static_cast<int>(l.at(key).size()) == 2 ? 2 : 1;
    }
    const bool convLike = l.contains("op") && l.at("op").is_string() &&
                          (l.at("op") == "conv" || l.at("op") == "conv_transpose");
    if (convLike && l.contains("weight") && l.at("weight").is_string()) {
      try {
        const Tensor w = readNpy(dataFilePath(l.at("weight").get<std::string>(), baseDir, access, {}));
        if (w.rank() == 4) return 2;
        if (w.rank() == 3) return 1;
      } catch (const EngineError&) {
        // reported properly when the layer is resolved
      }
    }
  }
  return 0;
}

// 1-based line and column of byte offset `pos` in `text`.
std::pair<size_t, size_t> lineColumn(const std::string& text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

}  // namespace

std::string jsonErrorText(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (const auto pos = what.find("parse error"); pos != std::string::npos)
    what = what.substr(pos);
  else if (const auto br = what.find("] "); br != std::string::npos)
    what = what.substr(br + 2);
  // nlohmann quotes everything it read since the last token ("last read: '...'"): for a binary or
  // huge file that is a slice of the file; keep a token's worth.
  const std::string tag = "last read: '";
  if (const auto at = what.find(tag); at != std::string::npos) {
    const size_t from = at + tag.size();
    const size_t to = what.rfind('\'');
    const std::string token =
        to != std::string::npos && to >= from ? what.substr(from, to - from) : what.substr(from);
    what = what.substr(0, from) + excerpt(token, 24) + "'" +
           (to != std::string::npos && to >= from ? what.substr(to + 1) : "");
  }
  return what;
}

nlohmann::json parseStackJson(const std::string& text, const std::string& file) {
  // nlohmann::json copies, compares and dumps recursively: refuse deep nesting before parsing.
  const int cap = limits().maxJsonDepth;
  size_t where = 0;
  if (jsonNestingDepth(text, cap, where) > cap) {
    const auto [line, col] = lineColumn(text, where);
    throw EngineError({file, -1, "", ""}, "JSON nested deeper than " + std::to_string(cap) +
                                              " levels at line " + std::to_string(line) + ", column " +
                                              std::to_string(col) + " (a stack file needs about 5)");
  }
  try {
    return nlohmann::json::parse(text, nullptr, true, false);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset of the error; turn it into line:column.
    const auto [line, col] = lineColumn(text, e.byte > 0 ? e.byte - 1 : 0);
    const std::string what = jsonErrorText(e);
    throw EngineError({file, -1, "", ""}, "malformed JSON at line " + std::to_string(line) + ", column " +
                                              std::to_string(col) + ": " + what);
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range 406 for a number beyond double ("1e999"); it carries no offset.
    throw EngineError({file, -1, "", ""}, "malformed JSON: " + jsonErrorText(e));
  }
}

Stack loadStack(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw EngineError({path, -1, "", ""}, "stack file not found");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw EngineError({path, -1, "", ""}, "cannot open the stack file for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (64u << 20)) throw EngineError({path, -1, "", ""}, "stack file larger than 64 MiB");
  const auto doc = parseStackJson(ss.str(), path);
  std::string base = std::filesystem::path(path).parent_path().string();
  return resolveStack(doc, path, base);
}

// [SECTION] HEADER
namespace {

// The top-level keys (docs/stack-format.md): version, convention, layout, name, description.
// Fills those fields of `st`; `layers` and `input` point at the document's arrays.
void readStackHeader(const nlohmann::json& doc, ParamReader& pr, Stack& st, const nlohmann::json*& layers,
                     const nlohmann::json*& input) {
  if (!doc.contains("convscope"))
    pr.fail("convscope", "missing; a stack file starts with {\"convscope\": 1, ...}");
  const auto& v = doc.at("convscope");
  long long ver;
  if (!jsonToInt(v, ver)) pr.fail("convscope", "must be the integer format version 1, got " + shortDump(v));
  if (ver > kSupportedVersion)
    pr.fail("convscope", "format version " + std::to_string(ver) +
                             " is newer than this ConvScope supports (" + std::to_string(kSupportedVersion) +
                             "); please upgrade ConvScope");
  if (ver < 1) pr.fail("convscope", "format version must be 1, got " + std::to_string(ver));
  pr.accept("convscope");
  const std::string conv = pr.word("convention", "pytorch", {"pytorch", "keras", "onnx", "chainer"});
  parseConvention(conv, st.convention);
  st.channelsLast =
      pr.word("layout", "channels_first", {"channels_first", "channels_last"}) == "channels_last";
  for (auto [key, dst] : {std::pair{"name", &st.name}, std::pair{"description", &st.description}}) {
    if (!pr.has(key)) {
      pr.accept(key);
      continue;
    }
    if (!doc.at(key).is_string()) pr.fail(key, "must be a string");
    *dst = pr.raw(key).get<std::string>();
  }
  pr.accept("lesson");  // lesson metadata for the app (ignored by the engine)
  pr.accept("view");
  if (!pr.has("layers")) pr.fail("layers", "missing (a list of layers, may be empty)");
  layers = &pr.raw("layers");
  if (!layers->is_array()) pr.fail("layers", "must be a list, got " + jsonTypeName(*layers));
  if (layers->size() > 10000) pr.fail("layers", "more than 10000 layers");
  if (!pr.has("input")) pr.fail("input", "missing (an object with \"shape\" and \"data\" or \"generator\")");
  input = &pr.raw("input");
  pr.finish();
}

// [SECTION] INPUT
// The "data" file of the input object, read in the stack's layout; `signal` is set for audio/CSV
// (C, L) data, which gains a batch of 1 when input.shape has one.
Tensor readInputData(ParamReader& ir, const Stack& st, bool& signal) {
  ErrorContext dctx = ir.context();
  dctx.param = "data";
  const std::string p = dataFilePath(ir.path("data"), st.baseDir, st.access, dctx);
  try {
    signal = isSignalFile(p);
    return readInputFile(p, "data", st.channelsLast);
  } catch (const EngineError& e) {
    ErrorContext c = ir.context();
    c.param = "data";
    c.file = st.file + " -> " + e.context().file;
    throw EngineError(c, e.rule());
  }
}

// input.shape: a list of 2 to 4 sizes, each >= 1; absent, the data file's shape.
Shape readInputShape(ParamReader& ir, const nlohmann::json& input, Tensor& data, bool haveData, bool signal) {
  Shape shape;
  if (!ir.has("shape")) {
    ir.accept("shape");
    if (!haveData) ir.fail("shape", "missing (required unless a data file gives it)");
    shape = data.shape;
  } else {
    const auto& v = ir.raw("shape");
    if (!v.is_array()) ir.fail("shape", "must be a list of integers, got " + jsonTypeName(v));
    for (const auto& e : v) {
      long long x;
      if (!jsonToInt(e, x)) ir.fail("shape", "must contain integers, got " + shortDump(v));
      if (x < 1) ir.fail("shape", "every size must be >= 1, got " + shortDump(v));
      shape.push_back(x);
    }
    if (signal && shape.size() == data.shape.size() + 1 && shape[0] == 1)
      data.shape.insert(data.shape.begin(), 1);
    if (haveData && data.shape != shape)
      ir.fail("data", "the data file " + input.at("data").get<std::string>() + " has shape " +
                          shapeToString(data.shape) + " but input.shape says " + shapeToString(shape));
  }
  if (shape.size() < 2 || shape.size() > 4)
    ir.fail("shape", "must have 2 to 4 entries ([C, L], [N, C, L], [C, H, W] or [N, C, H, W]), got " +
                         shapeToString(shape));
  return shape;
}

// input.dims, or the spatial rank the shape and the layers imply.
int readInputDims(ParamReader& ir, const nlohmann::json& input, const Shape& shape,
                  const nlohmann::json& layers, const Stack& st) {
  if (ir.has("dims")) {
    const auto& dv = input.at("dims");
    long long x;
    if (!jsonToInt(dv, x) || x < 1 || x > 2)
      ir.fail("dims", "must be 1 or 2 (spatial axes), got " + shortDump(dv));
    return ir.integer("dims", 1, 1, 2);
  }
  ir.accept("dims");
  if (shape.size() == 2) return 1;
  if (shape.size() == 4) return 2;
  return dimsFromLayers(layers, st.baseDir, st.access) == 2 ? 2 : 1;
}

// The "input" object: data file or generator, shape and dims. Sets st.input (canonical, with a
// batch axis), st.dims and st.inputHadBatch.
void readInput(const nlohmann::json& input, const nlohmann::json& layers, Stack& st) {
  ErrorContext ictx{st.file, -1, "input", ""};
  if (!input.is_object()) {
    ErrorContext c{st.file, -1, "", "input"};
    throw EngineError(c, "must be an object, got " + jsonTypeName(input));
  }
  ParamReader ir(input, ictx, 1);
  Tensor data;
  bool signal = false;
  if (ir.has("data") && ir.has("generator"))
    ir.fail("data", "give either \"data\" or \"generator\", not both");
  const bool haveData = ir.has("data");
  if (haveData)
    data = readInputData(ir, st, signal);
  else
    ir.accept("data");
  const Shape shape = readInputShape(ir, input, data, haveData, signal);
  const int dims = readInputDims(ir, input, shape, layers, st);
  const size_t need = static_cast<size_t>(dims + 1);
  if (shape.size() != need && shape.size() != need + 1)
    ir.fail("shape", "has " + std::to_string(shape.size()) + " entries, which does not fit a " +
                         std::to_string(dims) + "-D stack (expected " + std::to_string(need) + ", or " +
                         std::to_string(need + 1) + " with a batch)");
  const Limits lim = limits();
  if (tensorBytes(shape) > lim.maxTensorBytes)
    ir.fail("shape", "input " + shapeToString(shape) + " is too large: it would need " +
                         formatBytes(tensorBytes(shape)) + " (float32), more than the tensor limit of " +
                         formatBytes(lim.maxTensorBytes) + " (CONVSCOPE_MAX_TENSOR_BYTES)");
  st.dims = dims;
  st.inputHadBatch = shape.size() == need + 1;
  Shape full = shape;
  if (!st.inputHadBatch) full.insert(full.begin(), 1);
  if (haveData) {
    data.shape = full;
  } else if (ir.has("generator")) {
    // generator works in canonical layout
    Shape canon = full;
    if (st.channelsLast) {
      const int64_t c = canon.back();
      canon.pop_back();
      canon.insert(canon.begin() + 1, c);
    }
    data = generateInput(ir.raw("generator"), canon, ictx);
  } else {
    ir.fail("data", "give \"data\": \"x.npy\" or \"generator\": {\"kind\": ...}");
  }
  ir.finish();
  if (haveData && st.channelsLast) data = moveAxis(data, -1, 1);
  st.input = std::move(data);
  if (auto w = nonFiniteReport(st.input, "the input data"); !w.empty())
    st.warnings.push_back(st.file + ": " + w);
}

// [SECTION] BUDGET
// What the resolved layers will cost (engine/core/limits.h): activations (input + every output,
// x batch), multiply-adds and the largest kernel scratch, with the layer that dominates each.
struct Budget {
  int64_t activation = 0, params = 0, largest = 0, macs = 0, heaviest = 0, scratchMost = 0;
  int largestLayer = -1, heaviestLayer = -1, scratchLayer = -1;
};

// Adds layer `i` to the budget; refuses an output over the tensor cap or weights over the memory
// limit at that layer.
void addToBudget(Budget& b, const Stack& st, const Layer& l, int i, int64_t batch, const Limits& lim) {
  const int64_t outBytes = mulSaturating(tensorBytes(l.outputShape()), batch);
  if (outBytes > lim.maxTensorBytes) {
    Shape full = l.outputShape();
    full.insert(full.begin(), batch);
    throw EngineError({st.file, i, opName(l.op), ""},
                      "the output " + shapeToString(full) + " would need " + formatBytes(outBytes) +
                          " (float32), more than the tensor limit of " + formatBytes(lim.maxTensorBytes) +
                          " (CONVSCOPE_MAX_TENSOR_BYTES)");
  }
  b.activation = addSaturating(b.activation, outBytes);
  const int64_t layerMacs = mulSaturating(multiplyAdds(l), batch);
  b.macs = addSaturating(b.macs, layerMacs);
  if (layerMacs > b.heaviest) b.heaviest = layerMacs, b.heaviestLayer = i;
  // Scratch budget: the buffers the layer's kernel would allocate (kernels' own plans); the
  // largest is refused after the loop, rather than failing (or swapping) inside forward().
  if (const int64_t scratch = scratchBytes(l, batch); scratch > b.scratchMost)
    b.scratchMost = scratch, b.scratchLayer = i;
  if (outBytes > b.largest) b.largest = outBytes, b.largestLayer = i;
  for (const Tensor* t : {&l.weight, &l.bias, &l.mean, &l.var, &l.gamma, &l.beta})
    b.params = addSaturating(b.params, tensorBytes(t->shape));
  if (b.params > lim.maxActivationBytes)
    throw EngineError({st.file, i, opName(l.op), ""},
                      "the weights of layers 0.." + std::to_string(i) + " would need " +
                          formatBytes(b.params) + ", more than the memory limit of " +
                          formatBytes(lim.maxActivationBytes) + " (CONVSCOPE_MAX_ACTIVATION_BYTES)");
}

// Refuses a stack over the activation, compute or scratch limit (engine/core/limits.h).
void checkBudget(const Budget& b, const Stack& st, int64_t batch, const Limits& lim) {
  if (b.activation > lim.maxActivationBytes)
    throw EngineError(
        {st.file, -1, "", ""},
        "the stack's activations would need " + formatBytes(b.activation) + " (input " +
            formatBytes(tensorBytes(st.input.shape)) + " plus every layer's output, float32, batch " +
            std::to_string(batch) + "; the largest is layer " + std::to_string(b.largestLayer) + " with " +
            formatBytes(b.largest) + "), more than the activation memory limit of " +
            formatBytes(lim.maxActivationBytes) + " (set CONVSCOPE_MAX_ACTIVATION_BYTES to raise it)");
  // Compute budget: an edit that would make a forward pass run for minutes is refused up front.
  if (b.macs > lim.maxMultiplyAdds)
    throw EngineError({st.file, b.heaviestLayer,
                       b.heaviestLayer >= 0 ? opName(st.layers[size_t(b.heaviestLayer)].op) : "", ""},
                      "a forward pass would need " + formatCount(b.macs) + " multiply-adds (layer " +
                          std::to_string(b.heaviestLayer) + " alone " + formatCount(b.heaviest) +
                          "), more than the compute limit of " + formatCount(lim.maxMultiplyAdds) +
                          " (set CONVSCOPE_MAX_MULTIPLY_ADDS to raise it)");
  if (b.scratchMost > lim.maxScratchBytes) {
    const char* op = opName(st.layers[size_t(b.scratchLayer)].op);
    throw EngineError(
        {st.file, b.scratchLayer, op, ""},
        "forward() would need " + formatBytes(b.scratchMost) + " of scratch memory for this layer (the " +
            op + " kernel's padded copies, repacked weights and per-thread buffers, batch " +
            std::to_string(batch) + "), more than the scratch limit of " + formatBytes(lim.maxScratchBytes) +
            " (set CONVSCOPE_MAX_SCRATCH_BYTES to raise it)");
  }
}

// [SECTION] RESOLVE
// Resolves every layer in order (each on the previous one's output shape) within the budget.
void resolveLayers(const nlohmann::json& layers, Stack& st) {
  Shape cur(st.input.shape.begin() + 1, st.input.shape.end());
  const int64_t batch = st.input.shape[0];
  const Limits lim = limits();
  Budget b;
  b.activation = tensorBytes(st.input.shape);
  ResolveContext rc{st.convention, st.file, st.baseDir, 0, st.dims, st.access};
  for (size_t i = 0; i < layers.size(); ++i) {
    rc.index = static_cast<int>(i);
    Layer l = resolveLayer(layers[i], rc, cur);
    addToBudget(b, st, l, static_cast<int>(i), batch, lim);
    const std::pair<const char*, const Tensor*> params[] = {{"weight", &l.weight}, {"bias", &l.bias}};
    for (const auto& [pname, t] : params)
      if (auto w = nonFiniteReport(*t, "layer " + std::to_string(i) + " (" + opName(l.op) + ") " + pname);
          !w.empty())
        st.warnings.push_back(st.file + ": " + w);
    cur = l.outputShape();
    st.layers.push_back(std::move(l));
  }
  validateViewSpec(st.source, st.file, st.layers.size());
  checkBudget(b, st, batch, lim);
}

}  // namespace

Stack resolveStack(const nlohmann::json& doc, const std::string& file, const std::string& baseDir,
                   DataAccess access) {
  ErrorContext top{file, -1, "", ""};
  if (!doc.is_object())
    throw EngineError(top, "a stack file must be a JSON object, got " + jsonTypeName(doc));
  Stack st;
  st.file = file;
  st.baseDir = baseDir;
  st.access = access;
  st.source = doc;
  ParamReader pr(doc, top, 1);
  const nlohmann::json* layers = nullptr;
  const nlohmann::json* input = nullptr;
  readStackHeader(doc, pr, st, layers, input);
  readInput(*input, *layers, st);
  resolveLayers(*layers, st);
  return st;
}

// [SECTION] FORWARD
std::vector<Tensor> forward(const Stack& stack) {
  std::vector<Tensor> outs;
  outs.reserve(stack.layers.size());
  const Tensor* x = &stack.input;
  for (const Layer& l : stack.layers) {
    outs.push_back(forwardLayer(l, *x));  // throws Cancelled when the thread's cancel flag is set
    x = &outs.back();
  }
  return outs;
}

std::vector<Tensor> forwardFrom(const Stack& stack, int first, const Tensor& x,
                                const std::function<bool(int)>& beforeLayer,
                                const std::atomic<bool>* cancel) {
  if (cancel) {
    const CancelScope scope(cancel);
    return forwardFrom(stack, first, x, beforeLayer, nullptr);
  }
  const int n = static_cast<int>(stack.layers.size());
  if (first < 0 || first > n)
    throw std::invalid_argument("forwardFrom: layer " + std::to_string(first) + " of " + std::to_string(n));
  if (first < n) {
    Shape want = stack.layers[static_cast<size_t>(first)].inputShape();
    want.insert(want.begin(), stack.input.shape.empty() ? 1 : stack.input.shape[0]);
    if (x.shape != want)
      throw std::invalid_argument("forwardFrom: input " + shapeToString(x.shape) + " of layer " +
                                  std::to_string(first) + " should be " + shapeToString(want));
  }
  std::vector<Tensor> outs;
  outs.reserve(static_cast<size_t>(n - first));
  const Tensor* in = &x;
  for (int i = first; i < n; ++i) {
    if (beforeLayer && !beforeLayer(i)) break;
    throwIfCancelled();
    outs.push_back(forwardLayer(stack.layers[static_cast<size_t>(i)], *in));
    in = &outs.back();
  }
  return outs;
}

int reusableLayers(const Stack& prev, const Stack& next) {
  if (prev.convention != next.convention || prev.channelsLast != next.channelsLast ||
      prev.dims != next.dims || !sameBits(prev.input, next.input))
    return 0;
  const size_t n = std::min(prev.layers.size(), next.layers.size());
  size_t i = 0;
  while (i < n && sameLayer(prev.layers[i], next.layers[i])) ++i;
  return static_cast<int>(i);
}

Tensor toStackLayout(const Stack& stack, const Tensor& t) {
  if (!stack.channelsLast) return t;
  return moveAxis(t, 1, -1);
}

std::string nonFiniteReport(const Tensor& t, const std::string& what) {
  int64_t nan = 0, inf = 0;
  for (float v : t.data) {
    if (std::isnan(v))
      ++nan;
    else if (std::isinf(v))
      ++inf;
  }
  if (!nan && !inf) return {};
  std::string s = "warning: " + what + " contains";
  if (nan) s += " " + std::to_string(nan) + " NaN";
  if (nan && inf) s += " and";
  if (inf) s += " " + std::to_string(inf) + " Inf";
  return s + " value(s); they propagate as in PyTorch";
}

}  // namespace convscope::engine
