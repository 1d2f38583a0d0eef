// cancel.cpp: the thread-local cancel flag, CancelScope and ParallelGuard (see cancel.h).
#include "engine/core/cancel.h"

namespace convscope::engine {
namespace {
thread_local const std::atomic<bool>* tlFlag = nullptr;
}  // namespace

const char* Cancelled::what() const noexcept {
  return "cancelled";
}

CancelScope::CancelScope(const std::atomic<bool>* flag) : m_prev(tlFlag) {
  tlFlag = flag;
}
CancelScope::~CancelScope() {
  tlFlag = m_prev;
}

const std::atomic<bool>* currentCancelFlag() {
  return tlFlag;
}
bool cancelRequested() {
  return cancelRequested(tlFlag);
}
void throwIfCancelled() {
  if (cancelRequested(tlFlag)) throw Cancelled();
}

void ParallelGuard::keep(std::exception_ptr e) noexcept {
  std::lock_guard<std::mutex> lock(m_mutex);
  if (!m_error) m_error = std::move(e);
  m_failed.store(true, std::memory_order_relaxed);
}

void ParallelGuard::finish() {
  if (m_failed.load()) {
    std::exception_ptr e;
    {
      std::lock_guard<std::mutex> lock(m_mutex);
      e = m_error;
    }
    if (e) std::rethrow_exception(e);
  }
  if (cancelRequested(m_flag)) throw Cancelled();
}

}  // namespace convscope::engine
