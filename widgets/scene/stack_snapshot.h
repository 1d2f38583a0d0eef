// StackSnapshot: one immutable, shareable result of a recompute — the resolved stack and every
// layer's output. Shared by pointer between the document, the widgets and worker threads.
//
// Layer outputs are held by shared pointer (SharedTensors): a recompute that starts at layer j
// (Document, engine::reusableLayers) shares outputs 0..j-1 with the previous snapshot instead of
// copying them, and each output keeps its value scale (absMax) computed at most once, so the
// snapshots after an edit of layer j never rescan the layers before it.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/stack/stack.h"

namespace convscope::widgets {

/// Max |v| over the finite values of a tensor (0 for empty / all-zero / no finite value).
double absMax(const engine::Tensor& t);

/// One layer output, immutable once made, with its max |v| computed lazily at most once (thread-safe).
class SharedTensor {
 public:
  explicit SharedTensor(engine::Tensor t) : m_tensor(std::move(t)) {}
  const engine::Tensor& tensor() const { return m_tensor; }
  /// absMax(tensor()), computed on the first call.
  double absMax() const;

 private:
  engine::Tensor m_tensor;
  mutable std::once_flag m_absOnce;
  mutable double m_abs = 0;
};

using SharedTensorPtr = std::shared_ptr<const SharedTensor>;

/// Layer outputs read like a std::vector<engine::Tensor> (size, [i], back, range for), each held by a
/// shared pointer so that snapshots can share them.
class SharedTensors {
 public:
  SharedTensors() = default;
  /// Takes the tensors (moved, not copied).
  SharedTensors(std::vector<engine::Tensor>&& v) {
    *this = std::move(v);
  }  // NOLINT(google-explicit-constructor)
  SharedTensors& operator=(std::vector<engine::Tensor>&& v);
  /// Copies the tensors (for callers that keep their own).
  SharedTensors& operator=(const std::vector<engine::Tensor>& v);

  size_t size() const { return m_items.size(); }
  bool empty() const { return m_items.empty(); }
  const engine::Tensor& operator[](size_t i) const { return m_items[i]->tensor(); }
  const engine::Tensor& front() const { return m_items.front()->tensor(); }
  const engine::Tensor& back() const { return m_items.back()->tensor(); }
  /// The shared entry of output i (to share it with another snapshot, or for its absMax).
  const SharedTensorPtr& shared(size_t i) const { return m_items[i]; }
  void reserve(size_t n) { m_items.reserve(n); }
  void push_back(engine::Tensor&& t) {
    m_items.push_back(std::make_shared<const SharedTensor>(std::move(t)));
  }
  void push_back(SharedTensorPtr p) { m_items.push_back(std::move(p)); }

  struct const_iterator {
    std::vector<SharedTensorPtr>::const_iterator it;
    const engine::Tensor& operator*() const { return (*it)->tensor(); }
    const engine::Tensor* operator->() const { return &(*it)->tensor(); }
    const_iterator& operator++() {
      ++it;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return it == o.it; }
    bool operator!=(const const_iterator& o) const { return it != o.it; }
  };
  const_iterator begin() const { return {m_items.begin()}; }
  const_iterator end() const { return {m_items.end()}; }

 private:
  std::vector<SharedTensorPtr> m_items;
};

struct StackSnapshot {
  engine::Stack stack;
  SharedTensors outputs;  // outputs[i] = layer i's output (N, C, spatial...)

  StackSnapshot() = default;
  StackSnapshot(const StackSnapshot&) = delete;  // shared by pointer, never copied
  StackSnapshot& operator=(const StackSnapshot&) = delete;

  /// Tensor shown as row `row` of a plot: row 0 = the input, row i+1 = layer i's output.
  const engine::Tensor& rowTensor(int row) const {
    return row == 0 ? stack.input : outputs[static_cast<size_t>(row - 1)];
  }
  /// Number of rows (input + layers).
  int rowCount() const { return 1 + static_cast<int>(outputs.size()); }
  /// absMax(rowTensor(row)), computed at most once per tensor (outputs shared with an earlier
  /// snapshot keep theirs). Thread-safe.
  double rowAbsMax(int row) const;
  /// Adopts a known absMax of the input (the previous snapshot's, when the input is the same bits).
  /// Call before the snapshot is shared.
  void setInputAbsMax(double v);
  /// The input's absMax if already computed or adopted.
  bool inputAbsMaxKnown(double* v) const;

 private:
  mutable std::once_flag m_inputAbsOnce;
  mutable double m_inputAbs = 0;
  mutable std::atomic<bool> m_inputAbsKnown{false};
};

using SnapshotPtr = std::shared_ptr<const StackSnapshot>;

}  // namespace convscope::widgets
