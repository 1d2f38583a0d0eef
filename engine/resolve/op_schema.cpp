// The op schema table (see op_schema.h). Names and defaults follow docs/conventions.md
// §Parameter names, the per-convention sections and §Elementwise defaults.
//
// Index of this file:
//   [SECTION] TABLE   the rows
//   [SECTION] LOOKUP  opParams, standardKeys, paramKey, paramDefault, allParamKeys, ops
#include "engine/resolve/op_schema.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace convscope::engine {
// [SECTION] TABLE
namespace {

// Op bit masks for the rows.
constexpr unsigned bit(Op op) {
  return 1u << static_cast<unsigned>(op);
}
constexpr unsigned kConv = bit(Op::Conv);
constexpr unsigned kConvT = bit(Op::ConvTranspose);
constexpr unsigned kMax = bit(Op::MaxPool);
constexpr unsigned kAvg = bit(Op::AvgPool);
constexpr unsigned kUp = bit(Op::Upsample);
constexpr unsigned kUnpool = bit(Op::Unpool);
constexpr unsigned kZero = bit(Op::ZeroInsert);
constexpr unsigned kBn = bit(Op::BatchNorm);

using PerConv = std::array<const char*, 4>;  // pytorch, keras, onnx, chainer; nullptr = not taken
constexpr PerConv all(const char* s) {
  return {s, s, s, s};
}

struct Row {
  unsigned ops;
  Param param;
  PerConv key;
  PerConv def;
  const char* meaning;
  bool standard;
};

// One row per (group of ops, parameter). Rows of one op are in the editor's order.
const Row kRows[] = {
    // conv and conv_transpose
    {kConv | kConvT,
     Param::OutChannels,
     {"out_channels", "filters", "out_channels", "out_channels"},
     all("required"),
     "output channels (or from the weight file)",
     true},
    {kConv | kConvT,
     Param::Kernel,
     {"kernel_size", "kernel_size", "kernel_shape", "ksize"},
     all("required"),
     "kernel size (taps per axis)",
     true},
    {kConv | kConvT,
     Param::Stride,
     {"stride", "strides", "strides", "stride"},
     all("1"),
     "stride (step between windows)",
     true},
    {kConv,
     Param::Padding,
     {"padding", "padding", "pads", "pad"},
     {"0", "\"valid\"", "zeros", "0"},
     "padding before and after the input",
     true},
    {kConvT,
     Param::Padding,
     {"padding", "padding", "pads", "pad"},
     {"0", "\"valid\"", "zeros", "0"},
     "crop of the full output at both ends",
     true},
    {kConv | kConvT,
     Param::AutoPad,
     {nullptr, nullptr, "auto_pad", nullptr},
     all("\"NOTSET\""),
     "automatic padding",
     true},
    {kConvT,
     Param::OutputPadding,
     {"output_padding", "output_padding", "output_padding", nullptr},
     {"0", "null", "0", nullptr},
     "extra output length at the end",
     true},
    {kConv | kConvT,
     Param::Dilation,
     {"dilation", "dilation_rate", "dilations", "dilate"},
     all("1"),
     "dilation (gap between taps)",
     true},
    {kConv, Param::Groups, {"groups", "groups", "group", "groups"}, all("1"), "groups", true},
    {kConvT, Param::Groups, {"groups", nullptr, "group", "groups"}, all("1"), "groups", true},
    {kConvT,
     Param::Groups,
     {nullptr, "groups", nullptr, nullptr},
     all("1"),
     "must be 1 (Keras transposed convolutions have no groups)",
     false},
    {kConvT,
     Param::TargetSize,
     {"output_size", nullptr, "output_shape", "outsize"},
     all("null"),
     "target output size",
     true},
    {kConv | kConvT,
     Param::Bias,
     {"bias", "use_bias", "bias", "nobias"},
     {"true", "true", "false", "false"},
     "bias on/off",
     true},
    {kConv,
     Param::PaddingMode,
     {"padding_mode", nullptr, nullptr, nullptr},
     all("\"zeros\""),
     "what the padding holds",
     true},
    {kConvT,
     Param::PaddingMode,
     {"padding_mode", nullptr, nullptr, nullptr},
     all("\"zeros\""),
     "only \"zeros\" for transposed convolutions",
     false},
    {kConv,
     Param::CoverAll,
     {nullptr, nullptr, nullptr, "cover_all"},
     all("false"),
     "one more window over the end (pads p, p+s-1)",
     true},
    {kConv | kConvT, Param::Init, all("init"), all("{\"kind\": \"random\"}"), "weights without a file", true},
    {kConv | kConvT, Param::Weight, all("weight"), all("null"), "weight file (.npy)", false},
    {kConv | kConvT, Param::BiasFile, all("bias"), all("null"), "bias file (.npy)", false},
    // max_pool and avg_pool
    {kMax | kAvg,
     Param::Kernel,
     {"kernel_size", "pool_size", "kernel_shape", "ksize"},
     all("required"),
     "kernel size (taps per axis)",
     true},
    {kMax | kAvg,
     Param::Stride,
     {"stride", "strides", "strides", "stride"},
     {"kernel", "kernel", "1", "kernel"},
     "stride (step between windows)",
     true},
    {kMax | kAvg,
     Param::Padding,
     {"padding", "padding", "pads", "pad"},
     {"0", "\"valid\"", "zeros", "0"},
     "padding",
     true},
    {kMax | kAvg,
     Param::AutoPad,
     {nullptr, nullptr, "auto_pad", nullptr},
     all("\"NOTSET\""),
     "automatic padding",
     true},
    {kMax,
     Param::Dilation,
     {"dilation", nullptr, "dilations", nullptr},
     all("1"),
     "dilation (gap between taps)",
     true},
    {kMax | kAvg,
     Param::CeilMode,
     {"ceil_mode", nullptr, "ceil_mode", nullptr},
     all("false"),
     "round the output length up",
     true},
    {kAvg,
     Param::CountIncludePad,
     {"count_include_pad", nullptr, "count_include_pad", nullptr},
     {"true", nullptr, "false", nullptr},
     "average counts padding",
     true},
    {kMax,
     Param::CoverAll,
     {nullptr, nullptr, nullptr, "cover_all"},
     all("true"),
     "cover every input element",
     true},
    // upsample, unpool, zero_insert
    {kUp,
     Param::Scale,
     {"scale_factor", "size", "scales", "scale"},
     all("required"),
     "up-sampling factor",
     true},
    {kUp, Param::ScaleAlias, all("scale"), all("required"), "up-sampling factor", false},
    {kUp,
     Param::Mode,
     {"mode", "interpolation", "mode", "mode"},
     all("\"nearest\""),
     "nearest | linear",
     true},
    {kUnpool,
     Param::Kernel,
     {"kernel_size", "pool_size", "kernel_shape", "ksize"},
     all("required"),
     "kernel size (taps per axis)",
     true},
    {kUnpool,
     Param::Stride,
     {"stride", "strides", "strides", "stride"},
     all("kernel"),
     "stride (step between windows)",
     true},
    {kUnpool,
     Param::Padding,
     {"padding", "padding", "pads", "pad"},
     {"0", "0", "zeros", "0"},
     "crop at both ends",
     true},
    {kUnpool,
     Param::TargetSize,
     {"output_size", "output_size", "output_shape", "outsize"},
     all("null"),
     "target output size",
     true},
    {kUnpool, Param::CoverAll, all("cover_all"), all("true"), "cover every input element", true},
    {kZero,
     Param::Stride,
     {"stride", "strides", "strides", "stride"},
     all("required"),
     "zeros between samples = stride - 1",
     true},
    // batch_norm and activations
    {kBn,
     Param::Eps,
     {"eps", "epsilon", "epsilon", "eps"},
     {"1e-5", "1e-3", "1e-5", "2e-5"},
     "epsilon",
     true},
    {kBn, Param::Init, all("init"), all("null"), "random statistics: {\"kind\": \"random\"}", true},
    {kBn, Param::Mean, all("mean"), all("null"), "running mean file (.npy); without it 0", false},
    {kBn, Param::Var, all("var"), all("null"), "running variance file (.npy); without it 1", false},
    {kBn, Param::Weight, all("weight"), all("null"), "scale (gamma) file (.npy); without it 1", false},
    {kBn, Param::BiasFile, all("bias"), all("null"), "shift (beta) file (.npy); without it 0", false},
    {bit(Op::LeakyRelu),
     Param::Slope,
     {"negative_slope", "alpha", "alpha", "slope"},
     {"0.01", "0.3", "0.01", "0.2"},
     "negative slope",
     true},
    {bit(Op::Elu), Param::Alpha, all("alpha"), all("1.0"), "scale of the negative side", true},
    {bit(Op::Gelu), Param::Approximate, all("approximate"), all("\"none\""), "none | tanh", true},
};

// [SECTION] LOOKUP
size_t index(Convention c) {
  return static_cast<size_t>(c);
}

const Row* findRow(Op op, Convention c, Param p) {
  for (const Row& r : kRows)
    if ((r.ops & bit(op)) && r.param == p && r.key[index(c)]) return &r;
  return nullptr;
}

}  // namespace

std::vector<ParamSpec> opParams(Op op, Convention c) {
  std::vector<ParamSpec> out;
  for (const Row& r : kRows)
    if ((r.ops & bit(op)) && r.key[index(c)])
      out.push_back({r.param, r.key[index(c)], r.def[index(c)], r.meaning, r.standard});
  return out;
}

std::vector<std::string> standardKeys(Op op, Convention c) {
  std::vector<std::string> keys;
  for (const ParamSpec& p : opParams(op, c))
    if (p.standard && std::find(keys.begin(), keys.end(), p.key) == keys.end()) keys.emplace_back(p.key);
  return keys;
}

const char* paramKey(Op op, Convention c, Param p) {
  const Row* r = findRow(op, c, p);
  return r ? r->key[index(c)] : "";
}

nlohmann::json paramDefault(Op op, Convention c, Param p) {
  const Row* r = findRow(op, c, p);
  if (!r) return nullptr;
  nlohmann::json v = nlohmann::json::parse(r->def[index(c)], nullptr, false);
  return v.is_discarded() ? nlohmann::json() : v;
}

const std::vector<std::string>& allParamKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"op", "name", "comment"};
    for (const Row& r : kRows)
      for (const char* name : r.key)
        if (name && std::find(k.begin(), k.end(), name) == k.end()) k.emplace_back(name);
    return k;
  }();
  return keys;
}

const std::vector<Op>& allOps() {
  static const std::vector<Op> ops = {
      Op::Conv,      Op::ConvTranspose, Op::MaxPool,   Op::AvgPool, Op::Upsample, Op::Unpool, Op::ZeroInsert,
      Op::BatchNorm, Op::Relu,          Op::LeakyRelu, Op::Elu,     Op::Gelu,     Op::Tanh,   Op::Sigmoid};
  return ops;
}

bool parseOp(const std::string& word, Op& out) {
  for (Op op : allOps())
    if (word == opName(op)) {
      out = op;
      return true;
    }
  return false;
}

}  // namespace convscope::engine
