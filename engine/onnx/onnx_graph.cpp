// Reading the model (onnx_importer.h): the protobuf file, its opset, initializers and Constant
// nodes as Const values, the single input and output and the input shape.
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
namespace {

// IEEE half-precision bits → double.
double halfToDouble(uint16_t h) {
  const int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  const double v = e == 0    ? std::ldexp(m, -24)
                   : e == 31 ? (m ? NAN : INFINITY)
                             : std::ldexp(1024 + m, e - 25);
  return s ? -v : v;
}

// The n values of a tensor of element type Raw, widened to double: from raw_data (little-endian
// bytes, sizeof(Raw) each) or from the typed repeated `field`; sizeFail(count) when the count is
// not n (it throws).
template <class Raw, class Field, class Widen, class SizeFail>
void decodeValues(const onnx::TensorProto& t, size_t n, const Field& field, Widen widen,
                  std::vector<double>& v, SizeFail sizeFail) {
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (raw.size() != n * sizeof(Raw)) sizeFail(raw.size() / sizeof(Raw));
    v.resize(n);
    for (size_t i = 0; i < n; ++i) {
      Raw r;
      std::memcpy(&r, raw.data() + i * sizeof(Raw), sizeof(Raw));
      v[i] = widen(r);
    }
    return;
  }
  if (static_cast<size_t>(field.size()) != n) sizeFail(static_cast<size_t>(field.size()));
  v.clear();
  v.reserve(n);
  for (auto x : field) v.push_back(widen(static_cast<Raw>(x)));
}

}  // namespace

void Importer::load() {
  readModelFile();
  readConstants();
  findInputAndOutput();
  readInputShape();
}

// The protobuf model, its graph and the opset of the default domain (kMinOpset..kMaxOpset).
void Importer::readModelFile() {
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
}

// Initializers and Constant nodes as Const values; the consumers of every tensor.
void Importer::readConstants() {
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
}

// The single non-constant graph input and the single graph output.
void Importer::findInputAndOutput() {
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
}

// The input shape: --shape, or the graph's (symbolic sizes become 1, with a note).
void Importer::readInputShape() {
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
  const size_t N = static_cast<size_t>(n);
  auto sizeFail = [&](size_t have) {
    fail(what + " is truncated or corrupt: its shape " + shapeToString(c.shape) + " needs " +
         std::to_string(n) + " values, the file holds " + std::to_string(have));
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      decodeValues<float>(
          t, N, t.float_data(), [](float f) { return double(f); }, c.v, sizeFail);
      break;
    case onnx::TensorProto::DOUBLE:
      decodeValues<double>(
          t, N, t.double_data(), [](double f) { return f; }, c.v, sizeFail);
      break;
    case onnx::TensorProto::FLOAT16:  // raw bytes, or the bit patterns in int32_data
      decodeValues<uint16_t>(t, N, t.int32_data(), halfToDouble, c.v, sizeFail);
      break;
    case onnx::TensorProto::INT64:
      c.isInt = true;
      decodeValues<int64_t>(
          t, N, t.int64_data(), [](int64_t f) { return double(f); }, c.v, sizeFail);
      break;
    case onnx::TensorProto::INT32:
      c.isInt = true;
      decodeValues<int32_t>(
          t, N, t.int32_data(), [](int32_t f) { return double(f); }, c.v, sizeFail);
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

}  // namespace convscope::engine::onnx_detail
