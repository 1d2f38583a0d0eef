// A random small stack from fuzz bytes (fuzz_shapes, and the canvas scene stress test): convention,
// 1-D/2-D input, 1-3 layers with random ops and parameter values, including zero, negative, huge,
// lists of the wrong length and words. Most such stacks do not resolve; that is the point.
#pragma once
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>

namespace convscope::fuzz {

/// Consumes the fuzz input a byte at a time (zeros once exhausted).
class Bytes {
 public:
  Bytes(const uint8_t* d, size_t n) : m_d(d), m_n(n) {}
  uint8_t u8() { return m_i < m_n ? m_d[m_i++] : 0; }
  int pick(int n) { return u8() % n; }
  bool done() const { return m_i >= m_n; }

 private:
  const uint8_t* m_d;
  size_t m_n, m_i = 0;
};

inline const char* const kConventions[] = {"pytorch", "keras", "onnx", "chainer"};
inline const char* const kOps[] = {"conv",     "conv_transpose", "upsample",   "unpool", "zero_insert",
                                   "max_pool", "avg_pool",       "batch_norm", "relu",   "leaky_relu",
                                   "elu",      "gelu",           "tanh",       "sigmoid"};
// Every parameter name any convention reads (convention.cpp, resolve_*.cpp).
inline const char* const kKeys[] = {"out_channels",
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
                                    "ceil_mode",
                                    "count_include_pad",
                                    "cover_all",
                                    "scale_factor",
                                    "scale",
                                    "scales",
                                    "size",
                                    "mode",
                                    "interpolation",
                                    "alpha",
                                    "negative_slope",
                                    "slope",
                                    "approximate",
                                    "eps",
                                    "epsilon",
                                    "init",
                                    "data_format"};
inline const char* const kWords[] = {"same",       "valid",    "causal",  "full",   "SAME_UPPER",
                                     "SAME_LOWER", "VALID",    "NOTSET",  "zeros",  "reflect",
                                     "replicate",  "circular", "nearest", "linear", "bilinear",
                                     "tanh",       "none",     "floor",   "ceil",   ""};
inline const long long kInts[] = {
    0, 1, 2, 3, 4, 5, 7, 8, -1, -2, 16, 33, 1 << 24, (1ll << 31) + 1, 1ll << 40, -(1ll << 40)};

inline nlohmann::json intValue(Bytes& b) {
  const int k = b.pick(24);
  if (k < 16) return kInts[k];
  return k - 14;  // 2..9, the common small values again
}

inline nlohmann::json value(Bytes& b, int dims) {
  switch (b.pick(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return intValue(b);
    case 4: {  // per-axis list, sometimes of the wrong length
      nlohmann::json a = nlohmann::json::array();
      const int n = b.pick(8) == 0 ? b.pick(5) : dims;
      for (int i = 0; i < n; ++i) a.push_back(intValue(b));
      return a;
    }
    case 5: {  // explicit [begin, end] pairs (ONNX pads / Keras ((b, e), ...))
      nlohmann::json a = nlohmann::json::array();
      const int n = b.pick(4) == 0 ? b.pick(6) : 2 * dims;
      for (int i = 0; i < n; ++i) a.push_back(intValue(b));
      return a;
    }
    case 6:
      return kWords[b.pick(static_cast<int>(std::size(kWords)))];
    case 7:
      return b.pick(2) == 1;
    case 8:
      return nlohmann::json{{"kind", b.pick(2) ? "random" : (b.pick(2) ? "ones" : "identity")},
                            {"seed", b.u8()}};
    default:
      return (static_cast<int>(b.u8()) - 64) / 16.0;
  }
}

inline const int kLongAxis[] = {1000, 4099, 65536, 1 << 21};

/// The stack document the bytes describe. `wide`: also long axes and 64 channels (the scene stress
/// test); fuzz_shapes keeps the small ones.
inline nlohmann::json randomStack(Bytes& b, bool wide = false) {
  using nlohmann::json;
  const int dims = 1 + b.pick(2);
  json shape = json::array();
  const bool batch = b.pick(2);
  if (batch) shape.push_back(1 + b.pick(2));
  shape.push_back(wide && b.pick(8) == 0 ? 64 : 1 + b.pick(4));
  for (int a = 0; a < dims; ++a) {
    // Wide: sometimes a long axis (a 2-D one stays within a few thousand cells per channel).
    const int w = wide ? b.pick(8) : 0;
    shape.push_back(w < 6 ? 1 + b.pick(24) : (dims == 1 ? kLongAxis[b.pick(4)] : 40 + b.pick(60)));
  }
  json doc = {{"convscope", 1},
              {"convention", kConventions[b.pick(4)]},
              {"input", {{"shape", shape}, {"dims", dims}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}}};
  if (b.pick(4) == 0) doc["layout"] = "channels_last";
  json layers = json::array();
  const int nLayers = 1 + b.pick(3);
  for (int i = 0; i < nLayers; ++i) {
    json l = {{"op", kOps[b.pick(static_cast<int>(std::size(kOps)))]}};
    const int nKeys = b.pick(7);
    for (int k = 0; k < nKeys; ++k) l[kKeys[b.pick(static_cast<int>(std::size(kKeys)))]] = value(b, dims);
    layers.push_back(l);
  }
  doc["layers"] = layers;
  return doc;
}

}  // namespace convscope::fuzz
