// Cancellation of a running forward pass, and exception capture inside OpenMP regions.
//
// The caller owns a std::atomic<bool> and installs it for the current thread with
//   std::atomic<bool> stop{false};
//   { engine::CancelScope scope(&stop); auto outs = engine::forward(stack); }  // or forwardFrom(..., &stop)
// Setting `stop` (from any thread) makes forwardLayer / forward / forwardFrom throw engine::Cancelled
// within about one work block (every kernel polls the flag between blocks, a relaxed load, never per
// element). OpenMP worker threads do not see the thread-local install: kernels capture
// currentCancelFlag() before a parallel region and poll that pointer (ParallelGuard does both).
#pragma once
#include <atomic>
#include <exception>
#include <mutex>

namespace convscope::engine {

/// Thrown when work stops because the installed cancel flag was set. Carries no partial result.
struct Cancelled : std::exception {
  const char* what() const noexcept override;
};

/// Installs `flag` (may be nullptr: none) as the current thread's cancel flag for its lifetime and
/// restores the previous one on destruction. The flag must outlive the scope.
class CancelScope {
 public:
  explicit CancelScope(const std::atomic<bool>* flag);
  ~CancelScope();
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

 private:
  const std::atomic<bool>* m_prev;
};

/// The current thread's cancel flag (nullptr when none is installed).
const std::atomic<bool>* currentCancelFlag();
/// True when `flag` is set (relaxed load; nullptr: false). Safe from any thread.
inline bool cancelRequested(const std::atomic<bool>* flag) {
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}
/// True when the current thread's cancel flag is set.
bool cancelRequested();
/// Throws Cancelled when the current thread's cancel flag is set.
void throwIfCancelled();

/// Stops and reports the work of one OpenMP region. Constructed before the region (captures the
/// caller's cancel flag); inside it every throwing step runs through run() (the first exception is
/// kept, never propagated out of the region, which would std::terminate) and loops skip their
/// remaining iterations once stop() is true; after the region finish() rethrows the kept exception,
/// or throws Cancelled if the flag was set. Worksharing loops must still be entered by every thread
/// (skip inside the loop, never around it).
class ParallelGuard {
 public:
  ParallelGuard() : m_flag(currentCancelFlag()) {}
  /// Cancel flag set or an exception kept (relaxed loads: call once per block).
  bool stop() const { return m_failed.load(std::memory_order_relaxed) || cancelRequested(m_flag); }
  /// Runs f(); an exception it throws is kept (the first one) and turns stop() on.
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      keep(std::current_exception());
    }
  }
  /// After the region: rethrows the kept exception, else throws Cancelled when the flag is set.
  void finish();
  const std::atomic<bool>* flag() const { return m_flag; }

 private:
  void keep(std::exception_ptr e) noexcept;
  const std::atomic<bool>* m_flag;
  std::atomic<bool> m_failed{false};
  std::mutex m_mutex;
  std::exception_ptr m_error;
};

}  // namespace convscope::engine
