// LatestJob: "the latest request wins" background work on a thread this object owns.
//
// The document's recompute and the activation plots' cache build both follow this pattern: a
// request arrives (an edit), work starts off the GUI thread, a newer request supersedes it (the
// running job's cancel flag is set, a queued one is replaced), and only the newest result is
// delivered, on the owner's thread. Jobs never run on QThreadPool::globalInstance(): Qt's raster
// paint engine uses that pool to fill large rectangles, so a long job there stalls painting.
//
// Contract:
// - submit(work) queues `work`; it runs on the job thread with a cancel flag that becomes true when
//   a newer submit() or cancel() supersedes it. It returns a Deliver closure (may be empty), run
//   on the owner's thread only if its job is still the latest when it finishes.
// - At most one job runs; at most one waits (the newest). A superseded job that is still running
//   goes on until it polls its flag; the next starts right after it returns.
// - waitDelivered(id, ms) lets the owner adopt a quick result synchronously: it blocks up to `ms`
//   for job `id` and, if it finished and is still the latest, runs its Deliver closure now (the
//   queued delivery then does nothing).
// - The destructor cancels everything and joins the thread (a job must poll its flag).
#pragma once
#include <QObject>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace convscope::widgets {

class LatestJob : public QObject {
  Q_OBJECT
 public:
  using Deliver = std::function<void()>;
  using Work = std::function<Deliver(const std::atomic<bool>& cancel)>;
  using Clock = std::chrono::steady_clock;

  explicit LatestJob(QObject* parent = nullptr);
  ~LatestJob() override;

  /// Queues `work` as the latest job (cancelling the running one and dropping a queued one);
  /// returns its id (increasing from 1).
  uint64_t submit(Work work);
  /// Cancels the running job and drops a queued one; nothing is delivered for them.
  void cancel();
  /// Id of the latest submitted job (0 before any).
  uint64_t latest() const { return m_latest.load(); }
  /// True while a job runs or waits.
  bool busy() const;
  /// Blocks up to `ms` for job `id`; if it finished and is still the latest its Deliver runs here
  /// (on the calling thread, which must be the owner's) and true is returned.
  bool waitDelivered(uint64_t id, int ms);
  /// Blocks until no job runs or waits (pending deliveries are run by the caller's event loop).
  void waitIdle();

 signals:
  /// A job returned on the job thread: its id, whether its flag was set, and when it returned
  /// (steady_clock nanoseconds since that clock's epoch); emitted queued, on the owner's thread.
  void jobEnded(quint64 id, bool cancelled, qint64 endedAtNs);

 private:
  struct Job {
    uint64_t id = 0;
    Work work;
    std::shared_ptr<std::atomic<bool>> cancel;
  };
  void run();
  void deliver(uint64_t id);

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;  // job queued / stop
  std::condition_variable m_done;  // a job finished
  Job m_queued;                    // id 0 = none
  std::shared_ptr<std::atomic<bool>> m_runningCancel;
  uint64_t m_runningId = 0;
  uint64_t m_finishedId = 0;  // last job that returned
  Deliver m_finishedDeliver;  // its result, until delivered or superseded
  std::atomic<uint64_t> m_latest{0};
  bool m_stop = false;
  std::thread m_thread;
};

}  // namespace convscope::widgets
