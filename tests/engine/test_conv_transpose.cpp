// test_conv_transpose: polyphase transposed conv (P2): hand-checked tiny cases, the zero-insertion
// equivalence of conv-semantics.md §6a, and random sweeps vs naive_reference (negative start,
// k < s, dilation, groups, output windows past the full buffer).
#include <gtest/gtest.h>

#include <limits>

#include "engine/kernels.h"
#include "kernel_test_util.h"
#include "naive_reference.h"

namespace convscope::test {
namespace {

Layer convT1d(Axis a, int C, int O, int g, Tensor w, Tensor b = {}) {
  return layer1d(Op::ConvTranspose, a, C, O, g, std::move(w), std::move(b));
}

const Tensor kX123 = fromValues({1, 1, 3}, {1, 2, 3});

TEST(ConvTranspose, OnesKernelStride2) {
  // [1,2,3] with ones(3), s = 2: Lf = 2*2 + 3 = 7; full = 1 at 0..2, +2 at 2..4, +3 at 4..6
  // -> [1, 1, 1+2, 2, 2+3, 3, 3] = [1, 1, 3, 2, 5, 3, 3].
  Layer l = convT1d(convTAxis(3, 3, 2), 1, 1, 1, Tensor({1, 1, 3}, 1.0f));
  EXPECT_TRUE(allClose(engine::convTranspose(l, kX123), fromValues({1, 1, 7}, {1, 1, 3, 2, 5, 3, 3})));
}

TEST(ConvTranspose, PaddingOutputPaddingBias) {
  // torch p = 1, op = 1: start = 1, out = 7 - 2 + 1 = 6 -> full[1..6] + 10 = [11,13,12,15,13,13].
  Layer l = convT1d(convTAxis(3, 3, 2, 1, 1, 6), 1, 1, 1, Tensor({1, 1, 3}, 1.0f), fromValues({1}, {10}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, kX123), fromValues({1, 1, 6}, {11, 13, 12, 15, 13, 13})));
}

TEST(ConvTranspose, KernelShorterThanStrideGetsBiasInGaps) {
  // x = [1, 2], ones(2), s = 3: Lf = 3 + 2 = 5, full = [1,1,0,2,2]; out = 6 (op = 1), bias 0.5
  // -> [1.5, 1.5, 0.5, 2.5, 2.5, 0.5] (the gap and the op tail are pure bias).
  Layer l = convT1d(convTAxis(2, 2, 3, 1, 0, 6), 1, 1, 1, Tensor({1, 1, 2}, 1.0f), fromValues({1}, {0.5f}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, fromValues({1, 1, 2}, {1, 2})),
                       fromValues({1, 1, 6}, {1.5f, 1.5f, 0.5f, 2.5f, 2.5f, 0.5f})));
}

TEST(ConvTranspose, NegativeStart) {
  // start = -2: two zero rows in front, then full[0], full[1] of the s=2 case above (+ bias 1).
  Layer l = convT1d(convTAxis(3, 3, 2, 1, -2, 4), 1, 1, 1, Tensor({1, 1, 3}, 1.0f), fromValues({1}, {1}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, kX123), fromValues({1, 1, 4}, {1, 1, 2, 2})));
}

TEST(ConvTranspose, Dilation) {
  // x = [1, 2], w = [1, 2], d = 2, s = 1: Lf = 1 + 3 = 4; full[0] += 1, full[2] += 2, full[1] += 2,
  // full[3] += 4 -> [1, 2, 2, 4].
  Layer l = convT1d(convTAxis(2, 2, 1, 2), 1, 1, 1, fromValues({1, 1, 2}, {1, 2}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, fromValues({1, 1, 2}, {1, 2})), fromValues({1, 1, 4}, {1, 2, 2, 4})));
}

TEST(ConvTranspose, Groups) {
  // C = 2, O = 4, g = 2, weight (2, 2, 1): w[0] = [[1],[2]], w[1] = [[3],[4]] -> y = [a, 2a, 3b, 4b].
  Layer l = convT1d(convTAxis(1, 1), 2, 4, 2, fromValues({2, 2, 1}, {1, 2, 3, 4}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, fromValues({1, 2, 1}, {5, 7})), fromValues({1, 4, 1}, {5, 10, 21, 28})));
}

TEST(ConvTranspose, TwoDStride2Replicates) {
  // ones(2x2), s = 2 on [[1,2],[3,4]]: every value fills its own 2x2 block.
  Layer l = convT1d(convTAxis(2, 2, 2), 1, 1, 1, Tensor({1, 1, 2, 2}, 1.0f));
  l.dims = 2;
  l.ax[1] = convTAxis(2, 2, 2);
  EXPECT_TRUE(allClose(engine::convTranspose(l, fromValues({1, 1, 2, 2}, {1, 2, 3, 4})),
                       fromValues({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4})));
}

TEST(ConvTranspose, NanPropagatesOnlyWhereReached) {
  // x = [NaN, 1], ones(1), s = 2: full = [NaN, 0, 1]; the gap position stays finite (bias only).
  Layer l = convT1d(convTAxis(2, 1, 2), 1, 1, 1, Tensor({1, 1, 1}, 1.0f));
  Tensor y = engine::convTranspose(l, fromValues({1, 1, 2}, {std::numeric_limits<float>::quiet_NaN(), 1}));
  ASSERT_EQ(y.numel(), 3);
  EXPECT_TRUE(std::isnan(y.data[0]));
  EXPECT_EQ(y.data[1], 0.0f);
  EXPECT_EQ(y.data[2], 1.0f);
}

Axis randomConvTAxis(std::mt19937& rng) {
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int in = R(1, 9), k = R(1, 5), s = R(1, 4), d = R(1, 3);
  Axis a = convTAxis(in, k, s, d);
  const int Lf = a.fullLength();
  a.start = R(-4, Lf);             // negative start: zero rows in front; up to the end of full
  a.out = R(1, Lf + 5);            // window may run past full (op tail)
  return a;
}

void runConvTSweep(int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < count; ++t) {
    const int g = R(1, 3), C = g * R(1, 3), O = g * R(1, 3), N = R(1, 2);
    Axis a0 = randomConvTAxis(rng);
    Axis a1 = dims == 2 ? randomConvTAxis(rng) : Axis{};
    Layer l = makeConvLayer(Op::ConvTranspose, dims, a0, a1, C, O, g, R(0, 1) == 1, rng);
    const Tensor x = randomTensor(inShape(l, N), rng);
    SCOPED_TRACE("case " + std::to_string(t) + " g " + std::to_string(g) + " C " + std::to_string(C) + " O " +
                 std::to_string(O) + " in " + std::to_string(a0.in) + " k " + std::to_string(a0.k) + " s " +
                 std::to_string(a0.s) + " d " + std::to_string(a0.d) + " start " + std::to_string(a0.start) +
                 " out " + std::to_string(a0.out));
    ASSERT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x)));
  }
}

TEST(ConvTransposeSweep, Random1D) { runConvTSweep(1, 500, 99); }
TEST(ConvTransposeSweep, Random2D) { runConvTSweep(2, 300, 100); }

TEST(ConvTransposeSweep, LargerThanOneBlock) {
  std::mt19937 rng(3);
  {
    // PyTorch-style (p = 3, op = 1) vocoder-like upsampler, 2 images, groups 2.
    Axis a = convTAxis(1500, 8, 4, 1, 3);
    a.out += 1;
    Layer l = makeConvLayer(Op::ConvTranspose, 1, a, Axis{}, 16, 12, 2, true, rng);
    const Tensor x = randomTensor(inShape(l, 2), rng);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x)));
  }
  {
    // Stride 1 (single phase, written straight into y), many blocks.
    Layer l = makeConvLayer(Op::ConvTranspose, 1, convTAxis(4000, 9, 1, 1, 4), Axis{}, 12, 10, 1, true, rng);
    const Tensor x = randomTensor(inShape(l, 1), rng);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x)));
  }
  {
    Layer l = makeConvLayer(Op::ConvTranspose, 2, convTAxis(23, 3, 2, 1, 1), convTAxis(41, 4, 1, 2, -1, 50), 10, 6,
                            2, true, rng);
    const Tensor x = randomTensor(inShape(l, 2), rng);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x)));
  }
}

TEST(ConvTranspose, EqualsConvOfZeroInsertedInput) {
  // conv-semantics.md §6a with the fast kernels only: zero-insert, pad d(k-1)-p left and
  // d(k-1)-p+op right, stride-1 conv with the per-group flipped, in/out-swapped kernel.
  std::mt19937 rng(11);
  for (int t = 0; t < 60; ++t) {
    auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int g = R(1, 2), C = g * R(1, 2), O = g * R(1, 3);
    const int in = R(1, 8), k = R(1, 4), s = R(1, 3), d = R(1, 2);
    const int p = R(0, d * (k - 1)), op = R(0, std::max(s, d) - 1);
    Axis a = convTAxis(in, k, s, d, p);
    a.out += op;
    if (a.out < 1) continue;  // torch refuses L_out < 1
    Layer lt = makeConvLayer(Op::ConvTranspose, 1, a, Axis{}, C, O, g, true, rng);
    const Tensor x = randomTensor(inShape(lt, 1), rng);

    Layer zi;
    zi.op = Op::ZeroInsert;
    zi.dims = 1;
    zi.ax[0] = zeroInsertAxis(in, s);
    zi.inChannels = zi.outChannels = C;
    const Tensor xu = engine::zeroInsert(zi, x);

    const int cg = C / g, og = O / g;
    Layer lc = makeConvLayer(Op::Conv, 1, convAxis(zi.ax[0].out, k, 1, d, d * (k - 1) - p, d * (k - 1) - p + op),
                             Axis{}, C, O, g, false, rng);
    lc.bias = lt.bias;
    for (int G = 0; G < g; ++G)
      for (int o = 0; o < og; ++o)
        for (int c = 0; c < cg; ++c)
          for (int j = 0; j < k; ++j)
            lc.weight.data[size_t(((G * og + o) * cg + c) * k + j)] =
                lt.weight.data[size_t(((G * cg + c) * og + o) * k + (k - 1 - j))];
    ASSERT_EQ(lc.ax[0].out, a.out);
    EXPECT_TRUE(allClose(engine::convTranspose(lt, x), engine::conv(lc, xu))) << "case " << t;
  }
}

}  // namespace
}  // namespace convscope::test
