// questions.cpp: the frequently asked questions, computed (see questions.h).
#include "engine/teach/questions.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"
#include "engine/kernels/kernels.h"
#include "engine/resolve/resolve.h"
#include "engine/teach/overlap.h"

namespace convscope::engine {
namespace {

using nlohmann::json;

double maxAbs(const Tensor& a, const Tensor& b) {
  if (a.numel() != b.numel()) return INFINITY;
  double m = 0.0;
  for (size_t i = 0; i < a.data.size(); ++i)
    m = std::max(m, std::fabs(double(a.data[i]) - double(b.data[i])));
  return m;
}

Tensor noise(Shape s, unsigned seed) {
  Tensor t(std::move(s));
  unsigned long long st = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (float& v : t.data) {
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    v = static_cast<float>(double(st >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  return t;
}

int64_t paramCount(const Layer& l) {
  return l.weight.numel() + l.bias.numel();
}

}  // namespace

Conv1dTransposeAs2d conv1dTransposeAsConv2d(int L, int C, int filters, int k, int s,
                                            const std::string& padding, int outputPadding, unsigned seed) {
  json l1 = {{"op", "conv_transpose"}, {"filters", filters}, {"kernel_size", k},
             {"strides", s},           {"padding", padding}, {"init", {{"kind", "random"}, {"seed", seed}}}};
  json l2 = {{"op", "conv_transpose"}, {"filters", filters}, {"kernel_size", {k, 1}},
             {"strides", {s, 1}},      {"padding", padding}, {"init", {{"kind", "random"}, {"seed", seed}}}};
  if (outputPadding >= 0) {
    l1["output_padding"] = outputPadding;
    l2["output_padding"] = {outputPadding, 0};
  }
  const json d1 = {{"convscope", 1},
                   {"convention", "keras"},
                   {"layout", "channels_last"},
                   {"input", {{"shape", {L, C}}, {"generator", {{"kind", "noise"}, {"seed", seed}}}}},
                   {"layers", {l1}}};
  const json d2 = {
      {"convscope", 1},
      {"convention", "keras"},
      {"layout", "channels_last"},
      {"input", {{"shape", {L, 1, C}}, {"dims", 2}, {"generator", {{"kind", "noise"}, {"seed", seed}}}}},
      {"layers", {l2}}};
  Conv1dTransposeAs2d r;
  r.stack1d = resolveStack(d1, "<Conv1DTranspose>", "");
  r.stack2d = resolveStack(d2, "<expand_dims + Conv2DTranspose((k,1),(s,1)) + squeeze>", "");
  // expand_dims(axis=2): the same numbers with a singleton W axis; the same kernel with a (k, 1) tap grid.
  r.stack2d.input = r.stack1d.input;
  r.stack2d.input.shape.push_back(1);
  Layer& a = r.stack1d.layers[0];
  Layer& b = r.stack2d.layers[0];
  b.weight = a.weight;
  b.weight.shape.push_back(1);
  b.bias = a.bias;
  const Tensor y1 = forward(r.stack1d).back();
  Tensor y2 = forward(r.stack2d).back();
  r.shape1d = toStackLayout(r.stack1d, y1).shape;
  r.shape2d = toStackLayout(r.stack2d, y2).shape;
  y2.shape.pop_back();  // squeeze(axis=2) in keras layout == dropping the singleton W here
  r.maxAbsDiff = y1.shape == y2.shape ? maxAbs(y1, y2) : INFINITY;
  return r;
}

Conv1dAs2d conv1dAsConv2d(int L, int C, int filters, int k, int s, int pb, int pe, unsigned seed) {
  const int out = convOutLength(L, pb, pe, k, s, 1);
  if (out < 1 || L < 1 || C < 1 || filters < 1 || k < 1 || s < 1)
    throw EngineError({"", -1, "conv", ""}, "conv1dAsConv2d: the window does not fit (L_out < 1)");
  Layer c1;
  c1.op = Op::Conv;
  c1.dims = 1;
  c1.inChannels = C;
  c1.outChannels = filters;
  c1.ax[0] = Axis{L, out, k, s, 1, pb, pe, 0, 0};
  c1.weight = noise({filters, C, k}, seed);
  c1.bias = noise({filters}, seed + 7);
  const Tensor x = noise({1, C, L}, seed + 3);

  // The (L × C_in) image with one channel; the kernel spans all C_in columns: (filters, 1, k, C_in).
  Layer c2 = c1;
  c2.dims = 2;
  c2.inChannels = 1;
  c2.ax[0] = c1.ax[0];
  c2.ax[1] = Axis{C, 1, C, 1, 1, 0, 0, 0, 0};  // W_out = C - C + 1 = 1
  c2.weight = Tensor({filters, 1, k, C});
  for (int f = 0; f < filters; ++f)
    for (int j = 0; j < k; ++j)
      for (int c = 0; c < C; ++c)
        c2.weight.data[size_t((int64_t(f) * k + j) * C + c)] =
            c1.weight.data[size_t((int64_t(f) * C + c) * k + j)];
  Tensor x2({1, 1, L, C});
  for (int l = 0; l < L; ++l)
    for (int c = 0; c < C; ++c) x2.data[size_t(int64_t(l) * C + c)] = x.data[size_t(int64_t(c) * L + l)];
  Conv1dAs2d r;
  const Tensor y1 = forwardLayer(c1, x);
  const Tensor y2 = forwardLayer(c2, x2);
  r.conv1dOut = y1.shape;
  r.conv2dOut = y2.shape;
  r.maxAbsDiff = maxAbs(y1, y2);
  r.params1d = paramCount(c1);
  r.params2d = paramCount(c2);
  return r;
}

std::vector<ResizeWay> fourWaysToResize(int C, int F, int H, int W, unsigned seed) {
  if (H % 2 != 0 || H < 2 || W < 2 || C < 1 || F < 1)
    throw EngineError({"", -1, "", ""}, "fourWaysToResize: H must be even and >= 2, W >= 2");
  auto init = [seed](int i) { return json{{"kind", "random"}, {"seed", seed + unsigned(i)}}; };
  const json down = {{"op", "conv"},     {"out_channels", F}, {"kernel_size", {3, 3}},
                     {"stride", {2, 1}}, {"padding", {1, 1}}, {"init", init(1)}};
  auto up = [&](int out) {
    return json{{"op", "conv_transpose"}, {"out_channels", out}, {"kernel_size", {3, 4}},
                {"stride", {1, 2}},       {"padding", {1, 1}},   {"init", init(0)}};
  };
  const json unpool = {{"op", "unpool"}, {"kernel_size", {1, 2}}, {"stride", {1, 2}}, {"cover_all", false}};
  const json zeroIns = {{"op", "conv_transpose"},
                        {"out_channels", C},
                        {"kernel_size", {1, 3}},
                        {"stride", {1, 2}},
                        {"padding", {0, 1}},
                        {"output_padding", {0, 1}},
                        {"groups", C},
                        {"bias", false},
                        {"init", {{"kind", "identity"}}}};
  struct Spec {
    const char* name;
    const char* text;
    json layers;
    int upIndex;
    bool fixedUp;
  };
  const std::vector<Spec> specs = {
      {"conv_deconv", "conv 3x3 stride (2,1) pad 1, then conv_transpose (3,4) stride (1,2) pad 1",
       json::array({down, up(F)}), 1, false},
      {"deconv_conv", "conv_transpose (3,4) stride (1,2) pad 1, then conv 3x3 stride (2,1) pad 1",
       json::array({up(F), down}), 0, false},
      {"unpool_conv", "unpool (1,2) stride (1,2) (cover_all=False), then conv 3x3 stride (2,1) pad 1",
       json::array({unpool, down}), 0, true},
      {"zero_insertion_conv",
       "zero insertion = conv_transpose with kernel [0,1,0] along W, stride (1,2), pad (0,1), output_padding "
       "(0,1), "
       "depthwise, no bias; then conv 3x3 stride (2,1) pad 1",
       json::array({zeroIns, down}), 0, true},
  };
  std::vector<ResizeWay> ways;
  for (const Spec& sp : specs) {
    const json doc = {
        {"convscope", 1},
        {"convention", "pytorch"},
        {"input", {{"shape", {C, H, W}}, {"dims", 2}, {"generator", {{"kind", "noise"}, {"seed", seed}}}}},
        {"layers", sp.layers}};
    ResizeWay w;
    w.name = sp.name;
    w.description = sp.text;
    w.stack = resolveStack(doc, std::string("<") + sp.name + ">", "");
    const std::vector<Tensor> outs = forward(w.stack);
    w.outputShape = Shape(outs.back().shape.begin() + 1, outs.back().shape.end());
    for (size_t i = 0; i < w.stack.layers.size(); ++i) {
      const int64_t p = paramCount(w.stack.layers[i]);
      w.parameters += p;
      if (!(sp.fixedUp && int(i) == sp.upIndex)) w.trainable += p;
    }
    const Layer& last = w.stack.layers.back();
    w.field = receptiveField(w.stack, int(w.stack.layers.size()) - 1,
                             Pos{last.ax[0].out / 2, last.ax[1].out / 2}, -1);
    const OverlapCounts oc = overlapCounts(w.stack.layers[size_t(sp.upIndex)], true);
    w.overlapPeriod = oc.axes[1].period;
    w.overlapUniform = oc.axes[1].interiorUniform;
    const auto& cnt = oc.axes[1].counts;
    w.overlapCounts.assign(cnt.begin(), cnt.begin() + std::min<size_t>(8, cnt.size()));
    ways.push_back(std::move(w));
  }
  return ways;
}

}  // namespace convscope::engine
