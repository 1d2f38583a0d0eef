// Index of this file:
//   [SECTION] FORMATS AND TARGETS
//   [SECTION] FIGURES
//   [SECTION] ACTIVATION PLOTS
//   [SECTION] ANIMATIONS AND FRAMES
//   [SECTION] COMPARISONS
#include "app/export/export_job.h"

#include <fcntl.h>
#include <qcustomplot.h>
#include <unistd.h>

#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <QTemporaryFile>
#include <QTimer>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "app/export/gif_writer.h"
#include "app/export/video_writer.h"
#include "widgets/activation_plots.h"
#include "widgets/scene/colour_maps.h"
#include "widgets/scene/tikz/tikz_paint_device.h"

namespace convscope::app {

using widgets::SceneRequest;
using widgets::Theme;

// [SECTION] FORMATS AND TARGETS

std::optional<ExportFormat> exportFormatFromPath(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  if (ext == "png") return ExportFormat::Png;
  if (ext == "svg") return ExportFormat::Svg;
  if (ext == "pdf") return ExportFormat::Pdf;
  if (ext == "tex") return ExportFormat::Tex;
  if (ext == "gif") return ExportFormat::Gif;
  if (ext == "mp4") return ExportFormat::Mp4;
  return std::nullopt;
}

void checkWritableTarget(const QString& path) {
  const QFileInfo fi(path);
  if (fi.fileName().isEmpty()) throw ExportPathError("no file name in '" + path.toStdString() + "'");
  if (fi.isDir()) throw ExportPathError("'" + path.toStdString() + "' is a directory");
  const QFileInfo dir(fi.absolutePath());
  if (!dir.exists() || !dir.isDir())
    throw ExportPathError("cannot write '" + path.toStdString() + "': directory '" +
                          dir.filePath().toStdString() + "' does not exist");
  if (!dir.isWritable())
    throw ExportPathError("cannot write '" + path.toStdString() + "': directory '" +
                          dir.filePath().toStdString() + "' is not writable");
  if (fi.exists() && !fi.isWritable())
    throw ExportPathError("cannot write '" + path.toStdString() + "': read-only file");
}

namespace {

// A temporary file beside the target, renamed over it by commit(); removed if never committed.
class TempTarget {
 public:
  explicit TempTarget(const QString& target) : m_target(target) {
    checkWritableTarget(target);
    const QFileInfo fi(target);
    QTemporaryFile f(fi.absolutePath() + "/." + fi.fileName() + ".XXXXXX.part");
    f.setAutoRemove(false);
    if (!f.open())
      throw ExportPathError("cannot write in '" + fi.absolutePath().toStdString() +
                            "': " + f.errorString().toStdString());
    m_temp = f.fileName();
    f.close();
  }
  ~TempTarget() {
    if (!m_committed) QFile::remove(m_temp);
  }
  const QString& path() const { return m_temp; }
  /// Writing the temporary file failed for `cause` (the system's words): throws ExportWriteError
  /// naming the target (the temporary file goes with this object).
  [[noreturn]] void failed(const QString& cause) const {
    throw ExportWriteError("cannot write '" + m_target.toStdString() + "': " + cause.toStdString() +
                           " (nothing was written)");
  }
  /// Writes `bytes` as the whole temporary file. POSIX calls, not QFile: a short write (the disk
  /// filled up part-way) must still report the system's reason, which QFile then drops.
  void write(const QByteArray& bytes) const {
    auto reason = [](int err) {
      return QString::fromLocal8Bit(std::generic_category().message(err).c_str());
    };
    const int fd = ::open(QFile::encodeName(m_temp).constData(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) failed(reason(errno));
    const char* p = bytes.constData();
    qint64 left = bytes.size();
    while (left > 0) {
      const ssize_t n = ::write(fd, p, size_t(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : ENOSPC;
        ::close(fd);
        failed(reason(err));
      }
      p += n;
      left -= n;
    }
    if (::close(fd) != 0) failed(reason(errno));
  }
  qint64 commit() {
    std::error_code ec;
    std::filesystem::rename(m_temp.toStdString(), m_target.toStdString(), ec);
    if (ec) throw ExportPathError("cannot write '" + m_target.toStdString() + "': " + ec.message());
    m_committed = true;
    QFile::setPermissions(m_target,
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    return QFileInfo(m_target).size();
  }

 private:
  QString m_target, m_temp;
  bool m_committed = false;
};

QSize intSize(QSizeF s) {
  return QSize(std::max(1, int(std::lround(s.width()))), std::max(1, int(std::lround(s.height()))));
}

QString sceneTitle(const SceneRequest& r) {
  if (!r.model) return "ConvScope figure";
  const auto& m = *r.model;
  if (m.layerIndex < 0 || m.view == widgets::View::Activations || m.stack().layers.empty())
    return QString("ConvScope — activations");
  return QString("ConvScope — layer %1 (%2), %3 view, step %4")
      .arg(m.layerIndex)
      .arg(engine::opName(m.layer().op))
      .arg(widgets::viewName(m.view))
      .arg(std::clamp(r.step, 0, m.steps - 1));
}

// The file's bytes as `fmt`, painted with `paint(QPainter&)` at logical `size`. Encoded in memory
// so that writing them (TempTarget::write) is one step whose failure has the system's reason.
template <class PainterT = QPainter, class Paint>
QByteArray paintTo(ExportFormat fmt, QSize size, const QString& title, Paint&& paint) {
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  switch (fmt) {
    case ExportFormat::Png: {
      QImage img(size, QImage::Format_ARGB32_Premultiplied);
      img.fill(Qt::transparent);
      {
        PainterT p(&img);
        paint(p);
      }
      img.setText("Title", title);
      img.setText("Software", "ConvScope");
      if (!img.convertToFormat(QImage::Format_RGB32).save(&buffer, "PNG"))
        throw std::runtime_error("cannot encode the PNG");
      break;
    }
    case ExportFormat::Svg: {
      QSvgGenerator gen;
      gen.setOutputDevice(&buffer);
      gen.setSize(size);
      gen.setViewBox(QRect(QPoint(0, 0), size));
      gen.setResolution(96);
      gen.setTitle(title);
      gen.setDescription("Made with ConvScope");
      PainterT p;
      if (!p.begin(&gen)) throw std::runtime_error("cannot start the SVG");
      paint(p);
      p.end();
      break;
    }
    case ExportFormat::Pdf: {
      QPdfWriter pdf(&buffer);
      pdf.setResolution(96);
      pdf.setPageSize(QPageSize(QSizeF(size.width() * 0.75, size.height() * 0.75), QPageSize::Point,
                                QString(), QPageSize::ExactMatch));
      pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
      pdf.setTitle(title);
      pdf.setCreator("ConvScope");
      PainterT p;
      if (!p.begin(&pdf)) throw std::runtime_error("cannot start the PDF");
      // The page is size × 96 dpi; map logical pixels onto it exactly.
      const QRect vp = p.viewport();
      if (vp.width() > 0 && vp.height() > 0)
        p.scale(double(vp.width()) / size.width(), double(vp.height()) / size.height());
      paint(p);
      p.end();
      break;
    }
    case ExportFormat::Tex: {
      widgets::TikzPaintDevice dev(size);
      {
        PainterT p(&dev);
        paint(p);
      }
      buffer.write(dev.document().toUtf8());
      break;
    }
    default:
      throw std::invalid_argument("not a figure format");
  }
  buffer.close();
  return bytes;
}

}  // namespace

// [SECTION] FIGURES

void exportFigure(const SceneRequest& request, const QString& path) {
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || !isFigureFormat(*fmt))
    throw std::invalid_argument("unknown figure format: " + path.toStdString());
  TempTarget tmp(path);
  tmp.write(paintTo(*fmt, intSize(request.size), sceneTitle(request),
                    [&](QPainter& p) { widgets::renderScene(p, request); }));
  tmp.commit();
}

QImage figureImage(const SceneRequest& request, qreal dpr) {
  return widgets::renderSceneImage(request, dpr);
}

// [SECTION] ACTIVATION PLOTS

namespace {

void themePlot(QCustomPlot* plot, Theme theme) {
  const widgets::ScenePalette& pal = widgets::scenePalette(theme);
  plot->setBackground(pal.background);
  QList<QCPAxis*> axes = plot->axisRect()->axes();
  for (int i = 0; i < plot->plotLayout()->elementCount(); ++i)
    if (auto* s = qobject_cast<QCPColorScale*>(plot->plotLayout()->elementAt(i))) axes << s->axis();
  const double w = theme == Theme::Print ? 0.6 : 1.0;
  for (QCPAxis* a : axes) {
    a->setBasePen(QPen(pal.mutedText, w));
    a->setTickPen(QPen(pal.mutedText, w));
    a->setSubTickPen(QPen(pal.mutedText, w * 0.7));
    a->setTickLabelColor(pal.text);
    a->setLabelColor(pal.text);
    if (a->grid()) a->grid()->setPen(QPen(pal.gridLine, w * 0.8, Qt::DotLine));
  }
}

QString plainRowTitle(const widgets::StackSnapshot& s, int row) {
  const engine::Tensor& t = s.rowTensor(row);
  const engine::Shape shape(t.shape.begin() + 1, t.shape.end());
  const QString sh = QString::fromStdString(engine::shapeToString(shape));
  if (row == 0) return QString("input  %1").arg(sh);
  const engine::Layer& l = s.stack.layers[size_t(row - 1)];
  return QString("layer %1 · %2  → %3").arg(row - 1).arg(engine::opName(l.op)).arg(sh);
}

}  // namespace

void exportActivations(const widgets::SnapshotPtr& snapshot, QSize size, Theme theme, const QString& path,
                       bool showTitle) {
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || !(*fmt == ExportFormat::Png || *fmt == ExportFormat::Svg || *fmt == ExportFormat::Pdf))
    throw std::invalid_argument("the activations figure is written as .png, .svg or .pdf");
  if (!qobject_cast<QApplication*>(QCoreApplication::instance()))
    throw std::logic_error("exportActivations needs a QApplication");
  TempTarget tmp(path);
  widgets::ActivationPlots plots;
  plots.resize(size);
  plots.setTheme(theme);
  plots.setSnapshot(snapshot);
  if (!plots.isReady()) {
    QEventLoop loop;
    QObject::connect(&plots, &widgets::ActivationPlots::ready, &loop, &QEventLoop::quit);
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);
    loop.exec();
  }
  const widgets::ScenePalette& pal = widgets::scenePalette(theme);
  const double u = std::clamp(std::min(size.width() / 960.0, size.height() / 600.0), 0.55, 3.0);
  const double margin = 12 * u, titleH = 20 * u, headH = showTitle ? 30 * u : 4 * u;
  struct Item {
    int row;
    QCustomPlot* plot;
    double natural;
  };
  std::vector<Item> items;
  double natural = 0;
  const int rows = plots.rowCount();
  for (int r = 0; r < rows; ++r)
    for (QCustomPlot* p : {plots.heatmapPlot(r), plots.linePlot(r)})
      if (p) {
        items.push_back({r, p, double(std::max(60, p->minimumHeight()))});
        natural += items.back().natural;
      }
  const double avail = std::max(40.0, size.height() - headH - margin - rows * titleH);
  const double k = natural > 0 ? avail / natural : 1.0;
  const int plotW = std::max(100, int(size.width() - 2 * margin));
  for (Item& it : items) {
    it.natural = std::max(30.0, std::floor(it.natural * k));
    it.plot->resize(plotW, int(it.natural));
    it.plot->setViewport(QRect(0, 0, plotW, int(it.natural)));  // hidden widgets get no resize event
    themePlot(it.plot, theme);
    it.plot->replot(QCustomPlot::rpImmediateRefresh);
  }
  plots.setTimeWindow(0.0, 1.0);  // refills every row for its laid-out size
  for (int i = 0; i < 3; ++i) QCoreApplication::processEvents();
  const QString name = QString::fromStdString(snapshot->stack.name);
  const QByteArray bytes = paintTo<QCPPainter>(*fmt, size, "ConvScope — activations", [&](QCPPainter& p) {
    p.setMode(QCPPainter::pmVectorized, *fmt != ExportFormat::Png);
    p.setMode(QCPPainter::pmNoCaching, true);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.fillRect(QRectF(0, 0, size.width(), size.height()), pal.background);
    QFont tf("DejaVu Sans");
    tf.setPixelSize(std::max(8, int(15 * u)));
    tf.setBold(true);
    p.setFont(tf);
    p.setPen(pal.text);
    if (showTitle)
      p.drawText(QRectF(margin, 4 * u, size.width() - 2 * margin, headH - 4 * u),
                 Qt::AlignLeft | Qt::AlignVCenter,
                 name.isEmpty() ? QString("Activations") : QString("Activations · %1").arg(name));
    double y = headH;
    int lastRow = -1;
    for (const Item& it : items) {
      if (it.row != lastRow) {
        lastRow = it.row;
        QFont f("DejaVu Sans");
        f.setPixelSize(std::max(7, int(12 * u)));
        f.setBold(true);
        p.setFont(f);
        p.setPen(pal.text);
        const QString title = plainRowTitle(*snapshot, it.row);
        p.drawText(QRectF(margin, y, size.width() - 2 * margin, titleH), Qt::AlignLeft | Qt::AlignVCenter,
                   title);
        // Channel key of the line plot, in the graph colours.
        if (QCustomPlot* lp = plots.linePlot(it.row); lp && lp->graphCount() > 1) {
          double x = margin + QFontMetricsF(f).horizontalAdvance(title) + 18 * u;
          f.setBold(false);
          p.setFont(f);
          for (int g = 0; g < lp->graphCount(); ++g) {
            p.fillRect(QRectF(x, y + titleH / 2 - 4 * u, 8 * u, 8 * u), lp->graph(g)->pen().color());
            p.setPen(pal.text);
            p.drawText(QPointF(x + 11 * u, y + titleH / 2 + 4 * u), lp->graph(g)->name());
            x += 16 * u + QFontMetricsF(f).horizontalAdvance(lp->graph(g)->name()) + 8 * u;
          }
        }
        y += titleH;
      }
      p.save();
      p.translate(margin, y);
      it.plot->toPainter(&p, plotW, int(it.natural));
      p.restore();
      y += it.natural;
    }
  });
  tmp.write(bytes);
  tmp.commit();
}

// [SECTION] ANIMATIONS AND FRAMES

namespace {

std::pair<int, int> stepRange(const widgets::SceneModel& m, const AnimationOptions& o) {
  const int last = o.last < 0 ? m.steps - 1 : o.last;
  if (o.first < 0 || o.first >= m.steps || last < o.first || last >= m.steps)
    throw std::invalid_argument("step range " + std::to_string(o.first) + ".." + std::to_string(last) +
                                " outside 0.." + std::to_string(m.steps - 1));
  return {o.first, last};
}

QImage frameImage(const widgets::SceneModelPtr& model, const AnimationOptions& o, int step) {
  SceneRequest r;
  r.model = model;
  r.step = step;
  r.theme = o.theme;
  r.size = QSizeF(o.size);
  r.showHeader = o.showTitle;
  r.showCaption = o.showCaption;
  return widgets::renderSceneImage(r).convertToFormat(QImage::Format_RGB32);
}

// The theme's colours and samples of its colour maps: kept exactly in the GIF palette.
std::vector<QRgb> themeColors(Theme t) {
  const widgets::ScenePalette& p = widgets::scenePalette(t);
  std::vector<QRgb> c;
  for (const QColor& q : {p.background, p.text, p.mutedText, p.gridLine, p.cellBorder, p.padFill, p.padBorder,
                          p.zeroFill, p.zeroHatch, p.croppedFill, p.croppedCross, p.pendingFill, p.active,
                          p.related, p.link, p.kernel, p.tail})
    c.push_back(q.rgb());
  c.push_back(qRgb(0x10, 0x10, 0x10));  // textOn() dark and light
  c.push_back(qRgb(0xf8, 0xf8, 0xf8));
  for (int i = -16; i <= 16; ++i) c.push_back(widgets::divergingColor(i / 16.0, 1.0, t).rgb());
  for (int i = 0; i <= 16; ++i) c.push_back(widgets::sequentialColor(i / 16.0, 1.0, t).rgb());
  return c;
}

}  // namespace

namespace {

/// Steps [first, last] as a GIF or an MP4 (by `path`'s extension); `frame(t)` draws step t at
/// o.size (RGB32).
AnimationResult writeAnimation(int first, int last, const std::function<QImage(int)>& frame,
                               const AnimationOptions& o, const QString& path,
                               const ExportProgress& progress) {
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || isFigureFormat(*fmt)) throw std::invalid_argument("animations are written as .gif or .mp4");
  const int total = last - first + 1;
  const int fps = std::clamp(o.fps, 1, 60);
  TempTarget tmp(path);
  AnimationResult res;
  // The writers report a failed write (disk full, ...) as std::system_error with the system's reason.
  try {
    if (*fmt == ExportFormat::Gif) {
      std::vector<QImage> samples;
      const int nSamples = std::min(total, 6);
      for (int i = 0; i < nSamples; ++i)
        samples.push_back(
            frame(first + (nSamples == 1 ? 0 : int(std::lround(double(i) * (total - 1) / (nSamples - 1))))));
      GifWriter gif;
      gif.open(tmp.path(), o.size, int(std::lround(100.0 / fps)), themeColors(o.theme), samples);
      for (int t = first; t <= last; ++t) {
        gif.addFrame(frame(t));
        if (progress && !progress(t - first + 1, total)) throw ExportCancelled();
      }
      gif.finish();
      res.codec = "gif";
    } else {
      VideoWriter video;
      video.open(tmp.path(), o.size, fps);
      for (int t = first; t <= last; ++t) {
        video.addFrame(frame(t));
        if (progress && !progress(t - first + 1, total)) throw ExportCancelled();
      }
      video.finish();
      res.codec = video.codecName();
    }
  } catch (const std::system_error& e) {
    tmp.failed(QString::fromLocal8Bit(e.code().message().c_str()));
  }
  res.frames = total;
  res.bytes = tmp.commit();
  return res;
}

}  // namespace

AnimationResult exportAnimation(const widgets::SceneModelPtr& model, const AnimationOptions& o,
                                const QString& path, const ExportProgress& progress) {
  const auto [first, last] = stepRange(*model, o);
  return writeAnimation(
      first, last, [&](int t) { return frameImage(model, o, t); }, o, path, progress);
}

AnimationResult exportFrames(const widgets::SceneModelPtr& model, const AnimationOptions& o,
                             const QString& dir, const QString& ext, const ExportProgress& progress) {
  if (ext != "png" && ext != "svg") throw std::invalid_argument("frames are written as png or svg");
  const auto [first, last] = stepRange(*model, o);
  QFileInfo di(dir);
  if (di.exists() && !di.isDir())
    throw ExportPathError("'" + dir.toStdString() + "' exists and is not a directory");
  if (!QDir().mkpath(dir)) throw ExportPathError("cannot create the directory '" + dir.toStdString() + "'");
  const int digits = std::max(4, int(std::to_string(last + 1).size()));
  AnimationResult res;
  for (int t = first; t <= last; ++t) {
    SceneRequest r;
    r.model = model;
    r.step = t;
    r.theme = o.theme;
    r.size = QSizeF(o.size);
    r.showHeader = o.showTitle;
    r.showCaption = o.showCaption;
    // named by the step as the frame title counts it (frame_0001 is "step 1 / N")
    const QString file =
        QDir(dir).filePath(QString("frame_%1.%2").arg(t + 1, digits, 10, QChar('0')).arg(ext));
    exportFigure(r, file);
    res.bytes += QFileInfo(file).size();
    ++res.frames;
    if (progress && !progress(t - first + 1, last - first + 1)) throw ExportCancelled();
  }
  res.codec = ext;
  return res;
}

// [SECTION] COMPARISONS

void exportComparisonFigure(const std::vector<widgets::ComparisonPanel>& panels, int step, Theme theme,
                            QSize size, const QString& path, bool showTitle, bool showCaption) {
  const auto fmt = exportFormatFromPath(path);
  if (!fmt || !isFigureFormat(*fmt))
    throw std::invalid_argument("unknown figure format: " + path.toStdString());
  QStringList names;
  for (const auto& p : panels) names << p.name;
  TempTarget tmp(path);
  tmp.write(paintTo(*fmt, size, "ConvScope — " + names.join(" vs "), [&](QPainter& p) {
    widgets::renderComparison(p, panels, step, theme, QSizeF(size), showTitle, showCaption);
  }));
  tmp.commit();
}

QImage comparisonImage(const std::vector<widgets::ComparisonPanel>& panels, int step, Theme theme, QSize size,
                       bool showTitle, bool showCaption) {
  QImage img(size, QImage::Format_RGB32);
  QPainter p(&img);
  widgets::renderComparison(p, panels, step, theme, QSizeF(size), showTitle, showCaption);
  return img;
}

AnimationResult exportComparisonAnimation(const std::vector<widgets::ComparisonPanel>& panels,
                                          const AnimationOptions& o, const QString& path,
                                          const ExportProgress& progress) {
  const int steps = widgets::comparisonSteps(panels);
  const int last = o.last < 0 ? steps - 1 : o.last;
  if (o.first < 0 || o.first >= steps || last < o.first || last >= steps)
    throw std::invalid_argument("step range " + std::to_string(o.first) + ".." + std::to_string(last) +
                                " outside 0.." + std::to_string(steps - 1));
  return writeAnimation(
      o.first, last,
      [&](int t) { return comparisonImage(panels, t, o.theme, o.size, o.showTitle, o.showCaption); }, o, path,
      progress);
}

}  // namespace convscope::app
