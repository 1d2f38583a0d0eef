// Overlap counts and the upsample+conv identity (docs/conventions.md §Overlap counts, §Upsample then
// conv as a transposed convolution): counts equal the forward pass of a ones input through a ones
// kernel (no bias); the uniformity rule matches the measured interior; nearest-upsample + conv equals
// the box-filtered conv_transpose.
#include <gtest/gtest.h>

#include <numeric>

#include "engine/kernels/kernels.h"
#include "engine/teach/overlap.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

using teachtest::randomLayer;
using teachtest::randomTensor;
using teachtest::rnd;

Layer onesKernel(Layer l) {
  if (!l.weight.empty()) std::fill(l.weight.data.begin(), l.weight.data.end(), 1.0f);
  l.bias = Tensor();
  return l;
}

void expectCountsEqualOnesForward(const Layer& l, const OverlapCounts& oc, const Tensor& y, int perChannel,
                                  const std::string& what) {
  const int64_t plane = int64_t(oc.counts.size());
  ASSERT_EQ(y.numel(), plane * y.dim(1) * y.dim(0)) << what;
  for (int64_t i = 0; i < y.numel(); ++i)
    EXPECT_EQ(double(y.data[size_t(i)]), double(oc.counts[size_t(i % plane)] * perChannel))
        << what << " at " << i;
  (void)l;
}

TEST(OverlapProperty, ConvTransposeAndUnpoolCountsEqualOnesForward) {
  std::mt19937 rng(555);
  int configs = 0;
  for (int it = 0; it < 600; ++it) {
    const Op op = it % 3 == 2 ? Op::Unpool : Op::ConvTranspose;
    const Layer l = onesKernel(randomLayer(rng, op, 1 + it % 2));
    const OverlapCounts oc = overlapCounts(l);
    const Tensor y = forwardLayer(l, Tensor(teachtest::inputShapeOf(l, 1), 1.0f));
    expectCountsEqualOnesForward(l, oc, y, op == Op::Unpool ? 1 : l.inChannels / l.groups,
                                 std::string(opName(op)) + " " + std::to_string(it));
    ++configs;
  }
  EXPECT_GE(configs, 500);
}

TEST(OverlapProperty, ResolvedStacksAllConventions) {
  std::mt19937 rng(556);
  int configs = 0;
  for (int it = 0; it < 2000 && configs < 500; ++it) {
    const std::string conv = teachtest::conventions()[size_t(it % 4)];
    Stack st;
    ASSERT_TRUE(teachtest::randomResolvedStack(rng, conv, 1 + (it / 4) % 2, 1, st, false, true));
    const Layer& l0 = st.layers[0];
    if (l0.op != Op::ConvTranspose && l0.op != Op::Unpool) continue;
    const Layer l = onesKernel(l0);
    const Tensor y = forwardLayer(l, Tensor(st.input.shape, 1.0f));
    expectCountsEqualOnesForward(l, overlapCounts(l), y, l.op == Op::Unpool ? 1 : l.inChannels / l.groups,
                                 st.source.dump());
    ++configs;
  }
  EXPECT_GE(configs, 500);
}

TEST(OverlapProperty, UpsampleConvCountsEqualOnesForward) {
  std::mt19937 rng(557);
  for (int it = 0; it < 500; ++it) {
    const int dims = 1 + it % 2;
    Layer up = randomLayer(rng, Op::Upsample, dims);
    up.upsampleMode = UpsampleMode::Nearest;
    const Layer cv =
        onesKernel(randomLayer(rng, Op::Conv, dims, up.outChannels, {up.ax[0].out, up.ax[1].out}));
    Layer conv = cv;
    conv.padMode = PadMode::Zeros;
    const Tensor y = forwardLayer(conv, forwardLayer(up, Tensor(teachtest::inputShapeOf(up, 1), 1.0f)));
    const OverlapCounts oc = overlapUpsampleConv(up, conv);
    expectCountsEqualOnesForward(conv, oc, y, conv.inChannels / conv.groups, std::to_string(it));
    for (int a = 0; a < dims; ++a) EXPECT_TRUE(oc.axes[size_t(a)].interiorUniform);
  }
}

TEST(Overlap, UniformityRuleMatchesMeasuredInterior) {
  int uniform = 0, checker = 0;
  for (int k = 1; k <= 7; ++k)
    for (int s = 1; s <= 4; ++s)
      for (int d = 1; d <= 3; ++d) {
        Layer l;
        l.op = Op::ConvTranspose;
        l.inChannels = l.outChannels = 1;
        Axis& a = l.ax[0];
        a.k = k;
        a.s = s;
        a.d = d;
        a.in = 2 * (d * k + s) + 3;
        a.start = 0;
        a.out = a.fullLength();
        l.weight = Tensor({1, 1, k}, 1.0f);
        const OverlapCounts oc = overlapCounts(l);
        ASSERT_GE(oc.axes[0].interiorEnd - oc.axes[0].interiorBegin, s);
        EXPECT_EQ(oc.axes[0].interiorUniform, overlapUniformRule(k, s, d))
            << "k" << k << " s" << s << " d" << d;
        (oc.axes[0].interiorUniform ? uniform : checker)++;
        // d = 1: ceil(k/s) for residues < k mod s, floor(k/s) otherwise (by full index t mod s).
        if (d == 1)
          for (int m = oc.axes[0].interiorBegin; m < oc.axes[0].interiorEnd; ++m) {
            const int r = m % s;
            const int want = r < k % s ? (k + s - 1) / s : k / s;
            EXPECT_EQ(oc.axes[0].counts[size_t(m)], want) << "k" << k << " s" << s << " m" << m;
          }
      }
  EXPECT_GT(uniform, 10);
  EXPECT_GT(checker, 10);
}

TEST(Overlap, DocumentedExamples) {
  // ones input through convT(ones(3), s=2): 1,1,2,1,2,...,2,1,1.
  Layer l;
  l.op = Op::ConvTranspose;
  l.inChannels = l.outChannels = 1;
  l.ax[0] = Axis{4, 9, 3, 2, 1, 0, 0, 0, 0};
  l.weight = Tensor({1, 1, 3}, 1.0f);
  EXPECT_EQ(overlapCounts(l).axes[0].counts, (std::vector<int>{1, 1, 2, 1, 2, 1, 2, 1, 1}));
  // (k=5, s=3): interior 2,2,1.
  l.ax[0] = Axis{6, 0, 5, 3, 1, 0, 0, 0, 0};
  l.ax[0].out = l.ax[0].fullLength();
  l.weight = Tensor({1, 1, 5}, 1.0f);
  const OverlapCounts oc = overlapCounts(l);
  EXPECT_EQ(oc.axes[0].period, (std::vector<int>{2, 2, 1}));  // by residue t mod 3
  EXPECT_FALSE(oc.axes[0].interiorUniform);
  // Zero-insertion kernel [0, 1, 0] with stride 2: counting non-zero taps gives 1, 0, 1, 0, ...
  l.ax[0] = Axis{4, 8, 3, 2, 1, 0, 0, 1, 1};
  l.weight = Tensor({1, 1, 3});
  l.weight.data = {0.0f, 1.0f, 0.0f};
  EXPECT_EQ(overlapCounts(l, true).axes[0].counts, (std::vector<int>{1, 0, 1, 0, 1, 0, 1, 0}));
}

TEST(OverlapProperty, UpsampleConvEqualsBoxFilteredConvTranspose) {
  std::mt19937 rng(558);
  for (int it = 0; it < 500; ++it) {
    const int dims = 1 + it % 2;
    Layer up = randomLayer(rng, Op::Upsample, dims);
    up.upsampleMode = UpsampleMode::Nearest;
    Layer conv = randomLayer(rng, Op::Conv, dims, up.outChannels, {up.ax[0].out, up.ax[1].out});
    conv.padMode = PadMode::Zeros;
    bool ok = true;
    for (int a = 0; a < dims; ++a) {
      Axis& x = conv.ax[size_t(a)];
      x.s = x.d = 1;
      x.pb = rnd(rng, 0, x.k - 1);
      x.pe = rnd(rng, 0, x.k - 1);
      x.out = x.in + x.pb + x.pe - x.k + 1;
      ok = ok && x.out >= 1;
    }
    if (!ok) continue;
    const Tensor x = randomTensor(teachtest::inputShapeOf(up, 1), rng);
    const Tensor ref = forwardLayer(conv, forwardLayer(up, x));
    const Layer t = upsampleConvAsConvTranspose(up, conv);
    for (int a = 0; a < dims; ++a)
      EXPECT_EQ(t.ax[size_t(a)].k, conv.ax[size_t(a)].k + up.ax[size_t(a)].s - 1);
    const Tensor y = forwardLayer(t, x);
    ASSERT_EQ(y.shape, ref.shape);
    double scale = 1.0;
    for (float v : ref.data) scale = std::max(scale, double(std::fabs(v)));
    for (size_t i = 0; i < y.data.size(); ++i)
      ASSERT_LE(std::fabs(y.data[i] - ref.data[i]), 1e-5 * scale) << it;
    // Polyphase sums of V all equal the sum of w (slice o = 0, c' = 0).
    const int kw = conv.ax[dims == 2 ? 1 : 0].k, kh = dims == 2 ? conv.ax[0].k : 1;
    double sw = 0;
    for (int i = 0; i < kh * kw; ++i) sw += conv.weight.data[size_t(i)];
    for (int a = 0; a < dims; ++a)
      for (double p : polyphaseSums(t, a)) EXPECT_NEAR(p, sw, 1e-5);
  }
}

TEST(Overlap, IdentityPreconditions) {
  std::mt19937 rng(9);
  Layer up = randomLayer(rng, Op::Upsample, 1);
  up.upsampleMode = UpsampleMode::Nearest;
  Layer conv = randomLayer(rng, Op::Conv, 1, up.outChannels, {up.ax[0].out, 0});
  conv.ax[0].s = 2;
  EXPECT_THROW(upsampleConvAsConvTranspose(up, conv), EngineError);
}

}  // namespace
}  // namespace convscope::engine
