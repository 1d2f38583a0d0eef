// Every equivalent form of conv / conv_transpose agrees with the forward kernels (docs/conventions.md
// §Equivalences): scatter, zero insertion, Mᵀ, input gradient, 2-D singleton; naive, M, 2-D singleton.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/kernels/kernels.h"
#include "engine/teach/conv_matrix.h"
#include "engine/teach/equivalence.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

using teachtest::randomLayer;
using teachtest::randomTensor;

void expectAgree(const Layer& l, const Tensor& x, const std::string& what) {
  const EquivalenceReport r = computeEquivalences(l, x);
  const auto names = equivalenceMethods(l.op, l.dims);
  ASSERT_EQ(r.methods.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(r.methods[i].name, names[i]);
    EXPECT_LE(r.methods[i].maxAbsDiff / r.scale, 1e-5) << what << " method " << names[i];
  }
}

TEST(EquivProperty, RandomConvAndConvTransposeLayers) {
  std::mt19937 rng(2024);
  int configs = 0;
  for (int it = 0; it < 600; ++it) {
    const Op op = it % 2 ? Op::ConvTranspose : Op::Conv;
    const Layer l = randomLayer(rng, op, 1 + (it / 2) % 2);
    const Tensor x = randomTensor(teachtest::inputShapeOf(l, 1 + it % 3 / 2), rng);
    expectAgree(l, x, std::string(opName(op)) + " it " + std::to_string(it));
    ++configs;
  }
  EXPECT_GE(configs, 500);
}

TEST(EquivProperty, ResolvedStacksAllConventions) {
  std::mt19937 rng(7);
  int configs = 0;
  for (int it = 0; it < 600 && configs < 520; ++it) {
    const std::string conv = teachtest::conventions()[size_t(it % 4)];
    Stack st;
    ASSERT_TRUE(teachtest::randomResolvedStack(rng, conv, 1 + (it / 4) % 2, 2, st, false, false)) << conv;
    const std::vector<Tensor> outs = forward(st);
    for (size_t i = 0; i < st.layers.size(); ++i) {
      const Tensor& x = i == 0 ? st.input : outs[i - 1];
      expectAgree(st.layers[i], x, conv + " layer " + std::to_string(i) + " " + st.source.dump());
      ++configs;
    }
  }
  EXPECT_GE(configs, 500);
}

TEST(Equiv, WrongOpIsRefused) {
  Layer l;
  l.op = Op::MaxPool;
  EXPECT_THROW(computeEquivalences(l, Tensor({1, 1, 3})), EngineError);
  EXPECT_TRUE(equivalenceMethods(Op::Upsample, 1).empty());
}

TEST(Equiv, ListsOnlyTheWaysThatApplyToTheRank) {
  std::mt19937 rng(5);
  for (Op op : {Op::Conv, Op::ConvTranspose})
    for (int dims : {1, 2}) {
      const Layer l = randomLayer(rng, op, dims);
      const EquivalenceReport r = computeEquivalences(l, randomTensor(teachtest::inputShapeOf(l, 1), rng));
      std::vector<std::string> got;
      for (const auto& m : r.methods) got.push_back(m.name);
      const bool singleton = std::find(got.begin(), got.end(), "conv2d_singleton") != got.end();
      const bool swapped = std::find(got.begin(), got.end(), "hw_swapped") != got.end();
      EXPECT_EQ(singleton, dims == 1) << opName(op) << " dims " << dims;
      EXPECT_EQ(swapped, dims == 2) << opName(op) << " dims " << dims;
      EXPECT_EQ(got, equivalenceMethods(op, dims));
    }
}

TEST(Equiv, MatrixShapeAndStepRow) {
  // Conv1d(2 → 3, k=3, s=2, p=1) on L=5: M is (3·3) × (2·5); row (o=1, m=0) holds W[1,c,1..2] at t=0,1.
  std::mt19937 rng(3);
  Layer l;
  l.op = Op::Conv;
  l.inChannels = 2;
  l.outChannels = 3;
  l.ax[0] = Axis{5, 3, 3, 2, 1, 1, 1, 0, 0};
  l.weight = randomTensor({3, 2, 3}, rng);
  const ConvMatrix m = convMatrix(l);
  EXPECT_EQ(m.rows, 9);
  EXPECT_EQ(m.cols, 10);
  const auto rows = stepLines(l, 0);
  ASSERT_EQ(rows.size(), 3u);
  const auto r = m.rowDense(rows[1]);
  for (int c = 0; c < 2; ++c) {
    EXPECT_DOUBLE_EQ(r[size_t(c * 5 + 0)], l.weight.data[size_t((1 * 2 + c) * 3 + 1)]);
    EXPECT_DOUBLE_EQ(r[size_t(c * 5 + 1)], l.weight.data[size_t((1 * 2 + c) * 3 + 2)]);
    for (int t = 2; t < 5; ++t) EXPECT_EQ(r[size_t(c * 5 + t)], 0.0);
  }
}

TEST(Equiv, ReflectPaddingAddsIntoSourceColumn) {
  Layer l;
  l.op = Op::Conv;
  l.inChannels = l.outChannels = 1;
  l.padMode = PadMode::Reflect;
  l.ax[0] = Axis{4, 4, 3, 1, 1, 1, 1, 0, 0};
  l.weight = Tensor({1, 1, 3});
  l.weight.data = {1.0f, 10.0f, 100.0f};
  const ConvMatrix m = convMatrix(l);
  // Output 0 reads xpad[-1] = x[1] (tap 0), x[0] (tap 1), x[1] (tap 2): column 1 gets 1 + 100.
  EXPECT_DOUBLE_EQ(m.at(0, 0), 10.0);
  EXPECT_DOUBLE_EQ(m.at(0, 1), 101.0);
}

TEST(EquivInputGradient, IdentityWithOpStarOverRandomConvs) {
  std::mt19937 rng(11);
  int configs = 0;
  for (int it = 0; it < 500; ++it) {
    Layer l = randomLayer(rng, Op::Conv, 1 + it % 2);
    l.padMode = PadMode::Zeros;
    if (it % 3 == 0)  // PyTorch's symmetric case
      for (int a = 0; a < l.dims; ++a) {
        Axis& x = l.ax[size_t(a)];
        x.pe = x.pb;
        x.out = (x.in + 2 * x.pb - x.span()) / x.s + 1;
      }
    bool ok = true;
    for (int a = 0; a < l.dims; ++a) ok = ok && l.ax[size_t(a)].out >= 1;
    if (!ok) continue;
    Shape ys{2, l.outChannels};
    for (int a = 0; a < l.dims; ++a) ys.push_back(l.ax[size_t(a)].out);
    const Tensor gy = randomTensor(ys, rng);
    const InputGradientIdentity r = inputGradientIdentity(l, gy);
    for (int a = 0; a < l.dims; ++a) {
      const Axis& x = l.ax[size_t(a)];
      EXPECT_LT(r.opStar[size_t(a)], x.s);
      EXPECT_EQ(r.opStar[size_t(a)], (x.in + x.pb + x.pe - x.span()) % x.s);
      if (x.pb == x.pe) {  // PyTorch output length formula with op*
        EXPECT_EQ((x.out - 1) * x.s - 2 * x.pb + x.span() + r.opStar[size_t(a)], x.in);
      }
    }
    EXPECT_LE(r.maxDiffMatrix, 1e-4);
    EXPECT_LE(r.maxDiffGradient, 1e-4);
    ++configs;
  }
  EXPECT_GE(configs, 400);
}

}  // namespace
}  // namespace convscope::engine
