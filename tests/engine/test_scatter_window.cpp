// scatterWindow / scatterAxisPairs: the per-cell scatter accumulation the scatter view draws, against
// the stamp-by-stamp accumulation of scatterStep (bit for bit) on random conv_transpose and unpool
// layers (1-D and 2-D; strides, dilation, groups, negative start, output_padding tails).
#include <gtest/gtest.h>

#include "engine/kernels/kernels.h"
#include "engine/teach/scatter_trace.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

using teachtest::randomLayer;
using teachtest::randomTensor;

TEST(ScatterWindow, AxisPairsAreEveryPairOfThePosition) {
  std::mt19937 rng(5);
  for (int it = 0; it < 400; ++it) {
    const Op op = it % 5 == 4 ? Op::Unpool : Op::ConvTranspose;
    Layer l = randomLayer(rng, op, 1);
    if (it % 3 == 0) l.ax[0].k = teachtest::rnd(rng, 5, 12);  // k > in as well as k < in
    const Axis& a = l.ax[0];
    const int d = op == Op::Unpool ? 1 : a.d;
    for (int u = -3; u < a.fullLength() + 3; ++u) {
      std::vector<std::pair<int, int>> brute;
      for (int i = 0; i < a.in; ++i)
        for (int j = 0; j < a.k; ++j)
          if (i * a.s + j * d == u) brute.emplace_back(i, j);
      EXPECT_EQ(scatterAxisPairs(l, 0, u), brute) << it << " u " << u;
    }
  }
}

TEST(ScatterWindow, EqualsTheStampAccumulationBitForBit) {
  std::mt19937 rng(91);
  int cells = 0;
  for (int it = 0; it < 400; ++it) {
    const Op op = it % 4 == 3 ? Op::Unpool : Op::ConvTranspose;
    const int dims = 1 + it % 2;
    const Layer l = randomLayer(rng, op, dims);
    const Tensor x = randomTensor(teachtest::inputShapeOf(l, 2), rng);
    const int n = it % 2, steps = scatterStepCount(l);
    const int T = teachtest::rnd(rng, 0, steps - 1);
    // full positions of the view: from min(0, start) to max(Lf, start + out) per axis
    std::array<std::vector<int>, 2> pos;
    std::array<int, 2> first{0, 0}, len{1, 1};
    for (int a = 0; a < dims; ++a) {
      const Axis& ax = l.ax[size_t(a)];
      first[size_t(a)] = std::min(0, ax.start) - 1;
      len[size_t(a)] = std::max(ax.fullLength(), ax.start + ax.out) + 1 - first[size_t(a)];
      for (int u = first[size_t(a)]; u < first[size_t(a)] + len[size_t(a)]; ++u) pos[size_t(a)].push_back(u);
    }
    for (int o = 0; o < l.outChannels; ++o) {
      std::vector<double> sum(size_t(len[0]) * len[1], 0.0);
      std::vector<char> touched(sum.size(), 0), now(sum.size(), 0);
      for (int t = 0; t <= T; ++t)
        for (const Stamp& st : scatterStep(l, x, t, n).stamps) {
          if (st.outChannel != o) continue;
          const size_t idx = size_t(st.fullPosition[0] - first[0]) * len[1] +
                             (dims == 2 ? st.fullPosition[1] - first[1] : 0);
          sum[idx] += st.product;
          touched[idx] = 1;
          if (t == T) now[idx] = 1;
        }
      const ScatterWindow w = scatterWindow(l, x, n, o, pos, T);
      ASSERT_EQ(w.sum.size(), sum.size());
      for (size_t i = 0; i < sum.size(); ++i) {
        ASSERT_EQ(w.sum[i], sum[i]) << it << " o " << o << " cell " << i;  // exact: same products, same order
        ASSERT_EQ(w.touched[i], touched[i]) << it << " cell " << i;
        ASSERT_EQ(w.now[i], now[i]) << it << " cell " << i;
        ++cells;
      }
    }
    // After the last step plus the bias: the layer's scatter accumulation at every output.
    const ScatterWindow last = [&] {
      std::array<std::vector<int>, 2> op;
      for (int a = 0; a < dims; ++a)
        for (int m = 0; m < l.ax[size_t(a)].out; ++m) op[size_t(a)].push_back(l.ax[size_t(a)].start + m);
      return scatterWindow(l, x, n, l.outChannels - 1, op, steps - 1);
    }();
    const Tensor acc = scatterAccumulated(l, x, steps - 1);
    const int o = l.outChannels - 1;
    const double b = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
    const int64_t plane = int64_t(last.rows) * last.cols;
    for (int64_t q = 0; q < plane; ++q)
      EXPECT_EQ(float(last.sum[size_t(q)] + b),
                acc.data[size_t((int64_t(n) * l.outChannels + o) * plane + q)])
          << it << " q " << q;  // float of the double sum: equal unless the order changes the last bit
  }
  EXPECT_GT(cells, 10000);
}

TEST(ScatterWindow, HugeKernelCellCostsMinOfInAndK) {
  // conv_transpose 1 → 1, 24 × 24 input, k = 15000, stride 2: one cell is at most 24 × 24 pairs.
  Layer l;
  l.op = Op::ConvTranspose;
  l.dims = 2;
  l.inChannels = l.outChannels = 1;
  for (int a = 0; a < 2; ++a) l.ax[size_t(a)] = Axis{24, 15045, 15000, 2, 1, 0, 0, 1, 1};
  // (no weights: the pairs are geometry only, and a 15000 × 15000 kernel would be 900 MB)
  const auto p = scatterAxisPairs(l, 0, 7000);
  EXPECT_EQ(int(p.size()), 24);
  for (const auto& [i, j] : p) EXPECT_EQ(i * 2 + j, 7000);
  EXPECT_TRUE(scatterAxisPairs(l, 0, 15000 + 46).empty());  // Lf = 23·2 + 14999 + 1 = 15046
  EXPECT_EQ(int(scatterAxisPairs(l, 0, 15045).size()), 1);
}

}  // namespace
}  // namespace convscope::engine
