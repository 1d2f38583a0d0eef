// Sections: 1. colour maps  2. caches  3. construction and options  4. rows  5. sync and refresh
#include "activation_plots.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

#include "engine/layer.h"

namespace convscope::widgets {

// ---------------------------------------------------------------- 1. colour maps
namespace {

// Diverging blue–white–red (ColorBrewer RdBu, colour-blind safe) for signed data.
QCPColorGradient divergingGradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor("#2166ac"));
  g.setColorStopAt(0.25, QColor("#67a9cf"));
  g.setColorStopAt(0.5, QColor("#f7f7f7"));
  g.setColorStopAt(0.75, QColor("#ef8a62"));
  g.setColorStopAt(1.0, QColor("#b2182b"));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

// Viridis (perceptually uniform, colour-blind safe) for non-negative data.
QCPColorGradient sequentialGradient() {
  QCPColorGradient g;
  g.clearColorStops();
  g.setColorStopAt(0.0, QColor("#440154"));
  g.setColorStopAt(0.25, QColor("#3b528b"));
  g.setColorStopAt(0.5, QColor("#21918c"));
  g.setColorStopAt(0.75, QColor("#5ec962"));
  g.setColorStopAt(1.0, QColor("#fde725"));
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

// Okabe–Ito palette for line plots.
const QColor kLineColors[] = {QColor("#0072B2"), QColor("#D55E00"), QColor("#009E73"), QColor("#CC79A7"),
                              QColor("#E69F00"), QColor("#56B4E9"), QColor("#F0E442"), QColor("#000000")};

// The value of larger magnitude: a heatmap column keeps its strongest peak, sign included.
float extreme(float lo, float hi) { return std::fabs(hi) >= std::fabs(lo) ? hi : lo; }

// Symmetric range around 0 for signed data, [0 or min, max] otherwise; never empty.
QCPRange colourRangeFor(float lo, float hi) {
  if (lo < 0 && hi > 0) {
    const double m = std::max(std::fabs(lo), std::fabs(hi));
    return {-m, m};
  }
  if (lo >= 0) lo = 0;
  if (hi <= 0 && lo < 0) hi = 0;
  if (hi - lo < 1e-12) return {lo - 1, hi + 1};
  return {lo, hi};
}

}  // namespace

// ---------------------------------------------------------------- 2. caches
struct ActivationPlots::Caches {
  std::vector<SignalPyramid> pyramids;  // per row (1-D rows; empty pyramid for 2-D rows)
  std::vector<float> lo, hi;            // per row value range (batch item 0)
};

namespace {

std::shared_ptr<ActivationPlots::Caches> buildCaches(const SnapshotPtr& snap);

}  // namespace

struct ActivationPlots::Row {
  int index = 0;        // 0 = input, i+1 = layer i
  bool twoD = false;
  int channels = 0;
  int64_t length = 0;   // L (1-D) or W (2-D)
  int height = 0;       // H (2-D)
  QWidget* box = nullptr;
  QLabel* title = nullptr;
  QCustomPlot* heat = nullptr;
  QCPColorMap* map = nullptr;
  QCPColorScale* scale = nullptr;
  QCustomPlot* lines = nullptr;
};

namespace {

std::shared_ptr<ActivationPlots::Caches> buildCaches(const SnapshotPtr& snap) {
  auto c = std::make_shared<ActivationPlots::Caches>();
  const int rows = snap->rowCount();
  c->pyramids.resize(static_cast<size_t>(rows));
  c->lo.assign(static_cast<size_t>(rows), 0.f);
  c->hi.assign(static_cast<size_t>(rows), 0.f);
  for (int r = 0; r < rows; ++r) {
    const engine::Tensor& t = snap->rowTensor(r);
    if (t.rank() < 3) continue;
    // Batch item 0 only: (C, L) or (C, H*W) contiguous at the start of the tensor.
    const int ch = static_cast<int>(t.dim(1));
    int64_t len = 1;
    for (int a = 2; a < t.rank(); ++a) len *= t.dim(a);
    SignalPyramid& p = c->pyramids[static_cast<size_t>(r)];
    if (t.rank() == 3) {
      p.build(t.ptr(), ch, len);
    } else {
      // A 2-D row is drawn from the tensor directly; it needs only its value range.
      float lo = INFINITY, hi = -INFINITY;
      for (int64_t i = 0; i < ch * len; ++i)
        if (std::isfinite(t.data[static_cast<size_t>(i)])) {
          lo = std::min(lo, t.data[static_cast<size_t>(i)]);
          hi = std::max(hi, t.data[static_cast<size_t>(i)]);
        }
      c->lo[static_cast<size_t>(r)] = lo <= hi ? lo : 0.f;
      c->hi[static_cast<size_t>(r)] = lo <= hi ? hi : 0.f;
      continue;
    }
    c->lo[static_cast<size_t>(r)] = p.minValue();
    c->hi[static_cast<size_t>(r)] = p.maxValue();
  }
  return c;
}

int64_t snapshotElements(const SnapshotPtr& snap) {
  int64_t n = 0;
  for (int r = 0; r < snap->rowCount(); ++r) n += snap->rowTensor(r).numel();
  return n;
}

}  // namespace

// ---------------------------------------------------------------- 3. construction and options
QVector<int> parseChannelList(const QString& text) {
  QVector<int> out;
  for (const QString& part : text.split(',', Qt::SkipEmptyParts)) {
    const QStringList ab = part.trimmed().split('-');
    bool ok1 = false, ok2 = false;
    if (ab.size() == 1) {
      const int v = ab[0].toInt(&ok1);
      if (ok1 && v >= 0) out << v;
    } else if (ab.size() == 2) {
      const int a = ab[0].toInt(&ok1), b = ab[1].toInt(&ok2);
      if (ok1 && ok2 && a >= 0 && b >= a && b - a < 256)
        for (int v = a; v <= b; ++v) out << v;
    }
  }
  return out;
}

ActivationPlots::ActivationPlots(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(4, 4, 4, 4);
  outer->setSpacing(4);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel("Show", this));
  m_modeBox = new QComboBox(this);
  m_modeBox->addItems({"auto", "heatmap", "lines", "heatmap + lines"});
  bar->addWidget(m_modeBox);
  bar->addSpacing(12);
  bar->addWidget(new QLabel("Colour scale", this));
  m_scaleBox = new QComboBox(this);
  m_scaleBox->addItems({"shared", "per layer"});
  m_scaleBox->setCurrentIndex(1);
  bar->addWidget(m_scaleBox);
  bar->addSpacing(12);
  bar->addWidget(new QLabel("Line channels", this));
  m_channelsEdit = new QLineEdit("0-3", this);
  m_channelsEdit->setMaximumWidth(90);
  m_channelsEdit->setToolTip("Channels drawn in the line plots, e.g. \"0-3, 7\"");
  bar->addWidget(m_channelsEdit);
  bar->addStretch(1);
  m_status = new QLabel(this);
  m_status->setStyleSheet("color: palette(mid);");
  m_status->setText("drag: pan · Ctrl+wheel: zoom time · double-click: reset");
  bar->addWidget(m_status);
  outer->addLayout(bar);

  m_scroll = new QScrollArea(this);
  m_scroll->setWidgetResizable(true);
  m_scroll->setFrameShape(QFrame::NoFrame);
  m_rowsHost = new QWidget(m_scroll);
  m_rowsLayout = new QVBoxLayout(m_rowsHost);
  m_rowsLayout->setContentsMargins(0, 0, 0, 0);
  m_rowsLayout->setSpacing(2);
  m_rowsLayout->addStretch(1);
  m_scroll->setWidget(m_rowsHost);
  outer->addWidget(m_scroll, 1);

  connect(m_modeBox, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(static_cast<Mode>(i)); });
  connect(m_scaleBox, &QComboBox::currentIndexChanged, this,
          [this](int i) { setScaleMode(i == 0 ? ScaleMode::Shared : ScaleMode::PerLayer); });
  connect(m_channelsEdit, &QLineEdit::editingFinished, this,
          [this]() { setLineChannels(parseChannelList(m_channelsEdit->text())); });
}

ActivationPlots::~ActivationPlots() = default;

void ActivationPlots::setSnapshot(SnapshotPtr snap) {
  const uint64_t gen = ++m_buildGeneration;
  if (!snap) {
    m_snap.reset();
    m_caches.reset();
    rebuildRows();
    return;
  }
  if (snapshotElements(snap) < (int64_t(1) << 22)) {
    m_building = false;
    adopt(snap, buildCaches(snap));
    return;
  }
  m_building = true;
  m_status->setText("building level-of-detail caches…");
  auto* watcher = new QFutureWatcher<std::shared_ptr<Caches>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<Caches>>::finished, this, [this, watcher, snap, gen]() {
    auto caches = watcher->result();
    watcher->deleteLater();
    if (gen != m_buildGeneration) return;
    m_building = false;
    m_status->setText("drag: pan · Ctrl+wheel: zoom time · double-click: reset");
    adopt(snap, caches);
  });
  watcher->setFuture(QtConcurrent::run([snap]() { return buildCaches(snap); }));
}

void ActivationPlots::adopt(SnapshotPtr snap, std::shared_ptr<Caches> caches) {
  m_snap = std::move(snap);
  m_caches = std::move(caches);
  rebuildRows();
  emit ready();
}

void ActivationPlots::setMode(Mode m) {
  if (m == m_mode) return;
  m_mode = m;
  if (m_modeBox->currentIndex() != static_cast<int>(m)) m_modeBox->setCurrentIndex(static_cast<int>(m));
  rebuildRows();
}

void ActivationPlots::setScaleMode(ScaleMode s) {
  if (s == m_scaleMode) return;
  m_scaleMode = s;
  m_scaleBox->setCurrentIndex(s == ScaleMode::Shared ? 0 : 1);
  applyColorScales();
  for (auto& r : m_rows)
    if (r->heat) r->heat->replot(QCustomPlot::rpQueuedReplot);
}

void ActivationPlots::setLineChannels(const QVector<int>& channels) {
  m_lineChannels = channels;
  QStringList parts;
  for (int c : channels) parts << QString::number(c);
  if (parseChannelList(m_channelsEdit->text()) != channels) m_channelsEdit->setText(parts.join(", "));
  scheduleRefresh();
}

QCustomPlot* ActivationPlots::heatmapPlot(int row) const {
  return row >= 0 && row < rowCount() ? m_rows[static_cast<size_t>(row)]->heat : nullptr;
}

QCustomPlot* ActivationPlots::linePlot(int row) const {
  return row >= 0 && row < rowCount() ? m_rows[static_cast<size_t>(row)]->lines : nullptr;
}

QPair<double, double> ActivationPlots::colorRange(int row) const {
  if (row < 0 || row >= rowCount() || !m_rows[static_cast<size_t>(row)]->map) return {0, 0};
  const QCPRange r = m_rows[static_cast<size_t>(row)]->map->dataRange();
  return {r.lower, r.upper};
}

QPair<double, double> ActivationPlots::timeWindow() const { return {m_f0, m_f1}; }

void ActivationPlots::setTimeWindow(double f0, double f1) {
  if (f1 <= f0) return;
  m_f0 = f0;
  m_f1 = f1;
  m_syncing = true;
  for (auto& r : m_rows) {
    if (r->twoD) continue;
    const QCPRange range(f0 * r->length - 0.5, f1 * r->length - 0.5);
    if (r->heat) r->heat->xAxis->setRange(range);
    if (r->lines) r->lines->xAxis->setRange(range);
  }
  m_syncing = false;
  scheduleRefresh();
}

// ---------------------------------------------------------------- 4. rows
namespace {

QCustomPlot* makePlot(QWidget* parent) {
  auto* p = new QCustomPlot(parent);
  p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  p->axisRect()->setRangeDrag(Qt::Horizontal);
  p->axisRect()->setRangeZoom(Qt::Horizontal);
  p->axisRect()->setAutoMargins(QCP::msBottom | QCP::msTop);
  p->axisRect()->setMargins(QMargins(58, 0, 0, 0));  // same left margin on every row: aligned time axes
  p->setNoAntialiasingOnDrag(true);
  QFont f = p->font();
  f.setPointSizeF(8.5);
  p->xAxis->setTickLabelFont(f);
  p->yAxis->setTickLabelFont(f);
  p->yAxis->setLabelFont(f);
  p->xAxis->setLabelFont(f);
  p->setBackground(parent->palette().color(QPalette::Base));
  return p;
}

QString rowTitle(const StackSnapshot& s, int row) {
  const engine::Tensor& t = s.rowTensor(row);
  engine::Shape shape(t.shape.begin() + 1, t.shape.end());
  if (row == 0) return QString("<b>input</b> &nbsp;%1").arg(QString::fromStdString(engine::shapeToString(shape)));
  const engine::Layer& l = s.stack.layers[static_cast<size_t>(row - 1)];
  return QString("<b>layer %1 · %2</b> &nbsp;→ %3")
      .arg(row - 1)
      .arg(engine::opName(l.op))
      .arg(QString::fromStdString(engine::shapeToString(shape)));
}

}  // namespace

void ActivationPlots::rebuildRows() {
  for (auto& r : m_rows) delete r->box;
  m_rows.clear();
  if (!m_snap || !m_caches) return;
  for (int i = 0; i < m_snap->rowCount(); ++i) {
    const engine::Tensor& t = m_snap->rowTensor(i);
    if (t.rank() < 3) continue;
    auto row = std::make_unique<Row>();
    row->index = i;
    row->twoD = t.rank() == 4;
    row->channels = static_cast<int>(t.dim(1));
    row->length = t.dim(-1);
    row->height = row->twoD ? static_cast<int>(t.dim(2)) : 1;
    const bool few = row->channels <= 4;
    const bool heat = m_mode == Mode::Heatmap || m_mode == Mode::Both || (m_mode == Mode::Auto && !few);
    const bool lines = m_mode == Mode::Lines || m_mode == Mode::Both || (m_mode == Mode::Auto && few);
    row->box = new QWidget(m_rowsHost);
    auto* v = new QVBoxLayout(row->box);
    v->setContentsMargins(0, 2, 0, 2);
    v->setSpacing(0);
    row->title = new QLabel(rowTitle(*m_snap, i), row->box);
    row->title->setContentsMargins(6, 0, 0, 0);
    v->addWidget(row->title);
    const int idx = static_cast<int>(m_rows.size());
    if (heat || row->twoD) {
      row->heat = makePlot(row->box);
      row->map = new QCPColorMap(row->heat->xAxis, row->heat->yAxis);
      row->map->setInterpolate(false);
      row->map->setTightBoundary(false);
      row->scale = new QCPColorScale(row->heat);
      row->scale->setBarWidth(10);
      row->heat->plotLayout()->addElement(0, 1, row->scale);
      row->map->setColorScale(row->scale);
      row->scale->axis()->setTickLabelFont(row->heat->xAxis->tickLabelFont());
      if (row->twoD) {
        row->heat->yAxis->setRangeReversed(true);
        row->heat->yAxis->ticker()->setTickCount(3);
        row->heat->xAxis->setTickLabels(false);  // the widened axis would show negative W
        row->heat->xAxis->setTicks(false);
        row->heat->yAxis->setLabel("H");
        row->heat->setInteractions({});
        const int tiles = std::min(row->channels, 8);
        const int h = std::clamp(row->height * 4, 150, 240);
        row->heat->setMinimumHeight(h);
        row->heat->xAxis->setLabel(tiles < row->channels ? QString("W  (channels 0–%1 side by side)").arg(tiles - 1)
                                   : tiles > 1             ? QString("W  (channels side by side)")
                                                           : QString("W"));
      } else {
        row->heat->yAxis->setLabel("ch");
        row->heat->yAxis->setRange(-0.5, row->channels - 0.5);
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        row->heat->yAxis->setTicker(ticker);
        row->heat->yAxis->setSubTicks(false);
        if (row->channels == 1) row->heat->yAxis->setTickLabels(false);
        row->heat->setMinimumHeight(std::clamp(38 + 8 * row->channels, 64, 180));
      }
      v->addWidget(row->heat);
    }
    if (lines && !row->twoD) {
      row->lines = makePlot(row->box);
      row->lines->setMinimumHeight(110);
      row->lines->yAxis->setLabel("value");
      row->lines->yAxis->ticker()->setTickCount(4);
      v->addWidget(row->lines);
    }
    for (QCustomPlot* p : {row->heat, row->lines}) {
      if (!p) continue;
      p->installEventFilter(this);
      if (!row->twoD) {
        const QCPRange initial(m_f0 * row->length - 0.5, m_f1 * row->length - 0.5);
        p->xAxis->setRange(initial);
        connect(p->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
                [this, idx](const QCPRange& r) { onRangeChanged(idx, r); });
      }
    }
    m_rowsLayout->insertWidget(m_rowsLayout->count() - 1, row->box);
    m_rows.push_back(std::move(row));
  }
  // The time-axis label only under the last 1-D row keeps the stack uncluttered.
  for (auto it = m_rows.rbegin(); it != m_rows.rend(); ++it)
    if (!(*it)->twoD) {
      QCustomPlot* p = (*it)->lines ? (*it)->lines : (*it)->heat;
      p->xAxis->setLabel("time (samples of each layer; axes synchronised)");
      break;
    }
  applyColorScales();
  refreshVisible();
}

void ActivationPlots::applyColorScales() {
  if (!m_caches) return;
  float glo = 0, ghi = 0;
  for (auto& r : m_rows) {
    glo = std::min(glo, m_caches->lo[static_cast<size_t>(r->index)]);
    ghi = std::max(ghi, m_caches->hi[static_cast<size_t>(r->index)]);
  }
  for (auto& r : m_rows) {
    if (!r->map) continue;
    const float lo = m_scaleMode == ScaleMode::Shared ? glo : m_caches->lo[static_cast<size_t>(r->index)];
    const float hi = m_scaleMode == ScaleMode::Shared ? ghi : m_caches->hi[static_cast<size_t>(r->index)];
    const QCPRange range = colourRangeFor(lo, hi);
    r->map->setGradient(range.lower < 0 ? divergingGradient() : sequentialGradient());
    r->map->setDataRange(range);
  }
}

void ActivationPlots::fillRow(Row& row) {
  const engine::Tensor& t = m_snap->rowTensor(row.index);
  if (row.twoD) {
    // Channel images side by side, one NaN column between them; large images are subsampled.
    const int tiles = std::min(row.channels, 8);
    const int H = row.height, W = static_cast<int>(row.length);
    const int step = std::max(1, std::max(H, W * tiles) / 600);
    const int h = (H + step - 1) / step, w = (W + step - 1) / step;
    const int totalW = tiles * w + (tiles - 1);
    auto* data = new QCPColorMapData(totalW, h, QCPRange(0, (totalW - 1) * step), QCPRange(0, (h - 1) * step));
    for (int c = 0; c < tiles; ++c) {
      const float* img = t.ptr() + static_cast<size_t>(c) * static_cast<size_t>(H) * static_cast<size_t>(W);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          data->setCell(c * (w + 1) + x, y, img[static_cast<size_t>(y * step) * W + static_cast<size_t>(x * step)]);
      if (c + 1 < tiles)
        for (int y = 0; y < h; ++y) data->setCell(c * (w + 1) + w, y, std::numeric_limits<double>::quiet_NaN());
    }
    row.map->setData(data);
    row.heat->xAxis->setRange(-0.5 * step, (totalW - 0.5) * step);
    row.heat->yAxis->setRange(-0.5 * step, (h - 0.5) * step);
    // Square pixels: widen whichever axis has room, keeping the image centred.
    if (row.heat->axisRect()->width() > 10 && row.heat->axisRect()->height() > 10) {
      const double sx = row.heat->axisRect()->width() / (totalW * double(step));
      const double sy = row.heat->axisRect()->height() / (h * double(step));
      if (sx > sy) row.heat->xAxis->setScaleRatio(row.heat->yAxis, 1.0);
      else row.heat->yAxis->setScaleRatio(row.heat->xAxis, 1.0);
    }
    row.heat->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const SignalPyramid& pyr = m_caches->pyramids[static_cast<size_t>(row.index)];
  QCustomPlot* ref = row.heat ? row.heat : row.lines;
  const QCPRange xr = ref->xAxis->range();
  const double x0 = xr.lower + 0.5, x1 = xr.upper + 0.5;  // sample i covers [i - 0.5, i + 0.5)
  const int px = std::max(100, ref->axisRect()->width() > 10 ? ref->axisRect()->width() : 800);
  const int64_t i0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(x0)));
  const int64_t i1 = std::min<int64_t>(row.length, static_cast<int64_t>(std::ceil(x1)));
  const bool raw = (i1 - i0) <= px;  // zoomed in: one cell / point per sample
  const int cols = raw ? static_cast<int>(std::max<int64_t>(1, i1 - i0)) : px;
  std::vector<float> mins(static_cast<size_t>(cols)), maxs(static_cast<size_t>(cols));
  if (row.map) {
    // QCPColorMap puts cell centres at the range ends; a single row or column is doubled so that
    // it still covers [centre - 0.5, centre + 0.5].
    const int keys = std::max(cols, 2), values = std::max(row.channels, 2);
    QCPRange keyRange = raw ? QCPRange(i0, i0 + cols - 1)
                            : QCPRange(x0 - 0.5 + (x1 - x0) / cols / 2, x1 - 0.5 - (x1 - x0) / cols / 2);
    if (cols == 1) keyRange = QCPRange(i0 - 0.25, i0 + 0.25);
    const QCPRange valueRange = row.channels == 1 ? QCPRange(-0.25, 0.25) : QCPRange(0, row.channels - 1);
    auto* data = new QCPColorMapData(keys, values, keyRange, valueRange);
    for (int c = 0; c < row.channels; ++c) {
      if (!raw) pyr.columns(c, x0, x1, cols, mins.data(), maxs.data());
      for (int j = 0; j < cols; ++j) {
        const double v = raw ? (i0 + j < row.length ? pyr.sample(c, i0 + j) : NAN)
                             : extreme(mins[static_cast<size_t>(j)], maxs[static_cast<size_t>(j)]);
        for (int dj = 0; dj < (cols == 1 ? 2 : 1); ++dj)
          for (int dc = 0; dc < (row.channels == 1 ? 2 : 1); ++dc) data->setCell(j + dj, c + dc, v);
      }
    }
    row.map->setData(data);
    row.heat->replot(QCustomPlot::rpQueuedReplot);
  }
  if (row.lines) {
    row.lines->clearGraphs();
    double ylo = INFINITY, yhi = -INFINITY;
    int colour = 0;
    for (int c : m_lineChannels) {
      if (c >= row.channels) continue;
      QCPGraph* g = row.lines->addGraph();
      g->setPen(QPen(kLineColors[colour++ % 8], 1.4));
      g->setName(QString("ch %1").arg(c));
      QVector<double> xs, ys;
      if (raw) {
        for (int64_t i = i0; i < i1; ++i) {
          xs << static_cast<double>(i);
          ys << pyr.sample(c, i);
        }
        if (i1 - i0 <= 64) {
          g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
        }
      } else {
        // Envelope: two points per pixel column (min then max) draw the column's full extent.
        pyr.columns(c, x0, x1, cols, mins.data(), maxs.data());
        for (int j = 0; j < cols; ++j) {
          if (std::isnan(mins[static_cast<size_t>(j)])) continue;
          const double x = x0 - 0.5 + (j + 0.5) * (x1 - x0) / cols;
          xs << x << x;
          ys << mins[static_cast<size_t>(j)] << maxs[static_cast<size_t>(j)];
        }
      }
      for (double y : ys) {
        ylo = std::min(ylo, y);
        yhi = std::max(yhi, y);
      }
      g->setData(xs, ys, true);
    }
    if (ylo <= yhi) {
      const double pad = std::max(1e-6, (yhi - ylo) * 0.08);
      row.lines->yAxis->setRange(ylo - pad, yhi + pad);
    }
    // Channel key in the row title instead of a legend over the data.
    QString key;
    int k = 0;
    for (int c : m_lineChannels)
      if (c < row.channels)
        key += QString(" &nbsp;<span style='color:%1'>&#9632;</span> ch %2").arg(kLineColors[k++ % 8].name()).arg(c);
    row.title->setText(rowTitle(*m_snap, row.index) + (k > 1 ? " &nbsp;&nbsp;" + key : QString()));
    row.lines->replot(QCustomPlot::rpQueuedReplot);
  }
}

// ---------------------------------------------------------------- 5. sync and refresh
void ActivationPlots::onRangeChanged(int rowIdx, const QCPRange& r) {
  if (m_syncing || rowIdx >= rowCount()) return;
  const Row& src = *m_rows[static_cast<size_t>(rowIdx)];
  setTimeWindow((r.lower + 0.5) / static_cast<double>(src.length), (r.upper + 0.5) / static_cast<double>(src.length));
}

void ActivationPlots::scheduleRefresh() {
  if (m_refreshPending) return;
  m_refreshPending = true;
  QMetaObject::invokeMethod(this, [this]() { refreshVisible(); }, Qt::QueuedConnection);
}

void ActivationPlots::refreshVisible() {
  m_refreshPending = false;
  if (!m_snap) return;
  for (auto& r : m_rows) fillRow(*r);
}

bool ActivationPlots::eventFilter(QObject* obj, QEvent* ev) {
  if (ev->type() == QEvent::Wheel) {
    auto* we = static_cast<QWheelEvent*>(ev);
    if (!(we->modifiers() & Qt::ControlModifier)) {
      // Plain wheel scrolls the list of layers; Ctrl+wheel zooms time (QCustomPlot's own zoom).
      QScrollBar* sb = m_scroll->verticalScrollBar();
      sb->setValue(sb->value() - we->angleDelta().y() / 2);
      return true;
    }
  } else if (ev->type() == QEvent::MouseButtonDblClick) {
    setTimeWindow(0.0, 1.0);
    return true;
  } else if (ev->type() == QEvent::Resize) {
    scheduleRefresh();
  }
  return QWidget::eventFilter(obj, ev);
}

}  // namespace convscope::widgets
