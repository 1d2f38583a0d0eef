// test_elementwise: batch_norm and activations: hand-checked values (incl. NaN/Inf as PyTorch)
// and random sweeps vs naive_reference.
#include <gtest/gtest.h>

#include <limits>

#include "engine/kernels/kernels.h"
#include "kernel_test_util.h"
#include "naive_reference.h"

namespace convscope::test {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

Layer act(Op op, float alpha = 0.0f, bool geluTanh = false) {
  Layer l;
  l.op = op;
  l.alpha = alpha;
  l.geluTanh = geluTanh;
  return l;
}

const Tensor kSpecial = fromValues({1, 1, 6}, {-2, -0.5f, 0, 1.5f, kNaN, kInf});

TEST(Activations, HandValues) {
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Relu), kSpecial),
                       fromValues({1, 1, 6}, {0, 0, 0, 1.5f, kNaN, kInf})));
  // leaky slope 0.1: -2 -> -0.2, -0.5 -> -0.05.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::LeakyRelu, 0.1f), kSpecial),
                       fromValues({1, 1, 6}, {-0.2f, -0.05f, 0, 1.5f, kNaN, kInf})));
  // elu alpha 2: 2*(e^-2 - 1) = -1.7293294, 2*(e^-0.5 - 1) = -0.7869387.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Elu, 2.0f), kSpecial),
                       fromValues({1, 1, 6}, {-1.7293294f, -0.7869387f, 0, 1.5f, kNaN, kInf})));
  // tanh(-2) = -0.9640276, tanh(-0.5) = -0.4621172, tanh(1.5) = 0.9051483.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Tanh), kSpecial),
                       fromValues({1, 1, 6}, {-0.9640276f, -0.4621172f, 0, 0.9051483f, kNaN, 1})));
  // sigmoid(-2) = 0.1192029, sigmoid(-0.5) = 0.3775407, sigmoid(1.5) = 0.8175745.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Sigmoid), kSpecial),
                       fromValues({1, 1, 6}, {0.1192029f, 0.3775407f, 0.5f, 0.8175745f, kNaN, 1})));
  // gelu exact: x Phi(x): -2 -> -0.0455003, -0.5 -> -0.1542688, 1.5 -> 1.3997892.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Gelu), kSpecial),
                       fromValues({1, 1, 6}, {-0.0455003f, -0.1542688f, 0, 1.3997892f, kNaN, kInf})));
  // gelu tanh (torch approximate='tanh'): -2 -> -0.0454023, -0.5 -> -0.1542859, 1.5 -> 1.3995715.
  EXPECT_TRUE(allClose(engine::elementwise(act(Op::Gelu, 0, true), kSpecial),
                       fromValues({1, 1, 6}, {-0.0454023f, -0.1542859f, 0, 1.3995715f, kNaN, kInf})));
}

TEST(BatchNorm, PerChannel) {
  // c0: mean 1, var 3, eps 1 -> std 2, gamma 2, beta 0.5: x=5 -> (5-1)/2*2+0.5 = 4.5; x=-1 -> -1.5.
  // c1: mean 0, var 0, eps 1 -> std 1, gamma -1, beta 0: x=3 -> -3; x=NaN -> NaN.
  Layer l;
  l.op = Op::BatchNorm;
  l.eps = 1.0f;
  l.mean = fromValues({2}, {1, 0});
  l.var = fromValues({2}, {3, 0});
  l.gamma = fromValues({2}, {2, -1});
  l.beta = fromValues({2}, {0.5f, 0});
  EXPECT_TRUE(allClose(engine::elementwise(l, fromValues({1, 2, 2}, {5, -1, 3, kNaN})),
                       fromValues({1, 2, 2}, {4.5f, -1.5f, -3, kNaN})));
}

TEST(ElementwiseSweep, AllOpsRandom) {
  std::mt19937 rng(77);
  const Op ops[] = {Op::BatchNorm, Op::Relu, Op::LeakyRelu, Op::Elu, Op::Gelu, Op::Tanh, Op::Sigmoid};
  for (int t = 0; t < 140; ++t) {
    auto R = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Layer l = act(ops[t % 7], 0.01f + 0.5f * float(R(0, 4)), R(0, 1) == 1);
    const int C = R(1, 4);
    Shape s{R(1, 2), C, R(1, 50)};
    if (R(0, 1)) s.push_back(R(1, 9));
    l.mean = randomTensor({C}, rng);
    l.var = randomTensor({C}, rng, 0.0f, 2.0f);
    l.gamma = randomTensor({C}, rng);
    l.beta = randomTensor({C}, rng);
    l.eps = 1e-5f;
    const Tensor x = randomTensor(s, rng, -6.0f, 6.0f);
    SCOPED_TRACE(std::string("case ") + std::to_string(t) + " " + engine::opName(l.op));
    ASSERT_TRUE(allClose(engine::forwardLayer(l, x), naiveForward(l, x)));
  }
}

TEST(ElementwiseSweep, LargeTensorParallelPath) {
  std::mt19937 rng(78);
  const Tensor x = randomTensor({2, 3, 40000}, rng, -5.0f, 5.0f);
  for (Op op : {Op::Relu, Op::Gelu, Op::Sigmoid}) {
    Layer l = act(op);
    EXPECT_TRUE(allClose(engine::elementwise(l, x), naiveElementwise(l, x))) << engine::opName(op);
  }
}

}  // namespace
}  // namespace convscope::test
