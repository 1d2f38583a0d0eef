// Scene model (widgets/scene/scene_model.h): what a view of a layer draws, computed once per
// (snapshot, layer, view) from engine/teach, and the queries the view builders make of it.
//
// Index of this file:
//   [SECTION] HELPERS
//   [SECTION] PER-VIEW MODELS
//   [SECTION] QUERIES
//   [SECTION] VIEWS
//   [SECTION] BUILD
#include "widgets/scene/scene_model.h"

#include <algorithm>
#include <cmath>

#include "engine/core/error.h"
#include "engine/stack/view_spec.h"

namespace convscope::widgets {

using engine::CellKind;
using engine::Layer;
using engine::Op;
using engine::Tensor;

namespace {

// [SECTION] HELPERS
constexpr int64_t kTraceBudget = 3'000'000;       // terms precomputed for slide / zero_insert
constexpr int64_t kStampBudget = 3'000'000;       // stamps precomputed for scatter
constexpr int64_t kMatrixBudget = 1'000'000;      // dense matrix entries
constexpr int64_t kCountBudget = 4'000'000;       // per-step overlap counts
constexpr int64_t kFieldBudget = 20'000;          // receptive fields precomputed (steps × tensors)
constexpr int64_t kFieldWork = 20'000'000;        // taps visited precomputing the receptive fields
constexpr int64_t kSlideCells = 32'000'000;       // slide input cells materialised (C × display cells)
constexpr int64_t kZeroInsertBudget = 4'000'000;  // zero_insert: padded cells and kernel entries materialised
constexpr int64_t kZeroInsertMacs = 1'000'000'000;  // zero_insert: multiply-adds of the equivalent conv

bool isTransposed(Op op) {
  return op == Op::ConvTranspose || op == Op::Unpool;
}
bool isWindowed(Op op) {
  return op == Op::Conv || op == Op::MaxPool || op == Op::AvgPool;
}

int padSource(int t, int n, engine::PadMode m) {
  switch (m) {
    case engine::PadMode::Reflect:
      if (n == 1) return 0;
      while (t < 0 || t >= n) t = t < 0 ? -t : 2 * (n - 1) - t;
      return t;
    case engine::PadMode::Replicate:
      return std::clamp(t, 0, n - 1);
    case engine::PadMode::Circular:
      return ((t % n) + n) % n;
    default:
      return -1;
  }
}

/// Batch item 0 of a (N, C, spatial...) tensor as (C, spatial...).
Tensor batch0(const Tensor& t) {
  if (t.rank() < 3) return t;
  Tensor r(engine::Shape(t.shape.begin() + 1, t.shape.end()));
  std::copy(t.data.begin(), t.data.begin() + r.numel(), r.data.begin());
  return r;
}

int spatialCount(const engine::Shape& s) {  // prod of spatial sizes of (N, C, spatial...)
  int64_t n = 1;
  for (size_t i = 2; i < s.size(); ++i) n *= s[i];
  return int(n);
}

/// A copy of l's geometry and small tensors, without its weight (which may be GBs).
Layer withoutWeight(const Layer& l) {
  Layer c;
  c.op = l.op, c.dims = l.dims, c.ax = l.ax, c.inChannels = l.inChannels, c.outChannels = l.outChannels,
  c.groups = l.groups;
  c.padMode = l.padMode, c.upsampleMode = l.upsampleMode, c.avgDivisor = l.avgDivisor, c.alpha = l.alpha,
  c.geluTanh = l.geluTanh;
  c.eps = l.eps, c.bias = l.bias, c.mean = l.mean, c.var = l.var, c.gamma = l.gamma, c.beta = l.beta,
  c.formula = l.formula;
  return c;
}

/// Fills slideInput (C, cols...) from the layer input, cell sources per axis.
// [SECTION] PER-VIEW MODELS
void fillSlideInput(SceneModel& m, const Tensor& x, int dims) {
  const int C = int(x.dim(1));
  const int c0 = m.slide[0].cols, c1 = dims == 2 ? m.slide[1].cols : 1;
  if (int64_t(C) * c0 * c1 > kSlideCells) return;  // slideIn reads the cells drawn from x
  engine::Shape shape{C, c0};
  if (dims == 2) shape.push_back(c1);
  m.slideInput = Tensor(shape);
  const int L0 = int(x.dim(2)), L1 = dims == 2 ? int(x.dim(3)) : 1;
  for (int c = 0; c < C; ++c)
    for (int a = 0; a < c0; ++a)
      for (int b = 0; b < c1; ++b) {
        const int s0 = m.slide[0].source[size_t(a)], s1 = dims == 2 ? m.slide[1].source[size_t(b)] : 0;
        if (s0 < 0 || s1 < 0) continue;
        m.slideInput.data[size_t((int64_t(c) * c0 + a) * c1 + b)] =
            x.data[size_t((int64_t(c) * L0 + s0) * L1 + s1)];
      }
}

void buildSlide(SceneModel& m) {
  const Layer& l = m.layer();
  const Tensor& x = m.layerInput();
  for (int a = 0; a < l.dims; ++a) {
    const engine::Axis& ax = l.ax[size_t(a)];
    SlideAxis& sa = m.slide[size_t(a)];
    if (isWindowed(l.op)) {
      sa.cols = ax.pb + ax.in + ax.pe;
      sa.stride = ax.s;
      sa.dilation = l.op == Op::AvgPool ? 1 : ax.d;
      sa.k = ax.k;
      for (int t = -ax.pb; t < ax.in + ax.pe; ++t) {
        const bool data = t >= 0 && t < ax.in;
        sa.kind.push_back(data ? CellKind::Data : CellKind::Padding);
        sa.source.push_back(data ? t : (l.op == Op::Conv ? padSource(t, ax.in, l.padMode) : -1));
      }
    } else {
      sa.windowed = false;
      sa.cols = ax.in;
      sa.k = ax.k;
      sa.kind.assign(size_t(ax.in), CellKind::Data);
      for (int t = 0; t < ax.in; ++t) sa.source.push_back(t);
      for (int o = 0; o < ax.out; ++o) {
        // conv_transpose / unpool: the data taps are the distinct sources (O(min(in, k)) each)
        if (isTransposed(l.op)) {
          sa.taps.push_back(engine::axisSources(l, a, o));
          continue;
        }
        std::vector<int> w;
        for (const auto& tp : engine::axisTaps(l, a, o))
          if (tp.src >= 0 && tp.cell == CellKind::Data) w.push_back(tp.src);
        sa.taps.push_back(std::move(w));
      }
    }
  }
  fillSlideInput(m, x, l.dims);
  m.slideLayer = withoutWeight(l);  // the view reads the layer's own weights (slideConv): no copy
  // slideOutput stays empty: slideOut reads the layer output (no copy of it)
  m.steps = engine::traceStepCount(l);
  if (int64_t(m.steps) * l.outChannels * engine::termsPerOutput(l) <= kTraceBudget)
    for (int T = 0; T < m.steps; ++T) m.trace.push_back(engine::traceStep(l, x, T, 0, m.layerOutput()));
}

// The slide strip of one axis of the zero-insertion form: its cells, their kinds and sources.
void setZeroInsertAxis(SlideAxis& sa, const engine::ZeroInsertionAxis& za) {
  sa.cols = int(za.cells.size());
  sa.offset = -za.padLeft - za.firstCell;
  sa.stride = 1;
  sa.dilation = za.d;
  sa.k = za.k;
  for (const auto& c : za.cells) {
    sa.kind.push_back(c.kind);
    sa.source.push_back(c.kind == CellKind::Data || c.kind == CellKind::Cropped ? c.source : -1);
  }
}

void buildZeroInsert(SceneModel& m) {
  const Layer& l = m.layer();
  // The form (padded input, flipped kernel W′, the conv's output) when it is small; else its geometry
  // and W′ (unless the kernel itself is too large: then none is drawn), with the layer's own outputs
  // (equal by the identity).
  int64_t padded = l.inChannels, kernel = l.weight.numel(), macs = l.outChannels;
  for (int a = 0; a < l.dims; ++a) {
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(l, a);
    padded *= za.paddedLength;
    macs *= int64_t(l.ax[size_t(a)].out) * l.ax[size_t(a)].k;
  }
  macs *= l.inChannels / std::max(1, l.op == Op::Unpool ? l.inChannels : l.groups);
  if (padded > kZeroInsertBudget || kernel > kZeroInsertBudget || macs > kZeroInsertMacs) {
    engine::Layer cv = withoutWeight(l);
    cv.op = Op::Conv;
    if (kernel <= kZeroInsertBudget) cv.weight = engine::flippedSwappedKernel(l);  // W′, drawn and traced
    if (l.op == Op::Unpool) cv.bias = Tensor();
    if (l.op == Op::Unpool) cv.groups = l.inChannels;
    for (int a = 0; a < l.dims; ++a) {
      const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(l, a);
      setZeroInsertAxis(m.slide[size_t(a)], za);
      engine::Axis& ax = cv.ax[size_t(a)];
      ax.in = za.paddedLength, ax.s = 1, ax.d = za.d, ax.pb = ax.pe = 0, ax.start = 0, ax.outputPadding = 0;
    }
    fillSlideInput(m, m.layerInput(), l.dims);
    m.slideLayer = cv;
    m.steps = engine::traceStepCount(cv);
    return;
  }
  const engine::ZeroInsertionForm z = engine::zeroInsertionForm(l, m.layerInput());
  for (int a = 0; a < l.dims; ++a) {
    setZeroInsertAxis(m.slide[size_t(a)], z.axes[size_t(a)]);
  }
  fillSlideInput(m, m.layerInput(), l.dims);
  m.slideLayer = z.conv;
  m.slideOutput = batch0(z.output);
  m.steps = engine::traceStepCount(z.conv);
  if (int64_t(m.steps) * z.conv.outChannels * engine::termsPerOutput(z.conv) <= kTraceBudget)
    for (int T = 0; T < m.steps; ++T) m.trace.push_back(engine::traceStep(z.conv, z.padded, T, 0, z.output));
}

void buildScatter(SceneModel& m) {
  const Layer& l = m.layer();
  m.steps = engine::scatterStepCount(l);
  m.margins = engine::scatterMargins(l);
  for (int a = 0; a < l.dims; ++a) {
    const engine::Axis& ax = l.ax[size_t(a)];
    m.fullFirst[size_t(a)] = std::min(0, ax.start);
    m.fullCols[size_t(a)] = std::max(ax.fullLength(), ax.start + ax.out) - m.fullFirst[size_t(a)];
  }
  const int64_t per =
      int64_t(l.inChannels) * (l.outChannels / std::max(1, l.groups)) * engine::termsPerOutput(l);
  if (per * m.steps <= kStampBudget)
    for (int i = 0; i < m.steps; ++i) m.scatter.push_back(engine::scatterStep(l, m.layerInput(), i, 0));
}

void buildMatrix(SceneModel& m) {
  const Layer& l = m.layer();
  m.steps = engine::traceStepCount(l);
  m.transposed = l.op == Op::ConvTranspose;
  // The drawn matrix is (O·prod out) × (C·prod in) either way (conv: M; conv_transpose: Mᵀ of its
  // adjoint conv). Too large to draw: say so without building the sparse M (on a 64-channel layer of
  // 16000 samples that would be 262 M entries and minutes).
  int64_t rows = l.outChannels, cols = l.inChannels;
  for (int a = 0; a < l.dims; ++a) rows *= l.ax[size_t(a)].out, cols *= l.ax[size_t(a)].in;
  if (rows > kMatrixBudget || cols > kMatrixBudget || rows * cols > kMatrixBudget) {
    m.matRows = int(std::min<int64_t>(rows, INT32_MAX));
    m.matCols = int(std::min<int64_t>(cols, INT32_MAX));
    return;
  }
  const engine::ConvMatrix M = engine::layerMatrix(l);
  m.matRows = int(m.transposed ? M.cols : M.rows);
  m.matCols = int(m.transposed ? M.rows : M.cols);
  if (int64_t(m.matRows) * m.matCols > kMatrixBudget) return;
  m.matrix.assign(size_t(int64_t(m.matRows) * m.matCols), 0.0);
  for (int64_t r = 0; r < M.rows; ++r)
    for (int64_t e = M.rowStart[size_t(r)]; e < M.rowStart[size_t(r + 1)]; ++e) {
      const int64_t c = M.col[size_t(e)];
      const int64_t rr = m.transposed ? c : r, cc = m.transposed ? r : c;
      m.matrix[size_t(rr * m.matCols + cc)] = M.val[size_t(e)];
    }
}

void buildOverlap(SceneModel& m) {
  const Layer& l = m.layer();
  const int dims = l.dims;
  std::array<int, 2> steps{1, 1};
  auto& hits = m.countHits;
  if (isTransposed(l.op)) {
    m.overlap = engine::overlapCounts(l, false, false);  // per-axis counts only: the view reads the axes
    for (int a = 0; a < dims; ++a) {
      const engine::Axis& ax = l.ax[size_t(a)];
      m.countShape[size_t(a)] = ax.out;
      steps[size_t(a)] = ax.in;
      for (int i = 0; i < ax.in; ++i) {
        std::vector<int> h;
        for (int j = 0; j < ax.k; ++j) {
          const int mo = i * ax.s + j * ax.d - ax.start;
          if (mo >= 0 && mo < ax.out) h.push_back(mo);
        }
        hits[size_t(a)].push_back(h);
      }
    }
  } else {
    for (int a = 0; a < dims; ++a) {
      const engine::Axis& ax = l.ax[size_t(a)];
      m.countShape[size_t(a)] = ax.in;
      steps[size_t(a)] = ax.out;
      for (int o = 0; o < ax.out; ++o) hits[size_t(a)].push_back(layerSources(l, a, o));
    }
  }
  m.countSteps = {steps[0], dims == 2 ? steps[1] : 1};
  m.steps = steps[0] * (dims == 2 ? steps[1] : 1);
  const int n0 = m.countShape[0], n1 = dims == 2 ? m.countShape[1] : 1;
  // per axis, per counted position: the step indices whose hits reach it (ascending)
  for (int a = 0; a < dims; ++a) {
    auto& readers = m.countReaders[size_t(a)];
    readers.assign(size_t(m.countShape[size_t(a)]), {});
    for (int i = 0; i < steps[size_t(a)]; ++i)
      for (int p : hits[size_t(a)][size_t(i)]) readers[size_t(p)].push_back(i);
  }
  const bool keepAll = int64_t(m.steps) * n0 * n1 <= kCountBudget;
  if (!keepAll) m.countsAfter.clear();  // too large: countAt computes each drawn cell from the readers
  std::vector<int64_t> acc(keepAll ? size_t(n0) * n1 : 0, 0);
  for (int T = 0; keepAll && T < m.steps; ++T) {
    const int i0 = dims == 2 ? T / steps[1] : T, i1 = dims == 2 ? T % steps[1] : 0;
    for (int p0 : hits[0][size_t(i0)]) {
      if (dims == 1) {
        ++acc[size_t(p0)];
        continue;
      }
      for (int p1 : hits[1][size_t(i1)]) ++acc[size_t(p0) * n1 + p1];
    }
    m.countsAfter.push_back(acc);
  }
  // the uniformity rule, with the live numbers
  QString rule;
  for (int a = 0; a < dims; ++a) {
    const engine::Axis& ax = l.ax[size_t(a)];
    if (!rule.isEmpty()) rule += "   ";
    if (dims == 2) rule += a == 0 ? "H: " : "W: ";
    const bool uni = engine::overlapUniformRule(ax.k, ax.s, ax.d);
    if (isTransposed(l.op))
      rule += QString("k=%1, s=%2, d=%3: interior uniform iff s=1 or (gcd(d,s)=1 and s|k) → %4")
                  .arg(ax.k)
                  .arg(ax.s)
                  .arg(ax.d)
                  .arg(uni ? "uniform" : "checkerboard");
    else
      rule += QString("k=%1, s=%2, d=%3: each input is read by how many windows → %4")
                  .arg(ax.k)
                  .arg(ax.s)
                  .arg(ax.d)
                  .arg(uni ? "uniform interior" : "uneven (checkerboard in the gradient)");
    if (m.overlap && !m.overlap->axes[size_t(a)].period.empty()) {
      QStringList p;
      for (int c : m.overlap->axes[size_t(a)].period) p << QString::number(c);
      rule += " (period " + p.join(", ") + ")";
    }
  }
  m.overlapRule = rule;
}

engine::Pos positionOf(const engine::Shape& s, int T) {
  if (s.size() >= 4) return {T / int(s[3]), T % int(s[3])};
  return {T, 0};
}

void buildReceptiveField(SceneModel& m) {
  const engine::Shape& out = m.layerOutput().shape;
  m.steps = spatialCount(out);
  if (int64_t(m.steps) * (m.layerIndex + 1) > kFieldBudget) return;
  int64_t taps = 0;  // work of one propagation, bounded by the taps of one point per layer
  for (int l = 0; l <= m.layerIndex; ++l) {
    int64_t t = 1;
    for (int a = 0; a < m.stack().layers[size_t(l)].dims; ++a)
      t *= m.stack().layers[size_t(l)].ax[size_t(a)].k;
    taps += t;
  }
  if (int64_t(m.steps) * taps > kFieldWork) return;  // computed per frame instead
  for (int T = 0; T < m.steps; ++T)
    m.fields.push_back(engine::receptiveFields(m.stack().layers, m.layerIndex, positionOf(out, T)));
}

}  // namespace

// [SECTION] QUERIES
std::vector<int64_t> SceneModel::countedBy(int T) const {
  std::vector<int64_t> out;
  if (T < 0 || T >= steps || countHits[0].empty()) return out;
  const int two = countHits[1].empty() ? 0 : 1, n1 = two ? countShape[1] : 1;
  const int i0 = two ? T / countSteps[1] : T, i1 = two ? T % countSteps[1] : 0;
  for (int p0 : countHits[0][size_t(i0)]) {
    if (!two)
      out.push_back(p0);
    else
      for (int p1 : countHits[1][size_t(i1)]) out.push_back(int64_t(p0) * n1 + p1);
  }
  return out;
}

double SceneModel::slideIn(int c, int q0, int q1) const {
  const int dims = slideConv().dims;
  if (!slideInput.empty()) {
    const int64_t c0 = slide[0].cols, c1 = dims == 2 ? slide[1].cols : 1;
    return slideInput.data[size_t((int64_t(c) * c0 + q0) * c1 + q1)];
  }
  const int s0 = slide[0].source[size_t(q0)], s1 = dims == 2 ? slide[1].source[size_t(q1)] : 0;
  if (s0 < 0 || s1 < 0) return 0.0;
  const Tensor& x = layerInput();
  return x.data[size_t(engine::flatIndex(x, 0, c, dims == 2 ? engine::Pos{s0, s1} : engine::Pos{s0, 0}))];
}

double SceneModel::slideOut(int o, int m0, int m1) const {
  const Tensor& y = slideOutput.empty() ? layerOutput() : slideOutput;
  const bool batched = slideOutput.empty();
  const int64_t A = y.dim(batched ? 2 : 1), B = y.rank() >= (batched ? 4 : 3) ? y.dim(batched ? 3 : 2) : 1;
  return y.data[size_t((int64_t(o) * A + m0) * B + m1)];  // batch 0
}

int64_t SceneModel::countAt(int T, int p0, int p1) const {
  const int two = countReaders[1].empty() ? 0 : 1, n1 = two ? countShape[1] : 1;
  if (p0 < 0 || p0 >= countShape[0] || p1 < 0 || p1 >= n1 || countReaders[0].empty()) return 0;
  T = std::min(T, steps - 1);
  if (T >= 0 && size_t(T) < countsAfter.size()) return countsAfter[size_t(T)][size_t(p0) * n1 + p1];
  const std::vector<int>& r0 = countReaders[0][size_t(p0)];
  if (!two) return std::upper_bound(r0.begin(), r0.end(), T) - r0.begin();
  const std::vector<int>& r1 = countReaders[1][size_t(p1)];
  int64_t c = 0;
  for (int i0 : r0) {  // step (i0, i1) = i0·steps1 + i1 <= T
    const int64_t rest = int64_t(T) - int64_t(i0) * countSteps[1];
    if (rest < 0) break;
    c += std::upper_bound(r1.begin(), r1.end(), int(std::min<int64_t>(rest, INT32_MAX))) - r1.begin();
  }
  return c;
}

int64_t SceneModel::countMax() const {
  int64_t mx[2] = {0, 1};
  for (int a = 0; a < 2; ++a)
    for (const auto& r : countReaders[size_t(a)]) mx[a] = std::max<int64_t>(mx[a], int64_t(r.size()));
  return mx[0] * mx[1];  // the final count of (p0, p1) is |readers0[p0]| · |readers1[p1]|
}

std::vector<int> SlideAxis::window(int m) const {
  std::vector<int> w;
  if (!windowed) return m >= 0 && m < int(taps.size()) ? taps[size_t(m)] : w;
  for (int j = 0; j < k; ++j) w.push_back(offset + m * stride + j * dilation);
  return w;
}

// [SECTION] VIEWS
const char* viewName(View v) {
  // View lists the concrete views in engine::viewNames() order after Auto (scene_model.h).
  if (v == View::Auto) return "auto";
  return engine::viewNames().at(static_cast<size_t>(v) - 1).c_str();
}

std::optional<View> viewFromName(const QString& name) {
  QString n = name.trimmed().toLower();
  n.replace('-', '_');
  if (n == "auto") return View::Auto;
  for (View v : concreteViews())
    if (n == viewName(v)) return v;
  return std::nullopt;
}

const std::vector<View>& concreteViews() {
  static const std::vector<View> v{View::Slide,   View::Scatter,        View::ZeroInsert, View::Matrix,
                                   View::Overlap, View::ReceptiveField, View::Activations};
  return v;
}

View defaultView(const Layer& layer) {
  if (isTransposed(layer.op)) return View::Scatter;
  if (engine::hasTrace(layer.op)) return View::Slide;
  return View::Activations;
}

bool viewSupports(View v, const Layer& layer) {
  switch (v) {
    case View::Auto:
    case View::Activations:
    case View::ReceptiveField:
      return true;
    case View::Slide:
      return engine::hasTrace(layer.op);
    case View::Scatter:
    case View::ZeroInsert:
      return isTransposed(layer.op);
    case View::Matrix:
      return layer.op == Op::Conv || layer.op == Op::ConvTranspose;
    case View::Overlap:
      return isTransposed(layer.op) || isWindowed(layer.op);
  }
  return false;
}

std::vector<int> layerSources(const Layer& l, int axis, int m) {
  return engine::axisSources(l, axis, m);
}

// [SECTION] BUILD
std::shared_ptr<const SceneModel> SceneModel::build(SnapshotPtr snapshot, int layer, View view) {
  auto m = std::make_shared<SceneModel>();
  m->snapshot = std::move(snapshot);
  m->layerIndex = layer;
  m->view = view;
  if (!m->snapshot) {
    m->error = "no stack";
    return m;
  }
  const int nLayers = int(m->stack().layers.size());
  // Per-row scales for the views that draw every tensor; the snapshot computes each at most once.
  auto rowScales = [&m, nLayers]() {
    for (int r = -1; r < nLayers && r < int(m->snapshot->outputs.size()); ++r)
      m->absRow.push_back(m->snapshot->rowAbsMax(r + 1));
  };
  if (nLayers == 0 || int(m->snapshot->outputs.size()) != nLayers) {
    m->view = View::Activations;
    m->layerIndex = -1;
    if (nLayers != 0) m->error = "the stack has not been run";
    rowScales();
    return m;
  }
  if (layer < 0 || layer >= nLayers) {
    if (view == View::Activations || view == View::Auto) {
      m->view = View::Activations;
      m->layerIndex = std::clamp(layer, 0, nLayers - 1);
      rowScales();
      return m;
    }
    m->error = QString("layer %1 does not exist (the stack has %2 layers)").arg(layer).arg(nLayers);
    m->layerIndex = 0;
    return m;
  }
  const Layer& l = m->layer();
  if (view == View::Auto) m->view = defaultView(l);
  if (!viewSupports(m->view, l)) {
    m->error = QString("The %1 view does not apply to layer %2 (%3). Try: %4.")
                   .arg(viewName(m->view))
                   .arg(layer)
                   .arg(engine::opName(l.op))
                   .arg(viewName(defaultView(l)));
    return m;
  }
  if (m->view == View::Activations || m->view == View::ReceptiveField) rowScales();
  m->absInput = m->snapshot->rowAbsMax(layer);       // row `layer` = the layer's input
  m->absOutput = m->snapshot->rowAbsMax(layer + 1);  // its output
  try {
    switch (m->view) {
      case View::Slide:
        buildSlide(*m);
        break;
      case View::ZeroInsert:
        buildZeroInsert(*m);
        break;
      case View::Scatter:
        buildScatter(*m);
        break;
      case View::Matrix:
        buildMatrix(*m);
        break;
      case View::Overlap:
        buildOverlap(*m);
        break;
      case View::ReceptiveField:
        buildReceptiveField(*m);
        break;
      default:
        m->steps = 1;
        break;
    }
  } catch (const std::exception& e) {
    m->error = QString::fromStdString(e.what());
    m->steps = 1;
  }
  m->absKernel = absMax(m->slideLayer.weight.empty() ? l.weight : m->slideLayer.weight);
  m->steps = std::max(1, m->steps);
  return m;
}

}  // namespace convscope::widgets
