// Per-op mapping (onnx_importer.h): one ONNX node, or a recognised group of nodes, becomes one
// stack layer under the "onnx" convention (docs/onnx-import.md).
//
// Index of this file:
//   [SECTION] EMIT         one finished layer into the stack, node dispatch (handle)
//   [SECTION] CONV_POOL    Conv, ConvTranspose, MaxPool, AveragePool
//   [SECTION] NORM_RESIZE  BatchNormalization, Resize/Upsample
//   [SECTION] AXES         Transpose, Unsqueeze, Squeeze, Reshape
//   [SECTION] CONST_ARITH  constant Add/Sub/Mul/Div folded into a layer
//   [SECTION] PAD          zero Pad folded into the next conv or pool
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/io/npy.h"
#include "engine/onnx/onnx_importer.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/stack.h"

namespace convscope::engine::onnx_detail {

// [SECTION] EMIT
void Importer::emit(LayerRec rec, const onnx::NodeProto* node) {
  rec.nodes.insert(rec.nodes.begin(), m_pendingPadNodes.begin(), m_pendingPadNodes.end());
  m_pendingPadNodes.clear();
  if (node) rec.nodes.push_back(nodeShort(*node));
  // resolve for shapes (and early, node-named errors) with in-memory parameters
  json shapeSpec = rec.spec;
  for (const char* k : {"weight", "bias", "mean", "var"}) shapeSpec.erase(k);
  const std::string op = rec.spec.at("op");
  if (op == "conv" || op == "conv_transpose") {
    const Tensor& w = rec.files.at("weight");
    const int g = rec.spec.value("group", 1);
    json ks = json::array();
    for (int a = 2; a < w.rank(); ++a) ks.push_back(w.dim(a));
    shapeSpec["kernel_shape"] = ks;
    shapeSpec["out_channels"] = op == "conv" ? w.dim(0) : w.dim(1) * g;
    shapeSpec["init"] = {{"kind", "ones"}};
  }
  if (!m_assigned) {
    // elementwise layers before the first structural one keep the shape: resolved later
    if (op != "conv" && op != "conv_transpose" && op != "max_pool" && op != "avg_pool" && op != "upsample" &&
        op != "batch_norm") {
      std::string label;
      for (const auto& s : rec.nodes) label += (label.empty() ? "" : ", ") + s;
      rec.spec["name"] = label;
      m_layers.push_back(std::move(rec));
      return;
    }
    ensureAssigned(m_graph->node(0));
  }
  ResolveContext rc{Convention::Onnx, m_path, "", static_cast<int>(m_layers.size()), m_dims};
  try {
    const Layer l = resolveLayer(shapeSpec, rc, m_cshape);
    m_cshape = l.outputShape();
  } catch (const EngineError& e) {
    fail("layer " + std::to_string(m_layers.size()) + " (" + op + ") from " + rec.nodes.front() + ": " +
         e.rule() +
         (m_notes.empty() ? ""
                          : " (the input shape " + shapeToString(m_inputShape) +
                                " has symbolic dims set to 1; give --shape)"));
  }
  std::string label;
  for (const auto& s : rec.nodes) label += (label.empty() ? "" : ", ") + s;
  rec.spec["name"] = label;
  m_layers.push_back(std::move(rec));
}

void Importer::handle(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  if (m_padNode && t != "Conv" && t != "AveragePool")
    fail(nodeLabel(*m_padNode) +
         ": a zero Pad is supported only directly before a Conv or AveragePool (it is followed by " +
         nodeShort(n) + ")");
  if (t == "Pad") return doPad(n);
  if (t == "Identity" || t == "Dropout") return;
  if (t == "Conv") return doConv(n, false);
  if (t == "ConvTranspose") return doConv(n, true);
  if (t == "MaxPool") return doPool(n, true);
  if (t == "AveragePool") return doPool(n, false);
  if (t == "BatchNormalization") return doBatchNorm(n);
  if (t == "Resize" || t == "Upsample") return doResize(n);
  if (t == "Transpose") return doTranspose(n);
  if (t == "Unsqueeze") return doUnsqueeze(n);
  if (t == "Squeeze") return doSqueeze(n);
  if (t == "Reshape") return doReshape(n);
  if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div") return doConstArith(n);
  LayerRec rec;
  if (t == "Relu")
    rec.spec = {{"op", "relu"}};
  else if (t == "Tanh")
    rec.spec = {{"op", "tanh"}};
  else if (t == "Sigmoid")
    rec.spec = {{"op", "sigmoid"}};
  else if (t == "LeakyRelu")
    rec.spec = {{"op", "leaky_relu"}, {"alpha", attrFloat(n, "alpha", 0.01)}};
  else if (t == "Elu")
    rec.spec = {{"op", "elu"}, {"alpha", attrFloat(n, "alpha", 1.0)}};
  else if (t == "Gelu") {
    const std::string ap = attrString(n, "approximate", "none");
    if (ap != "none" && ap != "tanh") failNode(n, "approximate='" + ap + "' is not supported");
    rec.spec = {{"op", "gelu"}, {"approximate", ap}};
  } else {
    failNode(n, "is only supported as part of a recognised pattern (e.g. Erf inside GELU)");
  }
  emit(std::move(rec), &n);
}

// [SECTION] CONV_POOL
static Tensor toTensor(const Const& c) {
  Tensor t(c.shape);
  for (size_t i = 0; i < c.v.size(); ++i) t.data[i] = static_cast<float>(c.v[i]);
  return t;
}

void Importer::doConv(const onnx::NodeProto& n, bool transposed) {
  const std::vector<int> axes = convAxes(n);
  const int nsp = static_cast<int>(axes.size());
  const Const& W = needConst(n, 1, "weight W");
  if (static_cast<int>(W.shape.size()) != nsp + 2)
    failNode(n, "weight has shape " + shapeToString(W.shape) + " but the input has " + std::to_string(nsp) +
                    " spatial axes");
  const Const* B = n.input_size() > 2 && !n.input(2).empty() ? &needConst(n, 2, "bias B") : nullptr;
  const auto ks = attrInts(n, "kernel_shape", {});
  for (int a = 0; a < nsp && !ks.empty(); ++a)
    if (static_cast<int>(ks.size()) != nsp ||
        ks[static_cast<size_t>(a)] != W.shape[static_cast<size_t>(2 + a)])
      failNode(n, "kernel_shape disagrees with the weight shape " + shapeToString(W.shape));
  auto perAxis = [&](const char* name, int64_t def, size_t len) {
    return attrIntsOfLength(n, name, def, len);
  };
  const auto strides = perAxis("strides", 1, static_cast<size_t>(nsp));
  const auto dil = perAxis("dilations", 1, static_cast<size_t>(nsp));
  auto pads = perAxis("pads", 0, static_cast<size_t>(2 * nsp));
  std::string ap = attrString(n, "auto_pad", "NOTSET");
  if (ap.empty()) ap = "NOTSET";
  if (m_padNode) {
    if (transposed) failNode(n, "follows a Pad, which is not supported for ConvTranspose");
    if (ap != "NOTSET" && ap != "VALID") failNode(n, "auto_pad " + ap + " after a Pad is not supported");
    if (ap == "VALID") std::fill(pads.begin(), pads.end(), 0);
    ap = "NOTSET";
    takePad(n, pads, nsp);
  }
  std::vector<int64_t> op, oshape;
  if (transposed) {
    op = perAxis("output_padding", 0, static_cast<size_t>(nsp));
    oshape = attrInts(n, "output_shape", {});
    if (static_cast<int>(oshape.size()) == nsp + 2) oshape.erase(oshape.begin(), oshape.begin() + 2);
    if (!oshape.empty() && static_cast<int>(oshape.size()) != nsp)
      failNode(n, "output_shape has " + std::to_string(oshape.size()) + " values, expected " +
                      std::to_string(nsp));
  }
  const int64_t group = attrInt(n, "group", 1);
  json s = json::array(), d = json::array(), pb = json::array(), pe = json::array(), opj = json::array(),
       osj = json::array();
  Shape wshape = {W.shape[0], W.shape[1]};
  for (int a = 0; a < nsp; ++a) {
    const size_t i = static_cast<size_t>(a);
    if (axes[i] < 0) {  // unit axis: must leave the size-1 axis untouched
      const std::string why = "along the unit axis " + std::to_string(a + 2) + " added around a 1-D layer";
      if (W.shape[2 + i] != 1)
        failNode(n, "has kernel size " + std::to_string(W.shape[2 + i]) + " " + why + " (must be 1)");
      if (pads[i] || pads[i + static_cast<size_t>(nsp)]) failNode(n, "pads " + why + " (must be 0)");
      if (transposed && !op.empty() && op[i]) failNode(n, "has output_padding " + why + " (must be 0)");
      if (transposed && !oshape.empty() && oshape[i] != 1) failNode(n, "has output_shape != 1 " + why);
      if (transposed && oshape.empty() && ap.rfind("SAME", 0) == 0 && strides[i] != 1)
        failNode(n, "auto_pad " + ap + " with stride " + std::to_string(strides[i]) + " " + why +
                        " would grow it");
      continue;
    }
    wshape.push_back(W.shape[2 + i]);
    s.push_back(strides[i]);
    d.push_back(dil[i]);
    pb.push_back(pads[i]);
    pe.push_back(pads[i + static_cast<size_t>(nsp)]);
    if (transposed) opj.push_back(op[i]);
    if (!oshape.empty()) osj.push_back(oshape[i]);
  }
  LayerRec rec;
  rec.spec = {{"op", transposed ? "conv_transpose" : "conv"}, {"strides", s}, {"dilations", d}};
  json p = pb;
  for (auto& x : pe) p.push_back(x);
  rec.spec["pads"] = p;
  if (group != 1) rec.spec["group"] = group;
  if (ap != "NOTSET") rec.spec["auto_pad"] = ap;
  if (transposed) rec.spec["output_padding"] = opj;
  if (!oshape.empty()) rec.spec["output_shape"] = osj;
  Tensor w = toTensor(W);
  w.shape = wshape;  // unit kernel axes dropped: same data
  rec.files["weight"] = std::move(w);
  if (B) {
    Tensor b = toTensor(*B);
    if (b.rank() != 1)
      failNode(n, "bias has shape " + shapeToString(b.shape) + ", expected one value per output channel");
    rec.files["bias"] = std::move(b);
  }
  emit(std::move(rec), &n);
}

void Importer::doPool(const onnx::NodeProto& n, bool isMax) {
  const std::vector<int> axes = convAxes(n);
  const int nsp = static_cast<int>(axes.size());
  const auto k = attrInts(n, "kernel_shape", {});
  if (static_cast<int>(k.size()) != nsp)
    failNode(n, "kernel_shape must have " + std::to_string(nsp) + " values");
  auto perAxis = [&](const char* name, int64_t def, size_t len) {
    return attrIntsOfLength(n, name, def, len);
  };
  const auto strides = perAxis("strides", 1, static_cast<size_t>(nsp));
  const auto dil = perAxis("dilations", 1, static_cast<size_t>(nsp));
  auto pads = perAxis("pads", 0, static_cast<size_t>(2 * nsp));
  std::string ap = attrString(n, "auto_pad", "NOTSET");
  if (ap.empty()) ap = "NOTSET";
  bool includePad = !isMax && attrInt(n, "count_include_pad", 0) != 0;
  if (m_padNode) {  // AveragePool only (handle() refuses the rest)
    bool ownPads = ap == "SAME_UPPER" || ap == "SAME_LOWER";
    if (ap == "NOTSET")
      for (auto p : pads) ownPads |= p != 0;
    if (ownPads && !includePad)
      failNode(n,
               "has its own pads with count_include_pad=0 after a zero Pad; the divisor cannot be expressed");
    if (attrInt(n, "ceil_mode", 0)) failNode(n, "ceil_mode after a zero Pad is not supported");
    if (ap == "VALID") std::fill(pads.begin(), pads.end(), 0);
    ap = "NOTSET";
    takePad(n, pads, nsp);
    includePad = true;  // the Pad's zeros are counted in every window
  }
  json kj = json::array(), s = json::array(), d = json::array(), pb = json::array(), pe = json::array();
  for (int a = 0; a < nsp; ++a) {
    const size_t i = static_cast<size_t>(a);
    if (axes[i] < 0) {
      if (k[i] != 1 || pads[i] || pads[i + static_cast<size_t>(nsp)])
        failNode(n, "pools along the unit axis " + std::to_string(a + 2) +
                        " added around a 1-D layer (kernel must be 1, pads 0)");
      continue;
    }
    kj.push_back(k[i]);
    s.push_back(strides[i]);
    d.push_back(dil[i]);
    pb.push_back(pads[i]);
    pe.push_back(pads[i + static_cast<size_t>(nsp)]);
  }
  LayerRec rec;
  rec.spec = {{"op", isMax ? "max_pool" : "avg_pool"}, {"kernel_shape", kj}, {"strides", s}};
  json p = pb;
  for (auto& x : pe) p.push_back(x);
  rec.spec["pads"] = p;
  if (ap != "NOTSET") rec.spec["auto_pad"] = ap;
  if (attrInt(n, "ceil_mode", 0)) rec.spec["ceil_mode"] = true;
  if (isMax) {
    bool anyDil = false;
    for (auto& x : d) anyDil |= x.get<int64_t>() != 1;
    if (anyDil) rec.spec["dilations"] = d;
  } else if (includePad) {
    rec.spec["count_include_pad"] = true;
  }
  emit(std::move(rec), &n);
}

// [SECTION] NORM_RESIZE
void Importer::doBatchNorm(const onnx::NodeProto& n) {
  ensureAssigned(n);
  if (canonOfRole(m_roles[1]) != 1)
    failNode(n, "normalises an axis that is not the channel axis of the model's layers");
  if (attrInt(n, "training_mode", 0) != 0) failNode(n, "is in training mode; export the model in eval mode");
  const int64_t C = m_cshape[0];
  LayerRec rec;
  rec.spec = {{"op", "batch_norm"}, {"epsilon", attrFloat(n, "epsilon", 1e-5)}};
  const std::pair<int, const char*> ins[] = {{1, "weight"}, {2, "bias"}, {3, "mean"}, {4, "var"}};
  for (const auto& [idx, key] : ins) {
    const Const& c = needConst(n, idx,
                               idx == 1   ? "scale"
                               : idx == 2 ? "B"
                               : idx == 3 ? "input_mean"
                                          : "input_var");
    Tensor t = toTensor(c);
    if (t.numel() != C)
      failNode(n, std::string(key) + " has " + std::to_string(t.numel()) + " values for " +
                      std::to_string(C) + " channels");
    t.shape = {C};
    rec.files[key] = std::move(t);
  }
  emit(std::move(rec), &n);
}

void Importer::doResize(const onnx::NodeProto& n) {
  ensureAssigned(n);
  const bool upsample = n.op_type() == "Upsample";
  const Shape in = actualShape();
  const size_t r = in.size();
  std::vector<double> scales;
  auto constInput = [&](int i) -> const Const* {
    if (n.input_size() <= i || n.input(i).empty()) return nullptr;
    const Const* c = constOf(n.input(i));
    if (!c) failNode(n, "input " + std::to_string(i) + " ('" + n.input(i) + "') is not a constant");
    return c->v.empty() ? nullptr : c;
  };
  if (upsample && attr(n, "scales")) {
    for (float f : attr(n, "scales")->floats()) scales.push_back(f);
  } else {
    const int si = upsample || m_opset < 11 ? 1 : 2;
    if (const Const* c = constInput(si))
      scales = c->v;
    else if (const Const* sz = (!upsample && m_opset >= 11) ? constInput(3) : nullptr) {
      if (sz->v.size() != r)
        failNode(n, "sizes has " + std::to_string(sz->v.size()) + " values for a rank-" + std::to_string(r) +
                        " tensor");
      for (size_t i = 0; i < r; ++i) scales.push_back(sz->v[i] / static_cast<double>(in[i]));
    } else {
      failNode(n, "has neither scales nor sizes");
    }
  }
  if (scales.size() != r)
    failNode(n, "scales has " + std::to_string(scales.size()) + " values for a rank-" + std::to_string(r) +
                    " tensor");
  if (attr(n, "axes")) failNode(n, "the 'axes' attribute is not supported");
  const std::string mode = attrString(n, "mode", "nearest");
  std::string stackMode = "nearest";
  const std::string ctm =
      attrString(n, "coordinate_transformation_mode", upsample || m_opset < 11 ? "asymmetric" : "half_pixel");
  std::vector<int64_t> factor(static_cast<size_t>(m_dims), 1);
  for (size_t i = 0; i < r; ++i) {
    const double sc = scales[i];
    const double ri = std::round(sc);
    if (!(ri >= 1) || std::abs(sc - ri) > 1e-6 * ri)  // also NaN
      failNode(n, "scale " + std::to_string(sc) + " on axis " + std::to_string(i) +
                      " is not a whole number >= 1 (only integer up-sampling is supported)");
    if (ri > (1 << 24))
      failNode(n,
               "scale " + std::to_string(sc) + " on axis " + std::to_string(i) + " is larger than 16777216");
    const int k = canonOfRole(m_roles[i]);
    if (k < 2) {
      if (ri != 1)
        failNode(n, "scales axis " + std::to_string(i) + " (batch, channel or an added unit axis) by " +
                        std::to_string(sc) + "; only spatial axes may be resized");
      continue;
    }
    factor[static_cast<size_t>(k - 2)] = static_cast<int64_t>(ri);
  }
  if (mode == "nearest") {
    if (!upsample && m_opset >= 11) {
      // the source index of output i must be i // s for every scale used
      const std::string nm = attrString(n, "nearest_mode", "round_prefer_floor");
      if (ctm == "tf_crop_and_resize" || ctm == "align_corners")
        failNode(n, "coordinate_transformation_mode '" + ctm + "' does not give plain nearest up-sampling");
      for (int64_t s : factor) {
        for (int64_t q = 0; q < 3; ++q)
          for (int64_t rr = 0; rr < s; ++rr) {
            const double i = static_cast<double>(q * s + rr), sd = static_cast<double>(s);
            double x = ctm == "asymmetric"             ? i / sd
                       : ctm == "tf_half_pixel_for_nn" ? (i + 0.5) / sd
                                                       : (i + 0.5) / sd - 0.5;
            double src;
            if (nm == "floor")
              src = std::floor(x);
            else if (nm == "ceil")
              src = std::ceil(x);
            else if (nm == "round_prefer_ceil")
              src = std::floor(x + 0.5);
            else
              src = (x - std::floor(x) == 0.5) ? std::floor(x) : std::round(x);
            src = std::max(src, 0.0);
            if (src != static_cast<double>(q))
              failNode(n, "nearest_mode '" + nm + "' with coordinate_transformation_mode '" + ctm +
                              "' and scale " + std::to_string(s) +
                              " is not plain nearest up-sampling (output i ← input i // s)");
          }
      }
    }
  } else if (mode == "linear" && !upsample && (ctm == "half_pixel" || ctm == "pytorch_half_pixel")) {
    stackMode = "linear";
  } else {
    failNode(n, "mode '" + mode + "'" +
                    (upsample ? "" : " with coordinate_transformation_mode '" + ctm + "'") +
                    " is not supported (nearest, or linear with half_pixel)");
  }
  LayerRec rec;
  rec.spec = {{"op", "upsample"}, {"scales", factor}};
  if (stackMode != "nearest") rec.spec["mode"] = stackMode;
  emit(std::move(rec), &n);
}

// [SECTION] AXES
void Importer::doTranspose(const onnx::NodeProto& n) {
  const int r = static_cast<int>(m_roles.size());
  std::vector<int64_t> perm = attrInts(n, "perm", {});
  if (perm.empty())
    for (int i = r - 1; i >= 0; --i) perm.push_back(i);
  if (static_cast<int>(perm.size()) != r)
    failNode(n, "perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(r));
  std::vector<int> roles(static_cast<size_t>(r));
  std::vector<bool> used(static_cast<size_t>(r), false);
  for (int i = 0; i < r; ++i) {
    const int64_t p = perm[static_cast<size_t>(i)];
    if (p < 0 || p >= r || used[static_cast<size_t>(p)]) failNode(n, "perm is not a permutation");
    used[static_cast<size_t>(p)] = true;
    roles[static_cast<size_t>(i)] = m_roles[static_cast<size_t>(p)];
  }
  m_roles = roles;
}

std::vector<int64_t> Importer::axesOf(const onnx::NodeProto& n, bool& given) {
  given = true;
  if (attr(n, "axes")) return attrInts(n, "axes", {});
  if (n.input_size() > 1 && !n.input(1).empty()) {
    return constInts(n, 1, "axes");
  }
  given = false;
  return {};
}

void Importer::doUnsqueeze(const onnx::NodeProto& n) {
  bool given;
  auto axes = axesOf(n, given);
  if (!given || axes.empty()) failNode(n, "has no axes");
  const int outRank = static_cast<int>(m_roles.size() + axes.size());
  for (auto& a : axes) {
    if (a < 0) a += outRank;
    if (a < 0 || a >= outRank) failNode(n, "axis out of range");
  }
  std::sort(axes.begin(), axes.end());
  for (auto a : axes) m_roles.insert(m_roles.begin() + a, -1);
}

void Importer::doSqueeze(const onnx::NodeProto& n) {
  bool given;
  auto axes = axesOf(n, given);
  const Shape sh = actualShape();
  const int r = static_cast<int>(m_roles.size());
  if (!given)
    for (int i = 0; i < r; ++i)
      if (sh[static_cast<size_t>(i)] == 1) axes.push_back(i);
  for (auto& a : axes) {
    if (a < 0) a += r;
    if (a < 0 || a >= r) failNode(n, "axis out of range");
  }
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    const size_t a = static_cast<size_t>(*it);
    // removing a size-1 batch/channel/spatial axis is refused later if a layer still needs it
    if (sh[a] != 1) failNode(n, "removes axis " + std::to_string(a) + " of size " + std::to_string(sh[a]));
    m_roles.erase(m_roles.begin() + static_cast<long>(a));
  }
}

void Importer::doReshape(const onnx::NodeProto& n) {
  const std::vector<int64_t> shapeValues = constInts(n, 1, "shape");
  const Shape in = actualShape();
  const bool allowZero = attrInt(n, "allowzero", 0) != 0;
  Shape target;
  int infer = -1;
  for (size_t i = 0; i < shapeValues.size(); ++i) {
    int64_t v = shapeValues[i];
    if (v == 0 && !allowZero) {
      if (i >= in.size()) failNode(n, "copies a dimension that does not exist");
      v = in[i];
    }
    if (v == -1) {
      if (infer >= 0) failNode(n, "has two -1 entries");
      infer = static_cast<int>(i);
      v = 1;
    }
    if (v < 0) failNode(n, "has a negative size");
    target.push_back(v);
  }
  if (infer >= 0) {
    const int64_t rest = numel(target);
    if (rest == 0 || numel(in) % rest) failNode(n, "cannot infer its -1 dimension");
    target[static_cast<size_t>(infer)] = numel(in) / rest;
  }
  // Accept only reshapes that insert or remove size-1 axes: align non-1 sizes in order.
  std::vector<int> roles;
  size_t i = 0, j = 0;
  auto refuse = [&]() {
    failNode(n, "reshapes " + shapeToString(in) + " to " + shapeToString(target) +
                    "; only adding or removing size-1 axes (around a 1-D layer) is supported");
  };
  while (i < in.size() || j < target.size()) {
    if (i < in.size() && j < target.size() && in[i] == target[j]) {
      roles.push_back(m_roles[i]);
      ++i;
      ++j;
    } else if (j < target.size() && target[j] == 1) {
      roles.push_back(-1);
      ++j;
    } else if (i < in.size() && in[i] == 1) {  // dropped (refused later if a layer needs it)
      ++i;
    } else {
      refuse();
    }
  }
  m_roles = roles;
}

// [SECTION] CONST_ARITH
void Importer::doConstArith(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  if (n.input_size() != 2) failNode(n, "must have two inputs");
  const bool curFirst = n.input(0) == m_cur;
  const std::string cname = curFirst ? n.input(1) : n.input(0);
  const Const* c = constOf(cname);
  if (!c) failNode(n, "has no constant operand");
  if (!curFirst && (t == "Sub" || t == "Div"))
    failNode(n, "computes constant " + std::string(t == "Sub" ? "- x" : "/ x") + ", which is not supported");
  const bool additive = t == "Add" || t == "Sub";
  std::vector<double> v = c->v;
  for (double& x : v) {
    if (t == "Sub") x = -x;
    if (t == "Div") {
      if (x == 0) failNode(n, "divides by zero");
      x = 1.0 / x;
    }
  }
  // identity? then nothing to do
  bool identity = true;
  for (double x : v) identity &= additive ? x == 0.0 : x == 1.0;
  if (identity) return;
  const std::string why =
      " a constant that cannot be expressed in a stack: ConvScope folds a per-channel or scalar constant "
      "Add/Mul "
      "into the Conv, ConvTranspose or BatchNormalization right before it";
  const Shape sh = actualShape();
  if (c->shape.size() > sh.size())
    failNode(n, (additive ? "adds" : "multiplies by") + why + " (constant has more axes than the data)");
  const int cpos = m_assigned ? channelPos() : -1;
  int64_t C = 1;
  const size_t off = sh.size() - c->shape.size();
  for (size_t j = 0; j < c->shape.size(); ++j) {
    if (c->shape[j] == 1) continue;
    if (static_cast<int>(off + j) != cpos || c->shape[j] != sh[off + j])
      failNode(n, (additive ? "adds" : "multiplies by") + why + " (constant of shape " +
                      shapeToString(c->shape) + " varies along more than the channel axis of " +
                      shapeToString(sh) + ")");
    C = c->shape[j];
  }
  if (m_layers.empty())
    failNode(n, (additive ? "adds" : "multiplies by") + why + " (it does not directly follow one)");
  LayerRec& L = m_layers.back();
  const std::string op = L.spec.at("op");
  if (op != "conv" && op != "conv_transpose" && op != "batch_norm")
    failNode(n, (additive ? "adds" : "multiplies by") + why + " (it follows a " + op + " layer)");
  const int64_t O = m_cshape[0];
  std::vector<double> per(static_cast<size_t>(O));
  for (int64_t o = 0; o < O; ++o) per[static_cast<size_t>(o)] = C == 1 ? v[0] : v[static_cast<size_t>(o)];
  if (op == "batch_norm") {
    Tensor& beta = L.files.at("bias");
    Tensor& gamma = L.files.at("weight");
    for (int64_t o = 0; o < O; ++o) {
      const double f = per[static_cast<size_t>(o)];
      if (additive)
        beta.data[static_cast<size_t>(o)] += static_cast<float>(f);
      else {
        beta.data[static_cast<size_t>(o)] = static_cast<float>(beta.data[static_cast<size_t>(o)] * f);
        gamma.data[static_cast<size_t>(o)] = static_cast<float>(gamma.data[static_cast<size_t>(o)] * f);
      }
    }
  } else {
    if (!L.files.count("bias")) L.files["bias"] = Tensor(Shape{O}, 0.0f);
    Tensor& b = L.files.at("bias");
    for (int64_t o = 0; o < O; ++o) {
      const double f = per[static_cast<size_t>(o)];
      float& bo = b.data[static_cast<size_t>(o)];
      bo = additive ? static_cast<float>(bo + f) : static_cast<float>(bo * f);
    }
    if (!additive) {
      Tensor& w = L.files.at("weight");
      const int64_t a0 = w.dim(0), a1 = w.dim(1);
      const int64_t inner = w.numel() / (a0 * a1);
      const int64_t g = L.spec.value("group", int64_t(1));
      for (int64_t i0 = 0; i0 < a0; ++i0)
        for (int64_t i1 = 0; i1 < a1; ++i1) {
          // conv: (O, C/g, k) → out channel i0; transposed: (C, O/g, k) → group(i0)·O/g + i1
          const int64_t o = op == "conv" ? i0 : (i0 / (a0 / g)) * a1 + i1;
          const double f = per[static_cast<size_t>(o)];
          float* p = w.data.data() + (i0 * a1 + i1) * inner;
          for (int64_t k = 0; k < inner; ++k) p[k] = static_cast<float>(p[k] * f);
        }
    }
  }
  L.nodes.push_back(nodeShort(n));
  std::string label;
  for (const auto& s : L.nodes) label += (label.empty() ? "" : ", ") + s;
  L.spec["name"] = label;
}

// [SECTION] PAD
void Importer::doPad(const onnx::NodeProto& n) {
  const std::string mode = attrString(n, "mode", "constant");
  if (mode != "constant")
    failNode(n, "mode '" + mode + "' is not supported (only zero padding before a Conv/AveragePool)");
  if (attr(n, "axes") || (n.input_size() > 3 && !n.input(3).empty()))
    failNode(n, "the 'axes' input is not supported");
  std::vector<int64_t> pads;
  double value = 0.0;
  if (m_opset < 11) {
    pads = attrInts(n, "pads", {});
    value = attrFloat(n, "value", 0.0);
  } else {
    pads = constInts(n, 1, "pads");
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const Const& c = needConst(n, 2, "constant_value");
      if (!c.v.empty()) value = c.v[0];
    }
  }
  if (value != 0.0)
    failNode(n, "pads with the value " + std::to_string(value) + "; only zero padding is supported");
  if (pads.size() != 2 * m_roles.size())
    failNode(n, "pads has " + std::to_string(pads.size()) + " values for a rank-" +
                    std::to_string(m_roles.size()) + " tensor");
  for (auto p : pads)
    if (p < 0) failNode(n, "has a negative pad (cropping), which is not supported");
  m_padNode = &n;
  m_pad = pads;
}

const onnx::NodeProto* Importer::takePad(const onnx::NodeProto& n, std::vector<int64_t>& pads, int nsp) {
  const size_t r = m_roles.size();
  if (m_pad.size() != 2 * r) failNode(n, "internal: pad rank");
  for (size_t i = 0; i < 2; ++i)
    if (m_pad[i] || m_pad[i + r])
      fail(nodeLabel(*m_padNode) + ": pads the batch or channel axis, which is not supported");
  for (int a = 0; a < nsp; ++a) {
    pads[static_cast<size_t>(a)] += m_pad[static_cast<size_t>(2 + a)];
    pads[static_cast<size_t>(a + nsp)] += m_pad[r + 2 + static_cast<size_t>(a)];
  }
  const onnx::NodeProto* p = m_padNode;
  m_padNode = nullptr;
  m_pendingPadNodes.push_back(nodeShort(*p));
  return p;
}

}  // namespace convscope::engine::onnx_detail
