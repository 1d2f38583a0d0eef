// ONNX → stack importer. Reads the model with Debian's libonnx protobuf classes, walks the graph
// from its single input to its single output as a chain, and maps each node (or recognised group
// of nodes) to one stack layer under the "onnx" convention.
//
// Layout tracking: every axis of the tensor flowing along the chain carries a role — an axis of
// the model input (id >= 0) or an inserted unit axis (-1, from Unsqueeze/Reshape). The first layer
// that needs (N, C, spatial...) decides which input axis is N, C and each spatial axis; unit axes
// among a conv's spatial axes must be trivial (k = 1, no padding) and vanish, so that
// Unsqueeze → Conv(k,1) → Squeeze becomes one 1-D layer. Transpose only permutes roles.
//
// This file: the chain walk (supported ops, GELU groups), writing the stack file and its .npy
// files, and importOnnx; the rest is in onnx_graph.cpp, onnx_axes.cpp and onnx_ops.cpp
// (onnx_importer.h).
//
// Index of this file:
//   [SECTION] WALK   supported ops, the chain walk, GELU groups
//   [SECTION] WRITE  staging directory, the stack file and its .npy files
//   [SECTION] ENTRY  importOnnx
#include "engine/onnx/onnx_import.h"

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

namespace convscope::engine {
namespace onnx_detail {

// [SECTION] WALK
void Importer::checkSupportedOps() const {
  static const std::set<std::string> ops = {"Conv",
                                            "ConvTranspose",
                                            "Relu",
                                            "LeakyRelu",
                                            "Elu",
                                            "Tanh",
                                            "Sigmoid",
                                            "Gelu",
                                            "MaxPool",
                                            "AveragePool",
                                            "BatchNormalization",
                                            "Resize",
                                            "Upsample",
                                            "Identity",
                                            "Dropout",
                                            "Add",
                                            "Sub",
                                            "Mul",
                                            "Div",
                                            "Erf",
                                            "Reshape",
                                            "Unsqueeze",
                                            "Squeeze",
                                            "Transpose",
                                            "Constant",
                                            "Pad"};
  std::vector<std::string> bad;
  for (const auto& n : m_graph->node()) {
    const bool stdDomain = n.domain().empty() || n.domain() == "ai.onnx";
    if (!stdDomain || !ops.count(n.op_type()))
      bad.push_back(nodeShort(n) + (stdDomain ? "" : " in domain '" + n.domain() + "'"));
  }
  if (bad.empty()) return;
  std::string list;
  for (const auto& b : bad) list += (list.empty() ? "" : ", ") + b;
  fail(std::to_string(bad.size()) + " unsupported node" + (bad.size() > 1 ? "s" : "") + ": " + list +
       ". ConvScope imports chains of Conv, ConvTranspose, Relu, LeakyRelu, Elu, Tanh, Sigmoid, Gelu (or its "
       "Erf "
       "form), MaxPool, AveragePool, BatchNormalization, Resize/Upsample (nearest), Identity, Dropout, "
       "constant "
       "Add/Mul, zero Pad before Conv/AveragePool and Reshape/Unsqueeze/Squeeze/Transpose around 1-D "
       "convolutions");
}

void Importer::walk() {
  m_cur = m_inputName;
  const int r = static_cast<int>(m_inputShape.size());
  for (int i = 0; i < r; ++i) {
    m_roles.push_back(i);
    m_roleSize.push_back(m_inputShape[static_cast<size_t>(i)]);
  }
  m_canonOf.assign(static_cast<size_t>(r), -1);
  while (true) {
    auto cons = consumersOf(m_cur);
    const bool isOut = m_graphOutputs.count(m_cur) > 0;
    if (isOut && cons.empty()) break;
    if (isOut) {
      std::string list;
      for (int c : cons) list += (list.empty() ? "" : ", ") + nodeShort(m_graph->node(c));
      fail("the graph is not a chain: the output '" + m_cur + "' is also read by " + list);
    }
    if (cons.empty())
      fail("the graph is not a chain: tensor '" + m_cur + "' is not used and is not the graph output");
    if (cons.size() > 1) {
      std::string out;
      std::vector<const onnx::NodeProto*> nodes;
      if (tryGelu(m_cur, out, nodes)) {
        LayerRec rec;
        rec.spec = {{"op", "gelu"}};
        for (const auto* p : nodes) {
          rec.nodes.push_back(nodeShort(*p));
          m_visited.insert(nodeIndex(*p));
        }
        emit(std::move(rec), nullptr);
        m_cur = out;
        continue;
      }
      std::string list;
      for (int c : cons) list += (list.empty() ? "" : ", ") + nodeShort(m_graph->node(c));
      fail("the graph is not a chain: tensor '" + m_cur + "' branches into " + std::to_string(cons.size()) +
           " nodes: " + list + " (ConvScope imports single-path models)");
    }
    const auto& n = m_graph->node(cons[0]);
    if (m_visited.count(cons[0])) failNode(n, "is reached twice (the graph has a cycle)");
    m_visited.insert(cons[0]);
    // exactly one non-constant input, the current tensor
    std::vector<std::string> others;
    for (const auto& in : n.input())
      if (!in.empty() && in != m_cur && !isConst(in)) others.push_back(in);
    if (!others.empty()) {
      std::string list;
      for (const auto& o : others) {
        std::string prod = "the graph input";
        for (const auto& p : m_graph->node())
          for (const auto& po : p.output())
            if (po == o) prod = nodeShort(p);
        list += (list.empty() ? "" : ", ") + std::string("'") + o + "' from " + prod;
      }
      fail("the graph is not a chain: " + nodeLabel(n) + " combines '" + m_cur + "' with " + list +
           " (branches and skip connections are not supported)");
    }
    if (n.output_size() < 1 || n.output(0).empty()) failNode(n, "has no output");
    for (int i = 1; i < n.output_size(); ++i)
      if (!n.output(i).empty() && (!consumersOf(n.output(i)).empty() || m_graphOutputs.count(n.output(i))))
        failNode(n,
                 "its extra output '" + n.output(i) + "' is used; ConvScope only follows the first output");
    handle(n);
    m_cur = n.output(0);
  }
  std::vector<std::string> off;
  for (int i = 0; i < m_graph->node_size(); ++i)
    if (m_graph->node(i).op_type() != "Constant" && !m_visited.count(i))
      off.push_back(nodeShort(m_graph->node(i)));
  if (!off.empty()) {
    std::string list;
    for (const auto& o : off) list += (list.empty() ? "" : ", ") + o;
    fail("the graph is not a chain: node(s) off the path from input to output: " + list);
  }
  if (m_padNode) fail(nodeLabel(*m_padNode) + ": a Pad at the end of the graph is not supported");
  if (!m_assigned) ensureAssigned(m_graph->node(m_graph->node_size() - 1));
}

// GELU in the exporters' erf form: x/√2 → Erf → +1 → ·x → ·0.5 (the two products in any order).
bool Importer::tryGelu(const std::string& x, std::string& out, std::vector<const onnx::NodeProto*>& nodes) {
  const auto cons = consumersOf(x);
  if (cons.size() != 2) return false;
  auto scalarIs = [&](const std::string& name, double want) {
    const Const* c = constOf(name);
    return c && c->v.size() == 1 && std::abs(c->v[0] - want) <= 1e-5 * std::abs(want);
  };
  // other operand of a binary node whose one operand is `a`; "" if not binary with `a`
  auto other = [](const onnx::NodeProto& n, const std::string& a) -> std::string {
    if (n.input_size() != 2) return "";
    if (n.input(0) == a) return n.input(1);
    if (n.input(1) == a) return n.input(0);
    return "";
  };
  auto single = [&](const std::string& t) -> const onnx::NodeProto* {
    const auto c = consumersOf(t);
    if (c.size() != 1 || m_graphOutputs.count(t) || m_visited.count(c[0])) return nullptr;
    return &m_graph->node(c[0]);
  };
  for (int pick = 0; pick < 2; ++pick) {
    const auto& d = m_graph->node(cons[static_cast<size_t>(pick)]);
    const auto& m = m_graph->node(cons[static_cast<size_t>(1 - pick)]);
    const bool isDiv = d.op_type() == "Div" && d.input_size() == 2 && d.input(0) == x &&
                       scalarIs(d.input(1), std::sqrt(2.0));
    const bool isMul = d.op_type() == "Mul" && scalarIs(other(d, x), 1.0 / std::sqrt(2.0));
    if (!isDiv && !isMul) continue;
    const auto* erf = single(d.output(0));
    if (!erf || erf->op_type() != "Erf") continue;
    const auto* add = single(erf->output(0));
    if (!add || add->op_type() != "Add" || !scalarIs(other(*add, erf->output(0)), 1.0)) continue;
    const std::string a = add->output(0);
    const auto* next = single(a);
    if (!next || next->op_type() != "Mul") continue;
    if (m.op_type() != "Mul") continue;
    std::vector<const onnx::NodeProto*> group = {&d, erf, add};
    if (&m == next && other(m, a) == x) {  // (x · a) · 0.5
      const auto* half = single(m.output(0));
      if (!half || half->op_type() != "Mul" || !scalarIs(other(*half, m.output(0)), 0.5)) continue;
      group.insert(group.end(), {&m, half});
      out = half->output(0);
    } else if (scalarIs(other(m, x), 0.5) && other(*next, a) == m.output(0)) {  // (x · 0.5) · a
      if (single(m.output(0)) != next) continue;
      group.insert(group.end(), {&m, next});
      out = next->output(0);
    } else if (scalarIs(other(*next, a), 0.5) && other(m, x) == next->output(0)) {  // x · (a · 0.5)
      if (single(next->output(0)) != &m) continue;
      group.insert(group.end(), {next, &m});
      out = m.output(0);
    } else {
      continue;
    }
    nodes = group;
    return true;
  }
  return false;
}

// [SECTION] WRITE
namespace {

// Removes the staging directory (and whatever is left in it) however the import ends.
struct StagingDir {
  fs::path dir;
  ~StagingDir() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

void writeBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + p.string());
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) throw std::runtime_error("write failed: " + p.string());
}

}  // namespace

ImportResult Importer::run(const std::string& outStackPath) {
  load();
  checkSupportedOps();
  walk();

  // ---- the stack document
  const fs::path outPath(outStackPath);
  const fs::path outDir = outPath.parent_path().empty() ? fs::path(".") : outPath.parent_path();
  const std::string stem = outPath.stem().string();
  json doc;
  doc["convscope"] = 1;
  doc["convention"] = "onnx";
  if (m_layout != "channels_first") doc["layout"] = m_layout;
  doc["name"] = fs::path(m_path).filename().string();
  doc["description"] = "Imported from " + fs::path(m_path).filename().string() + " (ONNX opset " +
                       std::to_string(m_opset) +
                       ") by convscope import; weights in the .npy files beside this stack.";
  // input.shape in the stack's layout: [N?, C, spatial...] or [N?, spatial..., C] (a virtual C is 1)
  Shape c0(static_cast<size_t>(m_dims) + 1, 1);
  for (size_t id = 0; id < m_canonOf.size(); ++id)
    if (m_canonOf[id] >= 1) c0[static_cast<size_t>(m_canonOf[id] - 1)] = m_roleSize[id];
  Shape inShape;
  if (!m_virtualN) inShape.push_back(m_batch);
  if (m_layout == "channels_first") {
    inShape.insert(inShape.end(), c0.begin(), c0.end());
  } else {
    inShape.insert(inShape.end(), c0.begin() + 1, c0.end());
    inShape.push_back(c0[0]);
  }
  doc["input"] = {{"shape", inShape}, {"dims", m_dims}, {"generator", {{"kind", "noise"}, {"seed", 0}}}};

  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (!fs::is_directory(outDir))
    throw EngineError({outStackPath, -1, "", "-o"}, "cannot create the output directory " + outDir.string());
  StagingDir staging;
  {
    std::random_device rd;
    std::ostringstream nm;
    nm << ".convscope-import-" << std::hex << rd() << rd();
    staging.dir = outDir / nm.str();
    fs::create_directory(staging.dir, ec);
    if (ec)
      throw EngineError({outStackPath, -1, "", "-o"},
                        "cannot write in " + outDir.string() + ": " + ec.message());
  }
  std::vector<std::string> npyNames;
  json layers = json::array();
  for (size_t i = 0; i < m_layers.size(); ++i) {
    json spec = m_layers[i].spec;
    for (const auto& [key, t] : m_layers[i].files) {
      const std::string file = stem + "." + std::to_string(i) + "." + key + ".npy";
      try {
        writeBytes(staging.dir / file, npyBytes(t));
      } catch (const std::exception& e) {
        throw EngineError({outStackPath, -1, "", "-o"}, e.what());
      }
      spec[key] = file;
      npyNames.push_back(file);
    }
    layers.push_back(spec);
  }
  doc["layers"] = layers;
  // the whole stack must load (exactly what `convscope run` will do)
  try {
    resolveStack(doc, outStackPath, staging.dir.string());
  } catch (const EngineError& e) {
    fail("the imported stack does not resolve: " + std::string(e.what()));
  }
  const std::string stackName = outPath.filename().string();
  try {
    writeBytes(staging.dir / stackName, doc.dump(2) + "\n");
  } catch (const std::exception& e) {
    throw EngineError({outStackPath, -1, "", "-o"}, e.what());
  }
  // commit: data files first, the stack last
  ImportResult res;
  for (const auto& f : npyNames) {
    fs::rename(staging.dir / f, outDir / f, ec);
    if (ec)
      throw EngineError({outStackPath, -1, "", "-o"},
                        "cannot move " + f + " into " + outDir.string() + ": " + ec.message());
    res.files.push_back((outDir / f).string());
  }
  fs::rename(staging.dir / stackName, outPath, ec);
  if (ec) throw EngineError({outStackPath, -1, "", "-o"}, "cannot write the stack file: " + ec.message());
  res.files.insert(res.files.begin(), outStackPath);
  res.stackPath = outStackPath;
  for (const auto& l : m_layers) res.layers.push_back({l.spec.at("op").get<std::string>(), l.nodes});
  res.layout = m_layout;
  res.inputShape = inShape;
  res.opset = m_opset;
  res.notes = m_notes;
  return res;
}

}  // namespace onnx_detail

// [SECTION] ENTRY
ImportResult importOnnx(const std::string& modelPath, const std::string& outStackPath,
                        const ImportOptions& options) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  onnx_detail::Importer imp(modelPath, options);
  return imp.run(outStackPath);
}

}  // namespace convscope::engine
