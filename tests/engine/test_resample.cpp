// test_resample: upsample (nearest, linear as torch align_corners=False), Chainer unpool, zero
// insertion: hand-checked values and random sweeps vs naive_reference.
#include <gtest/gtest.h>

#include "engine/kernels/kernels.h"
#include "kernel_test_util.h"
#include "naive_reference.h"

namespace convscope::test {
namespace {

using engine::UpsampleMode;

Layer layer1d(Op op, Axis a, int C = 1) {
  Layer l;
  l.op = op;
  l.dims = 1;
  l.ax[0] = a;
  l.inChannels = l.outChannels = C;
  return l;
}

TEST(Upsample, Nearest) {
  // s = 3: y[j] = x[j / 3].
  Layer l = layer1d(Op::Upsample, upAxis(2, 3));
  EXPECT_TRUE(allClose(engine::upsample(l, fromValues({1, 1, 2}, {4, 7})),
                       fromValues({1, 1, 6}, {4, 4, 4, 7, 7, 7})));
}

TEST(Upsample, LinearMatchesTorch) {
  // torch.nn.Upsample(scale_factor=2, mode='linear') on [1, 2, 4]:
  // src = max(0, (j+0.5)/2 - 0.5) = 0, 0.25, 0.75, 1.25, 1.75, 2.25 (i1 clamped to 2 at the end)
  // -> [1, 1.25, 1.75, 2.5, 3.5, 4].
  Layer l = layer1d(Op::Upsample, upAxis(3, 2));
  l.upsampleMode = UpsampleMode::Linear;
  EXPECT_TRUE(allClose(engine::upsample(l, fromValues({1, 1, 3}, {1, 2, 4})),
                       fromValues({1, 1, 6}, {1, 1.25f, 1.75f, 2.5f, 3.5f, 4})));
}

TEST(Upsample, BilinearMatchesTorch) {
  // torch bilinear x2 of [[0, 4], [8, 12]]: per axis weights (rows/cols 0..3) src = 0, .25, .75, 1
  // -> values 0 + 4*c + 8*r with c, r in {0, .25, .75, 1}.
  Layer l = layer1d(Op::Upsample, upAxis(2, 2));
  l.dims = 2;
  l.ax[1] = upAxis(2, 2);
  l.upsampleMode = UpsampleMode::Linear;
  Tensor expect({1, 1, 4, 4});
  const float f[4] = {0, 0.25f, 0.75f, 1};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) expect.data[size_t(r * 4 + c)] = 8 * f[r] + 4 * f[c];
  EXPECT_TRUE(allClose(engine::upsample(l, fromValues({1, 1, 2, 2}, {0, 4, 8, 12})), expect));
}

TEST(Unpool, ChainerDefaults) {
  // unpooling_1d([1,2,3,4], ksize=2) with cover_all=True: Lf = 3*2 + 2 = 8, out = 8 - 2 + 1 = 7
  // -> [1,1,2,2,3,3,4].
  Layer l = layer1d(Op::Unpool, convTAxis(4, 2, 2, 1, 0, 7));
  const Tensor x = fromValues({1, 1, 4}, {1, 2, 3, 4});
  EXPECT_TRUE(allClose(engine::unpool(l, x), fromValues({1, 1, 7}, {1, 1, 2, 2, 3, 3, 4})));
  // cover_all=False: out = 8 -> 2L.
  l.ax[0].out = 8;
  EXPECT_TRUE(allClose(engine::unpool(l, x), fromValues({1, 1, 8}, {1, 1, 2, 2, 3, 3, 4, 4})));
  // ksize=3, stride=2: overlaps add: Lf = 9 -> [1,1,1+2,2,2+3,3,3+4,4,4].
  l.ax[0] = convTAxis(4, 3, 2, 1, 0, 9);
  EXPECT_TRUE(allClose(engine::unpool(l, x), fromValues({1, 1, 9}, {1, 1, 3, 2, 5, 3, 7, 4, 4})));
}

TEST(ZeroInsert, OneAndTwoD) {
  // s = 3: [1, 2, 3] -> [1,0,0,2,0,0,3], out = (3-1)*3 + 1 = 7.
  Layer l = layer1d(Op::ZeroInsert, zeroInsertAxis(3, 3));
  EXPECT_TRUE(allClose(engine::zeroInsert(l, fromValues({1, 1, 3}, {1, 2, 3})),
                       fromValues({1, 1, 7}, {1, 0, 0, 2, 0, 0, 3})));
  // 2-D s = (2, 1) on [[1,2],[3,4]] -> [[1,2],[0,0],[3,4]].
  l.dims = 2;
  l.ax[0] = zeroInsertAxis(2, 2);
  l.ax[1] = zeroInsertAxis(2, 1);
  EXPECT_TRUE(allClose(engine::zeroInsert(l, fromValues({1, 1, 2, 2}, {1, 2, 3, 4})),
                       fromValues({1, 1, 3, 2}, {1, 2, 0, 0, 3, 4})));
}

void runSweep(Op op, int dims, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto axis = [&]() -> Axis {
    const int in = R(1, 9), s = R(1, 4);
    if (op == Op::Upsample) return upAxis(in, s);
    if (op == Op::ZeroInsert) return zeroInsertAxis(in, s);
    Axis a = convTAxis(in, R(1, 4), s);  // unpool: window [start, start+out) of Lf
    a.start = R(0, 2);
    a.out = R(1, a.fullLength() + s);
    return a;
  };
  for (int t = 0; t < count; ++t) {
    Layer l = layer1d(op, axis(), R(1, 3));
    l.dims = dims;
    if (dims == 2) l.ax[1] = axis();
    l.upsampleMode = R(0, 1) ? UpsampleMode::Linear : UpsampleMode::Nearest;
    const Tensor x = randomTensor(inShape(l, R(1, 2)), rng);
    SCOPED_TRACE("case " + std::to_string(t));
    ASSERT_TRUE(allClose(engine::forwardLayer(l, x), naiveForward(l, x)));
  }
}

TEST(ResampleSweep, Upsample1D) {
  runSweep(Op::Upsample, 1, 200, 31);
}
TEST(ResampleSweep, Upsample2D) {
  runSweep(Op::Upsample, 2, 200, 32);
}
TEST(ResampleSweep, Unpool1D) {
  runSweep(Op::Unpool, 1, 200, 33);
}
TEST(ResampleSweep, Unpool2D) {
  runSweep(Op::Unpool, 2, 150, 34);
}
TEST(ResampleSweep, ZeroInsert1D) {
  runSweep(Op::ZeroInsert, 1, 100, 35);
}
TEST(ResampleSweep, ZeroInsert2D) {
  runSweep(Op::ZeroInsert, 2, 100, 36);
}

}  // namespace
}  // namespace convscope::test
