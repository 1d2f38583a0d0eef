// Activation plots (widgets/activation_plots.h): level-of-detail caches, rows of QCustomPlot heatmaps,
// images and line plots, and the time axis kept in sync across rows.
//
// Index of this file:
//   [SECTION] COLOUR MAPS
//   [SECTION] CACHES
//   [SECTION] CONSTRUCTION AND OPTIONS
//   [SECTION] ROWS
//   [SECTION] SYNC AND REFRESH
#include "widgets/activation_plots.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "engine/core/layer.h"
#include "engine/stack/shape_words.h"
#include "widgets/scene/colour_maps.h"

namespace convscope::widgets {

// [SECTION] COLOUR MAPS
QCPColorGradient valueGradient(Theme theme) {
  QCPColorGradient g;
  g.clearColorStops();
  for (const ColourStop& s : divergingStops(theme)) g.setColorStopAt(s.at, s.colour);
  g.setColorInterpolation(QCPColorGradient::ciRGB);  // sampleStops() interpolates in sRGB too
  g.setLevelCount(4097);  // fine enough that a level is within one 8-bit step of sampleStops()
  g.setNanHandling(QCPColorGradient::nhTransparent);
  return g;
}

namespace {

// The value of larger magnitude: a heatmap column keeps its strongest peak, sign included.
float extreme(float lo, float hi) {
  return std::fabs(hi) >= std::fabs(lo) ? hi : lo;
}

}  // namespace

// [SECTION] CACHES
struct ActivationPlots::Caches {
  std::vector<SignalPyramid> pyramids;  // per row (1-D rows; empty pyramid for 2-D rows)
  std::vector<double> absMax;           // per row: StackSnapshot::rowAbsMax, the canvas's scale too
};

namespace {

std::shared_ptr<ActivationPlots::Caches> buildCaches(
    const SnapshotPtr& snap, const SnapshotPtr& prevSnap,
    const std::shared_ptr<ActivationPlots::Caches>& prevCaches);

}  // namespace

struct ActivationPlots::Row {
  int index = 0;  // 0 = input, i+1 = layer i
  bool twoD = false;
  int channels = 0;
  int64_t length = 0;  // L (1-D) or W (2-D)
  int height = 0;      // H (2-D)
  QWidget* box = nullptr;
  QLabel* title = nullptr;
  QCustomPlot* heat = nullptr;
  QCPColorMap* map = nullptr;
  QCPColorScale* scale = nullptr;
  QCustomPlot* lines = nullptr;
  QCPRange imageX, imageY;  // 2-D: the image's extent in axis coordinates (fillRow)
};

namespace {

// The caches of `snap`; rows whose tensor `prevSnap` (with `prevCaches`, may be null) already had —
// the same shared layer output, or an input of the same bits — are copied, not rebuilt.
std::shared_ptr<ActivationPlots::Caches> buildCaches(
    const SnapshotPtr& snap, const SnapshotPtr& prevSnap,
    const std::shared_ptr<ActivationPlots::Caches>& prevCaches) {
  auto c = std::make_shared<ActivationPlots::Caches>();
  const int rows = snap->rowCount();
  c->pyramids.resize(static_cast<size_t>(rows));
  c->absMax.assign(static_cast<size_t>(rows), 0.0);
  const int prevRows = prevSnap && prevCaches
                           ? std::min(prevSnap->rowCount(), static_cast<int>(prevCaches->pyramids.size()))
                           : 0;
  for (int r = 0; r < rows; ++r) {
    const engine::Tensor& t = snap->rowTensor(r);
    if (t.rank() < 3) continue;
    c->absMax[static_cast<size_t>(r)] =
        snap->rowAbsMax(r);  // computed once per tensor, here off the GUI thread
    if (r < prevRows && (r == 0 ? engine::sameBits(prevSnap->stack.input, t)
                                : prevSnap->outputs.shared(static_cast<size_t>(r - 1)) ==
                                      snap->outputs.shared(static_cast<size_t>(r - 1)))) {
      const auto i = static_cast<size_t>(r);
      c->pyramids[i] = prevCaches->pyramids[i].rebased(t.ptr());  // level 0 is this snapshot's tensor
      c->absMax[i] = prevCaches->absMax[i];
      continue;
    }
    // Batch item 0 only: (C, L) or (C, H*W) contiguous at the start of the tensor.
    const int ch = static_cast<int>(t.dim(1));
    int64_t len = 1;
    for (int a = 2; a < t.rank(); ++a) len *= t.dim(a);
    // A 2-D row is drawn from the tensor directly.
    if (t.rank() == 3) c->pyramids[static_cast<size_t>(r)].build(t.ptr(), ch, len);
  }
  return c;
}

int64_t snapshotElements(const SnapshotPtr& snap) {
  int64_t n = 0;
  for (int r = 0; r < snap->rowCount(); ++r) n += snap->rowTensor(r).numel();
  return n;
}

}  // namespace

// [SECTION] CONSTRUCTION AND OPTIONS
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

ActivationPlots::ActivationPlots(QWidget* parent) : QWidget(parent), m_build(new LatestJob(this)) {
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
  m_status->setText(tr("drag: pan · Ctrl+wheel: zoom time · double-click: reset"));
  m_status->setToolTip(m_status->text());
  // A hint, not a control: it may be cut when the dock is narrow (the window must fit 1280×720).
  m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  m_status->setMinimumWidth(0);
  bar->addWidget(m_status, 1);
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
  m_scroll->viewport()->installEventFilter(this);  // 2-D rows fit their images to its height

  connect(m_modeBox, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(static_cast<Mode>(i)); });
  connect(m_scaleBox, &QComboBox::currentIndexChanged, this,
          [this](int i) { setScaleMode(i == 0 ? ScaleMode::Shared : ScaleMode::PerLayer); });
  connect(m_channelsEdit, &QLineEdit::editingFinished, this,
          [this]() { setLineChannels(parseChannelList(m_channelsEdit->text())); });
}

ActivationPlots::~ActivationPlots() = default;

void ActivationPlots::setSnapshot(SnapshotPtr snap) {
  if (!snap) {
    m_build->cancel();
    m_building = false;
    m_snap.reset();
    m_caches.reset();
    rebuildRows();
    return;
  }
  if (snapshotElements(snap) < (int64_t(1) << 22)) {
    m_build->cancel();
    m_building = false;
    adopt(snap, buildCaches(snap, m_snap, m_caches));
    return;
  }
  m_building = true;
  m_status->setText(tr("building level-of-detail caches…"));
  // Rows shared with the snapshot shown now (an edit of layer j keeps rows 0..j) keep their caches.
  // A newer snapshot supersedes this build (LatestJob delivers only the latest).
  QPointer<ActivationPlots> self(this);
  m_build->submit(
      [self, snap, prevSnap = m_snap, prevCaches = m_caches](const std::atomic<bool>&) -> LatestJob::Deliver {
        auto caches = buildCaches(snap, prevSnap, prevCaches);
        return [self, snap, caches]() {
          if (!self) return;
          self->m_building = false;
          self->m_status->setText(tr("drag: pan · Ctrl+wheel: zoom time · double-click: reset"));
          self->adopt(snap, caches);
        };
      });
}

void ActivationPlots::adopt(SnapshotPtr snap, std::shared_ptr<Caches> caches) {
  const SnapshotPtr prev = std::move(m_snap);
  m_snap = std::move(snap);
  m_caches = std::move(caches);
  if (!prev || !updateRows(*prev)) rebuildRows();
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

void ActivationPlots::setTheme(Theme theme) {
  if (theme == m_theme) return;
  m_theme = theme;
  if (!m_snap) return;
  applyColorScales();
  for (auto& r : m_rows) fillRow(*r);  // line colours; replots
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

QLabel* ActivationPlots::rowTitleLabel(int row) const {
  return row >= 0 && row < rowCount() ? m_rows[static_cast<size_t>(row)]->title : nullptr;
}

QPair<double, double> ActivationPlots::colorRange(int row) const {
  if (row < 0 || row >= rowCount() || !m_rows[static_cast<size_t>(row)]->map) return {0, 0};
  const QCPRange r = m_rows[static_cast<size_t>(row)]->map->dataRange();
  return {r.lower, r.upper};
}

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

// [SECTION] ROWS
namespace {

// Time axes count samples: integer ticks (1, 2, 5 × 10^k; never 2.5).
class SampleTicker : public QCPAxisTicker {
 protected:
  double getTickStep(const QCPRange& range) override {
    const double s = QCPAxisTicker::getTickStep(range);
    if (s <= 1) return 1;
    const double mag = std::pow(10.0, std::floor(std::log10(s)));
    return std::abs(s / mag - 2.5) < 1e-9 ? 2 * mag : s;
  }
};

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

}  // namespace

// Square pixels: the image's extent, the axis with room widened around it (the axis rect is
// fitted to the image in fillRow(), so this only absorbs rounding). Runs after every layout.
void ActivationPlots::fitSquarePixels(Row& row) {
  if (!row.heat || row.imageX.size() <= 0 || row.imageY.size() <= 0) return;
  QCustomPlot* p = row.heat;
  p->xAxis->setRange(row.imageX);
  p->yAxis->setRange(row.imageY);
  const QRect ar = p->axisRect()->rect();
  if (ar.width() > 10 && ar.height() > 10) {
    const double sx = ar.width() / row.imageX.size(), sy = ar.height() / row.imageY.size();
    if (sx > sy)
      p->xAxis->setScaleRatio(p->yAxis, 1.0);
    else
      p->yAxis->setScaleRatio(p->xAxis, 1.0);
  }
  p->xAxis2->setRange(p->xAxis->range());
}

namespace {

QString rowTitle(const StackSnapshot& s, int row) {
  const engine::Tensor& t = s.rowTensor(row);
  const engine::Shape shape(t.shape.begin() + 1, t.shape.end());
  // In the stack's layout and the convention's axis names (engine/stack/shape_words.h).
  const QString text =
      QString::fromStdString(engine::layoutShapeText(s.stack, shape, row - 1)).toHtmlEscaped();
  if (row == 0) return ActivationPlots::tr("<b>input</b> &nbsp;%1").arg(text);
  const engine::Layer& l = s.stack.layers[static_cast<size_t>(row - 1)];
  return ActivationPlots::tr("<b>layer %1 · %2</b> &nbsp;→ %3")
      .arg(row - 1)
      .arg(engine::opName(l.op))
      .arg(text);
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
      auto* group = new QCPMarginGroup(row->heat);  // the colour bar spans exactly the data area
      row->heat->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
      row->scale->setMarginGroup(QCP::msTop | QCP::msBottom, group);
      row->scale->axis()->setTickLabelFont(row->heat->xAxis->tickLabelFont());
      if (row->twoD) {
        // The plot's height and the axis rect's width are fitted to the image in fillRow().
        row->heat->yAxis->setRangeReversed(true);
        row->heat->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
        row->heat->yAxis->setSubTicks(false);
        row->heat->yAxis->setLabel("H");
        row->heat->xAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
        row->heat->xAxis->setSubTicks(false);
        row->heat->setInteractions({});
        const int tiles = std::min(row->channels, 8);
        if (tiles > 1) {
          // Channel names over the tiles (top axis: labels only).
          row->heat->xAxis2->setVisible(true);
          row->heat->xAxis2->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
          row->heat->xAxis2->setTickLabelFont(row->heat->xAxis->tickLabelFont());
          row->heat->xAxis2->setTickLength(0, 0);  // (setTicks(false) would hide the labels too)
          row->heat->xAxis2->setSubTicks(false);
          row->heat->xAxis2->setTickLabels(true);
          row->heat->xAxis2->setBasePen(Qt::NoPen);
        }
        row->heat->setFixedHeight(std::clamp(row->height * 10, 72, 160) + 48);
        connect(row->heat, &QCustomPlot::afterLayout, this, [this, r = row.get()]() { fitSquarePixels(*r); });
        row->heat->xAxis->setLabel(tiles < row->channels
                                       ? QString("W  (channels 0–%1 of %2)").arg(tiles - 1).arg(row->channels)
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
        p->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new SampleTicker));
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

bool ActivationPlots::updateRows(const StackSnapshot& prev) {
  if (!m_snap || !m_caches || m_rows.empty() || prev.rowCount() != m_snap->rowCount()) return false;
  // The same rows as rebuildRows() would make (one per tensor of rank >= 3) with the same widgets:
  // the same rank and channels; a 1-D row may change its length (its time axis follows), a 2-D row
  // (its plot is sized to the image) may not change at all.
  size_t k = 0;
  for (int i = 0; i < m_snap->rowCount(); ++i) {
    const engine::Tensor& t = m_snap->rowTensor(i);
    if (t.rank() < 3) continue;
    const engine::Tensor& p = prev.rowTensor(i);
    if (k >= m_rows.size() || m_rows[k]->index != i || t.rank() != p.rank() || t.dim(1) != p.dim(1) ||
        (t.rank() > 3 && t.shape != p.shape))
      return false;
    ++k;
  }
  if (k != m_rows.size()) return false;
  std::vector<QCPRange> ranges;
  for (const auto& r : m_rows) ranges.push_back(r->map ? r->map->dataRange() : QCPRange());
  applyColorScales();
  for (size_t j = 0; j < m_rows.size(); ++j) {
    Row& r = *m_rows[j];
    // A shared layer output (or the input, same bits) shows what it showed: its layer is the same.
    const bool same = r.index == 0 ? engine::sameBits(prev.stack.input, m_snap->stack.input)
                                   : prev.outputs.shared(static_cast<size_t>(r.index - 1)) ==
                                         m_snap->outputs.shared(static_cast<size_t>(r.index - 1));
    if (same) {
      if (r.map && r.map->dataRange() != ranges[j])
        r.heat->replot(QCustomPlot::rpQueuedReplot);  // a shared scale moved
      continue;
    }
    r.title->setText(rowTitle(*m_snap, r.index));
    const int64_t length = m_snap->rowTensor(r.index).dim(-1);
    if (!r.twoD && length != r.length) {  // the same fraction of the new length, as setTimeWindow()
      r.length = length;
      const QCPRange range(m_f0 * r.length - 0.5, m_f1 * r.length - 0.5);
      m_syncing = true;
      for (QCustomPlot* p : {r.heat, r.lines})
        if (p) p->xAxis->setRange(range);
      m_syncing = false;
    }
    fillRow(r);
  }
  return true;
}

void ActivationPlots::applyColorScales() {
  if (!m_caches) return;
  // Values on the canvas's diverging scale: ±max |v| of the tensor (widgets/scene/scene_model.cpp
  // absRow), or of every tensor shown when the scale is shared, so a value has the same colour here.
  double shared = 0;
  for (auto& r : m_rows) shared = std::max(shared, m_caches->absMax[static_cast<size_t>(r->index)]);
  const QCPColorGradient gradient = valueGradient(m_theme);
  for (auto& r : m_rows) {
    if (!r->map) continue;
    const double m =
        m_scaleMode == ScaleMode::Shared ? shared : m_caches->absMax[static_cast<size_t>(r->index)];
    r->map->setGradient(gradient);
    r->map->setDataRange(m > 0 ? QCPRange(-m, m) : QCPRange(-1, 1));
  }
}

struct ActivationPlots::TimeBins {
  double x0 = 0, x1 = 0;   // visible time range; sample i covers [i - 0.5, i + 0.5)
  int64_t i0 = 0, i1 = 0;  // samples in it
  bool raw = false;        // zoomed in: one cell / point per sample, else one per pixel column
  int cols = 1;            // cells / columns drawn
};

void ActivationPlots::fillRow(Row& row) {
  if (row.twoD) {
    fillImageRow(row);
    return;
  }
  QCustomPlot* ref = row.heat ? row.heat : row.lines;
  const QCPRange xr = ref->xAxis->range();
  TimeBins b;
  b.x0 = xr.lower + 0.5, b.x1 = xr.upper + 0.5;
  // The axis rect as laid out for the plot's current size: QCustomPlot lays out on replot, which may
  // still be queued after a resize (a stale width would bin the row for the old width).
  ref->plotLayout()->update(QCPLayoutElement::upPreparation);
  ref->plotLayout()->update(QCPLayoutElement::upMargins);
  ref->plotLayout()->update(QCPLayoutElement::upLayout);
  const int px = std::max(100, ref->axisRect()->width() > 10 ? ref->axisRect()->width() : 800);
  b.i0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor(b.x0)));
  b.i1 = std::min<int64_t>(row.length, static_cast<int64_t>(std::ceil(b.x1)));
  b.raw = (b.i1 - b.i0) <= px;
  b.cols = b.raw ? static_cast<int>(std::max<int64_t>(1, b.i1 - b.i0)) : px;
  if (row.map) fillHeatmap(row, b);
  if (row.lines) fillLines(row, b);
}

void ActivationPlots::fillHeatmap(Row& row, const TimeBins& b) {
  const SignalPyramid& pyr = m_caches->pyramids[static_cast<size_t>(row.index)];
  const double x0 = b.x0, x1 = b.x1;
  const int64_t i0 = b.i0;
  const int cols = b.cols;
  const bool raw = b.raw;
  std::vector<float> mins(static_cast<size_t>(cols)), maxs(static_cast<size_t>(cols));
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

void ActivationPlots::fillLines(Row& row, const TimeBins& b) {
  const SignalPyramid& pyr = m_caches->pyramids[static_cast<size_t>(row.index)];
  const double x0 = b.x0, x1 = b.x1;
  const int64_t i0 = b.i0, i1 = b.i1;
  const int cols = b.cols;
  const bool raw = b.raw;
  std::vector<float> mins(static_cast<size_t>(cols)), maxs(static_cast<size_t>(cols));
  row.lines->clearGraphs();
  double ylo = INFINITY, yhi = -INFINITY;
  int colour = 0;
  for (int c : m_lineChannels) {
    if (c >= row.channels) continue;
    QCPGraph* g = row.lines->addGraph();
    g->setPen(QPen(categoricalColor(colour++, m_theme), 1.4));
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
    const auto [lower, upper] = valueAxisRange(ylo, yhi);
    row.lines->yAxis->setRange(lower, upper);
  }
  // Channel key in the row title instead of a legend over the data.
  QString key;
  int k = 0;
  for (int c : m_lineChannels)
    if (c < row.channels)
      key += QString(" &nbsp;<span style='color:%1'>&#9632;</span> ch %2")
                 .arg(categoricalColor(k++, m_theme).name())
                 .arg(c);
  row.title->setText(rowTitle(*m_snap, row.index) + (k > 1 ? " &nbsp;&nbsp;" + key : QString()));
  row.lines->replot(QCustomPlot::rpQueuedReplot);
}

QPair<double, double> ActivationPlots::valueAxisRange(double lo, double hi) {
  const double mag = std::max(std::fabs(lo), std::fabs(hi));
  // Constant (or constant up to float rounding): a range of clean ticks around the value, the line
  // in the middle — never a span of 1e-6 whose ticks read "1, 1, 0.999999".
  if (hi - lo <= 1e-6 * std::max(1.0, mag)) {
    const double mid = 0.5 * (lo + hi);
    const double half = mag < 1.0 ? 1.0 : std::pow(10.0, std::floor(std::log10(mag)));
    return {mid - half, mid + half};
  }
  const double pad = (hi - lo) * 0.08;
  return {lo - pad, hi + pad};
}

void ActivationPlots::fillImageRow(Row& row) {
  const engine::Tensor& t = m_snap->rowTensor(row.index);
  // Channel images side by side, one NaN column between them; large images are subsampled.
  const int tiles = std::min(row.channels, 8);
  const int H = row.height, W = static_cast<int>(row.length);
  const int step = std::max(1, std::max(H, W * tiles) / 600);
  const int h = (H + step - 1) / step, w = (W + step - 1) / step;
  const int totalW = tiles * w + (tiles - 1);
  // QCPColorMap puts cell centres at the range ends: a single row (H = 1) or column is doubled
  // into two half cells so that it still covers [centre - step/2, centre + step/2].
  const int dx = totalW == 1 ? 2 : 1, dy = h == 1 ? 2 : 1;
  auto* data = new QCPColorMapData(
      totalW * dx, h * dy,
      totalW == 1 ? QCPRange(-0.25 * step, 0.25 * step) : QCPRange(0, (totalW - 1) * step),
      h == 1 ? QCPRange(-0.25 * step, 0.25 * step) : QCPRange(0, (h - 1) * step));
  auto cell = [&](int x, int y, double v) {
    for (int i = 0; i < dx; ++i)
      for (int j = 0; j < dy; ++j) data->setCell(x * dx + i, y * dy + j, v);
  };
  for (int c = 0; c < tiles; ++c) {
    const float* img = t.ptr() + static_cast<size_t>(c) * static_cast<size_t>(H) * static_cast<size_t>(W);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        cell(c * (w + 1) + x, y, img[static_cast<size_t>(y * step) * W + static_cast<size_t>(x * step)]);
    if (c + 1 < tiles)
      for (int y = 0; y < h; ++y) cell(c * (w + 1) + w, y, std::numeric_limits<double>::quiet_NaN());
  }
  row.map->setData(data);
  const QCPRange xr(-0.5 * step, (totalW - 0.5) * step), yr(-0.5 * step, (h - 0.5) * step);
  row.imageX = xr;
  row.imageY = yr;
  fitSquarePixels(row);
  fitImageAxes(row, tiles, w, h, step);
  row.heat->replot(QCustomPlot::rpQueuedReplot);
}

void ActivationPlots::fitImageAxes(Row& row, int tiles, int w, int h, int step) {
  // W ticks in each tile's own pixel coordinates (0 … W−1), a nice step giving ~1 tick per 50 px.
  const int H = row.height, W = static_cast<int>(row.length);
  const int totalW = tiles * w + (tiles - 1);
  QCustomPlot* p = row.heat;
  const double aspect = double(totalW) / h;  // axis-rect width / height for square pixels
  // Fit the axis rect to the image: as tall as the target, narrower than the room beside the
  // left margin and the colour scale; the plot's height follows.
  const QCPAxisRect* ar = p->axisRect();
  const int scaleW = row.scale->outerRect().width() > 0 ? row.scale->outerRect().width() : 46;
  const int vOver = ar->margins().top() + ar->margins().bottom() > 0
                        ? ar->margins().top() + ar->margins().bottom()
                        : (tiles > 1 ? 62 : 48);
  const double room = std::max(60, p->width() - ar->margins().left() - scaleW - 16);
  // As tall as the visible list allows (title and axes included), so the first image fits
  // the dock; a tiny image is not blown up beyond 24 px per pixel.
  const int view = m_scroll->viewport()->height() > 50 ? m_scroll->viewport()->height() : 200;
  const double target =
      std::clamp(view - vOver - row.title->sizeHint().height() - 8, 72, std::max(72, H * 24));
  // (a strip of 1–2 rows stays 36 px tall, letterboxed, so its colour bar remains readable)
  const double innerH = std::max(std::min(target, room / aspect), std::min(target, 36.0));
  row.scale->axis()->ticker()->setTickCount(innerH < 70 ? 2 : 5);
  const int innerW = std::max(24, static_cast<int>(std::ceil(std::min(room, innerH * aspect))));
  p->axisRect()->setMaximumSize(innerW, QWIDGETSIZE_MAX);
  const int plotH = static_cast<int>(std::lround(innerH)) + vOver;
  if (p->height() != plotH || p->minimumHeight() != plotH) p->setFixedHeight(plotH);

  const double tilePx = innerW * double(W) / (totalW * double(step));
  // the smallest 1, 2, 5 × 10^k step with at most `want` intervals over 0 … n−1
  auto niceStep = [](int n, int want) {
    for (double mag = 1;; mag *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (std::floor((n - 1) / (m * mag)) <= want) return static_cast<int>(m * mag);
  };
  const int tickStep = niceStep(W, std::max(1, static_cast<int>(tilePx / 50)));
  if (auto yt = p->yAxis->ticker().dynamicCast<QCPAxisTickerText>()) {
    yt->clear();  // H ticks only over the image (not the letterbox)
    for (int y = 0; y < H; y += niceStep(H, std::max(1, static_cast<int>(innerH / 35))))
      yt->addTick(y, QString::number(y));
  }
  auto xt = p->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  auto ct = p->xAxis2->ticker().dynamicCast<QCPAxisTickerText>();
  if (xt) xt->clear();
  if (ct) ct->clear();
  const double pxPerSample = tilePx / W;
  // Channel names over the tiles: "ch 7" when every name fits its tile, else the bare number
  // (the axis label says "channel"), else every n-th tile — names never run into each other.
  const QFontMetrics fm(p->xAxis2->tickLabelFont());
  const QString widest = QString("ch %1").arg(tiles - 1);
  const double tileW = tilePx + pxPerSample * step;  // a tile plus its separator column
  const bool full = fm.horizontalAdvance(widest) + 8 <= tileW;
  const int numW = fm.horizontalAdvance(QString::number(tiles - 1)) + 8;
  const int every = full ? 1 : std::max(1, static_cast<int>(std::ceil(numW / std::max(1.0, tileW))));
  if (ct) p->xAxis2->setLabel(full ? QString() : tr("channel"));
  for (int c = 0; c < tiles; ++c) {
    const double origin = c * (w + 1) * double(step);
    if (xt)
      for (int x = 0; x < W; x += tickStep) {
        // a label too close to the next tile's 0 is left out
        if (c + 1 < tiles && x > 0 && (W - x + step) * pxPerSample < 28) continue;
        xt->addTick(origin + x, QString::number(x));
      }
    if (ct && c % every == 0)
      ct->addTick(origin + (W - 1) / 2.0, full ? QString("ch %1").arg(c) : QString::number(c));
  }
}

// [SECTION] SYNC AND REFRESH
void ActivationPlots::onRangeChanged(int rowIdx, const QCPRange& r) {
  if (m_syncing || rowIdx >= rowCount()) return;
  const Row& src = *m_rows[static_cast<size_t>(rowIdx)];
  setTimeWindow((r.lower + 0.5) / static_cast<double>(src.length),
                (r.upper + 0.5) / static_cast<double>(src.length));
}

void ActivationPlots::scheduleRefresh() {
  if (m_refreshPending) return;
  m_refreshPending = true;
  QMetaObject::invokeMethod(
      this, [this]() { refreshVisible(); }, Qt::QueuedConnection);
}

void ActivationPlots::refreshVisible() {
  m_refreshPending = false;
  if (!m_snap) return;
  for (auto& r : m_rows) fillRow(*r);
}

bool ActivationPlots::eventFilter(QObject* obj, QEvent* ev) {
  if (obj == m_scroll->viewport()) {
    // 2-D rows fit their images to the viewport's height
    if (ev->type() == QEvent::Resize &&
        std::any_of(m_rows.begin(), m_rows.end(), [](const auto& r) { return r->twoD; }))
      scheduleRefresh();
    return QWidget::eventFilter(obj, ev);
  }
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
