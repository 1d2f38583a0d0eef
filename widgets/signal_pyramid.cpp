#include "widgets/signal_pyramid.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace convscope::widgets {

namespace {
constexpr int64_t kFanout = 8;
}

void SignalPyramid::build(const float* data, int channels, int64_t length) {
  m_data = data;
  m_channels = channels;
  m_length = length;
  m_levels.clear();
  m_min = std::numeric_limits<float>::infinity();
  m_max = -m_min;
  for (int64_t i = 0; i < static_cast<int64_t>(channels) * length; ++i) {
    const float v = data[i];
    if (std::isfinite(v)) {
      m_min = std::min(m_min, v);
      m_max = std::max(m_max, v);
    }
  }
  if (!(m_min <= m_max)) m_min = m_max = 0;
  // Level k is built from level k-1 (or the raw data), so the whole build is O(C L).
  int64_t prevCount = length, block = 1;
  while (prevCount > kFanout * 4) {
    Level lv;
    block *= kFanout;
    lv.block = block;
    lv.count = (prevCount + kFanout - 1) / kFanout;
    lv.mins.assign(static_cast<size_t>(channels * lv.count), std::numeric_limits<float>::quiet_NaN());
    lv.maxs.assign(lv.mins.size(), std::numeric_limits<float>::quiet_NaN());
    const Level* prev = m_levels.empty() ? nullptr : &m_levels.back();
    for (int c = 0; c < channels; ++c) {
      for (int64_t e = 0; e < lv.count; ++e) {
        float lo = std::numeric_limits<float>::infinity(), hi = -lo;
        const int64_t b = e * kFanout, end = std::min(prevCount, b + kFanout);
        for (int64_t j = b; j < end; ++j) {
          float a, z;
          if (prev) {
            a = prev->mins[static_cast<size_t>(c * prev->count + j)];
            z = prev->maxs[static_cast<size_t>(c * prev->count + j)];
          } else {
            a = z = data[static_cast<size_t>(c) * static_cast<size_t>(length) + static_cast<size_t>(j)];
          }
          if (a < lo) lo = a;
          if (z > hi) hi = z;
        }
        if (lo <= hi) {
          lv.mins[static_cast<size_t>(c * lv.count + e)] = lo;
          lv.maxs[static_cast<size_t>(c * lv.count + e)] = hi;
        }
      }
    }
    prevCount = lv.count;
    m_levels.push_back(std::move(lv));
  }
}

void SignalPyramid::columns(int c, double x0, double x1, int cols, float* mins, float* maxs) const {
  const double spp = (x1 - x0) / std::max(1, cols);
  // The coarsest level whose block is at most a quarter column keeps edge error under ~25 %.
  const Level* lv = nullptr;
  for (const Level& l : m_levels)
    if (static_cast<double>(l.block) * 4 <= spp) lv = &l;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int j = 0; j < cols; ++j) {
    int64_t a = static_cast<int64_t>(std::floor(x0 + j * spp));
    int64_t b = static_cast<int64_t>(std::floor(x0 + (j + 1) * spp));
    if (b <= a) b = a + 1;
    a = std::max<int64_t>(a, 0);
    b = std::min<int64_t>(b, m_length);
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    if (a < b) {
      if (lv) {
        const int64_t ea = a / lv->block, eb = std::min(lv->count, (b + lv->block - 1) / lv->block);
        const float* mn = lv->mins.data() + c * lv->count;
        const float* mx = lv->maxs.data() + c * lv->count;
        for (int64_t e = ea; e < eb; ++e) {
          if (mn[e] < lo) lo = mn[e];
          if (mx[e] > hi) hi = mx[e];
        }
      } else {
        const float* row = m_data + static_cast<size_t>(c) * static_cast<size_t>(m_length);
        for (int64_t i = a; i < b; ++i) {
          if (row[i] < lo) lo = row[i];
          if (row[i] > hi) hi = row[i];
        }
      }
    }
    mins[j] = lo <= hi ? lo : nan;
    maxs[j] = lo <= hi ? hi : nan;
  }
}

}  // namespace convscope::widgets
