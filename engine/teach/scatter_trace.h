// Scatter trace of a transposed convolution: the textbook "stamp" picture.
//
// Step i (input position, row-major over the spatial axes; steps = prod ax[a].in) stamps
// x[c, i] * W[c, o', j] into the full buffer at i*s + j*d (per axis) and therefore into the output at
//     m = i*s + j*d - start                                   (start = p for PyTorch)
// A stamp with m outside [0, out) falls into a cropped margin (Cropped). Output positions with
// start + m >= Lf = (in-1)s + d(k-1) + 1 (the output_padding tail) or start + m < 0 receive no
// stamp at all: they hold the bias only. Works for conv_transpose and unpool (ones kernel).
#pragma once
#include <array>
#include <utility>
#include <vector>

#include "engine/teach/trace.h"

namespace convscope::engine {

struct Stamp {
  int inChannel = 0;
  int outChannel = 0;
  Pos tap{};
  Pos fullPosition{};              // i*s + j*d per axis
  Pos outPosition{};               // fullPosition - start (may lie outside the output)
  CellKind cell = CellKind::Data;  // Data: lands in the output; Cropped: in a cropped margin
  double input = 0.0, weight = 0.0, product = 0.0;
};

struct ScatterStep {
  int step = 0;
  Pos inPosition{};
  std::vector<Stamp> stamps;  // every (c, o', tap) of the group, in channel-then-tap order
};

/// Per-axis marks of the output: which output positions receive no stamp.
struct ScatterMargins {
  std::array<std::vector<int>, 2> tail;   // output positions with start + m >= Lf (output_padding tail)
  std::array<std::vector<int>, 2> front;  // output positions with start + m < 0 (negative start)
  std::array<int, 2> croppedBefore{};     // full-buffer cells cut away before the output: max(0, start)
  std::array<int, 2> croppedAfter{};      // after: max(0, Lf - start - out)
};

/// Number of scatter steps = prod ax[a].in. Precondition: op is conv_transpose or unpool.
int scatterStepCount(const Layer& layer);
/// Input position of scatter step i.
Pos scatterStepPosition(const Layer& layer, int step);
/// The stamps of step i for batch item n, only those into output channels [oFirst, oFirst + oCount)
/// when oCount >= 0 (a view that shows a few of 64 channels). Throws EngineError if the op is not
/// conv_transpose/unpool or the step is out of range.
ScatterStep scatterStep(const Layer& layer, const Tensor& x, int step, int n = 0, int oFirst = 0,
                        int oCount = -1);
/// Output margins that no stamp reaches, and the cropped extents of the full buffer.
ScatterMargins scatterMargins(const Layer& layer);
/// The pairs (i, j) along axis a with i·s + j·d = u, 0 <= i < in, 0 <= j < k (d = 1 for unpool),
/// in increasing i: the steps (per axis) whose stamps reach full position u, and the tap each uses.
/// At most min(in, k) pairs, found in O(min(in, k)) whatever u is (none outside [0, Lf)).
std::vector<std::pair<int, int>> scatterAxisPairs(const Layer& layer, int axis, int u);

/// W[c, o', tap] of the stamp of input channel c into output channel o (1 for unpool, where o = c);
/// 0 when c and o are not connected.
double stampWeight(const Layer& layer, int c, int o, const Pos& tap);

/// Full-buffer cells of output channel o (batch n) after steps 0..upTo, for the full positions
/// positions[0] × positions[1] (row-major; 1-D: positions[0] only): the same sums as adding the
/// products of scatterStep(layer, x, t, n) for t <= upTo into a zeroed buffer in step order, bit
/// for bit (no bias). Cost per cell: O(min(in, k)) per axis times the pairs found times C/g.
struct ScatterWindow {
  int rows = 0, cols = 0;     // positions[0].size() × positions[1].size() (1-D: cols = 1)
  std::vector<double> sum;    // row-major rows × cols
  std::vector<char> touched;  // a stamp of a step <= upTo lands here
  std::vector<char> now;      // a stamp of step upTo lands here
  size_t index(int r, int c) const { return size_t(r) * size_t(cols) + size_t(c); }
};
ScatterWindow scatterWindow(const Layer& layer, const Tensor& x, int n, int o,
                            const std::array<std::vector<int>, 2>& positions, int upTo);

/// Output (N, O, out...) after steps 0..upTo (inclusive) for every batch item, bias included from
/// the start; upTo = steps-1 gives the layer output. upTo = -1 gives the bias alone. Accumulates in double.
Tensor scatterAccumulated(const Layer& layer, const Tensor& x, int upTo);

}  // namespace convscope::engine
