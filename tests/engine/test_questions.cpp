// The frequently asked questions, computed (engine/teach/questions.h).
#include <gtest/gtest.h>

#include "engine/teach/questions.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

TEST(Questions, Conv1dTransposeEqualsExpandDimsConv2dTransposeSqueeze) {
  // Keras Conv1DTranspose vs expand_dims + Conv2DTranspose((k,1),(s,1)) + squeeze, over settings
  // including the table of docs/conventions.md §Keras transposed convolution examples (same/valid,
  // op None/given).
  struct Case {
    int L, C, F, k, s;
    const char* pad;
    int op;
  };
  const std::vector<Case> cases = {
      {10, 1, 1, 3, 2, "same", -1}, {10, 2, 3, 4, 2, "same", -1},  {10, 2, 2, 5, 2, "same", -1},
      {10, 1, 2, 3, 1, "same", -1}, {10, 3, 1, 1, 2, "valid", -1}, {10, 2, 2, 3, 2, "same", 1},
      {7, 2, 2, 3, 2, "valid", 1},  {6, 1, 4, 3, 3, "same", 2},    {5, 3, 2, 2, 1, "valid", 0}};
  for (const Case& c : cases) {
    const Conv1dTransposeAs2d r = conv1dTransposeAsConv2d(c.L, c.C, c.F, c.k, c.s, c.pad, c.op, 3);
    EXPECT_LE(r.maxAbsDiff, 1e-6) << c.k << " " << c.s << " " << c.pad;
    ASSERT_EQ(r.shape1d.size(), 3u);
    ASSERT_EQ(r.shape2d.size(), 4u);
    EXPECT_EQ(r.shape1d[1], r.shape2d[1]);
    EXPECT_EQ(r.shape2d[2], 1);
    EXPECT_EQ(r.shape1d[2], c.F);  // keras layout (N, L_out, filters)
    if (c.op < 0 && std::string(c.pad) == "same") {
      EXPECT_EQ(r.shape1d[1], c.L * c.s);
    }
  }
}

TEST(Questions, Conv1dIsConv2dOverTheLByCImage) {
  std::mt19937 rng(5);
  for (int it = 0; it < 200; ++it) {
    const int L = teachtest::rnd(rng, 3, 12), C = teachtest::rnd(rng, 1, 5), F = teachtest::rnd(rng, 1, 4);
    const int k = teachtest::rnd(rng, 1, 3), s = teachtest::rnd(rng, 1, 3);
    const int pb = teachtest::rnd(rng, 0, 2), pe = teachtest::rnd(rng, 0, 2);
    const Conv1dAs2d r = conv1dAsConv2d(L, C, F, k, s, pb, pe, unsigned(it));
    EXPECT_LE(r.maxAbsDiff, 1e-5);
    EXPECT_EQ(r.conv2dOut.back(), 1);  // the input-dim axis is reduced away
    EXPECT_EQ(r.conv1dOut[2], r.conv2dOut[2]);
    EXPECT_EQ(r.params1d, int64_t(F) * k * C + F);
    EXPECT_EQ(r.params1d, r.params2d);
  }
}

TEST(Questions, FourWaysFrom100x100To50x200) {
  const std::vector<ResizeWay> ways = fourWaysToResize();
  ASSERT_EQ(ways.size(), 4u);
  const std::vector<std::string> names = {"conv_deconv", "deconv_conv", "unpool_conv", "zero_insertion_conv"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(ways[i].name, names[i]);
    EXPECT_EQ(ways[i].outputShape, (Shape{1, 50, 200})) << names[i];
  }
  // Parameters with C = F = 1: conv 3x3 (9 + 1), conv_transpose (3,4) (12 + 1), fixed [0,1,0] (3).
  EXPECT_EQ(ways[0].parameters, 23);
  EXPECT_EQ(ways[1].parameters, 23);
  EXPECT_EQ(ways[2].parameters, 10);
  EXPECT_EQ(ways[2].trainable, 10);
  EXPECT_EQ(ways[3].parameters, 13);
  EXPECT_EQ(ways[3].trainable, 10);
  // Overlap along W of the up-sampling layer: (k=4, s=2) uniform 2; unpool (2,2) uniform 1;
  // zero insertion: 1, 0 alternating (a checkerboard of holes that the conv must fill).
  EXPECT_TRUE(ways[0].overlapUniform);
  EXPECT_EQ(ways[0].overlapPeriod, (std::vector<int>{2, 2}));
  EXPECT_EQ(ways[2].overlapPeriod, (std::vector<int>{1, 1}));
  EXPECT_FALSE(ways[3].overlapUniform);
  EXPECT_EQ(ways[3].overlapPeriod, (std::vector<int>{0, 1}));  // by full t = m + 1: data at even m (odd t)
  // Receptive field of the centre output (25, 100) on the input.
  for (const ResizeWay& w : ways) {
    EXPECT_FALSE(w.field.points.empty()) << w.name;
    EXPECT_TRUE(w.field.closedForm.withinBounds) << w.name;
    EXPECT_EQ(rationalString(w.field.closedForm.stride[0]), "2") << w.name;
    EXPECT_EQ(rationalString(w.field.closedForm.stride[1]), "1/2") << w.name;
  }
  EXPECT_EQ(ways[0].field.hull[0],
            (std::array<int, 2>{47, 53}));  // deconv H (k3,p1) ±1, conv k3 s2 ±1 → 2·25±3
  EXPECT_EQ(ways[1].field.hull[0], (std::array<int, 2>{48, 52}));  // conv k3 s2 → 49..51, deconv ±1
  EXPECT_EQ(ways[2].field.hull[0], (std::array<int, 2>{49, 51}));
  EXPECT_EQ(ways[2].field.hull[1], (std::array<int, 2>{49, 50}));  // unpool: W 99..101 → inputs 49, 50
  // Zero insertion puts x[i] at output 2i only: W 99..101 → 99 and 101 are inserted zeros, 100 = x[50].
  EXPECT_EQ(ways[3].field.hull[1], (std::array<int, 2>{50, 50}));
}

}  // namespace
}  // namespace convscope::engine
