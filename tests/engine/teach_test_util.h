// Random configurations for the teaching-engine property tests (trace, equivalence, receptive
// field, overlap): canonical Layers with random geometry built directly, and random stack
// documents under all four conventions resolved through engine::resolveStack.
#pragma once
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/layer.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"

namespace convscope::teachtest {

using engine::Axis;
using engine::Layer;
using engine::Op;
using engine::Shape;
using engine::Tensor;
using nlohmann::json;

inline Tensor randomTensor(Shape s, std::mt19937& rng) {
  Tensor t(std::move(s));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : t.data) v = u(rng);
  return t;
}

inline int rnd(std::mt19937& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

inline int randomDivisor(std::mt19937& rng, int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d[size_t(rnd(rng, 0, int(d.size()) - 1))];
}

inline Shape inputShapeOf(const Layer& l, int N) {
  Shape s{N, l.inChannels};
  for (int a = 0; a < l.dims; ++a) s.push_back(l.ax[size_t(a)].in);
  return s;
}

// True when every pool window has at least one in-range tap (otherwise max is -inf, avg 0/0).
inline bool poolWindowsNonEmpty(const Layer& l) {
  for (int a = 0; a < l.dims; ++a) {
    const Axis& x = l.ax[size_t(a)];
    const int d = l.op == Op::AvgPool ? 1 : x.d;
    for (int m = 0; m < x.out; ++m) {
      bool any = false;
      for (int j = 0; j < x.k; ++j) {
        const int t = m * x.s - x.pb + j * d;
        any = any || (t >= 0 && t < x.in);
      }
      if (!any) return false;
    }
  }
  return true;
}

// A random layer of `op` (dims 1 or 2) with `inC` input channels and spatial input sizes `in`
// (0: choose). Weights and bias random in [-1, 1].
inline Layer randomLayer(std::mt19937& rng, Op op, int dims, int inC = 0, std::array<int, 2> in = {0, 0}) {
  for (;;) {
    Layer l;
    l.op = op;
    l.dims = dims;
    l.inChannels = inC ? inC : rnd(rng, 1, 4);
    l.groups = 1;
    l.outChannels = l.inChannels;
    if (op == Op::Conv || op == Op::ConvTranspose) {
      l.groups = randomDivisor(rng, l.inChannels);
      l.outChannels = l.groups * rnd(rng, 1, 3);
    }
    bool ok = true;
    for (int a = 0; a < dims; ++a) {
      Axis& x = l.ax[size_t(a)];
      x.k = rnd(rng, 1, 4);
      x.s = rnd(rng, 1, 3);
      x.d = rnd(rng, 1, 3);
      switch (op) {
        case Op::Conv: {
          x.pb = rnd(rng, 0, 3);
          x.pe = rnd(rng, 0, 3);
          const int need = std::max(1, x.span() - x.pb - x.pe);
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, need, need + 6);
          x.out = (x.in + x.pb + x.pe - x.span()) / x.s + 1;
          if (x.in + x.pb + x.pe < x.span()) ok = false;
          break;
        }
        case Op::ConvTranspose: {
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, 1, 6);
          x.start = rnd(rng, -2, x.span() + 1);
          const int Lf = x.fullLength();
          x.out = rnd(rng, 1, std::max(1, Lf - x.start + 2));
          break;
        }
        case Op::MaxPool:
        case Op::AvgPool: {
          if (op == Op::AvgPool) x.d = 1;
          x.pb = rnd(rng, 0, x.k / 2);
          x.pe = x.pb + rnd(rng, 0, 1);
          const int need = std::max(1, x.span() - x.pb - x.pe);
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, need, need + 6);
          if (x.in + x.pb + x.pe < x.span()) ok = false;
          x.out = (x.in + x.pb + x.pe - x.span()) / x.s + 1;
          break;
        }
        case Op::Upsample:
          x.k = 1;
          x.d = 1;
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, 1, 6);
          x.out = x.in * x.s;
          break;
        case Op::Unpool: {
          x.d = 1;
          x.k = rnd(rng, 1, 3);
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, 1, 6);
          x.start = rnd(rng, 0, x.k - 1);
          const int Lf = x.fullLength();
          x.out = std::max(1, Lf - 2 * x.start - rnd(rng, 0, x.s - 1));
          break;
        }
        case Op::ZeroInsert:
          x.k = 1;
          x.d = 1;
          x.in = in[size_t(a)] ? in[size_t(a)] : rnd(rng, 1, 6);
          x.out = (x.in - 1) * x.s + 1;
          break;
        default:
          x.k = x.s = x.d = 1;
          x.in = x.out = in[size_t(a)] ? in[size_t(a)] : rnd(rng, 1, 6);
      }
      if (x.out < 1) ok = false;
    }
    if (!ok) continue;
    if (op == Op::Conv) {
      const int mode = rnd(rng, 0, 5);
      l.padMode = mode <= 2
                      ? engine::PadMode::Zeros
                      : (mode == 3 ? engine::PadMode::Reflect
                                   : (mode == 4 ? engine::PadMode::Replicate : engine::PadMode::Circular));
      for (int a = 0; a < dims; ++a) {
        const Axis& x = l.ax[size_t(a)];
        if (l.padMode == engine::PadMode::Reflect && (x.pb >= x.in || x.pe >= x.in))
          l.padMode = engine::PadMode::Zeros;
        if (l.padMode == engine::PadMode::Circular && (x.pb > x.in || x.pe > x.in))
          l.padMode = engine::PadMode::Zeros;
      }
    }
    if (op == Op::Upsample)
      l.upsampleMode = rnd(rng, 0, 1) ? engine::UpsampleMode::Linear : engine::UpsampleMode::Nearest;
    if (op == Op::AvgPool) l.avgDivisor = static_cast<engine::AvgDivisor>(rnd(rng, 0, 2));
    if (op == Op::LeakyRelu) l.alpha = 0.1f;
    if ((op == Op::MaxPool || op == Op::AvgPool) && !poolWindowsNonEmpty(l)) continue;
    if (op == Op::Conv || op == Op::ConvTranspose) {
      Shape ws = op == Op::Conv ? Shape{l.outChannels, l.inChannels / l.groups}
                                : Shape{l.inChannels, l.outChannels / l.groups};
      for (int a = 0; a < dims; ++a) ws.push_back(l.ax[size_t(a)].k);
      l.weight = randomTensor(ws, rng);
      if (rnd(rng, 0, 3)) l.bias = randomTensor({l.outChannels}, rng);
    }
    return l;
  }
}

inline const std::vector<Op>& tracedOps() {
  static const std::vector<Op> ops = {Op::Conv,     Op::ConvTranspose, Op::MaxPool,   Op::AvgPool,
                                      Op::Upsample, Op::Unpool,        Op::ZeroInsert};
  return ops;
}

// ---- random stack documents under the four conventions ------------------------------------

inline json axesValue(std::mt19937& rng, int dims, int lo, int hi) {
  if (dims == 1) return rnd(rng, 0, 1) ? json(rnd(rng, lo, hi)) : json::array({rnd(rng, lo, hi)});
  return json::array({rnd(rng, lo, hi), rnd(rng, lo, hi)});
}

// One random layer spec for `conv` ("pytorch", "keras", "onnx", "chainer").
inline json randomLayerSpec(std::mt19937& rng, const std::string& conv, int dims, int seed,
                            bool allowPool = true, bool allowUp = true) {
  std::vector<std::string> ops = {"conv", "conv_transpose"};
  if (allowPool) {
    ops.push_back("max_pool");
    ops.push_back("avg_pool");
  }
  if (allowUp) {
    ops.push_back("upsample");
    if (conv != "keras") ops.push_back("unpool");
    ops.push_back("zero_insert");
  }
  const std::string op = ops[size_t(rnd(rng, 0, int(ops.size()) - 1))];
  json l = {{"op", op}};
  const json init = {{"kind", "random"}, {"seed", seed}};
  const bool k = conv == "keras", o = conv == "onnx", c = conv == "chainer";
  const char* kName = k ? "kernel_size" : (o ? "kernel_shape" : (c ? "ksize" : "kernel_size"));
  const char* sName = (k || o) ? "strides" : "stride";
  const char* dName = k ? "dilation_rate" : (o ? "dilations" : (c ? "dilate" : "dilation"));
  const char* gName = o ? "group" : "groups";
  if (op == "conv" || op == "conv_transpose") {
    l[k ? "filters" : "out_channels"] = rnd(rng, 1, 3);
    l[kName] = axesValue(rng, dims, 1, 3);
    l[sName] = axesValue(rng, dims, 1, 3);
    l["init"] = init;
    if (!(k && rnd(rng, 0, 1))) l[dName] = axesValue(rng, dims, 1, 2);
    if (k) {
      l["padding"] = rnd(rng, 0, 1) ? "same" : "valid";
      if (op == "conv" && dims == 1 && rnd(rng, 0, 3) == 0) l["padding"] = "causal";
      if (op == "conv_transpose" && rnd(rng, 0, 1)) l["output_padding"] = 0;
    } else if (o) {
      const int mode = rnd(rng, 0, 3);
      if (mode == 0) {
        json pads = json::array();
        for (int i = 0; i < 2 * dims; ++i) pads.push_back(rnd(rng, 0, 2));
        l["pads"] = pads;
      } else {
        l["auto_pad"] = mode == 1 ? "VALID" : (mode == 2 ? "SAME_UPPER" : "SAME_LOWER");
      }
      if (op == "conv" && rnd(rng, 0, 1)) l[gName] = 1;
    } else if (c) {
      l["pad"] = axesValue(rng, dims, 0, 2);
      if (op == "conv" && rnd(rng, 0, 2) == 0) l["cover_all"] = true;
    } else {
      const int mode = rnd(rng, 0, 4);
      if (op == "conv" && mode == 4)
        l["padding"] = "same";
      else
        l["padding"] = axesValue(rng, dims, 0, 2);
      if (op == "conv" && rnd(rng, 0, 2) == 0) {
        const char* modes[] = {"reflect", "replicate", "circular"};
        l["padding_mode"] = modes[rnd(rng, 0, 2)];
      }
      if (op == "conv_transpose" && rnd(rng, 0, 2) == 0) l["output_padding"] = axesValue(rng, dims, 0, 1);
    }
  } else if (op == "max_pool" || op == "avg_pool") {
    const int kk = rnd(rng, 1, 3);
    l[k ? "pool_size" : kName] = dims == 1 ? json(kk) : json::array({kk, rnd(rng, 1, 3)});
    l[sName] = axesValue(rng, dims, 1, 2);
    if (k)
      l["padding"] = rnd(rng, 0, 1) ? "same" : "valid";
    else if (c)
      l["pad"] = 0;
    else if (!o)
      l["padding"] = 0;
  } else if (op == "upsample") {
    l[conv == "pytorch" ? "scale_factor" : (k ? "size" : (o ? "scales" : "scale"))] =
        axesValue(rng, dims, 1, 3);
    if (rnd(rng, 0, 2) == 0) l[k ? "interpolation" : "mode"] = k ? "bilinear" : "linear";
  } else if (op == "unpool") {
    l[kName] = axesValue(rng, dims, 1, 3);
    l[sName] = axesValue(rng, dims, 1, 3);
    l["cover_all"] = rnd(rng, 0, 1) == 1;
  } else {
    l[sName] = axesValue(rng, dims, 1, 3);
  }
  return l;
}

inline json randomStackDoc(std::mt19937& rng, const std::string& conv, int dims, int nLayers,
                           bool allowPool = true, bool allowUp = true) {
  const int C = rnd(rng, 1, 3);
  json shape =
      dims == 1 ? json::array({C, rnd(rng, 3, 9)}) : json::array({C, rnd(rng, 3, 7), rnd(rng, 3, 7)});
  const bool last = conv == "keras" && rnd(rng, 0, 1);
  if (last) {  // channels_last: move C to the end
    json s2 = json::array();
    for (size_t i = 1; i < shape.size(); ++i) s2.push_back(shape[i]);
    s2.push_back(C);
    shape = s2;
  }
  json layers = json::array();
  for (int i = 0; i < nLayers; ++i)
    layers.push_back(randomLayerSpec(rng, conv, dims, rnd(rng, 0, 1000), allowPool, allowUp));
  json doc = {
      {"convscope", 1},
      {"convention", conv},
      {"input",
       {{"shape", shape}, {"dims", dims}, {"generator", {{"kind", "noise"}, {"seed", rnd(rng, 0, 999)}}}}},
      {"layers", layers}};
  if (last) doc["layout"] = "channels_last";
  return doc;
}

inline const std::vector<std::string>& conventions() {
  static const std::vector<std::string> c = {"pytorch", "keras", "onnx", "chainer"};
  return c;
}

// Resolves random documents until one passes the convention's rules (or gives up: empty optional).
inline bool randomResolvedStack(std::mt19937& rng, const std::string& conv, int dims, int nLayers,
                                engine::Stack& out, bool allowPool = true, bool allowUp = true) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const json doc = randomStackDoc(rng, conv, dims, nLayers, allowPool, allowUp);
    try {
      out = engine::resolveStack(doc, "<random " + conv + ">", "");
      return true;
    } catch (const engine::EngineError&) {
    }
  }
  return false;
}

inline double relDiff(double a, double b, double scale) {
  return std::fabs(a - b) / std::max(1.0, scale);
}

}  // namespace convscope::teachtest
