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
  if (!doc.contains("convscope"))
    pr.fail("convscope", "missing; a stack file starts with {\"convscope\": 1, ...}");
  {
    const auto& v = doc.at("convscope");
    long long ver;
    if (!jsonToInt(v, ver)) pr.fail("convscope", "must be the integer format version 1, got " + shortDump(v));
    if (ver > kSupportedVersion)
      pr.fail("convscope", "format version " + std::to_string(ver) +
                               " is newer than this ConvScope supports (" +
                               std::to_string(kSupportedVersion) + "); please upgrade ConvScope");
    if (ver < 1) pr.fail("convscope", "format version must be 1, got " + std::to_string(ver));
    pr.accept("convscope");
  }
  const std::string conv = pr.word("convention", "pytorch", {"pytorch", "keras", "onnx", "chainer"});
  parseConvention(conv, st.convention);
  st.channelsLast =
      pr.word("layout", "channels_first", {"channels_first", "channels_last"}) == "channels_last";
  if (pr.has("name")) {
    if (!doc.at("name").is_string()) pr.fail("name", "must be a string");
    st.name = pr.raw("name").get<std::string>();
  } else {
    pr.accept("name");
  }
  if (pr.has("description")) {
    if (!doc.at("description").is_string()) pr.fail("description", "must be a string");
    st.description = pr.raw("description").get<std::string>();
  } else {
    pr.accept("description");
  }
  pr.accept("lesson");  // lesson metadata for the app (ignored by the engine)
  pr.accept("view");
  if (!pr.has("layers")) pr.fail("layers", "missing (a list of layers, may be empty)");
  const auto& layers = pr.raw("layers");
  if (!layers.is_array()) pr.fail("layers", "must be a list, got " + jsonTypeName(layers));
  if (layers.size() > 10000) pr.fail("layers", "more than 10000 layers");
  if (!pr.has("input")) pr.fail("input", "missing (an object with \"shape\" and \"data\" or \"generator\")");
  const auto& input = pr.raw("input");
  pr.finish();
  if (!input.is_object()) {
    ErrorContext c = top;
    c.param = "input";
    throw EngineError(c, "must be an object, got " + jsonTypeName(input));
  }

  // ---- input
  ErrorContext ictx = top;
  ictx.op = "input";
  ParamReader ir(input, ictx, 1);
  Tensor data;
  bool haveData = false;
  bool signalData = false;  // audio/CSV: (C, L), gains a batch of 1 when input.shape has one
  if (ir.has("data") && ir.has("generator"))
    ir.fail("data", "give either \"data\" or \"generator\", not both");
  if (ir.has("data")) {
    ErrorContext dctx = ictx;
    dctx.param = "data";
    const std::string p = dataFilePath(ir.path("data"), baseDir, access, dctx);
    try {
      signalData = isSignalFile(p);
      data = readInputFile(p, "data", st.channelsLast);
    } catch (const EngineError& e) {
      ErrorContext c = ictx;
      c.param = "data";
      c.file = file + " -> " + e.context().file;
      throw EngineError(c, e.rule());
    }
    haveData = true;
  } else {
    ir.accept("data");
  }
  Shape shape;
  if (ir.has("shape")) {
    const auto& v = ir.raw("shape");
    if (!v.is_array()) ir.fail("shape", "must be a list of integers, got " + jsonTypeName(v));
    for (const auto& e : v) {
      long long x;
      if (!jsonToInt(e, x)) ir.fail("shape", "must contain integers, got " + shortDump(v));
      if (x < 1) ir.fail("shape", "every size must be >= 1, got " + shortDump(v));
      shape.push_back(x);
    }
    if (signalData && shape.size() == data.shape.size() + 1 && shape[0] == 1)
      data.shape.insert(data.shape.begin(), 1);
    if (haveData && data.shape != shape)
      ir.fail("data", "the data file " + input.at("data").get<std::string>() + " has shape " +
                          shapeToString(data.shape) + " but input.shape says " + shapeToString(shape));
  } else {
    ir.accept("shape");
    if (!haveData) ir.fail("shape", "missing (required unless a data file gives it)");
    shape = data.shape;
  }
  if (shape.size() < 2 || shape.size() > 4)
    ir.fail("shape", "must have 2 to 4 entries ([C, L], [N, C, L], [C, H, W] or [N, C, H, W]), got " +
                         shapeToString(shape));
  int dims = 0;
  if (ir.has("dims")) {
    const auto& dv = input.at("dims");
    long long x;
    if (!jsonToInt(dv, x) || x < 1 || x > 2)
      ir.fail("dims", "must be 1 or 2 (spatial axes), got " + shortDump(dv));
    dims = ir.integer("dims", 1, 1, 2);
  } else
    ir.accept("dims");
  if (dims == 0) {
    if (shape.size() == 2)
      dims = 1;
    else if (shape.size() == 4)
      dims = 2;
    else
      dims = dimsFromLayers(layers, baseDir, access) == 2 ? 2 : 1;
  }
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
    st.warnings.push_back(file + ": " + w);

  // ---- layers
  // Activation budget (limits.h): input + every layer's output, × batch, refused before forward()
  // allocates any of it; one layer's output over the tensor cap is refused at that layer.
  Shape cur(st.input.shape.begin() + 1, st.input.shape.end());
  const int64_t batch = st.input.shape[0];
  int64_t activation = tensorBytes(st.input.shape), params = 0, largest = 0, macs = 0, heaviest = 0;
  int largestLayer = -1, heaviestLayer = -1;
  int64_t scratchMost = 0;
  int scratchLayer = -1;
  ResolveContext rc{st.convention, file, baseDir, 0, dims, access};
  for (size_t i = 0; i < layers.size(); ++i) {
    rc.index = static_cast<int>(i);
    Layer l = resolveLayer(layers[i], rc, cur);
    const int64_t outBytes = mulSaturating(tensorBytes(l.outputShape()), batch);
    if (outBytes > lim.maxTensorBytes) {
      Shape full = l.outputShape();
      full.insert(full.begin(), batch);
      throw EngineError({file, static_cast<int>(i), opName(l.op), ""},
                        "the output " + shapeToString(full) + " would need " + formatBytes(outBytes) +
                            " (float32), more than the tensor limit of " + formatBytes(lim.maxTensorBytes) +
                            " (CONVSCOPE_MAX_TENSOR_BYTES)");
    }
    activation = addSaturating(activation, outBytes);
    const int64_t layerMacs = mulSaturating(multiplyAdds(l), batch);
    macs = addSaturating(macs, layerMacs);
    if (layerMacs > heaviest) heaviest = layerMacs, heaviestLayer = static_cast<int>(i);
    // Scratch budget: the buffers the layer's kernel would allocate (kernels' own plans); the
    // largest is refused after the loop, rather than failing (or swapping) inside forward().
    if (const int64_t scratch = scratchBytes(l, batch); scratch > scratchMost)
      scratchMost = scratch, scratchLayer = static_cast<int>(i);
    if (outBytes > largest) {
      largest = outBytes;
      largestLayer = static_cast<int>(i);
    }
    for (const Tensor* t : {&l.weight, &l.bias, &l.mean, &l.var, &l.gamma, &l.beta})
      params = addSaturating(params, tensorBytes(t->shape));
    if (params > lim.maxActivationBytes)
      throw EngineError({file, static_cast<int>(i), opName(l.op), ""},
                        "the weights of layers 0.." + std::to_string(i) + " would need " +
                            formatBytes(params) + ", more than the memory limit of " +
                            formatBytes(lim.maxActivationBytes) + " (CONVSCOPE_MAX_ACTIVATION_BYTES)");
    const std::pair<const char*, const Tensor*> params[] = {{"weight", &l.weight}, {"bias", &l.bias}};
    for (const auto& [pname, t] : params)
      if (auto w = nonFiniteReport(*t, "layer " + std::to_string(i) + " (" + opName(l.op) + ") " + pname);
          !w.empty())
        st.warnings.push_back(file + ": " + w);
    cur = l.outputShape();
    st.layers.push_back(std::move(l));
  }
  validateViewSpec(doc, file, st.layers.size());
  if (activation > lim.maxActivationBytes)
    throw EngineError(
        {file, -1, "", ""},
        "the stack's activations would need " + formatBytes(activation) + " (input " +
            formatBytes(tensorBytes(st.input.shape)) + " plus every layer's output, float32, batch " +
            std::to_string(batch) + "; the largest is layer " + std::to_string(largestLayer) + " with " +
            formatBytes(largest) + "), more than the activation memory limit of " +
            formatBytes(lim.maxActivationBytes) + " (set CONVSCOPE_MAX_ACTIVATION_BYTES to raise it)");
  // Compute budget: an edit that would make a forward pass run for minutes is refused up front.
  if (macs > lim.maxMultiplyAdds)
    throw EngineError(
        {file, heaviestLayer, heaviestLayer >= 0 ? opName(st.layers[size_t(heaviestLayer)].op) : "", ""},
        "a forward pass would need " + formatCount(macs) + " multiply-adds (layer " +
            std::to_string(heaviestLayer) + " alone " + formatCount(heaviest) +
            "), more than the compute limit of " + formatCount(lim.maxMultiplyAdds) +
            " (set CONVSCOPE_MAX_MULTIPLY_ADDS to raise it)");
  if (scratchMost > lim.maxScratchBytes) {
    const char* op = opName(st.layers[size_t(scratchLayer)].op);
    throw EngineError(
        {file, scratchLayer, op, ""},
        "forward() would need " + formatBytes(scratchMost) + " of scratch memory for this layer (the " + op +
            " kernel's padded copies, repacked weights and per-thread buffers, batch " +
            std::to_string(batch) + "), more than the scratch limit of " + formatBytes(lim.maxScratchBytes) +
            " (set CONVSCOPE_MAX_SCRATCH_BYTES to raise it)");
  }
  return st;
}

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
