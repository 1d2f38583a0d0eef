// SignalPyramid: min/max level-of-detail cache of a (C, L) signal for zoomed-out plots (the peak
// cache of Sonic Visualiser). Level k holds, per channel, the min and max of blocks of 8^k samples.
// Built once per recompute (off the paint path); columns() then decimates any visible range to
// one (min, max) pair per pixel column in O(columns × 8) per channel, whatever L is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace convscope::widgets {

class SignalPyramid {
 public:
  /// Builds the levels over `data` laid out as (channels, length), row-major. `data` must stay
  /// alive and unchanged while the pyramid is used (it is level 0).
  void build(const float* data, int channels, int64_t length);
  /// A copy whose level 0 is `data` (the other levels are shared values). Precondition: `data` holds
  /// exactly the values this pyramid was built on (another copy of the same tensor).
  SignalPyramid rebased(const float* data) const {
    SignalPyramid p = *this;
    p.m_data = data;
    return p;
  }
  int channels() const { return m_channels; }
  int64_t length() const { return m_length; }
  /// Fills mins[j], maxs[j] for j < cols: the extremes of channel c over samples
  /// [x0 + j (x1-x0)/cols, x0 + (j+1)(x1-x0)/cols), clipped to [0, length). Empty columns get NaN.
  void columns(int c, double x0, double x1, int cols, float* mins, float* maxs) const;
  /// Raw sample of channel c (level 0).
  float sample(int c, int64_t i) const {
    return m_data[static_cast<size_t>(c) * static_cast<size_t>(m_length) + static_cast<size_t>(i)];
  }
  /// Global min and max over every channel (NaN-free; 0,0 for an empty signal).
  float minValue() const { return m_min; }
  float maxValue() const { return m_max; }

 private:
  struct Level {
    int64_t block = 1;              // samples per entry
    int64_t count = 0;              // entries per channel
    std::vector<float> mins, maxs;  // (channels, count)
  };
  const float* m_data = nullptr;
  int m_channels = 0;
  int64_t m_length = 0;
  std::vector<Level> m_levels;  // m_levels[k].block = 8^(k+1)
  float m_min = 0, m_max = 0;
};

}  // namespace convscope::widgets
