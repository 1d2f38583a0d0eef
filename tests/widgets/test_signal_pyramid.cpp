// SignalPyramid (the activation plots' min/max level-of-detail cache) against the raw samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "widgets/signal_pyramid.h"

namespace convscope {
namespace {

TEST(SignalPyramid, ColumnsBoundTheRawSamplesAndKeepASpike) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  const int C = 3;
  const int64_t L = 100000;
  std::vector<float> data(static_cast<size_t>(C * L));
  for (float& v : data) v = u(rng);
  data[static_cast<size_t>(L + 54321)] = 7.0f;  // a spike must survive decimation
  widgets::SignalPyramid p;
  p.build(data.data(), C, L);
  const int cols = 500;
  std::vector<float> mn(cols), mx(cols);
  p.columns(1, 0, static_cast<double>(L), cols, mn.data(), mx.data());
  float top = -10;
  for (int j = 0; j < cols; ++j) top = std::max(top, mx[static_cast<size_t>(j)]);
  EXPECT_EQ(top, 7.0f);
  // Column j's extremes bound the raw samples of that column.
  for (int j = 0; j < cols; j += 37) {
    const int64_t a = j * L / cols, b = (j + 1) * L / cols;
    for (int64_t i = a; i < b; ++i) {
      ASSERT_GE(data[static_cast<size_t>(L + i)], mn[static_cast<size_t>(j)]);
      ASSERT_LE(data[static_cast<size_t>(L + i)], mx[static_cast<size_t>(j)]);
    }
  }
}

}  // namespace
}  // namespace convscope
