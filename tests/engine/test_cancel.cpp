// test_cancel: cancelling a forward pass inside a layer (engine/core/cancel.h). Each long layer below needs
// at least 5e11 multiply-adds (well over 10 s on this hardware, whatever the kernel); the flag is
// set from another thread 50 ms after the start and the call must throw engine::Cancelled within
// 1 s of it (generous for a loaded 2-core machine, and still far from running to completion).
// Also: the result with a flag that is never set is bit-identical, forwardFrom's beforeLayer still
// stops between layers, and an exception inside an OpenMP region comes out of it as itself.
#include <gtest/gtest.h>

#include <chrono>
#include <new>
#include <random>
#include <thread>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"
#include "engine/kernels/kernels.h"
#include "engine/stack/stack.h"
#include "kernel_test_util.h"

namespace convscope::test {
namespace {

using Clock = std::chrono::steady_clock;
namespace engine = convscope::engine;

struct CancelTiming {
  bool cancelled = false;
  bool finished = false;  // f returned normally (ran to completion)
  double afterFlag = 0;   // seconds from the flag being set to f returning or throwing
};

// Runs f() with a cancel flag installed on this thread; another thread sets it after 50 ms.
template <class F>
CancelTiming cancelAfter50ms(F f) {
  std::atomic<bool> flag{false};
  std::atomic<int64_t> setAtNs{0};
  const Clock::time_point t0 = Clock::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    setAtNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    flag = true;
  });
  CancelTiming r;
  try {
    const engine::CancelScope scope(&flag);
    f();
    r.finished = true;
  } catch (const engine::Cancelled&) {
    r.cancelled = true;
  }
  const int64_t endNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  canceller.join();
  r.afterFlag = double(endNs - setAtNs.load()) * 1e-9;
  return r;
}

void expectCancelledQuickly(const Layer& l, const Tensor& x) {
  ASSERT_GE(double(engine::multiplyAdds(l)) * double(x.dim(0)), 5e11);
  const CancelTiming t = cancelAfter50ms([&] { engine::forwardLayer(l, x); });
  EXPECT_FALSE(t.finished);
  EXPECT_TRUE(t.cancelled);
  EXPECT_LT(t.afterFlag, 1.0) << "stopped " << t.afterFlag << " s after the flag";
  ::testing::Test::RecordProperty("stopped_after_ms", std::to_string(int(t.afterFlag * 1000)));
}

TEST(Cancel, BigOneDConvStopsWithinALayer) {
  // 128 -> 128 channels, kernel 511, 120000 samples: 1.0e12 multiply-adds
  std::mt19937 rng(1);
  Layer l = makeConvLayer(Op::Conv, 1, convAxis(120000, 511, 1, 1, 255, 255), Axis{}, 128, 128, 1, true, rng);
  expectCancelledQuickly(l, randomTensor(inShape(l, 1), rng));
}

TEST(Cancel, BigTwoDConvTransposeScatterFormStopsWithinALayer) {
  // 8 -> 8 channels, 256x256 input, kernel 400, stride 2 (the scatter form): 6.7e11 multiply-adds
  std::mt19937 rng(2);
  Layer l =
      makeConvLayer(Op::ConvTranspose, 2, convTAxis(256, 400, 2), convTAxis(256, 400, 2), 8, 8, 1, true, rng);
  expectCancelledQuickly(l, randomTensor(inShape(l, 1), rng));
}

TEST(Cancel, BigTwoDConvTransposeGatherFormStopsWithinALayer) {
  // 128 -> 128 channels, 192x192 input, kernel 31 (the polyphase gather-GEMM form): 5.8e11
  std::mt19937 rng(3);
  Layer l = makeConvLayer(Op::ConvTranspose, 2, convTAxis(192, 31, 1), convTAxis(192, 31, 1), 128, 128, 1,
                          true, rng);
  expectCancelledQuickly(l, randomTensor(inShape(l, 1), rng));
}

TEST(Cancel, BigMaxPoolStopsWithinALayer) {
  // 4 planes of 2048x2048, window 256x256, stride 1: 8.4e11 comparisons
  std::mt19937 rng(4);
  Layer l;
  l.op = Op::MaxPool;
  l.dims = 2;
  l.ax[0] = l.ax[1] = convAxis(2048, 256);
  l.inChannels = l.outChannels = 4;
  expectCancelledQuickly(l, randomTensor(inShape(l, 1), rng));
}

// Restores the process-wide limits after each test.
class CancelStack : public ::testing::Test {
 protected:
  void SetUp() override { m_saved = engine::limits(); }
  void TearDown() override { engine::setLimits(m_saved); }
  engine::Limits m_saved;
};

nlohmann::json smallStack() {
  return {{"convscope", 1},
          {"input", {{"shape", {3, 64}}, {"generator", {{"kind", "noise"}, {"seed", 3}}}}},
          {"layers",
           {{{"op", "conv"}, {"out_channels", 4}, {"kernel_size", 5}, {"padding", 2}},
            {{"op", "relu"}},
            {{"op", "conv_transpose"}, {"out_channels", 2}, {"kernel_size", 4}, {"stride", 2}},
            {{"op", "max_pool"}, {"kernel_size", 2}}}}};
}

TEST_F(CancelStack, ForwardFromWithACancelFlagStopsInsideTheLayer) {
  engine::Limits lim = engine::limits();
  lim.maxMultiplyAdds = int64_t(1) << 42;
  engine::setLimits(lim);
  const nlohmann::json doc = {
      {"convscope", 1},
      {"input", {{"shape", {128, 120000}}, {"generator", {{"kind", "noise"}, {"seed", 1}}}}},
      {"layers",
       {{{"op", "relu"}}, {{"op", "conv"}, {"out_channels", 128}, {"kernel_size", 511}, {"padding", 255}}}}};
  const engine::Stack st = engine::resolveStack(doc, "cancel.json", "");
  std::atomic<bool> flag{false}, convStarted{false};
  std::vector<int> asked;
  const Clock::time_point t0 = Clock::now();
  std::atomic<int64_t> setAtNs{0};
  std::thread canceller([&] {  // 50 ms into the conv
    while (!convStarted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    setAtNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    flag = true;
  });
  EXPECT_THROW(engine::forwardFrom(
                   st, 0, st.input,
                   [&](int i) {
                     asked.push_back(i);
                     if (i == 1) convStarted = true;
                     return true;
                   },
                   &flag),
               engine::Cancelled);
  convStarted = true;
  const int64_t endNs = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  canceller.join();
  EXPECT_LT(double(endNs - setAtNs.load()) * 1e-9, 1.0);
  EXPECT_EQ(asked, (std::vector<int>{0, 1}));       // the conv had started
  EXPECT_EQ(engine::currentCancelFlag(), nullptr);  // the scope is gone with the call
}

TEST_F(CancelStack, AFlagNeverSetGivesTheSameBitsAndBeforeLayerStillStops) {
  const engine::Stack st = engine::resolveStack(smallStack(), "small.json", "");
  const std::vector<Tensor> plain = engine::forward(st);
  std::atomic<bool> flag{false};
  const std::vector<Tensor> withFlag = engine::forwardFrom(st, 0, st.input, {}, &flag);
  ASSERT_EQ(withFlag.size(), plain.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(engine::sameBits(withFlag[i], plain[i])) << i;
  {
    const engine::CancelScope scope(&flag);
    const std::vector<Tensor> scoped = engine::forward(st);
    for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(engine::sameBits(scoped[i], plain[i])) << i;
  }
  const auto part = engine::forwardFrom(
      st, 1, plain[0], [](int i) { return i < 3; }, &flag);
  ASSERT_EQ(part.size(), 2u);
  EXPECT_TRUE(engine::sameBits(part[1], plain[2]));
}

TEST_F(CancelStack, AFlagSetBeforehandThrowsBeforeAnyLayer) {
  const engine::Stack st = engine::resolveStack(smallStack(), "small.json", "");
  std::atomic<bool> flag{true};
  int asked = 0;
  EXPECT_THROW(engine::forwardFrom(
                   st, 0, st.input, [&asked](int) { return ++asked, true; }, &flag),
               engine::Cancelled);
  EXPECT_EQ(asked, 1);
  const engine::CancelScope scope(&flag);
  EXPECT_THROW(engine::forward(st), engine::Cancelled);
  EXPECT_THROW(engine::forwardLayer(st.layers[0], st.input), engine::Cancelled);
}

TEST(Cancel, ScopesNestAndRestore) {
  std::atomic<bool> a{false}, b{true};
  EXPECT_EQ(engine::currentCancelFlag(), nullptr);
  {
    const engine::CancelScope sa(&a);
    EXPECT_FALSE(engine::cancelRequested());
    {
      const engine::CancelScope sb(&b);
      EXPECT_TRUE(engine::cancelRequested());
      EXPECT_THROW(engine::throwIfCancelled(), engine::Cancelled);
    }
    EXPECT_EQ(engine::currentCancelFlag(), &a);
  }
  EXPECT_EQ(engine::currentCancelFlag(), nullptr);
}

TEST(Cancel, AnExceptionInsideAParallelRegionIsRethrownAfterIt) {
  // std::bad_alloc leaving an OpenMP region would std::terminate; the guard keeps the first one.
  // Iterations past the throwing one wait until the guard has recorded it, so the count does not
  // depend on how long unwinding takes: dynamic scheduling hands out i = 10 before any i > 10, and
  // at most one iteration per thread can be past the stop() check when it turns true.
  engine::ParallelGuard guard;
  int ran = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);  // all waits, together
#pragma omp parallel for schedule(dynamic) num_threads(2) reduction(+ : ran)
  for (int i = 0; i < 1000; ++i) {
    if (guard.stop()) continue;
    guard.run([&] {
      if (i > 10) {
        while (!guard.stop() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      }
      ++ran;
      if (i == 10) throw std::bad_alloc();
    });
  }
  EXPECT_THROW(guard.finish(), std::bad_alloc);
  EXPECT_LE(ran, 13);
}

}  // namespace
}  // namespace convscope::test
