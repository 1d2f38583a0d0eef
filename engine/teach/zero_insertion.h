// Zero-insertion form of a transposed convolution.
//
// Per axis: xu has length Lu = (in-1)s + 1 with xu[i s] = x[i] (s-1 inserted zeros between samples).
// It is padded with PL = d(k-1) - start on the left and PR = out + d(k-1) - PL - Lu on the right
// (PyTorch: PL = d(k-1) - p, PR = d(k-1) - p + op). A negative pad crops that many cells of xu
// (needed when p > d(k-1)). A stride-1 conv with dilation d, groups g and the kernel
//     W'[G(O/g) + o', c', j] = W[G(C/g) + c', o', k-1-j]        (taps flipped, in/out swapped per group)
// over the padded input gives exactly the transposed conv (bias unchanged). Works for unpool too
// (depthwise ones kernel, d = 1).
#pragma once
#include <vector>

#include "engine/teach/trace.h"

namespace convscope::engine {

struct ZeroInsertionCell {
  CellKind kind = CellKind::Data;  // data | inserted_zero | padding | cropped
  int source = -1;                 // input index for data cells (also for cropped data cells), else -1
};

/// One axis of the zero-insertion view.
struct ZeroInsertionAxis {
  int in = 0, s = 1, d = 1, k = 1;
  int insertedLength = 0;  // Lu = (in-1)s + 1
  int padLeft = 0;         // PL = d(k-1) - start (negative: crop)
  int padRight = 0;        // PR (negative: crop)
  int paddedLength = 0;    // Lp = Lu + PL + PR = out + d(k-1)
  /// Every cell from u = min(0, -PL) to max(Lu, Lu + PR) - 1 in xu coordinates: padding cells,
  /// xu cells (data / inserted_zero) and the cropped xu cells. cells[q - firstCell] is xu index q.
  int firstCell = 0;  // xu index of cells[0] (<= 0)
  std::vector<ZeroInsertionCell> cells;
  /// Cell of padded position q (0 <= q < Lp): xu index q - PL.
  ZeroInsertionCell padded(int q) const { return cells[size_t(q - padLeft - firstCell)]; }
};

struct ZeroInsertionForm {
  std::array<ZeroInsertionAxis, 2> axes;
  Tensor padded;  // (N, C, Lp...) zero-inserted, padded (cropped) input
  Layer conv;     // the stride-1 conv: weight W' (O, C/g, k...) flipped and channel-swapped, same bias
  Tensor output;  // conv applied to `padded` = the transposed conv's output
};

/// Geometry and cell classification of one axis of a conv_transpose/unpool layer.
ZeroInsertionAxis zeroInsertionAxis(const Layer& layer, int axis);
/// Flipped, channel-swapped kernel W' (O, C/g, k...) of a conv_transpose (depthwise ones for unpool).
Tensor flippedSwappedKernel(const Layer& layer);
/// The full zero-insertion form: padded input, equivalent conv layer, and its output (via forwardLayer).
/// Throws EngineError unless op is conv_transpose or unpool.
ZeroInsertionForm zeroInsertionForm(const Layer& layer, const Tensor& x);

}  // namespace convscope::engine
