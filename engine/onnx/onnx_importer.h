// Internals of the ONNX importer (engine/onnx/onnx_import.h), shared by its files:
//   onnx_graph.cpp   reading the model: protobuf, initializers and Constant nodes, input and output
//   onnx_axes.cpp    axis roles: which model-input axis is N, C and each spatial axis
//   onnx_ops.cpp     per-op mapping: one ONNX node (or group) to one stack layer
//   onnx_import.cpp  the chain walk and writing the stack file; importOnnx
//
// ONNX → stack importer. Reads the model with Debian's libonnx protobuf classes, walks the graph
// from its single input to its single output as a chain, and maps each node (or recognised group
// of nodes) to one stack layer under the "onnx" convention.
//
// Layout tracking: every axis of the tensor flowing along the chain carries a role — an axis of
// the model input (id >= 0) or an inserted unit axis (-1, from Unsqueeze/Reshape). The first layer
// that needs (N, C, spatial...) decides which input axis is N, C and each spatial axis; unit axes
// among a conv's spatial axes must be trivial (k = 1, no padding) and vanish, so that
// Unsqueeze → Conv(k,1) → Squeeze becomes one 1-D layer. Transpose only permutes roles.
#pragma once
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/tensor.h"
#include "engine/onnx/onnx_import.h"

namespace convscope::engine::onnx_detail {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kMaxElements = int64_t(1) << 31;
constexpr int kMinOpset = 7;
constexpr int kMaxOpset = 18;

// A constant tensor (initializer or Constant node output), values widened to double.
struct Const {
  Shape shape;
  std::vector<double> v;
  bool isInt = false;
};

// A stack layer under construction, with its parameter tensors in memory.
struct LayerRec {
  json spec;
  std::vector<std::string> nodes;
  std::map<std::string, Tensor> files;  // stack key ("weight", "bias", "mean", ...) → tensor
};

class Importer {
 public:
  Importer(std::string modelPath, ImportOptions opt) : m_path(std::move(modelPath)), m_opt(std::move(opt)) {}
  ImportResult run(const std::string& outStackPath);

 private:
  // ---- errors
  [[noreturn]] void fail(const std::string& rule) const { throw EngineError({m_path, -1, "", ""}, rule); }
  [[noreturn]] void failNode(const onnx::NodeProto& n, const std::string& rule) const {
    fail(nodeLabel(n) + ": " + rule);
  }
  std::string nodeLabel(const onnx::NodeProto& n) const {
    const int idx = nodeIndex(n);
    const std::string name =
        n.name().empty() ? "#" + std::to_string(idx) + " (unnamed)" : "'" + n.name() + "'";
    return "node " + name + " (" + n.op_type() + ")";
  }
  std::string nodeShort(const onnx::NodeProto& n) const {
    return (n.name().empty() ? "#" + std::to_string(nodeIndex(n)) : n.name()) + " (" + n.op_type() + ")";
  }
  int nodeIndex(const onnx::NodeProto& n) const {
    for (int i = 0; i < m_graph->node_size(); ++i)
      if (&m_graph->node(i) == &n) return i;
    return -1;
  }

  // ---- model reading
  void load();
  void readModelFile();
  void readConstants();
  void findInputAndOutput();
  void readInputShape();
  Const decodeTensor(const onnx::TensorProto& t, const std::string& what) const;
  bool isConst(const std::string& name) const { return m_consts.count(name) > 0; }
  const Const* constOf(const std::string& name) const {
    auto it = m_consts.find(name);
    return it == m_consts.end() ? nullptr : &it->second;
  }
  const Const& needConst(const onnx::NodeProto& n, int input, const std::string& what) const;
  /// The integer values of a constant input (shape, axes, pads), refusing NaN, fractions and
  /// anything beyond ±2^53 (converting those to int64 would be undefined).
  std::vector<int64_t> constInts(const onnx::NodeProto& n, int input, const std::string& what) const;
  std::vector<int> consumersOf(const std::string& tensor) const {
    auto it = m_consumers.find(tensor);
    return it == m_consumers.end() ? std::vector<int>{} : it->second;
  }

  // ---- attributes
  const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  std::vector<int64_t> attrInts(const onnx::NodeProto& n, const std::string& name,
                                std::vector<int64_t> def) const {
    const auto* a = attr(n, name);
    if (!a) return def;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  /// attrInts with `len` values exactly (default: `len` copies of `def`); other counts fail the node.
  std::vector<int64_t> attrIntsOfLength(const onnx::NodeProto& n, const std::string& name, int64_t def,
                                        size_t len) const {
    auto v = attrInts(n, name, std::vector<int64_t>(len, def));
    if (v.size() != len)
      failNode(n, name + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(len));
    return v;
  }
  int64_t attrInt(const onnx::NodeProto& n, const std::string& name, int64_t def) const {
    const auto* a = attr(n, name);
    return a ? a->i() : def;
  }
  double attrFloat(const onnx::NodeProto& n, const std::string& name, double def) const {
    const auto* a = attr(n, name);
    return a ? static_cast<double>(a->f()) : def;
  }
  std::string attrString(const onnx::NodeProto& n, const std::string& name, const std::string& def) const {
    const auto* a = attr(n, name);
    return a ? a->s() : def;
  }

  // ---- chain walk
  void checkSupportedOps() const;
  void walk();
  bool tryGelu(const std::string& x, std::string& out, std::vector<const onnx::NodeProto*>& nodes);
  void handle(const onnx::NodeProto& n);
  void emit(LayerRec rec, const onnx::NodeProto* node);

  // ---- layout
  int64_t roleSize(int role) const;
  Shape actualShape() const;
  void ensureAssigned(const onnx::NodeProto& n);
  // Positions 2.. of the actual tensor: spatial index (0..dims-1) or -1 for a unit axis.
  std::vector<int> convAxes(const onnx::NodeProto& n);
  int canonOfRole(int role) const { return role < 0 ? -1 : m_canonOf[static_cast<size_t>(role)]; }
  int channelPos() const;

  // ---- ops
  void doConv(const onnx::NodeProto& n, bool transposed);
  void doPool(const onnx::NodeProto& n, bool isMax);
  void doBatchNorm(const onnx::NodeProto& n);
  void doResize(const onnx::NodeProto& n);
  void doTranspose(const onnx::NodeProto& n);
  void doUnsqueeze(const onnx::NodeProto& n);
  void doSqueeze(const onnx::NodeProto& n);
  void doReshape(const onnx::NodeProto& n);
  void doConstArith(const onnx::NodeProto& n);
  void doPad(const onnx::NodeProto& n);
  // Adds a pending zero Pad to a conv/pool's per-axis pads (actual positions 2..); returns the node.
  const onnx::NodeProto* takePad(const onnx::NodeProto& n, std::vector<int64_t>& pads, int nsp);
  std::vector<int64_t> axesOf(const onnx::NodeProto& n, bool& given);

  std::string m_path;
  ImportOptions m_opt;
  onnx::ModelProto m_model;
  const onnx::GraphProto* m_graph = nullptr;
  int m_opset = 0;
  std::map<std::string, Const> m_consts;
  std::map<std::string, std::vector<int>> m_consumers;  // tensor → non-Constant nodes reading it
  std::set<std::string> m_graphOutputs;
  std::string m_inputName, m_outputName;
  Shape m_inputShape;  // ONNX order
  std::vector<std::string> m_notes;

  // chain state
  std::string m_cur;
  std::set<int> m_visited;
  std::vector<int> m_roles;         // per actual axis
  std::vector<int> m_canonOf;       // per role id: canonical index (0 N, 1 C, 2+a spatial) or -1
  std::vector<int64_t> m_roleSize;  // per role id (before assignment; virtual ids are 1)
  bool m_assigned = false;
  bool m_virtualN = false, m_virtualC = false;
  int m_dims = 0;
  int64_t m_batch = 1;
  Shape m_cshape;  // current (C, spatial...) once assigned
  std::vector<LayerRec> m_layers;
  std::string m_layout = "channels_first";
  std::vector<std::string> m_pendingPadNodes;  // Pad nodes to list in the next layer's name
  const onnx::NodeProto* m_padNode = nullptr;  // a zero Pad waiting for the Conv/AveragePool after it
  std::vector<int64_t> m_pad;                  // its pads, [begins..., ends...] over the actual axes
};

}  // namespace convscope::engine::onnx_detail
