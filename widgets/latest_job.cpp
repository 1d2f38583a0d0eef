#include "widgets/latest_job.h"

#include <QMetaObject>
#include <QPointer>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace convscope::widgets {

namespace {
constexpr int kJobNice = 10;  // nice value of the job thread (0 = the GUI thread's)
}  // namespace

LatestJob::LatestJob(QObject* parent) : QObject(parent) {
  m_thread = std::thread([this]() { run(); });
}

LatestJob::~LatestJob() {
  {
    std::lock_guard<std::mutex> g(m_mutex);
    m_stop = true;
    m_queued = {};
    if (m_runningCancel) m_runningCancel->store(true);
  }
  m_wake.notify_all();
  m_thread.join();
}

uint64_t LatestJob::submit(Work work) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> g(m_mutex);
    id = m_latest.fetch_add(1) + 1;
    if (m_runningCancel) m_runningCancel->store(true);
    m_queued = Job{id, std::move(work), std::make_shared<std::atomic<bool>>(false)};
    m_finishedDeliver = {};
  }
  m_wake.notify_all();
  return id;
}

void LatestJob::cancel() {
  std::lock_guard<std::mutex> g(m_mutex);
  m_latest.fetch_add(1);  // nothing submitted so far is the latest any more
  if (m_runningCancel) m_runningCancel->store(true);
  m_queued = {};
  m_finishedDeliver = {};
}

bool LatestJob::busy() const {
  std::lock_guard<std::mutex> g(m_mutex);
  return m_runningId != 0 || m_queued.id != 0;
}

void LatestJob::run() {
#if defined(__linux__)
  // Below the GUI thread: the job (and the OpenMP workers it starts, which inherit the value) yields
  // the cores to painting and input when both want them. Linux nice values are per thread.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kJobNice);
#endif
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lk(m_mutex);
      m_wake.wait(lk, [&] { return m_stop || m_queued.id != 0; });
      if (m_stop) return;
      job = std::move(m_queued);
      m_queued = {};
      m_runningId = job.id;
      m_runningCancel = job.cancel;
    }
    Deliver d;
    try {
      d = job.work(*job.cancel);
    } catch (...) {
      d = {};  // a job reports its own errors through its Deliver; anything else is dropped
    }
    const bool cancelled = job.cancel->load();
    const Clock::time_point ended = Clock::now();
    const uint64_t id = job.id;
    const qint64 endedNs =
        std::chrono::duration_cast<std::chrono::nanoseconds>(ended.time_since_epoch()).count();
    QPointer<LatestJob> self(this);
    {
      std::lock_guard<std::mutex> g(m_mutex);
      m_runningId = 0;
      m_runningCancel.reset();
      m_finishedId = job.id;
      m_finishedDeliver = cancelled || job.id != m_latest.load() ? Deliver{} : std::move(d);
      // Posted before anyone can see the job finished: waitIdle() then finds the delivery queued.
      QMetaObject::invokeMethod(
          this,
          [self, id, cancelled, endedNs]() {
            if (!self) return;
            emit self->jobEnded(id, cancelled, endedNs);
            self->deliver(id);
          },
          Qt::QueuedConnection);
    }
    m_done.notify_all();
  }
}

void LatestJob::deliver(uint64_t id) {
  Deliver d;
  {
    std::lock_guard<std::mutex> g(m_mutex);
    if (m_finishedId != id || id != m_latest.load() || !m_finishedDeliver) return;
    d = std::move(m_finishedDeliver);
    m_finishedDeliver = {};
  }
  d();
}

bool LatestJob::waitDelivered(uint64_t id, int ms) {
  {
    std::unique_lock<std::mutex> lk(m_mutex);
    const bool finished = m_done.wait_for(lk, std::chrono::milliseconds(ms),
                                          [&] { return m_finishedId >= id || id != m_latest.load(); });
    if (!finished || m_finishedId != id || id != m_latest.load()) return false;
  }
  deliver(id);
  return true;
}

void LatestJob::waitIdle() {
  std::unique_lock<std::mutex> lk(m_mutex);
  m_done.wait(lk, [&] { return m_runningId == 0 && m_queued.id == 0; });
}

}  // namespace convscope::widgets
