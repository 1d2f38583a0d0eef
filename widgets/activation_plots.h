// ActivationPlots: every layer's activations at once (QCustomPlot, Qt6 build). One row per tensor
// (the input, then each layer's output); a 1-D row shows a heatmap (channels × time) and/or line
// plots of chosen channels, a 2-D row shows its channel images side by side.
//
// Time axes are synchronised across rows by fraction of each row's length (a stride-2 layer shows
// the same stretch of signal as its input). Long signals are drawn from SignalPyramid min/max
// caches, built once per snapshot (on a worker thread for big data), never in paint events.
#pragma once
#include <QVector>
#include <QWidget>
#include <memory>
#include <vector>

#include "widgets/latest_job.h"
#include "widgets/scene/scene_theme.h"
#include "widgets/scene/stack_snapshot.h"
#include "widgets/signal_pyramid.h"

class QCustomPlot;
class QCPColorGradient;
class QCPColorMap;
class QCPColorScale;
class QComboBox;
class QLabel;
class QLineEdit;
class QScrollArea;
class QVBoxLayout;
struct QCPRange;

namespace convscope::widgets {

class ActivationPlots : public QWidget {
  Q_OBJECT
 public:
  /// Implementation details (defined in the .cpp).
  struct Row;
  struct Caches;

  /// Auto: line plots for 1-D rows of at most 4 channels, a heatmap for more.
  enum class Mode { Auto, Heatmap, Lines, Both };
  enum class ScaleMode { Shared, PerLayer };

  explicit ActivationPlots(QWidget* parent = nullptr);
  ~ActivationPlots() override;

  /// Shows `snap` (input + every layer). Keeps showing the previous snapshot until the caches of
  /// a big one are built; then emits ready().
  void setSnapshot(SnapshotPtr snap);
  /// What 1-D rows show.
  void setMode(Mode m);
  Mode mode() const { return m_mode; }
  /// One colour scale for every row, or one per row.
  void setScaleMode(ScaleMode s);
  /// Colours of heatmaps (valueGradient) and line plots (categoricalColor) for `theme`.
  void setTheme(Theme theme);
  /// Channels drawn in the line plots (missing channels of a row are skipped).
  void setLineChannels(const QVector<int>& channels);
  /// Shows fraction [f0, f1] of every 1-D row's time axis.
  void setTimeWindow(double f0, double f1);

  /// Rows shown (input + layers); 0 before the first snapshot is ready.
  int rowCount() const { return static_cast<int>(m_rows.size()); }
  /// The heatmap / image plot of a row, or null.
  QCustomPlot* heatmapPlot(int row) const;
  /// The line plot of a row, or null.
  QCustomPlot* linePlot(int row) const;
  /// The colour range of a row's heatmap (lower, upper).
  QPair<double, double> colorRange(int row) const;
  /// The value axis of a line plot for data in [lo, hi]: 8 % margins; constant data (up to float
  /// rounding) gets [v - h, v + h] with h = 1 below |v| = 1, else the power of ten under |v|, so
  /// that its ticks are clean and distinct. Returns (lower, upper).
  static QPair<double, double> valueAxisRange(double lo, double hi);
  /// The title line of a row (tests).
  QLabel* rowTitleLabel(int row) const;
  /// True when no cache build is pending.
  bool isReady() const { return !m_building; }

 signals:
  /// A snapshot's plots are built and shown.
  void ready();

 protected:
  bool eventFilter(QObject* obj, QEvent* ev) override;

 private:
  void adopt(SnapshotPtr snap, std::shared_ptr<Caches> caches);
  void rebuildRows();
  /// Keeps the rows when `prev` (the snapshot shown until now) had the same ones (1-D rows may change
  /// length): only the rows whose tensor is not shared with it are refilled. False when the rows must
  /// be rebuilt.
  bool updateRows(const StackSnapshot& prev);
  void applyColorScales();
  void onRangeChanged(int row, const QCPRange& r);
  void scheduleRefresh();
  void refreshVisible();
  /// Fills a row's plots for its visible time range (1-D) or its images (2-D).
  void fillRow(Row& row);
  struct TimeBins;  // a 1-D row's visible range, binned to pixel columns (defined in the .cpp)
  void fillHeatmap(Row& row, const TimeBins& b);
  void fillLines(Row& row, const TimeBins& b);
  void fillImageRow(Row& row);
  /// Sizes a 2-D row's plot to its image (tiles of w × h cells, subsampled by step) and sets its ticks.
  void fitImageAxes(Row& row, int tiles, int w, int h, int step);
  void fitSquarePixels(Row& row);

  Mode m_mode = Mode::Auto;
  ScaleMode m_scaleMode = ScaleMode::PerLayer;
  Theme m_theme = Theme::Light;
  QVector<int> m_lineChannels{0, 1, 2, 3};
  SnapshotPtr m_snap;
  std::shared_ptr<Caches> m_caches;
  std::vector<std::unique_ptr<Row>> m_rows;
  double m_f0 = 0.0, m_f1 = 1.0;  // visible fraction of the time axis
  bool m_syncing = false;
  bool m_refreshPending = false;
  bool m_building = false;
  LatestJob* m_build = nullptr;  // level-of-detail cache builds off the GUI thread, latest wins

  QComboBox* m_modeBox = nullptr;
  QComboBox* m_scaleBox = nullptr;
  QLineEdit* m_channelsEdit = nullptr;
  QLabel* m_status = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_rowsHost = nullptr;
  QVBoxLayout* m_rowsLayout = nullptr;
};

/// The heatmaps' gradient: the diverging map of widgets/scene/colour_maps.h, on a data range of
/// ±absMax, so that a value has the colour divergingColor(v, absMax, theme) gives it on the canvas.
QCPColorGradient valueGradient(Theme theme);

/// Parses "0-3, 7" into {0, 1, 2, 3, 7}; invalid parts are skipped.
QVector<int> parseChannelList(const QString& text);

}  // namespace convscope::widgets
