// StackSnapshot: one immutable, shareable result of a recompute — the resolved stack and every
// layer's output. Shared by pointer between the document, the widgets and worker threads.
#pragma once
#include <memory>
#include <vector>

#include "engine/stack.h"

namespace convscope::widgets {

struct StackSnapshot {
  engine::Stack stack;
  std::vector<engine::Tensor> outputs;  // outputs[i] = layer i's output (N, C, spatial...)

  /// Tensor shown as row `row` of a plot: row 0 = the input, row i+1 = layer i's output.
  const engine::Tensor& rowTensor(int row) const { return row == 0 ? stack.input : outputs[static_cast<size_t>(row - 1)]; }
  /// Number of rows (input + layers).
  int rowCount() const { return 1 + static_cast<int>(outputs.size()); }
};

using SnapshotPtr = std::shared_ptr<const StackSnapshot>;

}  // namespace convscope::widgets
