// test_conv_transpose: transposed conv (P2): hand-checked tiny cases, the zero-insertion
// equivalence (docs/conventions.md §Zero-insertion form), and random sweeps vs naive_reference
// (negative start, k < s, dilation, groups, output windows past the full buffer), each run in both
// forms (polyphase gather-GEMM and direct scatter) and in the form the engine picks; large kernels on
// small inputs (the scatter form's reason) in 1-D and 2-D, with their scratch and peak memory bounded.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <limits>

#include "engine/kernels/kernels.h"
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
  EXPECT_TRUE(
      allClose(engine::convTranspose(l, fromValues({1, 1, 2}, {1, 2})), fromValues({1, 1, 4}, {1, 2, 2, 4})));
}

TEST(ConvTranspose, Groups) {
  // C = 2, O = 4, g = 2, weight (2, 2, 1): w[0] = [[1],[2]], w[1] = [[3],[4]] -> y = [a, 2a, 3b, 4b].
  Layer l = convT1d(convTAxis(1, 1), 2, 4, 2, fromValues({2, 2, 1}, {1, 2, 3, 4}));
  EXPECT_TRUE(allClose(engine::convTranspose(l, fromValues({1, 2, 1}, {5, 7})),
                       fromValues({1, 4, 1}, {5, 10, 21, 28})));
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

using Form = engine::detail::ConvTransposeForm;
constexpr Form kForms[] = {Form::Auto, Form::Gather, Form::Scatter};

// Forces convTranspose's form for its lifetime (Auto again afterwards).
struct FormScope {
  explicit FormScope(Form f) { engine::detail::setConvTransposeForm(f); }
  ~FormScope() { engine::detail::setConvTransposeForm(Form::Auto); }
};

Axis randomConvTAxis(std::mt19937& rng) {
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int in = R(1, 9), k = R(1, 5), s = R(1, 4), d = R(1, 3);
  Axis a = convTAxis(in, k, s, d);
  const int Lf = a.fullLength();
  a.start = R(-4, Lf);   // negative start: zero rows in front; up to the end of full
  a.out = R(1, Lf + 5);  // window may run past full (op tail)
  return a;
}

// One random case through every form, against the naive reference (case parameters in the trace).
void checkEveryForm(int t, int dims, const Axis& a0, const Axis& a1, int C, int O, int g, int N, bool bias,
                    std::mt19937& rng) {
  Layer l = makeConvLayer(Op::ConvTranspose, dims, a0, a1, C, O, g, bias, rng);
  const Tensor x = randomTensor(inShape(l, N), rng);
  SCOPED_TRACE("case " + std::to_string(t) + " g " + std::to_string(g) + " C " + std::to_string(C) + " O " +
               std::to_string(O) + " in " + std::to_string(a0.in) + " k " + std::to_string(a0.k) + " s " +
               std::to_string(a0.s) + " d " + std::to_string(a0.d) + " start " + std::to_string(a0.start) +
               " out " + std::to_string(a0.out));
  const Tensor ref = naiveConvTranspose(l, x);
  for (const Form f : kForms) {
    const FormScope scope(f);
    SCOPED_TRACE("form " + std::to_string(int(f)));
    ASSERT_TRUE(allClose(engine::convTranspose(l, x), ref));
  }
}

void runConvTSweep(int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < count; ++t) {
    const int g = R(1, 3), C = g * R(1, 3), O = g * R(1, 3), N = R(1, 2);
    Axis a0 = randomConvTAxis(rng);
    Axis a1 = dims == 2 ? randomConvTAxis(rng) : Axis{};
    checkEveryForm(t, dims, a0, a1, C, O, g, N, R(0, 1) == 1, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ConvTransposeSweep, Random1D) {
  runConvTSweep(1, 500, 99);
}
TEST(ConvTransposeSweep, Random2D) {
  runConvTSweep(2, 300, 100);
}

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
    Layer l = makeConvLayer(Op::ConvTranspose, 2, convTAxis(23, 3, 2, 1, 1), convTAxis(41, 4, 1, 2, -1, 50),
                            10, 6, 2, true, rng);
    const Tensor x = randomTensor(inShape(l, 2), rng);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x)));
  }
}

TEST(ConvTranspose, EqualsConvOfZeroInsertedInput) {
  // docs/conventions.md §Zero-insertion form, fast kernels only: zero-insert, pad d(k-1)-p left and
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
    Layer lc =
        makeConvLayer(Op::Conv, 1, convAxis(zi.ax[0].out, k, 1, d, d * (k - 1) - p, d * (k - 1) - p + op),
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

// Kernel much larger than the input (and s * in): k in [8, 60] on in in [1, 6], strides 1-3,
// dilation 1-2, groups, padding (start) and output_padding (out past the full buffer), both forms.
void runLargeKernelSweep(int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto axis = [&] {
    Axis a = convTAxis(R(1, 6), R(8, 60), R(1, 3), R(1, 2));
    const int Lf = a.fullLength();
    const int p = R(0, std::min(a.span() - 1, Lf / 2 - 1 > 0 ? Lf / 2 - 1 : 0));  // PyTorch padding
    a.start = R(0, 4) == 0 ? -R(1, 3) : p;
    a.out = std::max(1, Lf - a.start - (a.start > 0 ? a.start : 0) + R(0, a.s - 1));  // + output_padding
    return a;
  };
  for (int t = 0; t < count; ++t) {
    const int g = R(1, 2), C = g * R(1, 2), O = g * R(1, 3), N = R(1, 2);
    const Axis a0 = axis();
    const Axis a1 = dims == 2 ? axis() : Axis{};
    checkEveryForm(t, dims, a0, a1, C, O, g, N, R(0, 1) == 1, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(ConvTransposeLargeKernel, SmallInput1DBothForms) {
  runLargeKernelSweep(1, 200, 71);
}
TEST(ConvTransposeLargeKernel, SmallInput2DBothForms) {
  runLargeKernelSweep(2, 60, 72);
}

TEST(ConvTransposeLargeKernel, CheckerboardScale1D) {
  // The checkerboard lesson at scale: a few dozen samples, kernel_size 15000, strides 1-3, dilation,
  // groups, PyTorch padding and output_padding; the form the engine picks, vs the naive reference.
  std::mt19937 rng(5);
  struct Cfg {
    int in, k, s, d, start, extra, C, O, g;
  };
  for (const Cfg c : {Cfg{40, 15000, 2, 1, 0, 0, 1, 1, 1}, Cfg{33, 15000, 3, 1, 7, 2, 2, 2, 2},
                      Cfg{24, 7001, 1, 2, 100, 0, 2, 3, 1}}) {
    Axis a = convTAxis(c.in, c.k, c.s, c.d, c.start);
    a.out += c.extra;
    Layer l = makeConvLayer(Op::ConvTranspose, 1, a, Axis{}, c.C, c.O, c.g, true, rng);
    const Tensor x = randomTensor(inShape(l, 1), rng);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x))) << "k " << c.k;
  }
}

int64_t peakRssBytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return int64_t(u.ru_maxrss) * 1024;
}

TEST(ConvTransposeLargeKernel, TwoDKernel1000OnA24x24InputRunsInBoundedMemory) {
  // 1x1x24x24, k = 1000, s = 2: 5.8e8 true multiply-adds, output 1046x1046 (4.2 MiB). The polyphase
  // gather computed all 523^2 positions of 4 phases x 250000 taps (1.4e11) with a 250000 x 64 gather
  // buffer per thread; the scatter form needs no scratch. Peak memory must stay near the output.
  std::mt19937 rng(8);
  Layer l =
      makeConvLayer(Op::ConvTranspose, 2, convTAxis(24, 1000, 2), convTAxis(24, 1000, 2), 1, 1, 1, true, rng);
  const Tensor x = randomTensor(inShape(l, 1), rng);
  EXPECT_LE(engine::scratchBytes(l, 1), int64_t(4) << 20);
  const int64_t before = peakRssBytes();
  const Tensor y = engine::convTranspose(l, x);
  const int64_t grown = peakRssBytes() - before;
  EXPECT_LT(grown, int64_t(64) << 20) << "peak RSS grew by " << grown << " bytes";
  EXPECT_TRUE(allClose(y, naiveConvTranspose(l, x)));
}

TEST(ConvTransposeLargeKernel, GatherScratchStaysUnderTheCapForManyChannels) {
  // 256 input channels, k = 32, s = 2: gather rows K = 256 * 16 * 16 = 65536 per phase. The old
  // gather buffer was K x 64 floats (16 MiB) per thread; rows are now chunked.
  std::mt19937 rng(9);
  Layer l =
      makeConvLayer(Op::ConvTranspose, 2, convTAxis(16, 32, 2), convTAxis(16, 32, 2), 256, 4, 1, false, rng);
  {
    const FormScope scope(Form::Gather);
    EXPECT_LE(engine::convTransposeScratch(l, 1).perThread, int64_t(2) << 20);
  }
  const Tensor x = randomTensor(inShape(l, 1), rng);
  for (const Form f : {Form::Gather, Form::Scatter}) {
    const FormScope scope(f);
    EXPECT_TRUE(allClose(engine::convTranspose(l, x), naiveConvTranspose(l, x))) << int(f);
  }
}

}  // namespace
}  // namespace convscope::test
