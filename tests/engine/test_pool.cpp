// test_pool: max/avg pooling: hand-checked windows, divisors and NaN/-inf behaviour, then random
// 1-D/2-D sweeps vs naive_reference.
#include <gtest/gtest.h>

#include <limits>

#include "engine/kernels/kernels.h"
#include "kernel_test_util.h"
#include "naive_reference.h"

namespace convscope::test {
namespace {

using engine::AvgDivisor;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Layer pool1d(Op op, Axis a, int C = 1) {
  Layer l;
  l.op = op;
  l.dims = 1;
  l.ax[0] = a;
  l.inChannels = l.outChannels = C;
  return l;
}

const Tensor kX5 = fromValues({1, 1, 5}, {1, 3, 2, 5, 4});

TEST(MaxPool, Windows) {
  // k=2, s=2: out = floor(3/2)+1 = 2 -> [max(1,3), max(2,5)] = [3, 5].
  EXPECT_TRUE(
      allClose(engine::maxPool(pool1d(Op::MaxPool, convAxis(5, 2, 2)), kX5), fromValues({1, 1, 2}, {3, 5})));
  // ceil mode via pe = 1: out 3, last window [4, 5) -> 4.
  EXPECT_TRUE(allClose(engine::maxPool(pool1d(Op::MaxPool, convAxis(5, 2, 2, 1, 0, 1)), kX5),
                       fromValues({1, 1, 3}, {3, 5, 4})));
  // k=3, s=2, pads 1: windows [-1,1], [1,3], [3,5] -> [3, 5, 5] (padding never wins).
  EXPECT_TRUE(allClose(engine::maxPool(pool1d(Op::MaxPool, convAxis(5, 3, 2, 1, 1, 1)), kX5),
                       fromValues({1, 1, 3}, {3, 5, 5})));
  // k=2, d=2: windows {i, i+2} -> [max(1,2), max(3,5), max(2,4)] = [2, 5, 4].
  EXPECT_TRUE(allClose(engine::maxPool(pool1d(Op::MaxPool, convAxis(5, 2, 1, 2)), kX5),
                       fromValues({1, 1, 3}, {2, 5, 4})));
}

TEST(MaxPool, NegativeValuesNotBeatenByPadding) {
  // x = [-3, -1], k = 2, pads (1, 1): windows [-1,0], [0,1], [1,2] -> [-3, -1, -1].
  EXPECT_TRUE(allClose(
      engine::maxPool(pool1d(Op::MaxPool, convAxis(2, 2, 1, 1, 1, 1)), fromValues({1, 1, 2}, {-3, -1})),
      fromValues({1, 1, 3}, {-3, -1, -1})));
}

TEST(MaxPool, AllPaddingWindowIsMinusInf) {
  // x = [1, 2], pb = 2, k = 2: window [-2, -1] is all padding -> -inf, then [1, 2].
  EXPECT_TRUE(allClose(
      engine::maxPool(pool1d(Op::MaxPool, convAxis(2, 2, 1, 1, 2, 0)), fromValues({1, 1, 2}, {1, 2})),
      fromValues({1, 1, 3}, {-kInf, 1, 2})));
}

TEST(MaxPool, NaNPropagates) {
  // torch: any NaN in the window gives NaN, wherever it is in the window.
  Layer l = pool1d(Op::MaxPool, convAxis(4, 2));
  EXPECT_TRUE(allClose(engine::maxPool(l, fromValues({1, 1, 4}, {1, kNaN, 2, 7})),
                       fromValues({1, 1, 3}, {kNaN, kNaN, 7})));
  EXPECT_TRUE(allClose(engine::maxPool(l, fromValues({1, 1, 4}, {kNaN, 5, 2, -kInf})),
                       fromValues({1, 1, 3}, {kNaN, 5, 2})));
}

TEST(AvgPool, Divisors) {
  // x = [1,2,3,4,5], k=3, s=2, pads 1: window sums [0+1+2, 2+3+4, 4+5+0] = [3, 9, 9].
  const Tensor x = fromValues({1, 1, 5}, {1, 2, 3, 4, 5});
  Layer l = pool1d(Op::AvgPool, convAxis(5, 3, 2, 1, 1, 1));
  l.avgDivisor = AvgDivisor::IncludePad;  // [-1,2): 3, [1,4): 3, [3, min(6, 5+1)): 3
  EXPECT_TRUE(allClose(engine::avgPool(l, x), fromValues({1, 1, 3}, {1, 3, 3})));
  l.avgDivisor = AvgDivisor::ExcludePad;  // in-range counts 2, 3, 2
  EXPECT_TRUE(allClose(engine::avgPool(l, x), fromValues({1, 1, 3}, {1.5f, 3, 4.5f})));
  l.avgDivisor = AvgDivisor::FullKernel;  // always 3
  EXPECT_TRUE(allClose(engine::avgPool(l, x), fromValues({1, 1, 3}, {1, 3, 3})));
}

TEST(AvgPool, IncludePadClipsAtInPlusPe) {
  // x = [1..5], k=2, s=2, pb=0, pe=0 but out = 3 (torch ceil_mode with p = 0): last window [4, 6)
  // -> hend = min(6, 5 + 0) = 5, divisor 1 -> 5. With pe = 1 the divisor is 2 -> 2.5.
  const Tensor x = fromValues({1, 1, 5}, {1, 2, 3, 4, 5});
  Axis a = convAxis(5, 2, 2);
  a.out = 3;
  Layer l = pool1d(Op::AvgPool, a);
  EXPECT_TRUE(allClose(engine::avgPool(l, x), fromValues({1, 1, 3}, {1.5f, 3.5f, 5})));
  l.ax[0].pe = 1;
  EXPECT_TRUE(allClose(engine::avgPool(l, x), fromValues({1, 1, 3}, {1.5f, 3.5f, 2.5f})));
}

TEST(AvgPool, TwoDDivisorIsProduct) {
  // 2x2 input of ones, k = 2x2, pads 1 all round, s = 2: each output window holds one real 1.
  // IncludePad: divisor 2*2 = 4 -> 0.25; ExcludePad: 1*1 -> 1.
  Layer l = pool1d(Op::AvgPool, convAxis(2, 2, 2, 1, 1, 1));
  l.dims = 2;
  l.ax[1] = convAxis(2, 2, 2, 1, 1, 1);
  const Tensor x({1, 1, 2, 2}, 1.0f);
  EXPECT_TRUE(allClose(engine::avgPool(l, x), Tensor({1, 1, 2, 2}, 0.25f)));
  l.avgDivisor = AvgDivisor::ExcludePad;
  EXPECT_TRUE(allClose(engine::avgPool(l, x), Tensor({1, 1, 2, 2}, 1.0f)));
}

Axis randomPoolAxis(std::mt19937& rng, bool dilate) {
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    const int in = R(1, 12), k = R(1, 4), s = R(1, 3), d = dilate ? R(1, 2) : 1;
    const int pb = R(0, k / 2), pe = R(0, k / 2 + s - 1);  // pe may include a ceil-mode extra
    if (in + pb + pe < d * (k - 1) + 1) continue;
    Axis a = convAxis(in, k, s, d, pb, pe);
    if ((a.out - 1) * s >= in + pb) continue;  // last window starts inside input or left pad
    return a;
  }
}

void runPoolSweep(Op op, int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < count; ++t) {
    Layer l = pool1d(op, randomPoolAxis(rng, op == Op::MaxPool), R(1, 3));
    l.dims = dims;
    if (dims == 2) l.ax[1] = randomPoolAxis(rng, op == Op::MaxPool);
    l.avgDivisor = static_cast<AvgDivisor>(R(0, 2));
    Tensor x = randomTensor(inShape(l, R(1, 2)), rng);
    if (op == Op::MaxPool && R(0, 4) == 0) x.data[size_t(R(0, int(x.numel()) - 1))] = kNaN;
    SCOPED_TRACE("case " + std::to_string(t));
    ASSERT_TRUE(allClose(engine::forwardLayer(l, x), naiveForward(l, x)));
  }
}

TEST(PoolSweep, Max1D) {
  runPoolSweep(Op::MaxPool, 1, 300, 21);
}
TEST(PoolSweep, Max2D) {
  runPoolSweep(Op::MaxPool, 2, 200, 22);
}
TEST(PoolSweep, Avg1D) {
  runPoolSweep(Op::AvgPool, 1, 300, 23);
}
TEST(PoolSweep, Avg2D) {
  runPoolSweep(Op::AvgPool, 2, 200, 24);
}

}  // namespace
}  // namespace convscope::test
