// test_conv: forward conv (P1) and padSource: hand-checked tiny cases, then random sweeps of
// 1-D/2-D configs (groups, stride, dilation, asymmetric pads, every pad mode) vs naive_reference,
// and large kernels with large padding on small inputs (im2col rows chunked, scratch bounded).
#include <gtest/gtest.h>

#include <limits>

#include "engine/kernels/kernels.h"
#include "kernel_test_util.h"
#include "naive_reference.h"

namespace convscope::test {
namespace {

using engine::PadMode;

Layer conv1d(Axis a, int C, int O, int g, Tensor w, Tensor b = {}) {
  return layer1d(Op::Conv, a, C, O, g, std::move(w), std::move(b));
}

TEST(PadSource, AllModes) {
  // L = 3: reflect ... 2 1 | 0 1 2 | 1 0 ...; replicate clamps; circular wraps.
  EXPECT_EQ(engine::padSource(-1, 3, PadMode::Reflect), 1);
  EXPECT_EQ(engine::padSource(-2, 3, PadMode::Reflect), 2);
  EXPECT_EQ(engine::padSource(3, 3, PadMode::Reflect), 1);
  EXPECT_EQ(engine::padSource(4, 3, PadMode::Reflect), 0);
  EXPECT_EQ(engine::padSource(-5, 3, PadMode::Replicate), 0);
  EXPECT_EQ(engine::padSource(7, 3, PadMode::Replicate), 2);
  EXPECT_EQ(engine::padSource(-1, 3, PadMode::Circular), 2);
  EXPECT_EQ(engine::padSource(-3, 3, PadMode::Circular), 0);
  EXPECT_EQ(engine::padSource(4, 3, PadMode::Circular), 1);
  EXPECT_EQ(engine::padSource(1, 3, PadMode::Reflect), 1);
  EXPECT_EQ(engine::padSource(-1, 3, PadMode::Zeros), -1);
}

TEST(Conv, ValidDifference) {
  // w = [1, 0, -1]: y[i] = x[i] - x[i+2] + 0.5 = -2 + 0.5 for x = 1..5; out = 5 - 3 + 1 = 3.
  Layer l = conv1d(convAxis(5, 3), 1, 1, 1, fromValues({1, 1, 3}, {1, 0, -1}), fromValues({1}, {0.5f}));
  Tensor y = engine::conv(l, fromValues({1, 1, 5}, {1, 2, 3, 4, 5}));
  EXPECT_TRUE(allClose(y, fromValues({1, 1, 3}, {-1.5f, -1.5f, -1.5f})));
}

TEST(Conv, ZeroPadStride2) {
  // xpad = [0,1,2,3,4,5,0], ones(3), s = 2: out = floor((5+2-3)/2)+1 = 3 -> [0+1+2, 2+3+4, 4+5+0].
  Layer l = conv1d(convAxis(5, 3, 2, 1, 1, 1), 1, 1, 1, Tensor({1, 1, 3}, 1.0f));
  Tensor y = engine::conv(l, fromValues({1, 1, 5}, {1, 2, 3, 4, 5}));
  EXPECT_TRUE(allClose(y, fromValues({1, 1, 3}, {3, 9, 9})));
}

TEST(Conv, Dilation2) {
  // ones(2), d = 2: y[i] = x[i] + x[i+2]; out = 5 - 3 + 1 = 3 -> [4, 6, 8].
  Layer l = conv1d(convAxis(5, 2, 1, 2), 1, 1, 1, Tensor({1, 1, 2}, 1.0f));
  Tensor y = engine::conv(l, fromValues({1, 1, 5}, {1, 2, 3, 4, 5}));
  EXPECT_TRUE(allClose(y, fromValues({1, 1, 3}, {4, 6, 8})));
}

TEST(Conv, PadModesWithIdentityKernel) {
  // k = 1, w = 1, pads (2, 2) on x = [1, 2, 3]: the output is xpad itself.
  const Tensor x = fromValues({1, 1, 3}, {1, 2, 3});
  Layer l = conv1d(convAxis(3, 1, 1, 1, 2, 2), 1, 1, 1, Tensor({1, 1, 1}, 1.0f));
  l.padMode = PadMode::Zeros;
  EXPECT_TRUE(allClose(engine::conv(l, x), fromValues({1, 1, 7}, {0, 0, 1, 2, 3, 0, 0})));
  l.padMode = PadMode::Reflect;  // 3 2 | 1 2 3 | 2 1
  EXPECT_TRUE(allClose(engine::conv(l, x), fromValues({1, 1, 7}, {3, 2, 1, 2, 3, 2, 1})));
  l.padMode = PadMode::Replicate;  // 1 1 | 1 2 3 | 3 3
  EXPECT_TRUE(allClose(engine::conv(l, x), fromValues({1, 1, 7}, {1, 1, 1, 2, 3, 3, 3})));
  l.padMode = PadMode::Circular;  // 2 3 | 1 2 3 | 1 2
  EXPECT_TRUE(allClose(engine::conv(l, x), fromValues({1, 1, 7}, {2, 3, 1, 2, 3, 1, 2})));
}

TEST(Conv, ReplicatePadLongerThanInput) {
  // x = [4, 7], pads (3, 1), w = [1, 1]: xpad = [4,4,4,4,7,7] -> [8, 8, 8, 11, 14].
  Layer l = conv1d(convAxis(2, 2, 1, 1, 3, 1), 1, 1, 1, Tensor({1, 1, 2}, 1.0f));
  l.padMode = PadMode::Replicate;
  EXPECT_TRUE(
      allClose(engine::conv(l, fromValues({1, 1, 2}, {4, 7})), fromValues({1, 1, 5}, {8, 8, 8, 11, 14})));
}

TEST(Conv, GroupsDepthwise) {
  // C = O = g = 2, k = 1, w = [2], [3]: y0 = 2 x0, y1 = 3 x1 (+ bias 1, -1).
  Layer l = conv1d(convAxis(2, 1), 2, 2, 2, fromValues({2, 1, 1}, {2, 3}), fromValues({2}, {1, -1}));
  Tensor y = engine::conv(l, fromValues({1, 2, 2}, {1, 2, 10, 20}));
  EXPECT_TRUE(allClose(y, fromValues({1, 2, 2}, {3, 5, 29, 59})));
}

TEST(Conv, TwoDOnesKernel) {
  // x = [[1,2,3],[4,5,6],[7,8,9]], ones(2x2): [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]].
  Layer l = conv1d(convAxis(3, 2), 1, 1, 1, Tensor({1, 1, 2, 2}, 1.0f));
  l.dims = 2;
  l.ax[1] = convAxis(3, 2);
  Tensor y = engine::conv(l, fromValues({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(allClose(y, fromValues({1, 1, 2, 2}, {12, 16, 24, 28})));
}

TEST(Conv, NanAndInfPropagate) {
  // NaN at x[2] reaches outputs 1..2 (ones(2) window); +inf at x[0] reaches output 0.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  Layer l = conv1d(convAxis(4, 2), 1, 1, 1, Tensor({1, 1, 2}, 1.0f));
  Tensor y = engine::conv(l, fromValues({1, 1, 4}, {inf, 1, nan, 1}));
  EXPECT_TRUE(std::isinf(y.data[0]));
  EXPECT_TRUE(std::isnan(y.data[1]));
  EXPECT_TRUE(std::isnan(y.data[2]));
}

// Random config: pads legal for the mode (reflect pad < L, circular pad <= L), out >= 1.
struct ConvCase {
  int dims, N, C, O, g;
  Axis a[2];
  PadMode mode;
};

Axis randomConvAxis(std::mt19937& rng, PadMode mode) {
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (;;) {
    const int in = R(1, 12), k = R(1, 5), s = R(1, 3), d = R(1, 3);
    int pb = R(0, 4), pe = R(0, 4);
    if (mode == PadMode::Reflect && (pb >= in || pe >= in)) continue;
    if (mode == PadMode::Circular && (pb > in || pe > in)) continue;
    if (in + pb + pe < d * (k - 1) + 1) continue;
    return convAxis(in, k, s, d, pb, pe);
  }
}

// One random case against the naive reference (case parameters in the trace).
void checkConvCase(int t, PadMode mode, int dims, const Axis& a0, const Axis& a1, int C, int O, int g, int N,
                   bool bias, std::mt19937& rng) {
  Layer l = makeConvLayer(Op::Conv, dims, a0, a1, C, O, g, bias, rng);
  l.padMode = mode;
  const Tensor x = randomTensor(inShape(l, N), rng);
  SCOPED_TRACE("case " + std::to_string(t) + " mode " + engine::padModeName(mode) + " g " +
               std::to_string(g) + " C " + std::to_string(C) + " O " + std::to_string(O) + " in " +
               std::to_string(a0.in) + " k " + std::to_string(a0.k) + " s " + std::to_string(a0.s) + " d " +
               std::to_string(a0.d) + " pads " + std::to_string(a0.pb) + "," + std::to_string(a0.pe));
  ASSERT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
}

void runConvSweep(int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const PadMode modes[] = {PadMode::Zeros, PadMode::Reflect, PadMode::Replicate, PadMode::Circular};
  for (int t = 0; t < count; ++t) {
    const PadMode mode = modes[R(0, 3)];
    const int g = R(1, 3), C = g * R(1, 3), O = g * R(1, 3), N = R(1, 2);
    Axis a0 = randomConvAxis(rng, mode);
    Axis a1 = dims == 2 ? randomConvAxis(rng, mode) : Axis{};
    checkConvCase(t, mode, dims, a0, a1, C, O, g, N, R(0, 1) == 1, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ConvSweep, Random1D) {
  runConvSweep(1, 400, 1234);
}
TEST(ConvSweep, Random2D) {
  runConvSweep(2, 250, 5678);
}

TEST(ConvSweep, LargerThanOneBlock) {
  // Enough output positions and channels that im2col is blocked (block boundaries inside rows).
  std::mt19937 rng(42);
  {
    Layer l = makeConvLayer(Op::Conv, 1, convAxis(3001, 7, 2, 2, 5, 4), Axis{}, 24, 20, 2, true, rng);
    const Tensor x = randomTensor(inShape(l, 2), rng);
    EXPECT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
    l.padMode = PadMode::Reflect;
    EXPECT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
  }
  {
    Layer l = makeConvLayer(Op::Conv, 2, convAxis(37, 3, 1, 1, 1, 1), convAxis(53, 5, 2, 1, 2, 3), 12, 8, 1,
                            true, rng);
    const Tensor x = randomTensor(inShape(l, 1), rng);
    EXPECT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
  }
  {
    // Pointwise (1x1, stride 1): direct GEMM on the input planes.
    Layer l = makeConvLayer(Op::Conv, 1, convAxis(5000, 1), Axis{}, 16, 8, 1, true, rng);
    const Tensor x = randomTensor(inShape(l, 2), rng);
    EXPECT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
  }
}

TEST(Conv, OneDEqualsTwoDWithSingletonAxis) {
  // docs/conventions.md §1-D as 2-D with a singleton axis:
  // conv1d(x, W) == conv2d(x[..., None], W[..., None]).
  std::mt19937 rng(7);
  Layer l1 = makeConvLayer(Op::Conv, 1, convAxis(19, 4, 3, 2, 2, 1), Axis{}, 4, 6, 2, true, rng);
  Layer l2 = l1;
  l2.dims = 2;
  Axis one = convAxis(1, 1);
  l2.ax[1] = one;
  l2.weight.shape.push_back(1);
  const Tensor x1 = randomTensor(inShape(l1, 2), rng);
  Tensor x2 = x1;
  x2.shape.push_back(1);
  Tensor y1 = engine::conv(l1, x1), y2 = engine::conv(l2, x2);
  y2.shape.pop_back();
  EXPECT_TRUE(allClose(y1, y2));
}

// Kernel far larger than the input, padded so the output exists: zero and replicate padding up
// to half the span on each side (more where the output needs it), strides 1-3, dilation 1-2, groups. cg * k
// (1-D) or cg * kh * kw (2-D) exceeds one im2col buffer's rows, so the GEMM runs in row chunks.
void runLargeKernelConvSweep(int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < count; ++t) {
    const PadMode mode = R(0, 2) == 0 ? PadMode::Replicate : PadMode::Zeros;
    auto axis = [&] {
      const int in = R(1, 8), k = dims == 1 ? R(400, 2000) : R(20, 40), s = R(1, 3), d = R(1, 2);
      const int span = d * (k - 1) + 1;
      const int pb = R(0, span / 2);
      const int pe = std::max(R(0, span / 2), span - in - pb);  // in + pb + pe >= span
      return convAxis(in, k, s, d, pb, pe);
    };
    const int g = R(1, 2), C = g * R(1, 2), O = g * R(1, 2), N = R(1, 2);
    const Axis a0 = axis();
    const Axis a1 = dims == 2 ? axis() : Axis{};
    checkConvCase(t, mode, dims, a0, a1, C, O, g, N, R(0, 1) == 1, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ConvLargeKernel, SmallInput1D) {
  runLargeKernelConvSweep(1, 40, 91);
}
TEST(ConvLargeKernel, SmallInput2D) {
  runLargeKernelConvSweep(2, 30, 92);
}

TEST(ConvLargeKernel, CheckerboardScale1DKernel15000) {
  // kernel_size 15000 on 40 samples, padding 14999 ('full'): 15039 outputs x 15000 taps per
  // channel pair; the im2col rows (cg * 15000) no longer make a cg*15000 x 64 buffer per thread.
  std::mt19937 rng(4);
  Layer l = makeConvLayer(Op::Conv, 1, convAxis(40, 15000, 1, 1, 14999, 14999), Axis{}, 2, 2, 1, true, rng);
  const Tensor x = randomTensor(inShape(l, 1), rng);
  EXPECT_TRUE(allClose(engine::conv(l, x), naiveConv(l, x)));
}

TEST(ConvLargeKernel, Im2colScratchIsCappedPerThread) {
  // 64 channels x kernel 15000 (1-D) and 64 x 300 x 300 (2-D): the old im2col buffer had K x 64
  // rows (K = 960000 or 5.76e6: 245 MiB / 1.4 GiB per thread); now at most kColBufferFloats.
  std::mt19937 rng(6);
  Layer a = makeConvLayer(Op::Conv, 1, convAxis(40, 15000, 1, 1, 14999, 14999), Axis{}, 64, 2, 1, false, rng);
  Layer b = makeConvLayer(Op::Conv, 2, convAxis(24, 300, 8, 1, 299, 299), convAxis(24, 300, 8, 1, 299, 299),
                          64, 2, 1, false, rng);
  for (const Layer* l : {&a, &b}) {
    const engine::ScratchSize s = engine::convScratch(*l, 1);
    EXPECT_LE(s.perThread, int64_t(1) << 20);
    EXPECT_EQ(s.shared, 0);
  }
  // replicate padding materialises the padded input, counted as shared scratch
  b.padMode = PadMode::Replicate;
  EXPECT_EQ(engine::convScratch(b, 2).shared, int64_t(2) * 64 * (24 + 598) * (24 + 598) * 4);
}

}  // namespace
}  // namespace convscope::test
