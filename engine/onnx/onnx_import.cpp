// ONNX → stack importer. Reads the model with Debian's libonnx protobuf classes, walks the graph
// from its single input to its single output as a chain, and maps each node (or recognised group
// of nodes) to one stack layer under the "onnx" convention.
//
// Layout tracking: every axis of the tensor flowing along the chain carries a role — an axis of
// the model input (id >= 0) or an inserted unit axis (-1, from Unsqueeze/Reshape). The first layer
// that needs (N, C, spatial...) decides which input axis is N, C and each spatial axis; unit axes
// among a conv's spatial axes must be trivial (k = 1, no padding) and vanish, so that
// Unsqueeze → Conv(k,1) → Squeeze becomes one 1-D layer. Transpose only permutes roles.
#include "engine/onnx/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "engine/core/error.h"
#include "engine/io/npy.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/stack.h"

namespace convscope::engine {
namespace {

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

// ---------------------------------------------------------------------------------------------
void Importer::load() {
  std::error_code ec;
  if (!fs::is_regular_file(m_path, ec)) fail("model file not found");
  const auto size = fs::file_size(m_path, ec);
  if (ec) fail("cannot read the model file: " + ec.message());
  if (size == 0) fail("the model file is empty (not an ONNX model)");
  if (size > (uintmax_t(2) << 30) - 1)
    fail(
        "the model file is larger than 2 GiB (protobuf's limit); models with external data are not "
        "supported");
  std::ifstream in(m_path, std::ios::binary);
  if (!in) fail("cannot open the model file for reading");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size) fail("could not read the whole model file");
  if (!m_model.ParseFromString(bytes))
    fail("not a valid ONNX model: the protobuf data cannot be parsed (the file is truncated or corrupt)");
  if (!m_model.has_graph() || m_model.graph().node_size() == 0)
    fail(
        "not a valid ONNX model: it has no graph nodes (the file is truncated, corrupt or not an ONNX "
        "model)");
  if (m_model.ir_version() <= 0)
    fail("not a valid ONNX model: no IR version (the file is corrupt or not an ONNX model)");
  m_graph = &m_model.graph();
  for (const auto& op : m_model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") m_opset = static_cast<int>(op.version());
  if (m_opset == 0) fail("the model declares no opset for the default ONNX domain");
  if (m_opset < kMinOpset || m_opset > kMaxOpset)
    fail("opset " + std::to_string(m_opset) + " is not supported (ConvScope imports opsets " +
         std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + "; 9 to 17 are tested)");

  for (const auto& t : m_graph->initializer())
    m_consts[t.name()] = decodeTensor(t, "initializer '" + t.name() + "'");
  for (const auto& n : m_graph->node()) {
    if (n.op_type() != "Constant" || !(n.domain().empty() || n.domain() == "ai.onnx")) continue;
    if (n.output_size() < 1) failNode(n, "has no output");
    Const c;
    if (const auto* a = attr(n, "value")) {
      c = decodeTensor(a->t(), nodeLabel(n) + " value");
    } else if (const auto* a = attr(n, "value_float")) {
      c.v = {a->f()};
    } else if (const auto* a = attr(n, "value_floats")) {
      c.shape = {a->floats_size()};
      c.v.assign(a->floats().begin(), a->floats().end());
    } else if (const auto* a = attr(n, "value_int")) {
      c.v = {static_cast<double>(a->i())};
      c.isInt = true;
    } else if (const auto* a = attr(n, "value_ints")) {
      c.shape = {a->ints_size()};
      for (auto x : a->ints()) c.v.push_back(static_cast<double>(x));
      c.isInt = true;
    } else {
      failNode(n, "has no supported value attribute (value, value_float(s), value_int(s))");
    }
    m_consts[n.output(0)] = std::move(c);
  }
  for (int i = 0; i < m_graph->node_size(); ++i) {
    const auto& n = m_graph->node(i);
    if (n.op_type() == "Constant") continue;
    std::set<std::string> seen;
    for (const auto& in : n.input())
      if (!in.empty() && seen.insert(in).second) m_consumers[in].push_back(i);
  }
  std::vector<std::string> inputs;
  for (const auto& vi : m_graph->input())
    if (!isConst(vi.name())) inputs.push_back(vi.name());
  if (inputs.size() != 1) {
    std::string list;
    for (const auto& s : inputs) list += (list.empty() ? "'" : ", '") + s + "'";
    fail("the graph has " + std::to_string(inputs.size()) + " inputs" +
         (list.empty() ? "" : " (" + list + ")") + "; ConvScope imports models with exactly one input");
  }
  m_inputName = inputs[0];
  if (m_graph->output_size() != 1) {
    std::string list;
    for (const auto& o : m_graph->output()) list += (list.empty() ? "'" : ", '") + o.name() + "'";
    fail("the graph has " + std::to_string(m_graph->output_size()) + " outputs (" + list +
         "); ConvScope imports chains with exactly one output");
  }
  m_outputName = m_graph->output(0).name();
  for (const auto& o : m_graph->output()) m_graphOutputs.insert(o.name());

  // input shape
  const onnx::ValueInfoProto* vi = nullptr;
  for (const auto& v : m_graph->input())
    if (v.name() == m_inputName) vi = &v;
  const auto& tt = vi->type().tensor_type();
  const int et = tt.elem_type();
  if (et != onnx::TensorProto::FLOAT && et != onnx::TensorProto::DOUBLE && et != onnx::TensorProto::FLOAT16 &&
      et != onnx::TensorProto::UNDEFINED)
    fail("the graph input '" + m_inputName + "' has element type " + onnx::TensorProto::DataType_Name(et) +
         "; ConvScope runs float models");
  if (!m_opt.inputShape.empty()) {
    m_inputShape = m_opt.inputShape;
    if (tt.has_shape() && tt.shape().dim_size() != static_cast<int>(m_inputShape.size()))
      fail("--shape " + shapeToString(m_inputShape) + " has " + std::to_string(m_inputShape.size()) +
           " entries but the graph input '" + m_inputName + "' has rank " +
           std::to_string(tt.shape().dim_size()));
  } else {
    if (!tt.has_shape())
      fail("the graph input '" + m_inputName + "' has no shape; give one with --shape N,C,L");
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto& d = tt.shape().dim(i);
      if (d.has_dim_value()) {
        if (d.dim_value() < 1 || d.dim_value() > kMaxElements)
          fail("the graph input '" + m_inputName + "' has an absurd size " + std::to_string(d.dim_value()) +
               " on axis " + std::to_string(i));
        m_inputShape.push_back(d.dim_value());
      } else {
        m_inputShape.push_back(1);
        m_notes.push_back("input axis " + std::to_string(i) +
                          (d.dim_param().empty() ? "" : " ('" + d.dim_param() + "')") +
                          " is symbolic; set to 1 (override with --shape)");
      }
    }
  }
  int64_t total = 1;
  for (auto d : m_inputShape) {
    if (d < 1) fail("input shape " + shapeToString(m_inputShape) + " has a size < 1");
    if (d > kMaxElements || (total *= d) > kMaxElements)
      fail("input shape " + shapeToString(m_inputShape) + " has more than 2^31 elements");
  }
}

Const Importer::decodeTensor(const onnx::TensorProto& t, const std::string& what) const {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    fail(what + " keeps its data in an external file; re-export the model with the weights embedded");
  Const c;
  int64_t n = 1;
  for (auto d : t.dims()) {
    if (d < 0) fail(what + " has a negative dimension " + std::to_string(d) + " (corrupt model)");
    if (d > kMaxElements || (d > 0 && n > kMaxElements / d))
      fail(what + " declares more than 2^31 elements (dims too large; corrupt or absurd model)");
    n *= d;
    c.shape.push_back(d);
  }
  if (n > kMaxElements) fail(what + " declares more than 2^31 elements");
  const auto& raw = t.raw_data();
  const size_t N = static_cast<size_t>(n);
  auto sizeFail = [&](size_t have) {
    fail(what + " is truncated or corrupt: its shape " + shapeToString(c.shape) + " needs " +
         std::to_string(n) + " values, the file holds " + std::to_string(have));
  };
  auto fromRaw = [&](size_t bytesPer, auto conv) {
    if (raw.size() != N * bytesPer) sizeFail(raw.size() / bytesPer);
    c.v.resize(N);
    for (size_t i = 0; i < N; ++i) c.v[i] = conv(raw.data() + i * bytesPer);
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (t.has_raw_data()) {
        fromRaw(4, [](const char* p) {
          float f;
          std::memcpy(&f, p, 4);
          return static_cast<double>(f);
        });
      } else {
        if (static_cast<size_t>(t.float_data_size()) != N) sizeFail(static_cast<size_t>(t.float_data_size()));
        c.v.assign(t.float_data().begin(), t.float_data().end());
      }
      break;
    case onnx::TensorProto::DOUBLE:
      if (t.has_raw_data()) {
        fromRaw(8, [](const char* p) {
          double f;
          std::memcpy(&f, p, 8);
          return f;
        });
      } else {
        if (static_cast<size_t>(t.double_data_size()) != N)
          sizeFail(static_cast<size_t>(t.double_data_size()));
        c.v.assign(t.double_data().begin(), t.double_data().end());
      }
      break;
    case onnx::TensorProto::FLOAT16: {
      auto half = [](uint16_t h) {
        const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
        double v = e == 0    ? std::ldexp(m, -24)
                   : e == 31 ? (m ? NAN : INFINITY)
                             : std::ldexp(1024 + m, e - 25);
        return s ? -v : v;
      };
      if (t.has_raw_data()) {
        fromRaw(2, [&](const char* p) {
          uint16_t h;
          std::memcpy(&h, p, 2);
          return half(h);
        });
      } else {
        if (static_cast<size_t>(t.int32_data_size()) != N) sizeFail(static_cast<size_t>(t.int32_data_size()));
        for (auto x : t.int32_data()) c.v.push_back(half(static_cast<uint16_t>(x)));
      }
      break;
    }
    case onnx::TensorProto::INT64:
      c.isInt = true;
      if (t.has_raw_data()) {
        fromRaw(8, [](const char* p) {
          int64_t f;
          std::memcpy(&f, p, 8);
          return static_cast<double>(f);
        });
      } else {
        if (static_cast<size_t>(t.int64_data_size()) != N) sizeFail(static_cast<size_t>(t.int64_data_size()));
        for (auto x : t.int64_data()) c.v.push_back(static_cast<double>(x));
      }
      break;
    case onnx::TensorProto::INT32:
      c.isInt = true;
      if (t.has_raw_data()) {
        fromRaw(4, [](const char* p) {
          int32_t f;
          std::memcpy(&f, p, 4);
          return static_cast<double>(f);
        });
      } else {
        if (static_cast<size_t>(t.int32_data_size()) != N) sizeFail(static_cast<size_t>(t.int32_data_size()));
        for (auto x : t.int32_data()) c.v.push_back(static_cast<double>(x));
      }
      break;
    default:
      fail(what + " has element type " + onnx::TensorProto::DataType_Name(t.data_type()) +
           " (supported: FLOAT, DOUBLE, FLOAT16, INT64, INT32)");
  }
  return c;
}

std::vector<int64_t> Importer::constInts(const onnx::NodeProto& n, int input, const std::string& what) const {
  std::vector<int64_t> out;
  for (double x : needConst(n, input, what).v) {
    if (!(std::abs(x) <= 9007199254740992.0) || x != std::floor(x))
      failNode(n, what + " holds " + std::to_string(x) + ", which is not an integer in range");
    out.push_back(static_cast<int64_t>(x));
  }
  return out;
}

const Const& Importer::needConst(const onnx::NodeProto& n, int input, const std::string& what) const {
  if (n.input_size() <= input || n.input(input).empty()) failNode(n, "has no " + what + " input");
  const Const* c = constOf(n.input(input));
  if (!c)
    failNode(n, "its " + what + " ('" + n.input(input) +
                    "') is not a constant initializer; ConvScope needs it fixed");
  return *c;
}

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
int64_t Importer::roleSize(int role) const {
  if (role < 0) return 1;
  if (!m_assigned) return m_roleSize[static_cast<size_t>(role)];
  const int k = m_canonOf[static_cast<size_t>(role)];
  return k == 0 ? m_batch : m_cshape[static_cast<size_t>(k - 1)];
}

Shape Importer::actualShape() const {
  Shape s;
  for (int r : m_roles) s.push_back(roleSize(r));
  return s;
}

int Importer::channelPos() const {
  for (size_t i = 0; i < m_roles.size(); ++i)
    if (canonOfRole(m_roles[i]) == 1) return static_cast<int>(i);
  return -1;
}

void Importer::ensureAssigned(const onnx::NodeProto& n) {
  if (m_assigned) return;
  const int r = static_cast<int>(m_roles.size());
  const int inRank = static_cast<int>(m_inputShape.size());
  if (r < 3 || r > 4)
    failNode(n, "works on a rank-" + std::to_string(r) +
                    " tensor; ConvScope imports 1-D (N, C, L) and 2-D (N, C, H, W) layers");
  // every input axis must still be present
  std::set<int> present;
  for (int x : m_roles)
    if (x >= 0) present.insert(x);
  if (static_cast<int>(present.size()) != inRank)
    failNode(
        n,
        "an axis of the model input was removed before the first layer (Squeeze/Reshape of an input axis)");
  // N and C may be unit axes inserted by the graph (an input without batch or channel axis)
  for (int pos = 0; pos < 2; ++pos) {
    if (m_roles[static_cast<size_t>(pos)] >= 0) continue;
    const int id = static_cast<int>(m_roleSize.size());
    m_roleSize.push_back(1);
    m_canonOf.push_back(-1);
    m_roles[static_cast<size_t>(pos)] = id;
    (pos == 0 ? m_virtualN : m_virtualC) = true;
  }
  m_canonOf[static_cast<size_t>(m_roles[0])] = 0;
  m_canonOf[static_cast<size_t>(m_roles[1])] = 1;
  int a = 0;
  for (int pos = 2; pos < r; ++pos)
    if (m_roles[static_cast<size_t>(pos)] >= 0)
      m_canonOf[static_cast<size_t>(m_roles[static_cast<size_t>(pos)])] = 2 + a++;
  m_dims = a;
  if (m_dims < 1 || m_dims > 2)
    failNode(n, "has " + std::to_string(m_dims) + " spatial axes; ConvScope handles 1 or 2");
  // which layout is the model input in?
  std::vector<int> order;
  for (int i = 0; i < inRank; ++i) order.push_back(m_canonOf[static_cast<size_t>(i)]);
  std::vector<int> cf, cl;
  if (!m_virtualN) cf.push_back(0);
  if (!m_virtualC) cf.push_back(1);
  for (int k = 0; k < m_dims; ++k) cf.push_back(2 + k);
  if (!m_virtualN) cl.push_back(0);
  for (int k = 0; k < m_dims; ++k) cl.push_back(2 + k);
  if (!m_virtualC) cl.push_back(1);
  if (order == cf)
    m_layout = "channels_first";
  else if (order == cl)
    m_layout = "channels_last";
  else
    failNode(n,
             "sees the model input's axes in an order that is neither channels-first (N, C, spatial) nor "
             "channels-last (N, spatial, C)");
  m_batch = m_virtualN ? 1 : m_roleSize[static_cast<size_t>(m_roles[0])];
  m_cshape.assign(static_cast<size_t>(m_dims) + 1, 1);
  for (size_t id = 0; id < m_canonOf.size(); ++id)
    if (m_canonOf[id] >= 1) m_cshape[static_cast<size_t>(m_canonOf[id] - 1)] = m_roleSize[id];
  m_assigned = true;
}

std::vector<int> Importer::convAxes(const onnx::NodeProto& n) {
  ensureAssigned(n);
  const int r = static_cast<int>(m_roles.size());
  if (canonOfRole(m_roles[0]) != 0 || canonOfRole(m_roles[1]) != 1)
    failNode(
        n,
        "receives the tensor with its axes in a different order than the model's first layer (batch, channel "
        "first expected); unsupported Transpose arrangement");
  std::vector<int> axes;
  int next = 0;
  for (int pos = 2; pos < r; ++pos) {
    const int k = canonOfRole(m_roles[static_cast<size_t>(pos)]);
    if (m_roles[static_cast<size_t>(pos)] < 0) {
      axes.push_back(-1);
    } else if (k == 2 + next) {
      axes.push_back(next++);
    } else {
      failNode(n,
               "receives the spatial axes in a different order than the model's first layer (unsupported "
               "Transpose)");
    }
  }
  if (next != m_dims) failNode(n, "does not see every spatial axis of the model input");
  return axes;
}

// ---------------------------------------------------------------------------------------------
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
    auto v = attrInts(n, name, std::vector<int64_t>(len, def));
    if (v.size() != len)
      failNode(n, std::string(name) + " has " + std::to_string(v.size()) + " values, expected " +
                      std::to_string(len));
    return v;
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
    auto v = attrInts(n, name, std::vector<int64_t>(len, def));
    if (v.size() != len)
      failNode(n, std::string(name) + " has " + std::to_string(v.size()) + " values, expected " +
                      std::to_string(len));
    return v;
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

// ---------------------------------------------------------------------------------------------
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

}  // namespace

ImportResult importOnnx(const std::string& modelPath, const std::string& outStackPath,
                        const ImportOptions& options) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  Importer imp(modelPath, options);
  return imp.run(outStackPath);
}

}  // namespace convscope::engine
