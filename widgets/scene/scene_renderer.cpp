// Scene renderer: text and number helpers of the view builders, drawing a SceneFrame with QPainter,
// building a frame for a request (render, image, hit test) and the hover tooltips.
//
// Index of this file:
//   [SECTION] TEXT AND NUMBER HELPERS
//   [SECTION] DRAWING A SCENEFRAME
//   [SECTION] FRAME BUILDING, ENTRY POINTS
//   [SECTION] TOOLTIPS
#include "widgets/scene/scene_renderer.h"

#include <QCoreApplication>
#include <QFontMetricsF>
#include <QPaintEngine>
#include <QPainterPath>
#include <cmath>

#include "widgets/scene/colour_maps.h"
#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

// [SECTION] TEXT AND NUMBER HELPERS

namespace {

QFont fontAt(TextRole role, double px) {
  QFont f(role == TextRole::Formula || role == TextRole::Equation ? "DejaVu Sans Mono" : "DejaVu Sans");
  f.setPixelSize(std::max(6, int(std::lround(px))));
  if (role == TextRole::Title) f.setBold(true);
  f.setStyleStrategy(QFont::PreferAntialias);
  return f;
}

QFont fontFor(TextRole role, double u) {
  return fontAt(role, fontPx(role, u));
}

}  // namespace

double fontPx(TextRole role, double u) {
  const SceneMetrics& M = kSceneMetrics;
  switch (role) {
    case TextRole::Title:
      return std::max(M.titleMinPx, M.titlePx * u);
    case TextRole::Subtitle:
      return std::max(M.subtitleMinPx, M.subtitlePx * u);
    case TextRole::Label:
      return std::max(kMinTextPx + 0.5, M.labelPx * u);
    case TextRole::Small:
      return std::max(kMinTextPx, M.smallPx * u);
    case TextRole::Formula:
      return std::max(kMinTextPx + 1, M.formulaPx * u);
    case TextRole::Equation:
      return std::max(kMinTextPx + 1, M.equationPx * u);
    case TextRole::Message:
      return std::max(M.messageMinPx, M.messagePx * u);
  }
  return std::max(kMinTextPx, M.otherPx * u);
}

ColWindow windowAround(int total, int lo, int hi, int capacity) {
  ColWindow w;
  w.total = std::max(0, total);
  capacity = std::max(1, capacity);
  if (w.total <= capacity) {
    w.count = w.total;
    return w;
  }
  lo = std::clamp(lo, 0, w.total - 1);
  hi = std::clamp(std::max(lo, hi), 0, w.total - 1);
  w.count = capacity;
  const int mid = (lo + hi + 1) / 2;
  w.first = std::clamp(mid - capacity / 2, 0, w.total - capacity);
  if (hi - lo + 1 <= capacity)
    w.first = std::clamp(w.first, hi - capacity + 1, lo);  // the whole range visible
  return w;
}

double fitColumns(double avail, int total, int lo, int hi, double minCell, double maxCell,
                  ColWindow& window) {
  total = std::max(1, total);
  const double cw = std::min(maxCell, avail / total);
  if (cw >= minCell) {
    window = windowAround(total, 0, total - 1, total);
    return cw;
  }
  const int capacity = std::max(3, int((avail - 1.6 * minCell) / minCell));  // "…" markers at both ends
  window = windowAround(total, lo, hi, capacity);
  return minCell;
}

double stripTitlePx(double cell, double u, double maxGrow) {
  const double base = fontPx(TextRole::Label, u);
  return std::clamp(std::min(cell * 0.3, base + maxGrow / 1.7), base,
                    kSceneMetrics.stripTitleMaxPx * std::max(1.0, u));
}

void addTitle(SceneFrame& f, double x, double y, double width, double h, const QString& text, double px) {
  const double w = QFontMetricsF(fontAt(TextRole::Label, px)).horizontalAdvance(text);
  if (w > width && w > 0) px = std::max(fontPx(TextRole::Label, f.unit), px * width / w);
  f.texts.push_back({QRectF(x, y, width, h), text, TextRole::Label, 0, px});
}

double cellLabelPx(double cell, double u) {
  return std::clamp(cell * 0.36, kMinTextPx, kSceneMetrics.cellLabelMaxPx * std::max(1.0, u));
}

namespace {

/// Font size at which `text` wraps into at most maxLines lines of `width` (not below kMinTextPx), and
/// the height it then takes.
std::pair<double, double> wrapFit(double width, const QString& text, TextRole role, double u, int maxLines) {
  double px = fontPx(role, u);
  for (;;) {
    const QFontMetricsF fm(fontAt(role, px));
    const double h =
        fm.boundingRect(QRectF(0, 0, std::max(10.0, width), 1e6), int(Qt::AlignLeft | Qt::TextWordWrap), text)
            .height();
    if (h <= fm.lineSpacing() * (maxLines + 0.5) || px <= kMinTextPx) return {px, h + 2};
    px = std::max(kMinTextPx, px - 0.5);
  }
}

}  // namespace

double wrappedHeight(const SceneFrame& f, double width, const QString& text, TextRole role, int maxLines) {
  if (text.isEmpty()) return 0;
  return wrapFit(width, text, role, f.unit, maxLines).second;
}

void gridTitle(SceneFrame& f, const GridPlace& p, double cs, const QString& s) {
  const double u = f.unit;
  const double w = std::max(p.width() + 1.6 * cs, kSceneMetrics.gridTitleMinW * u);
  const double h = wrappedHeight(f, w, s, TextRole::Label, 2);
  addWrapped(f, p.at.x(), p.at.y() - h - kSceneMetrics.gridTitleGap * u, w, s, TextRole::Label, 2);
}

QString gridShownNote(const GridPlace& p) {
  return p.rows.windowed() || p.cols.windowed() ? QString(" · rows %1–%2, cols %3–%4")
                                                      .arg(p.rows.first)
                                                      .arg(p.rows.first + p.rows.count - 1)
                                                      .arg(p.cols.first)
                                                      .arg(p.cols.first + p.cols.count - 1)
                                                : QString();
}

double addWrapped(SceneFrame& f, double x, double y, double width, const QString& text, TextRole role,
                  int maxLines) {
  if (text.isEmpty()) return 0;
  const auto [px, h] = wrapFit(width, text, role, f.unit, maxLines);
  SceneText t{QRectF(x, y, width, h), text, role, int(Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap), px};
  f.texts.push_back(t);
  return h;
}

void GridPlace::addMarkers(SceneFrame& f) const {
  const double top = y(rows.first), h = rows.count * cs, left = x(cols.first), w = cols.count * cs;
  if (cols.before()) addEllipsis(f, QRectF(left - mark, top, mark, h));
  if (cols.after()) addEllipsis(f, QRectF(left + w, top, mark, h));
  const QString v(QChar(0x22EE));
  const double px = std::clamp(vmark * 0.8, kMinTextPx + 2, 28.0);
  if (rows.before())
    f.texts.push_back({QRectF(left, top - vmark, w, vmark), v, TextRole::Label, int(Qt::AlignCenter), px});
  if (rows.after())
    f.texts.push_back({QRectF(left, top + h, w, vmark), v, TextRole::Label, int(Qt::AlignCenter), px});
}

std::vector<GridPlace> layoutGrids(const std::vector<GridSpec>& specs, QRectF area, double gapCells,
                                   double maxCell, double minCell, double winCell, double titleH) {
  const int n = int(specs.size());
  std::vector<GridPlace> g(static_cast<size_t>(n));
  if (n == 0) return g;
  // a frame too small for its titles leaves no room: lay out in a minimal area (drawn clipped),
  // never with negative cell sizes
  area.setWidth(std::max(area.width(), 8.0));
  area.setHeight(std::max(area.height(), 8.0));
  int sumCols = 0, maxRows = 1, sumRows = 0, maxCols = 1;
  for (const GridSpec& s : specs)
    sumCols += s.cols, maxRows = std::max(maxRows, s.rows), sumRows += s.rows,
                       maxCols = std::max(maxCols, s.cols);
  const double gaps = gapCells * (n - 1);
  double cs = std::min({maxCell, area.width() / (sumCols + gaps), area.height() / maxRows});
  if (titleH > 0 && n > 1) {  // stacked: one grid under the other, each with its title
    const double vcs =
        std::min({maxCell, area.width() / maxCols, (area.height() - (n - 1) * titleH) / (sumRows + gaps)});
    if (vcs > 1.5 * cs && vcs >= minCell) {
      double total = (n - 1) * titleH + gaps * vcs;
      for (const GridSpec& s : specs) total += s.rows * vcs;
      const double x = area.left() + std::max(0.0, (area.width() - maxCols * vcs) / 2);
      double y = area.top() + std::max(0.0, (area.height() - total) / 2);
      for (int i = 0; i < n; ++i) {
        GridPlace& p = g[size_t(i)];
        p.rows = windowAround(specs[size_t(i)].rows, 0, 0, specs[size_t(i)].rows);
        p.cols = windowAround(specs[size_t(i)].cols, 0, 0, specs[size_t(i)].cols);
        p.cs = vcs;
        p.mark = 0.8 * vcs;
        p.at = QPointF(x, y);
        y += p.height() + gapCells * vcs + titleH;
      }
      return g;
    }
  }
  if (cs >= minCell) {
    for (int i = 0; i < n; ++i) {
      g[size_t(i)].rows = windowAround(specs[size_t(i)].rows, 0, 0, specs[size_t(i)].rows);
      g[size_t(i)].cols = windowAround(specs[size_t(i)].cols, 0, 0, specs[size_t(i)].cols);
    }
  } else {
    int fixedCols = 0, fixedRows = 1, free = 0;
    for (const GridSpec& s : specs) {
      if (s.fixed)
        fixedCols += s.cols, fixedRows = std::max(fixedRows, s.rows);
      else
        ++free;
    }
    cs = std::min(
        {winCell, area.width() / (fixedCols + gaps + free * 4.6), area.height() / (fixedRows + 1.6)});
    const int capH = std::max(1, int(area.height() / cs - 1.6));
    // share the free width among the windowed grids; a narrow grid gives its unused share to the others
    double room = area.width() / cs - fixedCols - gaps;
    std::vector<int> capW(size_t(n), 0);
    int left = free;
    std::vector<int> order;
    for (int i = 0; i < n; ++i)
      if (!specs[size_t(i)].fixed) order.push_back(i);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return specs[size_t(a)].cols < specs[size_t(b)].cols; });
    for (int i : order) {
      const double share = room / std::max(1, left);
      const int c = specs[size_t(i)].cols <= share ? specs[size_t(i)].cols : std::max(1, int(share - 1.6));
      capW[size_t(i)] = c;
      room -= c + (c < specs[size_t(i)].cols ? 1.6 : 0.0);
      --left;
    }
    for (int i = 0; i < n; ++i) {
      const GridSpec& s = specs[size_t(i)];
      g[size_t(i)].rows =
          s.fixed ? windowAround(s.rows, 0, 0, s.rows) : windowAround(s.rows, s.r0, s.r1, capH);
      g[size_t(i)].cols =
          s.fixed ? windowAround(s.cols, 0, 0, s.cols) : windowAround(s.cols, s.c0, s.c1, capW[size_t(i)]);
    }
  }
  bool vwin = false;
  for (const GridPlace& p : g) vwin |= p.rows.windowed();
  double total = gaps * cs, maxH = 0;
  for (GridPlace& p : g) {
    p.cs = cs;
    p.mark = 0.8 * cs;
    p.vmark = vwin ? 0.8 * cs : 0.0;
    total += p.width();
    maxH = std::max(maxH, p.height());
  }
  double x = area.left() + std::max(0.0, (area.width() - total) / 2);
  const double top = area.top() + std::max(0.0, (area.height() - maxH) / 2);
  for (GridPlace& p : g) {
    p.at = QPointF(x, top);
    x += p.width() + gapCells * cs;
  }
  return g;
}

void addEllipsis(SceneFrame& f, QRectF r) {
  SceneText t{r, QString(QChar(0x2026)), TextRole::Label, int(Qt::AlignCenter),
              std::clamp(r.height() * 0.6, kMinTextPx + 2, 28.0)};
  f.texts.push_back(t);
}

double textWidth(const QString& text, TextRole role, double u) {
  return QFontMetricsF(fontFor(role, u)).horizontalAdvance(text);
}

QString formatValue(double v, int decimals) {
  if (!std::isfinite(v)) return std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
  if (std::abs(v) >= 1000) return QString::number(v, 'g', 3);
  QString s = QString::number(v, 'f', std::max(0, decimals));
  if (s == "-0.00" || s == "-0.0" || s == "-0") s.remove(0, 1);
  return s.replace('-', QChar(0x2212));
}

int decimalsFor(double w, double u) {
  if (w >= kSceneMetrics.twoDecimalsMinCell * u)
    return 2;  // "−0.25" fits at a readable size (cells shrink their font a little when needed)
  if (w >= kSceneMetrics.oneDecimalMinCell * u) return 1;
  return -1;
}

QString shapeText(const engine::Tensor& t) {
  QStringList s;
  for (int i = 1; i < t.rank(); ++i) s << QString::number(t.dim(i));
  return "(" + s.join(", ") + ")";
}

QString tensorName(const SceneModel& m, int r) {
  if (r < 0) return "input x";
  return QString("layer %1 · %2").arg(r).arg(engine::opName(m.stack().layers[size_t(r)].op));
}

std::pair<int, int> groupInputs(const engine::Layer& l, int o) {
  if (l.op == engine::Op::Conv || l.op == engine::Op::ConvTranspose) {
    const int g = std::max(1, l.groups), cg = l.inChannels / g, og = std::max(1, l.outChannels / g);
    return {(o / og) * cg, cg};
  }
  return {std::min(o, std::max(0, l.inChannels - 1)), 1};
}

void addText(SceneFrame& f, QRectF r, const QString& text, TextRole role, int flags) {
  f.texts.push_back({r, text, role, flags});
}

double addHeader(SceneFrame& f, const SceneModel& m, int step, const QString& what) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  QString title = m.layerIndex >= 0 && !m.stack().layers.empty() && m.view != View::Activations
                      ? QString("Layer %1 · %2 · %3")
                            .arg(m.layerIndex)
                            .arg(engine::opName(m.layer().op))
                            .arg(viewName(m.view))
                      : QString("Activations · %1").arg(QString::fromStdString(m.stack().name));
  if (m.steps > 1) title += QString("  —  step %1 / %2").arg(step + 1).arg(m.steps);
  addText(f, QRectF(pad, pad * 0.6, f.size.width() - 2 * pad, fontPx(TextRole::Title, u) * 1.5), title,
          TextRole::Title);
  double y = pad * 0.6 + fontPx(TextRole::Title, u) * 1.5;
  if (!what.isEmpty()) y += addWrapped(f, pad, y, f.size.width() - 2 * pad, what, TextRole::Subtitle, 2);
  return y + M.headerGap * u;
}

double addFormulaFooter(SceneFrame& f, const SceneModel& m, const QString& extra) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u, w = f.size.width() - 2 * pad;
  QStringList lines;
  if (!extra.isEmpty()) lines << extra;
  if (m.layerIndex >= 0 && !m.stack().layers.empty())
    lines << QString("output length: %1").arg(QString::fromStdString(m.layer().formula));
  double total = 0;
  for (const QString& s : lines) total += wrappedHeight(f, w, s, TextRole::Formula, 2) + M.footerLineGap * u;
  double y = f.size.height() - pad * 0.6 - total;
  const double top = y;
  for (const QString& s : lines) y += addWrapped(f, pad, y, w, s, TextRole::Formula, 2) + M.footerLineGap * u;
  return top;
}

// [SECTION] DRAWING A SCENEFRAME

namespace {

// Cells whose smaller side is below this many device pixels are "dense" on a raster device: the
// outline is a 1-pixel cosmetic pen and fill and outline are drawn without antialiasing (an
// antialiased stroke of a 1-pixel border on a 3-pixel cell costs ~3 us and looks the same blurred).
constexpr double kDenseCellPx = 6.0;

// `dense`: the raster fast path above (never for vector devices: SVG/PDF/TikZ keep the same shapes).
void drawCell(QPainter& p, const SceneCell& c, const ScenePanel& panel, const ScenePalette& pal, Theme th,
              double u, bool dense) {
  const SceneMetrics& M = kSceneMetrics;
  const QRectF r = c.rect;
  QColor fill;
  QPen border(pal.cellBorder, M.cellBorderWidth * pal.strokeWidth * u);
  bool cross = false, hatch = false;
  QString text;
  QColor textColor = pal.text;
  const int dec = panel.decimals;
  switch (c.style) {
    case CellStyle::Value:
      fill = divergingColor(c.value, panel.absMax, th);
      if (c.hasValue && panel.showValues) text = formatValue(c.value, dec);
      textColor = textOn(fill);
      break;
    case CellStyle::Padding:
      fill = pal.padFill;
      border = QPen(pal.padBorder, M.paddingBorderWidth * pal.strokeWidth * u, Qt::DashLine);
      if (panel.showValues) text = c.hasValue ? formatValue(c.value, dec) : "0";
      textColor = pal.mutedText;
      break;
    case CellStyle::InsertedZero:
      fill = pal.zeroFill;
      hatch = true;
      text = "0";
      textColor = pal.text;
      break;
    case CellStyle::Cropped:
      fill = pal.croppedFill;
      cross = true;
      if (c.hasValue && panel.showValues) text = formatValue(c.value, dec);
      textColor = pal.mutedText;
      break;
    case CellStyle::Pending:
      fill = pal.pendingFill;
      border = QPen(pal.gridLine, M.pendingBorderWidth * pal.strokeWidth * u, Qt::DotLine);
      break;
    case CellStyle::Tail:
      fill = divergingColor(c.value, panel.absMax, th);
      border = QPen(pal.tail, M.tailBorderWidth * pal.strokeWidth * u, Qt::DashLine);
      if (c.hasValue && panel.showValues) text = formatValue(c.value, dec);
      textColor = textOn(fill);
      break;
    case CellStyle::Count:
      fill = sequentialColor(c.value, panel.countMax, th);
      text =
          panel.showValues ? (c.text.isEmpty() ? QString::number(std::llround(c.value)) : c.text) : QString();
      textColor = textOn(fill);
      break;
    case CellStyle::Blank:
      fill = pal.background;
      border = QPen(pal.gridLine, M.blankBorderWidth * pal.strokeWidth * u);
      break;
  }
  if (!c.text.isEmpty() && c.style != CellStyle::Count)
    text = panel.showValues || c.style == CellStyle::InsertedZero ? c.text : QString();
  const bool outline = panel.borders || c.style != CellStyle::Value;
  if (dense) {
    p.setRenderHint(QPainter::Antialiasing, false);
    p.fillRect(r, fill);
    if (outline) {
      p.setPen(QPen(border.color(), 0, border.style()));  // cosmetic: one device pixel
      p.setBrush(Qt::NoBrush);
      p.drawRect(r);
    }
  } else {
    p.setPen(outline ? border : QPen(Qt::NoPen));
    p.setBrush(fill);
    p.drawRect(r);
  }
  if (hatch) {
    p.setBrush(QBrush(pal.zeroHatch, Qt::BDiagPattern));
    p.setPen(Qt::NoPen);
    p.drawRect(r.adjusted(1, 1, -1, -1));
  }
  if (cross) {
    p.setPen(QPen(pal.croppedCross, M.croppedCrossWidth * pal.strokeWidth * u));
    p.drawLine(r.topLeft() + QPointF(2, 2), r.bottomRight() - QPointF(2, 2));
    p.drawLine(r.topRight() + QPointF(-2, 2), r.bottomLeft() + QPointF(2, -2));
  }
  if (!text.isEmpty() && r.width() >= M.cellTextMinSide * u && r.height() >= M.cellTextMinSide * u) {
    QFont f("DejaVu Sans");
    double px = std::min({r.height() * 0.42, r.width() * 0.42, M.cellTextMaxPx * u});
    f.setPixelSize(std::max(6, int(px)));
    if (c.style == CellStyle::InsertedZero) f.setBold(true);
    QFontMetricsF fm(f);
    const double room = r.width() * 0.84 - 2;  // a margin on both sides
    if (fm.horizontalAdvance(text) > room)
      f.setPixelSize(std::max(6, int(px * room / fm.horizontalAdvance(text))));
    p.setFont(f);
    p.setPen(textColor);
    p.drawText(r, Qt::AlignCenter, text);
  }
  if (c.marks & MarkDim) {
    QColor d = pal.background;
    d.setAlphaF(0.6f);
    p.setPen(Qt::NoPen);
    p.setBrush(d);
    p.drawRect(r);
  }
  p.setBrush(Qt::NoBrush);
  if (dense) p.setRenderHint(QPainter::Antialiasing, true);  // marks: a few cells, drawn as always
  if (c.marks & MarkRelated) {
    p.setPen(QPen(pal.related, M.relatedMarkWidth * u, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.drawRect(r.adjusted(M.relatedMarkInset * u, M.relatedMarkInset * u, -M.relatedMarkInset * u,
                          -M.relatedMarkInset * u));
  }
  if (c.marks & MarkActive) {
    p.setPen(QPen(pal.active, M.activeMarkWidth * u, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.drawRect(r.adjusted(M.activeMarkInset * u, M.activeMarkInset * u, -M.activeMarkInset * u,
                          -M.activeMarkInset * u));
  }
  if (c.marks & MarkHovered) {
    p.setPen(QPen(pal.text, M.hoverMarkWidth * u, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
    p.drawRect(r.adjusted(-M.hoverMarkOutset * u, -M.hoverMarkOutset * u, M.hoverMarkOutset * u,
                          M.hoverMarkOutset * u));
  }
}

}  // namespace

void drawSceneFrame(QPainter& p, const SceneFrame& f) {
  const ScenePalette& pal = scenePalette(f.theme);
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit;
  p.save();
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setRenderHint(QPainter::TextAntialiasing, true);
  p.fillRect(QRectF(QPointF(0, 0), f.size), pal.background);
  for (const SceneBox& b : f.boxes)  // frames behind cells
    if (b.kind == BoxKind::Frame) {
      p.setPen(QPen(pal.gridLine, M.frameBoxWidth * u));
      p.setBrush(Qt::NoBrush);
      p.drawRoundedRect(b.rect, M.frameBoxRadius * u, M.frameBoxRadius * u);
    }
  for (const SceneLine& l : f.lines)
    if (l.kind == LineKind::Faint || l.kind == LineKind::Kernel) {
      QColor c = l.kind == LineKind::Kernel ? pal.kernel : pal.gridLine;
      p.setPen(
          QPen(c, (l.kind == LineKind::Kernel ? M.kernelLineWidth : M.faintLineWidth) * u * pal.strokeWidth));
      p.drawLine(l.a, l.b);
    }
  // Raster devices (the canvas frame, PNG, GIF/MP4 frames) only: cells outside the frame are skipped
  // and small cells take the dense path of drawCell. Vector devices get every cell, drawn as always.
  const QTransform& dt = p.deviceTransform();
  const bool raster =
      p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster && dt.type() <= QTransform::TxScale;
  const double devicePx =
      raster ? std::min(std::abs(dt.m11()), std::abs(dt.m22())) : 0.0;  // device pixels per unit
  const QRectF visible =
      QRectF(QPointF(0, 0), f.size)
          .adjusted(-M.cullMargin * u, -M.cullMargin * u, M.cullMargin * u, M.cullMargin * u);
  for (const ScenePanel& panel : f.panels)
    for (const SceneCell& c : panel.cells) {
      if (raster && !visible.intersects(c.rect)) continue;
      const bool dense = raster && std::min(c.rect.width(), c.rect.height()) * devicePx < kDenseCellPx;
      drawCell(p, c, panel, pal, f.theme, u, dense);
    }
  for (const SceneBox& b : f.boxes) {
    if (b.kind == BoxKind::Frame) continue;
    p.setBrush(Qt::NoBrush);
    if (b.kind == BoxKind::Window) {
      p.setPen(QPen(pal.active, M.windowBoxWidth * u, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
      p.drawRoundedRect(b.rect, M.boxRadius * u, M.boxRadius * u);
    } else if (b.kind == BoxKind::Kernel) {
      p.setPen(QPen(pal.kernel, M.kernelBoxWidth * u, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
      p.drawRoundedRect(b.rect, M.boxRadius * u, M.boxRadius * u);
    } else if (b.kind == BoxKind::Crop) {
      p.setPen(QPen(pal.croppedCross, M.cropBoxWidth * u, Qt::DashLine));
      p.drawRect(b.rect);
    } else if (b.kind == BoxKind::Bracket) {  // ⎵ under (or over) a range, label beneath
      p.setPen(QPen(pal.mutedText, M.bracketWidth * u));
      const QRectF r = b.rect;
      QPainterPath path;
      path.moveTo(r.left(), r.top());
      path.lineTo(r.left(), r.bottom());
      path.lineTo(r.right(), r.bottom());
      path.lineTo(r.right(), r.top());
      p.drawPath(path);
    }
    if (!b.label.isEmpty()) {
      p.setFont(fontFor(TextRole::Small, u));
      p.setPen(b.kind == BoxKind::Kernel ? pal.kernel
                                         : (b.kind == BoxKind::Crop ? pal.croppedCross : pal.mutedText));
      const double h = fontPx(TextRole::Small, u) * 1.4;
      const double w = std::max(b.rect.width(), textWidth(b.label, TextRole::Small, u) + 4);
      p.drawText(QRectF(b.rect.center().x() - w / 2, b.rect.bottom() + 1, w, h),
                 Qt::AlignHCenter | Qt::AlignTop, b.label);
    }
  }
  for (const SceneLine& l : f.lines) {
    if (l.kind == LineKind::Faint || l.kind == LineKind::Kernel) continue;
    if (l.kind == LineKind::Link)
      p.setPen(QPen(pal.link, M.linkLineWidth * u * pal.strokeWidth, Qt::SolidLine, Qt::RoundCap));
    else
      p.setPen(QPen(pal.related, M.relatedLineWidth * u, Qt::DashLine, Qt::RoundCap));
    p.drawLine(l.a, l.b);
    if (l.kind == LineKind::Link) {  // arrow head at b
      const QPointF d = l.b - l.a;
      const double len = std::hypot(d.x(), d.y());
      if (len > 1) {
        const QPointF e = d / len, n(-e.y(), e.x());
        const double a = M.arrowHead * u;
        QPolygonF head{l.b, l.b - e * a + n * a * 0.45, l.b - e * a - n * a * 0.45};
        p.setBrush(pal.link);
        p.drawPolygon(head);
        p.setBrush(Qt::NoBrush);
      }
    }
  }
  for (const SceneText& t : f.texts) {
    p.setFont(t.px > 0 ? fontAt(t.role, t.px) : fontFor(t.role, u));
    p.setPen(t.role == TextRole::Small ? pal.mutedText : pal.text);
    const int flags = t.flags ? t.flags : int(Qt::AlignLeft | Qt::AlignVCenter);
    p.drawText(t.rect, flags, t.text);
  }
  p.restore();
}

// [SECTION] FRAME BUILDING, ENTRY POINTS

SceneFrame buildSceneFrame(const SceneRequest& r) {
  SceneFrame f;
  f.theme = r.theme;
  f.size = r.size;
  // fonts and strokes scale with the frame, never below readable (kMinTextPx labels at the floor)
  f.unit = std::clamp(std::min(r.size.width() / 900.0, r.size.height() / 560.0), 0.9, 3.0);
  if (!r.model) {
    addText(f, QRectF(QPointF(0, 0), r.size), "no stack", TextRole::Message, Qt::AlignCenter);
    return f;
  }
  SceneRequest req = r;
  req.step = std::clamp(r.step, 0, r.model->steps - 1);
  const SceneModel& m = *r.model;
  if (!m.error.isEmpty()) {
    addHeader(f, m, 0, QString());
    addText(f,
            QRectF(kSceneMetrics.messageMargin * f.unit, 0,
                   r.size.width() - 2 * kSceneMetrics.messageMargin * f.unit, r.size.height()),
            m.error, TextRole::Message, int(Qt::AlignCenter | Qt::TextWordWrap));
    return f;
  }
  switch (m.view) {
    case View::Slide:
    case View::ZeroInsert:
      buildSlideFrame(f, req);
      break;
    case View::Scatter:
      buildScatterFrame(f, req);
      break;
    case View::Matrix:
      buildMatrixFrame(f, req);
      break;
    case View::Overlap:
      buildOverlapFrame(f, req);
      break;
    case View::ReceptiveField:
      buildReceptiveFieldFrame(f, req);
      break;
    default:
      buildActivationsFrame(f, req);
      break;
  }
  return f;
}

void renderScene(QPainter& painter, const SceneRequest& request) {
  drawSceneFrame(painter, buildSceneFrame(request));
}

QImage renderSceneImage(const SceneRequest& request, qreal dpr) {
  QImage img((request.size * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
  img.setDevicePixelRatio(dpr);
  img.fill(Qt::transparent);
  QPainter p(&img);
  renderScene(p, request);
  return img;
}

std::optional<HitResult> hitTestScene(const SceneRequest& request, QPointF point) {
  if (!request.model || !request.model->error.isEmpty()) return std::nullopt;
  SceneRequest r = request;
  r.hover.reset();
  const SceneFrame f = buildSceneFrame(r);
  for (auto pi = f.panels.rbegin(); pi != f.panels.rend(); ++pi)
    for (const SceneCell& c : pi->cells)
      if (c.rect.contains(point)) {
        const int step = std::clamp(request.step, 0, request.model->steps - 1);
        return HitResult{c.target, c.rect, tooltipFor(*request.model, step, c.target)};
      }
  return std::nullopt;
}

int sceneStepCount(SnapshotPtr snapshot, int layer, View view) {
  return SceneModel::build(std::move(snapshot), layer, view)->steps;
}

// [SECTION] TOOLTIPS

namespace {

constexpr int64_t kTooltipTerms = 4096;  // a hover lists at most this many terms of an output

QString posText(const engine::Pos& p, int dims) {
  return dims == 2 ? QString("%1, %2").arg(p[0]).arg(p[1]) : QString::number(p[0]);
}

QString termsText(const std::vector<engine::Term>& terms, double bias, double value, int maxTerms = 12) {
  QString s = QString("= b + Σ w·x = %1").arg(formatValue(bias, 4));
  int shown = 0;
  for (const auto& t : terms) {
    if (shown == maxTerms) {
      s += QString("\n  … %1 more terms").arg(int(terms.size()) - maxTerms);
      break;
    }
    s += QString("\n  + %1 × %2  (%3%4)")
             .arg(formatValue(t.weight, 4), formatValue(t.input, 4), engine::cellKindName(t.cell),
                  t.hasPosition ? QString(" x[%1, %2]").arg(t.inChannel).arg(t.inPosition[0]) : QString());
    ++shown;
  }
  s += QString("\n  = %1").arg(formatValue(value, 6));
  return s;
}

double tensorAt(const engine::Tensor& t, int c, const engine::Pos& p) {
  if (t.rank() < 3) return 0;
  const int64_t L0 = t.dim(2), L1 = t.rank() >= 4 ? t.dim(3) : 1;
  if (c < 0 || c >= t.dim(1) || p[0] < 0 || p[0] >= L0 || p[1] < 0 || p[1] >= L1) return 0;
  return t.data[size_t((int64_t(c) * L0 + p[0]) * L1 + p[1])];
}

}  // namespace

QString tooltipFor(const SceneModel& m, int step, const HoverTarget& t) {
  using R = HoverTarget::Region;
  const int dims = m.layerIndex >= 0 && !m.stack().layers.empty() ? m.layer().dims : m.stack().dims;
  try {
    switch (t.region) {
      case R::Tensor: {
        const engine::Tensor& x = m.tensorRow(t.row);
        return QString("%1, channel %2, position %3\nvalue %4")
            .arg(tensorName(m, t.row))
            .arg(t.channel)
            .arg(posText(t.pos, dims))
            .arg(formatValue(tensorAt(x, t.channel, t.pos), 6));
      }
      case R::Count:
        return QString("position %1: %2 contributions").arg(posText(t.pos, dims)).arg(t.row);
      case R::Kernel: {
        const engine::Layer& l = m.view == View::ZeroInsert ? m.slideLayer : m.layer();
        if (l.weight.empty()) return QString("tap %1 (no weight)").arg(posText(t.pos, dims));
        const int o = t.row;
        const engine::Tensor& w = l.weight;
        const int64_t k0 = l.ax[0].k, k1 = dims == 2 ? l.ax[1].k : 1;
        const int64_t idx = ((int64_t(o) * w.dim(1) + t.channel) * k0 + t.pos[0]) * k1 + t.pos[1];
        const QString name = m.view == View::ZeroInsert ? "W′" : "W";
        return QString("%1[%2, %3, %4] = %5")
            .arg(name)
            .arg(o)
            .arg(t.channel)
            .arg(posText(t.pos, dims))
            .arg(formatValue(w.data[size_t(idx)], 6));
      }
      case R::Output: {
        const engine::Layer& l = m.view == View::ZeroInsert ? m.slideLayer : m.layer();
        const double v = tensorAt(m.layerOutput(), t.channel, t.pos);
        QString s = QString("y[%1, %2] = %3").arg(t.channel).arg(posText(t.pos, dims)).arg(formatValue(v, 6));
        // The terms are listed while they are few; a huge kernel (or a zero-insertion form too large to
        // build, slideLayer without W') gets their count only, so a hover never costs more than a frame.
        const int64_t terms = engine::hasTrace(l.op)
                                  ? int64_t(l.inChannels / std::max(1, l.groups)) * engine::termsPerOutput(l)
                                  : 0;
        if (engine::hasTrace(l.op) && (terms > kTooltipTerms || l.weight.empty())) {
          s += "\n" +
               QCoreApplication::translate("Scene", "sum of %1 terms (too many to list here)").arg(terms);
        } else if (engine::hasTrace(l.op)) {
          const engine::Tensor& x = m.view == View::ZeroInsert
                                        ? engine::zeroInsertionForm(m.layer(), m.layerInput()).padded
                                        : m.layerInput();
          const auto terms = engine::gatherTerms(l, x, 0, t.channel, t.pos);
          const double b = l.bias.empty() ? 0.0 : l.bias.data[size_t(t.channel)];
          s += "\n" + termsText(terms, b, v);
        }
        return s;
      }
      case R::Input: {
        if (m.view == View::Slide || m.view == View::ZeroInsert) {
          const auto& a0 = m.slide[0];
          const int c0 = t.pos[0], c1 = t.pos[1];
          const engine::CellKind k = a0.kind[size_t(c0)];
          const engine::CellKind k1 = dims == 2 ? m.slide[1].kind[size_t(c1)] : engine::CellKind::Data;
          const engine::CellKind kind = engine::combineCells(k, k1);
          const double v = m.slideIn(t.channel, c0, c1);
          QString s = QString("%1 cell (channel %2)\nvalue %3")
                          .arg(engine::cellKindName(kind))
                          .arg(t.channel)
                          .arg(formatValue(v, 6));
          if (a0.source[size_t(c0)] >= 0 && (dims == 1 || m.slide[1].source[size_t(c1)] >= 0))
            s +=
                QString("\nreads x[%1, %2]")
                    .arg(t.channel)
                    .arg(dims == 2
                             ? QString("%1, %2").arg(a0.source[size_t(c0)]).arg(m.slide[1].source[size_t(c1)])
                             : QString::number(a0.source[size_t(c0)]));
          return s;
        }
        return QString("x[%1, %2] = %3")
            .arg(t.channel)
            .arg(posText(t.pos, dims))
            .arg(formatValue(tensorAt(m.layerInput(), t.channel, t.pos), 6));
      }
      case R::Full: {
        return QString("full buffer [%1, %2] after step %3\n%4")
            .arg(t.channel)
            .arg(posText(t.pos, dims))
            .arg(step + 1)
            .arg(t.row == 1 ? "cropped: computed, then cut away"
                            : (t.row == 2 ? "output_padding tail: no stamp reaches it (bias only)"
                                          : "inside the output"));
      }
      case R::Matrix: {
        const double v = m.matrix.empty() ? 0.0 : m.matrix[size_t(int64_t(t.row) * m.matCols + t.pos[0])];
        return QString("%1[%2, %3] = %4")
            .arg(m.transposed ? "Mᵀ" : "M")
            .arg(t.row)
            .arg(t.pos[0])
            .arg(formatValue(v, 6));
      }
      case R::VectorIn:
        return QString("x[%1] = %2").arg(t.pos[0]).arg(formatValue(m.layerInput().data[size_t(t.pos[0])], 6));
      case R::VectorOut:
        return QString("y[%1] = %2")
            .arg(t.pos[0])
            .arg(formatValue(m.layerOutput().data[size_t(t.pos[0])], 6));
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return QString();
}

}  // namespace convscope::widgets
