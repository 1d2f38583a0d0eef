// findSingleLayer: chains whose single-layer form is known by construction (it must find it, and its
// layer must reproduce the chain), the worked examples of docs/conventions.md §Equivalences, and
// chains that have no single-layer form (it must say why).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/compare/single_layer.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"

namespace convscope::test {
namespace {

using engine::Op;
using nlohmann::json;

engine::Stack stackOf(const json& layers, const json& shape, const std::string& convention = "pytorch") {
  const json doc = {{"convscope", 1},
                    {"convention", convention},
                    {"input", {{"shape", shape}, {"generator", {{"kind", "noise"}, {"seed", 3}}}}},
                    {"layers", layers}};
  return engine::resolveStack(doc, "test.json", ".");
}

json init(int seed) {
  return {{"kind", "random"}, {"seed", seed}};
}

float w(const engine::Tensor& t, std::initializer_list<int64_t> idx) {
  int64_t flat = 0;
  size_t a = 0;
  for (int64_t i : idx) flat = flat * t.shape[a++] + i;
  return t.data[static_cast<size_t>(flat)];
}

TEST(SingleLayer, NearestUpsampleThenConvIsATransposedConvWithSummedTaps) {
  const auto st = stackOf(json::array({{{"op", "upsample"}, {"scale_factor", 2}, {"mode", "nearest"}},
                                       {{"op", "conv"},
                                        {"out_channels", 1},
                                        {"kernel_size", 3},
                                        {"padding", 1},
                                        {"bias", false},
                                        {"init", init(4)}}}),
                          {1, 10});
  const auto r = engine::findSingleLayer(st);
  ASSERT_TRUE(r.found) << r.why;
  const auto& l = r.layer;
  EXPECT_EQ(l.op, Op::ConvTranspose);
  EXPECT_EQ(l.ax[0].s, 2);
  EXPECT_EQ(l.ax[0].k, 4);
  EXPECT_EQ(l.ax[0].start, 1);  // PyTorch padding 1
  EXPECT_EQ(l.ax[0].out, 20);
  EXPECT_TRUE(l.bias.empty());
  const auto& k3 = st.layers[1].weight;  // (1, 1, 3)
  const float w0 = w(k3, {0, 0, 0}), w1 = w(k3, {0, 0, 1}), w2 = w(k3, {0, 0, 2});
  const float want[4] = {w2, w1 + w2, w0 + w1, w0};
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(w(l.weight, {0, 0, j}), want[j], 1e-6f) << "tap " << j;
  EXPECT_LE(r.maxAbsDiff, 1e-5 * r.scale);
  EXPECT_EQ(engine::describeLayer(l, engine::Convention::PyTorch),
            "ConvTranspose1d(1, 1, kernel_size=4, stride=2, padding=1, bias=False)");
}

TEST(SingleLayer, ZeroInsertionThenConvIsATransposedConvWithTheFlippedKernel) {
  const auto st = stackOf(
      json::array(
          {{{"op", "zero_insert"}, {"stride", 3}},
           {{"op", "conv"}, {"out_channels", 2}, {"kernel_size", 4}, {"padding", 3}, {"init", init(5)}}}),
      {2, 9});
  const auto r = engine::findSingleLayer(st);
  ASSERT_TRUE(r.found) << r.why;
  const auto& l = r.layer;
  ASSERT_EQ(l.op, Op::ConvTranspose);
  EXPECT_EQ(l.ax[0].s, 3);
  ASSERT_EQ(l.weight.shape, (engine::Shape{2, 2, 4}));
  const auto& k = st.layers[1].weight;  // (O=2, C=2, 4)
  for (int c = 0; c < 2; ++c)
    for (int o = 0; o < 2; ++o)
      for (int j = 0; j < 4; ++j) EXPECT_NEAR(w(l.weight, {c, o, j}), w(k, {o, c, 3 - j}), 1e-6f);
  ASSERT_FALSE(l.bias.empty());
  EXPECT_FLOAT_EQ(l.bias.data[1], st.layers[1].bias.data[1]);
}

TEST(SingleLayer, TwoStrideOneConvsAreOneConvWithTheConvolvedKernel) {
  const auto st = stackOf(
      json::array(
          {{{"op", "conv"}, {"out_channels", 3}, {"kernel_size", 3}, {"bias", false}, {"init", init(6)}},
           {{"op", "conv"}, {"out_channels", 2}, {"kernel_size", 2}, {"bias", false}, {"init", init(7)}}}),
      {2, 12});
  const auto r = engine::findSingleLayer(st);
  ASSERT_TRUE(r.found) << r.why;
  const auto& l = r.layer;
  ASSERT_EQ(l.op, Op::Conv);
  ASSERT_EQ(l.weight.shape, (engine::Shape{2, 2, 4}));
  const auto &a = st.layers[0].weight, &b = st.layers[1].weight;  // (3, 2, 3), (2, 3, 2)
  for (int o = 0; o < 2; ++o)
    for (int c = 0; c < 2; ++c)
      for (int t = 0; t < 4; ++t) {
        double want = 0;
        for (int m = 0; m < 3; ++m)
          for (int j = 0; j < 2; ++j)
            if (t - j >= 0 && t - j < 3) want += double(w(b, {o, m, j})) * w(a, {m, c, t - j});
        EXPECT_NEAR(w(l.weight, {o, c, t}), want, 1e-5) << o << c << t;
      }
  EXPECT_EQ(l.ax[0].pb, 0);
  EXPECT_EQ(l.ax[0].out, 9);
}

TEST(SingleLayer, TwoDTransposedConvWithAColumnKernelOnASingletonAxisKeepsItsKernel) {
  const auto st = stackOf(json::array({{{"op", "conv_transpose"},
                                        {"out_channels", 2},
                                        {"kernel_size", json::array({5, 1})},
                                        {"stride", json::array({2, 1})},
                                        {"padding", json::array({2, 0})},
                                        {"output_padding", json::array({1, 0})},
                                        {"init", init(8)}}}),
                          {3, 7, 1});
  const auto r = engine::findSingleLayer(st);
  ASSERT_TRUE(r.found) << r.why;
  EXPECT_EQ(r.layer.op, Op::ConvTranspose);
  EXPECT_EQ(r.layer.weight.shape, st.layers[0].weight.shape);
  for (int64_t i = 0; i < r.layer.weight.numel(); ++i)
    EXPECT_NEAR(r.layer.weight.data[size_t(i)], st.layers[0].weight.data[size_t(i)], 1e-6f);
  EXPECT_EQ(
      engine::describeLayer(r.layer, engine::Convention::PyTorch),
      "ConvTranspose2d(3, 2, kernel_size=(5, 1), stride=(2, 1), padding=(2, 0), output_padding=(1, 0))");
}

// Chains built so that their single layer is known: a random conv or transposed conv followed by a
// random 1 × 1 conv (channel mixing) and a batch_norm, both linear and size-preserving.
TEST(SingleLayer, RandomChainsWithAKnownAnswer) {
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int ran = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const bool transposed = trial % 2 == 1;
    const int k = pick(1, 6), s = pick(1, 3), C = pick(1, 3), O = pick(1, 3), L = pick(6, 16);
    json first = {{"op", transposed ? "conv_transpose" : "conv"},
                  {"out_channels", O},
                  {"kernel_size", k},
                  {"stride", s},
                  {"init", init(trial)}};
    if (transposed) {
      const int p = pick(0, k - 1);
      first["padding"] = p;
      first["output_padding"] = pick(0, s - 1);
    } else {
      first["padding"] = pick(0, k - 1);
    }
    const json mix = {
        {"op", "conv"}, {"out_channels", pick(1, 3)}, {"kernel_size", 1}, {"init", init(100 + trial)}};
    const json bn = {{"op", "batch_norm"}, {"init", init(200 + trial)}};
    engine::Stack st;
    try {
      st = stackOf(json::array({first, mix, bn}), {C, L});
    } catch (const engine::EngineError&) {
      continue;  // a geometry PyTorch refuses (e.g. padding too large for a short output)
    }
    ++ran;
    const auto r = engine::findSingleLayer(st);
    ASSERT_TRUE(r.found) << "trial " << trial << ": " << r.why << "\n"
                         << first.dump() << " C " << C << " L " << L << " diff " << r.maxAbsDiff << " k "
                         << r.layer.ax[0].k << " pb " << r.layer.ax[0].pb << " pe " << r.layer.ax[0].pe
                         << " out " << r.layer.ax[0].out;
    EXPECT_EQ(r.layer.op, transposed && s > 1 ? Op::ConvTranspose : Op::Conv);
    EXPECT_EQ(r.layer.ax[0].s, s);
    EXPECT_LE(r.maxAbsDiff, 1e-4 * r.scale);
    // The candidate reproduces the chain on the stack's own input too.
    const auto chain = engine::forward(st).back();
    const auto one = engine::forwardLayer(r.layer, st.input);
    ASSERT_EQ(chain.shape, one.shape);
    for (int64_t i = 0; i < chain.numel(); ++i)
      ASSERT_NEAR(chain.data[size_t(i)], one.data[size_t(i)], 1e-4 * r.scale) << "trial " << trial;
  }
  EXPECT_GE(ran, 30);  // most random geometries are valid PyTorch layers
}

TEST(SingleLayer, ANonlinearityIsNamed) {
  const auto st =
      stackOf(json::array({{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"init", init(1)}},
                           {{"op", "relu"}},
                           {{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"init", init(2)}}}),
              {1, 10});
  const auto r = engine::findSingleLayer(st);
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.why.find("nonlinearity at layer 1 (relu)"), std::string::npos) << r.why;
}

TEST(SingleLayer, DownThenUpTreatsThePhasesDifferently) {
  const auto st = stackOf(
      json::array(
          {{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 2}, {"stride", 2}, {"init", init(1)}},
           {{"op", "conv_transpose"},
            {"out_channels", 1},
            {"kernel_size", 2},
            {"stride", 2},
            {"init", init(2)}}}),
      {1, 12});
  const auto r = engine::findSingleLayer(st);
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.why.find("not shifts of one kernel"), std::string::npos) << r.why;
}

TEST(SingleLayer, MixedDirectionsAndFractionalRatesAreRefused) {
  const auto xy = stackOf(json::array({{{"op", "conv"},
                                        {"out_channels", 1},
                                        {"kernel_size", json::array({3, 1})},
                                        {"stride", json::array({2, 1})},
                                        {"padding", json::array({1, 0})},
                                        {"init", init(1)}},
                                       {{"op", "conv_transpose"},
                                        {"out_channels", 1},
                                        {"kernel_size", json::array({1, 2})},
                                        {"stride", json::array({1, 2})},
                                        {"init", init(2)}}}),
                          {1, 8, 8});
  auto r = engine::findSingleLayer(xy);
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.why.find("up-samples along one axis and down-samples along the other"), std::string::npos)
      << r.why;

  const auto frac = stackOf(
      json::array(
          {{{"op", "upsample"}, {"scale_factor", 2}},
           {{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"stride", 3}, {"init", init(3)}}}),
      {1, 12});
  r = engine::findSingleLayer(frac);
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.why.find("scales lengths by 2/3"), std::string::npos) << r.why;
}

TEST(SingleLayer, ABiasBeforeAPaddedConvVariesAtTheBorders) {
  const auto st = stackOf(
      json::array(
          {{{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"init", init(1)}},
           {{"op", "conv"}, {"out_channels", 1}, {"kernel_size", 3}, {"padding", 1}, {"init", init(2)}}}),
      {1, 10});
  const auto r = engine::findSingleLayer(st);
  EXPECT_FALSE(r.found);
  EXPECT_NE(r.why.find("zero input varies"), std::string::npos) << r.why;
}

}  // namespace
}  // namespace convscope::test
