// Gather trace, scatter trace and zero-insertion view (docs/conventions.md §Canonical layer,
// §Zero-insertion form): property tests over random layers (direct geometry) and random stacks under
// all four conventions.
#include <gtest/gtest.h>

#include "engine/kernels/kernels.h"
#include "engine/teach/receptive_field.h"
#include "engine/teach/scatter_trace.h"
#include "engine/teach/trace.h"
#include "engine/teach/zero_insertion.h"
#include "teach_test_util.h"

namespace convscope::engine {
namespace {

using teachtest::randomLayer;
using teachtest::randomTensor;

// Checks bias + sum(products) == forward output at every output element; returns elements checked.
int64_t checkTraceReproducesForward(const Layer& l, const Tensor& x, const std::string& what) {
  const Tensor y = forwardLayer(l, x);
  int64_t checked = 0;
  const int steps = traceStepCount(l);
  EXPECT_EQ(int64_t(steps) * l.outChannels * x.dim(0), y.numel()) << what;
  for (int n = 0; n < x.dim(0); ++n)
    for (int st = 0; st < steps; ++st) {
      const TraceStep ts = traceStep(l, x, st, n, y);
      EXPECT_EQ(int(ts.outputs.size()), l.outChannels);
      for (const TraceOutput& o : ts.outputs) {
        EXPECT_EQ(int(o.terms.size()), termsPerOutput(l)) << what;
        double sum = o.bias, mag = std::fabs(o.bias);
        for (const Term& t : o.terms) {
          EXPECT_DOUBLE_EQ(t.product, (t.weight == 0.0 || t.input == 0.0) ? 0.0 : t.weight * t.input);
          if (!t.hasPosition) {
            EXPECT_EQ(t.input, l.op == Op::MaxPool ? -INFINITY : 0.0) << what;
          }
          if (t.cell == CellKind::InsertedZero) {
            EXPECT_FALSE(t.hasPosition) << what;
          }
          sum += t.product;
          if (std::isfinite(t.product)) mag += std::fabs(t.product);
        }
        EXPECT_FALSE(o.partialSums.empty());
        if (o.partialSums.empty()) continue;
        if (std::isfinite(sum))
          EXPECT_NEAR(o.partialSums.back(), sum, 1e-9 * std::max(1.0, mag));
        else
          EXPECT_EQ(o.partialSums.back(), sum);
        // The reference is the forward kernel's own output, read independently of the trace.
        const double ref = y.data[size_t(flatIndex(y, n, o.channel, ts.position))];
        if (std::isinf(ref)) {  // max pool over padding only (Chainer cover_all): -inf
          EXPECT_EQ(sum, ref) << what;
          ++checked;
          continue;
        }
        EXPECT_LE(std::fabs(sum - ref), 1e-5 * std::max(1.0, mag))
            << what << " step " << st << " ch " << o.channel;
        ++checked;
      }
    }
  return checked;
}

TEST(TraceProperty, RandomLayersTermsPlusBiasEqualForward) {
  std::mt19937 rng(1234);
  int configs = 0;
  for (int it = 0; it < 700; ++it) {
    const Op op = teachtest::tracedOps()[size_t(it % teachtest::tracedOps().size())];
    const int dims = 1 + (it / 7) % 2;
    const Layer l = randomLayer(rng, op, dims);
    const Tensor x = randomTensor(teachtest::inputShapeOf(l, 1 + it % 2), rng);
    checkTraceReproducesForward(l, x, std::string(opName(op)) + " it " + std::to_string(it));
    ++configs;
  }
  EXPECT_GE(configs, 500);
}

TEST(TraceProperty, ResolvedStacksAllConventions) {
  std::mt19937 rng(99);
  int configs = 0;
  for (int it = 0; it < 520; ++it) {
    const std::string conv = teachtest::conventions()[size_t(it % 4)];
    Stack st;
    ASSERT_TRUE(teachtest::randomResolvedStack(rng, conv, 1 + (it / 4) % 2, 2, st)) << conv;
    const std::vector<Tensor> outs = forward(st);
    for (size_t i = 0; i < st.layers.size(); ++i) {
      if (!hasTrace(st.layers[i].op)) continue;
      const Tensor& x = i == 0 ? st.input : outs[i - 1];
      checkTraceReproducesForward(st.layers[i], x,
                                  conv + " layer " + std::to_string(i) + " " + st.source.dump());
      ++configs;
    }
  }
  EXPECT_GE(configs, 500);
}

TEST(Trace, ConvTransposeCellsMatchZeroInsertionView) {
  // k=3, s=2, start=1 (PyTorch p=1, op=1): x = [a, b, c] → output 6. Output m=1 (full t=2) reads
  // xu[2] = x[1] at tap 0, inserted zero at tap 1, xu[0] = x[0] at tap 2.
  Layer l;
  l.op = Op::ConvTranspose;
  l.inChannels = l.outChannels = 1;
  l.ax[0] = Axis{3, 6, 3, 2, 1, 0, 0, 1, 1};
  l.weight = Tensor({1, 1, 3});
  l.weight.data = {1.0f, 10.0f, 100.0f};
  Tensor x({1, 1, 3});
  x.data = {1.0f, 2.0f, 3.0f};
  const auto terms = gatherTerms(l, x, 0, 0, {1, 0});
  ASSERT_EQ(terms.size(), 3u);
  EXPECT_EQ(terms[0].cell, CellKind::Data);
  EXPECT_EQ(terms[0].inPosition[0], 1);
  EXPECT_EQ(terms[1].cell, CellKind::InsertedZero);
  EXPECT_EQ(terms[2].cell, CellKind::Data);
  EXPECT_EQ(terms[2].inPosition[0], 0);
  EXPECT_DOUBLE_EQ(terms[0].product + terms[2].product, 1.0 * 2.0 + 100.0 * 1.0);
  // Output 5 (full t = 6, Lf = 7): taps 0 and 1 read beyond xu (length 5) = padding, tap 2 reads x[2].
  const auto last = gatherTerms(l, x, 0, 0, {5, 0});
  EXPECT_EQ(last[0].cell, CellKind::Padding);
  EXPECT_EQ(last[1].cell, CellKind::Padding);
  EXPECT_EQ(last[2].cell, CellKind::Data);
  EXPECT_EQ(last[2].inPosition[0], 2);
  const Tensor y = forwardLayer(l, x);
  EXPECT_FLOAT_EQ(y.data[1], 102.0f);
}

TEST(Trace, MaxPoolWinnerHasWeightOne) {
  Layer l;
  l.op = Op::MaxPool;
  l.inChannels = l.outChannels = 1;
  l.ax[0] = Axis{4, 2, 2, 2, 1, 0, 0, 0, 0};
  Tensor x({1, 1, 4});
  x.data = {3.0f, -1.0f, 0.5f, 7.0f};
  const TraceStep ts = traceStep(l, x, 1);
  ASSERT_EQ(ts.outputs[0].terms.size(), 2u);
  EXPECT_EQ(ts.outputs[0].terms[0].weight, 0.0);
  EXPECT_EQ(ts.outputs[0].terms[1].weight, 1.0);
  EXPECT_DOUBLE_EQ(ts.outputs[0].value, 7.0);
}

TEST(Trace, ReflectPaddingReadsItsSource) {
  Layer l;
  l.op = Op::Conv;
  l.inChannels = l.outChannels = 1;
  l.padMode = PadMode::Reflect;
  l.ax[0] = Axis{4, 4, 3, 1, 1, 1, 1, 0, 0};
  l.weight = Tensor({1, 1, 3}, 1.0f);
  Tensor x({1, 1, 4});
  x.data = {1.0f, 2.0f, 3.0f, 4.0f};
  const auto terms = gatherTerms(l, x, 0, 0, {0, 0});
  EXPECT_EQ(terms[0].cell, CellKind::Padding);
  ASSERT_TRUE(terms[0].hasPosition);
  EXPECT_EQ(terms[0].inPosition[0], 1);  // reflect: -1 -> 1
  EXPECT_DOUBLE_EQ(terms[0].input + terms[1].input + terms[2].input, 2.0 + 1.0 + 2.0);
}

TEST(Trace, ErrorsForBadStepAndElementwise) {
  std::mt19937 rng(5);
  const Layer l = randomLayer(rng, Op::Conv, 1);
  const Tensor x = randomTensor(teachtest::inputShapeOf(l, 1), rng);
  EXPECT_THROW(traceStep(l, x, traceStepCount(l)), EngineError);
  EXPECT_THROW(traceStep(l, x, -1), EngineError);
  Layer r;
  r.op = Op::Relu;
  r.inChannels = r.outChannels = 1;
  r.ax[0].in = r.ax[0].out = 3;
  EXPECT_THROW(traceStep(r, Tensor({1, 1, 3}), 0), EngineError);
}

TEST(Trace, TapStepOrder) {
  std::mt19937 rng(6);
  const Layer l = randomLayer(rng, Op::Conv, 2);
  EXPECT_EQ(tapStepCount(l), int64_t(traceStepCount(l)) * termsPerOutput(l));
  const auto [st, term] = tapStep(l, tapStepCount(l) - 1);
  EXPECT_EQ(st, traceStepCount(l) - 1);
  EXPECT_EQ(term, termsPerOutput(l) - 1);
}

// ---- scatter ----

TEST(ScatterTrace, AccumulationReachesForwardAndStampsAreMarked) {
  std::mt19937 rng(77);
  int configs = 0;
  for (int it = 0; it < 500; ++it) {
    const Op op = it % 4 == 3 ? Op::Unpool : Op::ConvTranspose;
    const Layer l = randomLayer(rng, op, 1 + it % 2);
    const Tensor x = randomTensor(teachtest::inputShapeOf(l, 1), rng);
    const Tensor y = forwardLayer(l, x);
    const Tensor acc = scatterAccumulated(l, x, scatterStepCount(l) - 1);
    double scale = 1.0;
    for (float v : y.data) scale = std::max(scale, double(std::fabs(v)));
    for (size_t i = 0; i < y.data.size(); ++i)
      ASSERT_LE(std::fabs(y.data[i] - acc.data[i]), 1e-5 * scale) << it;
    // Every stamp lands at i*s + j*d - start; Cropped exactly when outside the output.
    const ScatterStep ss = scatterStep(l, x, teachtest::rnd(rng, 0, scatterStepCount(l) - 1));
    for (const Stamp& s : ss.stamps)
      for (int a = 0; a < l.dims; ++a) {
        const bool inside = s.outPosition[size_t(a)] >= 0 && s.outPosition[size_t(a)] < l.ax[size_t(a)].out;
        if (!inside) {
          EXPECT_EQ(s.cell, CellKind::Cropped);
        }
        EXPECT_EQ(s.outPosition[size_t(a)],
                  ss.inPosition[size_t(a)] * l.ax[size_t(a)].s +
                      s.tap[size_t(a)] * (op == Op::Unpool ? 1 : l.ax[size_t(a)].d) - l.ax[size_t(a)].start);
      }
    // The bias-only margins: no stamp of any step reaches them.
    const ScatterMargins mg = scatterMargins(l);
    for (int a = 0; a < l.dims; ++a)
      for (int m : mg.tail[size_t(a)]) EXPECT_GE(l.ax[size_t(a)].start + m, l.ax[size_t(a)].fullLength());
    ++configs;
  }
  EXPECT_GE(configs, 500);
}

TEST(ScatterTrace, StepByStepPyTorchExample) {
  // ConvTranspose1d(1,1,3, stride 2, padding 1), x = [1, 2], w = [1, 1, 1]: full = [1,1,3,2,2], crop 1.
  Layer l;
  l.op = Op::ConvTranspose;
  l.inChannels = l.outChannels = 1;
  l.ax[0] = Axis{2, 3, 3, 2, 1, 0, 0, 1, 0};
  l.weight = Tensor({1, 1, 3}, 1.0f);
  Tensor x({1, 1, 2});
  x.data = {1.0f, 2.0f};
  const Tensor a0 = scatterAccumulated(l, x, 0);
  EXPECT_EQ(a0.data, (std::vector<float>{1.0f, 1.0f, 0.0f}));
  const Tensor a1 = scatterAccumulated(l, x, 1);
  EXPECT_EQ(a1.data, (std::vector<float>{1.0f, 3.0f, 2.0f}));
  const ScatterStep s0 = scatterStep(l, x, 0);
  EXPECT_EQ(s0.stamps[0].cell, CellKind::Cropped);  // full 0 is cropped by padding 1
  const ScatterStep s1 = scatterStep(l, x, 1);
  EXPECT_EQ(s1.stamps[2].cell, CellKind::Cropped);  // full 4 is beyond out = 3
}

// ---- zero insertion ----

TEST(TraceZeroInsertion, CellsClassifiedIncludingCrop) {
  std::mt19937 rng(8);
  for (int it = 0; it < 500; ++it) {
    const Layer l = randomLayer(rng, Op::ConvTranspose, 1);
    const ZeroInsertionAxis z = zeroInsertionAxis(l, 0);
    const Axis& a = l.ax[0];
    EXPECT_EQ(z.paddedLength, a.out + a.d * (a.k - 1));
    EXPECT_EQ(z.padLeft, a.d * (a.k - 1) - a.start);
    int data = 0, croppedData = 0;
    for (size_t i = 0; i < z.cells.size(); ++i) {
      const int u = z.firstCell + int(i);
      const auto& c = z.cells[i];
      const bool inXu = u >= 0 && u < z.insertedLength;
      if (!inXu) {
        EXPECT_EQ(c.kind, CellKind::Padding);
      }
      if (c.kind == CellKind::Data) ++data;
      if (c.kind == CellKind::Cropped) {
        EXPECT_TRUE(z.padLeft < 0 || z.padRight < 0);
        if (c.source >= 0) ++croppedData;
      }
      if (c.kind == CellKind::InsertedZero) {
        EXPECT_NE(u % a.s, 0);
      }
    }
    EXPECT_EQ(data + croppedData, a.in);
  }
}

TEST(TraceZeroInsertion, FlipMattersForAsymmetricKernels) {
  // The zero-insertion form (docs/conventions.md §Zero-insertion form) with the kernel NOT flipped
  // gives a different answer for w = [1, 2, 3].
  Layer l;
  l.op = Op::ConvTranspose;
  l.inChannels = l.outChannels = 1;
  l.ax[0] = Axis{3, 5, 3, 2, 1, 0, 0, 1, 0};
  l.weight = Tensor({1, 1, 3});
  l.weight.data = {1.0f, 2.0f, 3.0f};
  Tensor x({1, 1, 3});
  x.data = {1.0f, -2.0f, 0.5f};
  ZeroInsertionForm f = zeroInsertionForm(l, x);
  const Tensor y = forwardLayer(l, x);
  for (size_t i = 0; i < y.data.size(); ++i) EXPECT_NEAR(f.output.data[i], y.data[i], 1e-6);
  EXPECT_EQ(f.conv.weight.data, (std::vector<float>{3.0f, 2.0f, 1.0f}));
  f.conv.weight.data = {1.0f, 2.0f, 3.0f};
  const Tensor wrong = forwardLayer(f.conv, f.padded);
  double diff = 0;
  for (size_t i = 0; i < y.data.size(); ++i)
    diff = std::max(diff, double(std::fabs(wrong.data[i] - y.data[i])));
  EXPECT_GT(diff, 0.5);
}

}  // namespace
}  // namespace convscope::engine

namespace convscope::engine {
namespace {

TEST(TraceSources, AxisSourcesAreTheDistinctSourcesOfAxisTaps) {
  std::mt19937 rng(4321);
  const Op ops[] = {Op::Conv, Op::ConvTranspose, Op::Unpool, Op::MaxPool, Op::AvgPool};
  const PadMode modes[] = {PadMode::Zeros, PadMode::Reflect, PadMode::Replicate, PadMode::Circular};
  for (int it = 0; it < 1000; ++it) {
    const Op op = ops[it % 5];
    Layer l = teachtest::randomLayer(rng, op, 1);
    if (op == Op::Conv) l.padMode = modes[(it / 5) % 4];
    if (it % 7 == 0) {  // long kernels: k > in
      l.ax[0].k += 9;
      if (op == Op::ConvTranspose || op == Op::Unpool)
        l.ax[0].out = std::max(1, l.ax[0].fullLength() - l.ax[0].start);
    }
    for (int m = 0; m < l.ax[0].out; ++m) {
      std::vector<int> want;
      for (const AxisTap& tp : axisTaps(l, 0, m))
        if (tp.src >= 0 && std::find(want.begin(), want.end(), tp.src) == want.end()) want.push_back(tp.src);
      ASSERT_EQ(axisSources(l, 0, m), want) << it << " " << opName(op) << " m " << m;
      std::vector<AxisTap> sourced;
      for (const AxisTap& tp : axisTaps(l, 0, m))
        if (tp.src >= 0) sourced.push_back(tp);
      const std::vector<AxisTap> got = axisSourceTaps(l, 0, m);
      ASSERT_EQ(got.size(), sourced.size()) << it << " " << opName(op) << " m " << m;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].tap, sourced[i].tap);
        EXPECT_EQ(got[i].src, sourced[i].src);
        EXPECT_EQ(got[i].cell, sourced[i].cell);
        EXPECT_EQ(got[i].factor, sourced[i].factor);
      }
    }
  }
}

TEST(TraceSources, ReceptiveFieldsInOnePassEqualOneFieldPerLayer) {
  std::mt19937 rng(2024);
  int configs = 0;
  for (int it = 0; it < 200; ++it) {
    Stack st;
    ASSERT_TRUE(teachtest::randomResolvedStack(rng, teachtest::conventions()[size_t(it % 4)], 1 + it % 2,
                                               teachtest::rnd(rng, 1, 3), st));
    const int J = int(st.layers.size()) - 1;
    const Layer& top = st.layers.back();
    Pos P{teachtest::rnd(rng, 0, top.ax[0].out - 1),
          top.dims == 2 ? teachtest::rnd(rng, 0, top.ax[1].out - 1) : 0};
    const std::vector<ReceptiveField> all = receptiveFields(st.layers, J, P);
    ASSERT_EQ(int(all.size()), J + 1);
    for (int from = -1; from < J; ++from) {
      const ReceptiveField one = receptiveField(st.layers, J, P, from);
      const ReceptiveField& f = all[size_t(from + 1)];
      ASSERT_EQ(f.points.size(), one.points.size()) << it << " from " << from;
      for (size_t i = 0; i < f.points.size(); ++i) {
        EXPECT_EQ(f.points[i].position, one.points[i].position);
        EXPECT_EQ(f.points[i].paths, one.points[i].paths);
      }
      EXPECT_EQ(f.hull, one.hull);
      EXPECT_EQ(f.touchesPadding, one.touchesPadding);
      EXPECT_EQ(f.skippedZeroTaps, one.skippedZeroTaps);
      EXPECT_EQ(f.totalPaths, one.totalPaths);
      EXPECT_EQ(f.from, from);
      EXPECT_EQ(f.closedForm.hullMatches, one.closedForm.hullMatches);
    }
    ++configs;
  }
  EXPECT_EQ(configs, 200);
}

}  // namespace
}  // namespace convscope::engine
