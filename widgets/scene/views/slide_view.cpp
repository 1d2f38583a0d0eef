// Slide and zero-insertion views: a stride-s conv window moving over the padded input (slide), or
// the stride-1 conv with the flipped kernel W′ over the zero-inserted, padded input (zero_insert).
// 1-D: channels are rows (C × L grid), so the kernel of one output channel is a (C/g) × k slab drawn
// under the window; 2-D: one channel's padded plane, the k×k kernel, and the output plane.
//
// Index of this file:
//   [SECTION] HELPERS     cell styles, weights, the equation and legend texts
//   [SECTION] 1-D STRIPS  layout (Slide1d), then one function per strip
//   [SECTION] 2-D GRIDS   padded input, kernel and output planes
//   [SECTION] ENTRY       buildSlideFrame: 1-D or 2-D
#include <QFontMetricsF>
#include <algorithm>
#include <set>
#include <tuple>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using engine::CellKind;
using R = HoverTarget::Region;

namespace {

constexpr int64_t kWholeKernel = 64 * 64;  // 2-D kernels drawn whole up to this many taps

// [SECTION] HELPERS

CellStyle styleOf(CellKind k) {
  switch (k) {
    case CellKind::Padding:
      return CellStyle::Padding;
    case CellKind::InsertedZero:
      return CellStyle::InsertedZero;
    case CellKind::Cropped:
      return CellStyle::Cropped;
    default:
      return CellStyle::Value;
  }
}

double weightAt(const engine::Layer& l, int o, int c, int j0, int j1) {
  const engine::Tensor& w = l.weight;
  const int64_t k0 = l.ax[0].k, k1 = l.dims == 2 ? l.ax[1].k : 1;
  return w.data[size_t(((int64_t(o) * w.dim(1) + c) * k0 + j0) * k1 + j1)];
}

/// Output channel the frame focuses on (hovered one, else 0).
int focusChannel(const SceneRequest& r, int O) {
  if (r.hover && (r.hover->region == R::Output)) return std::clamp(r.hover->channel, 0, O - 1);
  if (r.hover && r.hover->region == R::Kernel) return std::clamp(r.hover->row, 0, O - 1);
  return 0;
}

QString equationText(const SceneModel& m, int step, int o, int maxTerms) {
  const engine::Layer& l = m.slideConv();
  engine::TraceStep ts;
  if (step < int(m.trace.size()))
    ts = m.trace[size_t(step)];
  else
    return QString();
  if (o >= int(ts.outputs.size())) return QString();
  const engine::TraceOutput& to = ts.outputs[size_t(o)];
  const QString pos = l.dims == 2 ? QString("%1,%2").arg(to.position[0]).arg(to.position[1])
                                  : QString::number(to.position[0]);
  const bool pool = l.op == engine::Op::MaxPool || l.op == engine::Op::AvgPool;
  QString s = QString("y[%1, %2] = ").arg(o).arg(pos);
  if (l.op == engine::Op::MaxPool)
    s += "max(";
  else if (!l.bias.empty())
    s += formatValue(to.bias, 2) + " + ";
  int shown = 0;
  for (size_t i = 0; i < to.terms.size(); ++i) {
    const auto& t = to.terms[i];
    if (shown == maxTerms) {
      s += QString(" + … (%1 terms)").arg(to.terms.size());
      break;
    }
    if (i) s += l.op == engine::Op::MaxPool ? ", " : " + ";
    if (pool)
      s += formatValue(t.input, 2);
    else
      s += formatValue(t.weight, 2) + "·" + formatValue(t.input, 2);
    ++shown;
  }
  if (l.op == engine::Op::MaxPool) s += ")";
  s += " = " + formatValue(to.value, 3);
  return s;
}

QString kindLegend(const SceneModel& m) {
  std::set<CellKind> kinds;
  for (int a = 0; a < m.slideConv().dims; ++a)
    for (CellKind k : m.slide[size_t(a)].kind) kinds.insert(k);
  QStringList s;
  if (kinds.count(CellKind::Padding)) s << "dashed = padding";
  if (kinds.count(CellKind::InsertedZero)) s << "hatched 0 = inserted zero";
  if (kinds.count(CellKind::Cropped)) s << "crossed = cropped";
  return s.join(" · ");
}

/// Text of the equation line above the footer, wrapped; returns the y above it.
double addEquation(SceneFrame& f, const QString& eq, double footerTop) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u, w = f.size.width() - 2 * pad;
  if (eq.isEmpty()) return footerTop - M.equationGapBelow * u;
  const double h = wrappedHeight(f, w, eq, TextRole::Equation, 2);
  addWrapped(f, pad, footerTop - h - M.equationGapBelow * u, w, eq, TextRole::Equation, 2);
  return footerTop - h - (M.equationGapBelow + M.equationGapAbove) * u;
}

// [SECTION] 1-D STRIPS

/// The 1-D slide frame's request and layout: one column per padded-input position (a window of them
/// around the kernel's window when long), the strips' channel rows (windows of them when many) and
/// the label helpers every strip uses.
struct Slide1d {
  Slide1d(SceneFrame& frame, const SceneRequest& req)
      : f(frame), r(req), m(*req.model), l(m.slideConv()), orig(m.layer()), sa(m.slide[0]) {}
  SceneFrame& f;
  const SceneRequest& r;
  const SceneModel& m;
  const engine::Layer& l;     // the conv the frame slides (the stride-1 one of zero_insert)
  const engine::Layer& orig;  // the layer shown
  const SlideAxis& sa;
  bool zi = false, hasKernel = false;
  int T = 0, o = 0, g0 = 0, cg = 1, kRows = 0;
  std::vector<int> win;  // padded-input columns of the kernel's window at this step
  std::set<int> winSet;
  ColWindow wIn, wK, wO;  // channel rows shown: input, kernel slab, output
  ColWindow inW, outW;    // columns shown: padded input, output
  double cw = 0, ch = 0, ellW = 0, titleH = 0, titlePx = 0, gap = 0, x0 = 0, ox0 = 0, lpx = 0;
  int dec = 0;

  double rowY(const ColWindow& w, int c) const {
    return (std::clamp(c, w.first, w.first + w.count) - w.first) * ch;
  }
  double colX(int q) const { return x0 + (q - inW.first) * cw; }
  double outX(int mo) const { return ox0 + (mo - outW.first) * cw; }
  bool hovered(const HoverTarget& t) const { return r.hover && t == *r.hover; }
  void rowLabelAt(double right, double yy, const QString& s) const {
    const double u = f.unit;
    if (ch >= 9)
      f.texts.push_back(
          {QRectF(right - kSceneMetrics.rowLabelOffset * u, yy, kSceneMetrics.rowLabelWidth * u, ch), s,
           TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter), lpx});
  }
  void rowLabel(double yy, const QString& s) const { rowLabelAt(x0 - (inW.before() ? ellW : 0.0), yy, s); }
  void ellipses(const ColWindow& w, double left, double yy, double h) const {
    if (w.before()) addEllipsis(f, QRectF(left - ellW, yy, ellW, h));
    if (w.after()) addEllipsis(f, QRectF(left + w.count * cw, yy, ellW, h));
  }
  void title(double xx, double yy, const QString& s) const {
    xx = std::min(xx, x0);
    addTitle(f, xx, yy, f.size.width() - xx - kSceneMetrics.framePad * f.unit, titleH, s, titlePx);
  }
};

/// "  ·  channels 3–5 of 16" when the window w of rows hides some.
QString chanNote(const ColWindow& w, const char* name) {
  return w.windowed()
             ? QString("  ·  %1 %2–%3 of %4").arg(name).arg(w.first).arg(w.first + w.count - 1).arg(w.total)
             : QString();
}

/// "  ·  showing 4–20 of 64" when the window w of columns hides some.
QString shownNote(const ColWindow& w) {
  return w.windowed()
             ? QString("  ·  showing %1–%2 of %3").arg(w.first).arg(w.first + w.count - 1).arg(w.total)
             : QString();
}

/// Cell size from the room there is between y and bottom: columns across the width, rows down the
/// height. Moves y down to centre the strips.
void layoutSlide1d(Slide1d& s, double& y, double bottom) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = s.f.unit, pad = M.framePad * u;
  const engine::Layer& l = s.l;
  const int C = l.inChannels, O = l.outChannels, cols = s.sa.cols, out = l.ax[0].out;
  const double labelW = M.rowLabelColumn * u;
  s.titleH = fontPx(TextRole::Label, u) * 1.7;
  s.gap = M.slideStripGap * u;
  const int strips = (s.zi ? 1 : 0) + 1 + (s.kRows ? 1 : 0) + 1;
  const double availW = s.f.size.width() - 2 * pad - labelW;
  // Channel rows: all of them while rows of 5 px fit, else a window per strip around the channels
  // in play (the window's input group, the kernel's first rows, the output channel o).
  s.wIn = windowAround(C, s.g0, s.g0 + s.cg - 1, C), s.wK = windowAround(s.kRows, 0, s.kRows - 1, s.kRows),
  s.wO = windowAround(O, s.o, s.o, O);
  {
    const int fitRows = std::max(strips, int((bottom - y - strips * s.titleH - (strips - 1) * s.gap) / 5.0));
    if ((s.zi ? C : 0) + C + s.kRows + O > fitRows) {
      const int cap = std::max(1, fitRows / strips);
      s.wIn = windowAround(C, s.g0, s.g0, cap), s.wK = windowAround(s.kRows, 0, 0, cap),
      s.wO = windowAround(O, s.o, s.o, cap);
    }
  }
  const int rowsTotal = (s.zi ? s.wIn.count : 0) + s.wIn.count + s.wK.count + s.wO.count;
  ColWindow fit;
  s.cw = fitColumns(availW, std::max(cols, out), 0, 0, M.stripMinCell * u, M.stripMaxCell * u, fit);
  const int capacity = fit.windowed() ? fit.count : std::max(cols, out);
  s.inW = s.win.empty() ? windowAround(cols, s.T, s.T, capacity)
                        : windowAround(cols, s.win.front(), s.win.back(), capacity);
  s.outW = windowAround(out, s.T, s.T, capacity);
  s.ellW = fit.windowed() ? 0.8 * s.cw : 0.0;
  s.ch = std::min({s.cw, M.stripMaxRow * u,
                   (bottom - y - strips * s.titleH - (strips - 1) * s.gap) / std::max(1, rowsTotal)});
  s.ch = std::max(s.ch, 3.0);
  s.cw = std::max(s.cw, 3.0);
  s.titlePx = fontPx(TextRole::Label, u);
  {  // spare height: titles grow with the cells, the strips move apart a little (up to 0.9 cell), the rest
     // centres them
    double spare = std::max(0.0, bottom - y - strips * s.titleH - (strips - 1) * s.gap - rowsTotal * s.ch);
    s.titlePx = stripTitlePx(s.ch, u, spare * 0.3 / strips);
    spare -= strips * (s.titlePx * 1.7 - s.titleH);
    s.titleH = s.titlePx * 1.7;
    const double extra = std::min(0.9 * s.ch, spare * 0.5 / std::max(1, strips - 1));
    s.gap += extra;
    y += (spare - extra * (strips - 1)) / 2;
  }
  const double gridW = s.inW.count * s.cw;
  s.x0 = pad + labelW + std::max(0.0, (availW - gridW) / 2);
  s.ox0 = s.x0 + (gridW - s.outW.count * s.cw) / 2;
  s.dec = decimalsFor(std::min(s.cw, s.ch * 1.6), u);
  s.lpx = cellLabelPx(s.ch, u);
}

/// What the hover target relates to: padded-input columns (of the group rows) and output cells.
struct Related1d {
  std::set<int> cols;
  std::set<std::pair<int, int>> outCells;  // (channel, position)
};

Related1d related1d(const Slide1d& s) {
  Related1d rel;
  if (!s.r.hover) return rel;
  const HoverTarget& h = *s.r.hover;
  if (h.region == R::Output)
    for (int c : s.sa.window(h.pos[0])) rel.cols.insert(c);
  if (h.region == R::Input)
    for (int mo = 0; mo < s.l.ax[0].out; ++mo) {
      const auto w = s.sa.window(mo);
      if (std::find(w.begin(), w.end(), h.pos[0]) != w.end())
        for (int oc = 0; oc < s.l.outChannels; ++oc) {
          const auto [gs, gn] = groupInputs(s.l, oc);
          if (h.channel >= gs && h.channel < gs + gn) rel.outCells.insert({oc, mo});
        }
    }
  if (h.region == R::Kernel && h.pos[0] < int(s.win.size())) rel.cols.insert(s.win[size_t(h.pos[0])]);
  return rel;
}

/// The x strip of zero_insert: x[i] sits above the zero-inserted cell it became. Returns its panel
/// (drawn after the padded input) and fills xCells with the last row's cells (for the links).
ScenePanel addZeroInsertedX(const Slide1d& s, double& y, std::vector<QRectF>& xCells) {
  const engine::Tensor& x = s.m.layerInput();
  const int L = int(x.dim(2));
  s.title(s.x0, y,
          QString("input x  %1 — each sample moves to position i·s (s = %2)")
                  .arg(shapeText(x))
                  .arg(s.orig.ax[0].s) +
              chanNote(s.wIn, "channels"));
  y += s.titleH;
  ScenePanel xPanel;
  xPanel.absMax = s.m.absInput;
  xPanel.decimals = s.dec;
  xPanel.showValues = s.dec >= 0;
  const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(s.orig, 0);
  const int nIn = s.wIn.count;
  for (int c = s.wIn.first; c < s.wIn.first + nIn; ++c) {
    s.rowLabel(y + s.rowY(s.wIn, c), QString("x c%1").arg(c));
    for (int i = 0; i < L; ++i) {
      const int disp = i * za.s - za.firstCell;
      if (!s.inW.contains(disp)) continue;
      SceneCell cell;
      cell.rect = QRectF(s.colX(disp), y + s.rowY(s.wIn, c), s.cw, s.ch);
      cell.value = x.data[size_t(int64_t(c) * L + i)];
      cell.target = {R::Input, 0, c, {disp, 0}};
      cell.target.region = R::VectorIn;
      cell.target.pos = {c * L + i, 0};
      xPanel.cells.push_back(cell);
      if (c == s.wIn.first + nIn - 1) xCells.push_back(cell.rect);
    }
  }
  s.ellipses(s.inW, s.x0, y, nIn * s.ch);
  y += nIn * s.ch + s.gap;
  return xPanel;
}

/// The padded (zero_insert: zero-inserted) input, the links from x above it, and the window box.
void addPaddedInput(const Slide1d& s, const Related1d& rel, double& y, const std::vector<QRectF>& xCells) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = s.f.unit;
  const SlideAxis& sa = s.sa;
  const engine::Layer& orig = s.orig;
  const int nIn = s.wIn.count, g0 = s.g0, cg = s.cg;
  QString t = s.zi ? QString("zero-inserted, padded input  (C=%1, %2 cells)").arg(s.l.inChannels).arg(sa.cols)
                   : QString("input x %1, padded: %2 + %3 + %4 = %5 cells")
                         .arg(shapeText(s.m.layerInput()))
                         .arg(orig.ax[0].pb)
                         .arg(orig.ax[0].in)
                         .arg(orig.ax[0].pe)
                         .arg(sa.cols);
  if (!sa.windowed) t = QString("input x %1").arg(shapeText(s.m.layerInput()));
  s.title(s.x0, y, t + shownNote(s.inW) + chanNote(s.wIn, "channels"));
  y += s.titleH;
  ScenePanel p = valuePanel(s.m.absInput, s.dec);
  for (int c = s.wIn.first; c < s.wIn.first + nIn; ++c) {
    s.rowLabel(y + s.rowY(s.wIn, c), QString("c%1").arg(c));
    const bool inGroup = c >= g0 && c < g0 + cg;
    for (int q = s.inW.first; q < s.inW.first + s.inW.count; ++q) {
      SceneCell cell;
      cell.rect = QRectF(s.colX(q), y + s.rowY(s.wIn, c), s.cw, s.ch);
      cell.style = styleOf(sa.kind[size_t(q)]);
      cell.value = s.m.slideIn(c, q, 0);
      cell.hasValue = sa.source[size_t(q)] >= 0;
      cell.target = {R::Input, 0, c, {q, 0}};
      if (inGroup && s.winSet.count(q)) cell.marks |= MarkActive;
      if (rel.cols.count(q) && inGroup) cell.marks |= MarkRelated;
      if (s.hovered(cell.target)) cell.marks |= MarkHovered;
      p.cells.push_back(cell);
    }
  }
  s.ellipses(s.inW, s.x0, y, nIn * s.ch);
  if (s.zi)  // links x[i] → its cell
    for (size_t i = 0; i < xCells.size(); ++i)
      s.f.lines.push_back(
          {xCells[i].center() + QPointF(0, s.ch / 2), QPointF(xCells[i].center().x(), y), LineKind::Faint});
  s.f.panels.push_back(std::move(p));
  const std::vector<int>& win = s.win;
  if (sa.windowed && !win.empty()) {
    const double l0 = s.colX(std::max(win.front(), s.inW.first)),
                 r0 = s.colX(std::min(win.back(), s.inW.first + s.inW.count - 1) + 1);
    if (s.rowY(s.wIn, g0 + cg) > s.rowY(s.wIn, g0))
      s.f.boxes.push_back({QRectF(l0 - M.windowBoxMargin * u, y + s.rowY(s.wIn, g0) - M.windowBoxMargin * u,
                                  r0 - l0 + 2 * M.windowBoxMargin * u,
                                  s.rowY(s.wIn, g0 + cg) - s.rowY(s.wIn, g0) + 2 * M.windowBoxMargin * u),
                           BoxKind::Window, QString()});
  }
  y += nIn * s.ch + s.gap;
}

/// The kernel slab (C/g × k weights of output channel o, or a pool's window) under the window;
/// returns the slab's bottom.
double addKernelSlab(const Slide1d& s, double& y) {
  const double u = s.f.unit;
  const SlideAxis& sa = s.sa;
  const engine::Layer& l = s.l;
  const std::vector<int>& win = s.win;
  const QString name = s.zi ? "W′ (flipped)" : "W";
  QString t = s.hasKernel ? QString("kernel %1[o=%2]: a %3 × %4 slab (C/g × k)%5")
                                .arg(name)
                                .arg(s.o)
                                .arg(s.cg)
                                .arg(sa.k)
                                .arg(sa.dilation > 1 ? QString(", dilation %1").arg(sa.dilation) : QString())
                          : QString("%1 window, k = %2").arg(engine::opName(l.op)).arg(sa.k);
  s.title(s.x0, y, t + chanNote(s.wK, "rows"));
  y += s.titleH;
  ScenePanel p = valuePanel(s.m.absKernel, s.dec);
  for (int c = s.wK.first; c < s.wK.first + s.wK.count; ++c) {
    if (s.hasKernel && !win.empty())
      s.rowLabelAt(s.colX(std::max(win.front(), s.inW.first)) - kSceneMetrics.kernelLabelGap * u,
                   y + s.rowY(s.wK, c), QString("c′%1").arg(c));
    for (int j = 0; j < sa.k && j < int(win.size()); ++j) {
      if (!s.inW.contains(win[size_t(j)])) continue;
      SceneCell cell;
      cell.rect = QRectF(s.colX(win[size_t(j)]), y + s.rowY(s.wK, c), s.cw, s.ch);
      if (s.hasKernel)
        cell.value = weightAt(l, s.o, c, j, 0);
      else {
        cell.style = CellStyle::Count;
        cell.text = l.op == engine::Op::MaxPool ? "max" : QString("1/%1").arg(sa.k);
        cell.value = 0.3;
      }
      cell.target = {R::Kernel, s.o, c, {j, 0}};
      if (s.hovered(cell.target)) cell.marks |= MarkHovered;
      p.cells.push_back(cell);
    }
    if (win.size() > 1)  // the taps belong together: a line through the gaps
      s.f.lines.push_back(
          {QPointF(s.colX(std::max(win.front(), s.inW.first)) + 0.5 * s.cw, y + s.rowY(s.wK, c) + 0.5 * s.ch),
           QPointF(s.colX(std::min(win.back(), s.inW.first + s.inW.count - 1)) + 0.5 * s.cw,
                   y + s.rowY(s.wK, c) + 0.5 * s.ch),
           LineKind::Kernel});
  }
  p.countMax = 1;
  s.f.panels.push_back(std::move(p));
  y += s.wK.count * s.ch;
  const double kBottom = y;
  y += s.gap;
  return kBottom;
}

/// The output strip, the link from the window (or its kernel slab, ending at kBottom) to the output
/// it makes, and the related window of a hovered output. inTop: top of the padded input's title.
void addOutputStrip1d(const Slide1d& s, const Related1d& rel, double y, double inTop, double kBottom) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = s.f.unit;
  const int out = s.l.ax[0].out, T = s.T, g0 = s.g0, cg = s.cg;
  const std::vector<int>& win = s.win;
  s.title(std::min(s.x0, s.ox0), y,
          QString("output y %1 — %2 of %3 computed").arg(shapeText(s.m.layerOutput())).arg(T + 1).arg(out) +
              shownNote(s.outW) + chanNote(s.wO, "channels"));
  y += s.titleH;
  ScenePanel p = valuePanel(s.m.absOutput, s.dec);
  for (int oc = s.wO.first; oc < s.wO.first + s.wO.count; ++oc) {
    s.rowLabelAt(s.ox0 - (s.outW.before() ? s.ellW : 0.0), y + s.rowY(s.wO, oc), QString("o%1").arg(oc));
    for (int mo = s.outW.first; mo < s.outW.first + s.outW.count; ++mo) {
      SceneCell cell;
      cell.rect = QRectF(s.outX(mo), y + s.rowY(s.wO, oc), s.cw, s.ch);
      cell.value = s.m.slideOut(oc, mo, 0);
      cell.style = mo <= T ? CellStyle::Value : CellStyle::Pending;
      cell.hasValue = mo <= T;
      if (mo == T) cell.marks |= MarkActive;
      if (rel.outCells.count({oc, mo})) cell.marks |= MarkRelated;
      cell.target = {R::Output, 0, oc, {mo, 0}};
      if (s.hovered(cell.target)) cell.marks |= MarkHovered;
      p.cells.push_back(cell);
    }
  }
  s.ellipses(s.outW, s.ox0, y, s.wO.count * s.ch);
  s.f.panels.push_back(std::move(p));
  // link: the window (or its kernel slab) → the output it makes
  if (!win.empty()) {
    const double wx = (s.colX(std::max(win.front(), s.inW.first)) +
                       s.colX(std::min(win.back(), s.inW.first + s.inW.count - 1) + 1)) /
                      2;
    const QPointF from(wx, s.kRows ? kBottom + M.linkEndGap * u
                                   : inTop + s.titleH + s.rowY(s.wIn, g0 + cg) + M.lineCellGap * u);
    const QPointF to(s.outX(T) + 0.5 * s.cw, y + s.rowY(s.wO, s.o) - M.linkEndGap * u);
    s.f.lines.push_back({from, to, LineKind::Link});
  }
  const std::optional<HoverTarget>& hv = s.r.hover;
  if (hv && hv->region == R::Output && s.outW.contains(hv->pos[0])) {
    const auto w = s.sa.window(hv->pos[0]);
    if (!w.empty() && s.inW.contains(w.front()) && s.inW.contains(w.back()))
      s.f.lines.push_back(
          {QPointF(s.outX(hv->pos[0]) + 0.5 * s.cw, y + s.rowY(s.wO, hv->channel)),
           QPointF((s.colX(w.front()) + s.colX(w.back() + 1)) / 2, inTop + s.titleH + s.rowY(s.wIn, g0 + cg)),
           LineKind::Related});
  }
}

/// The header's sentence of the 1-D slide (or zero-insertion) frame.
QString slideWhat1d(const Slide1d& s) {
  if (s.zi) {
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(s.orig, 0);
    return QString(
               "Transposed conv = stride-1 conv over x with %1 zero(s) inserted between samples, padded %2 "
               "left and %3 right, with the flipped kernel W′")
        .arg(s.orig.ax[0].s - 1)
        .arg(za.padLeft)
        .arg(za.padRight);
  }
  return QString("The kernel slides over the padded input with stride %1%2; each position makes one output")
      .arg(s.sa.stride)
      .arg(s.sa.dilation > 1 ? QString(" and dilation %1 (gaps between taps)").arg(s.sa.dilation)
                             : QString());
}

void build1d(SceneFrame& f, const SceneRequest& r) {
  Slide1d s(f, r);
  s.zi = s.m.view == View::ZeroInsert;
  s.T = r.step;
  s.o = focusChannel(r, s.l.outChannels);
  std::tie(s.g0, s.cg) = groupInputs(s.l, s.o);
  s.hasKernel = !s.l.weight.empty() && s.sa.windowed;
  const bool poolKernel = s.l.weight.empty() && s.sa.windowed;
  s.kRows = s.hasKernel ? s.cg : (poolKernel ? 1 : 0);
  s.win = s.sa.window(s.T);
  s.winSet = std::set<int>(s.win.begin(), s.win.end());
  double y = addHeader(f, s.m, s.T, slideWhat1d(s));
  const double footerTop = addFormulaFooter(f, s.m, kindLegend(s.m));
  const double bottom = addEquation(f, equationText(s.m, s.T, s.o, 10), footerTop);
  layoutSlide1d(s, y, bottom);
  const Related1d rel = related1d(s);
  std::vector<QRectF> xCells;
  ScenePanel xPanel;
  if (s.zi) xPanel = addZeroInsertedX(s, y, xCells);
  const double inTop = y;
  addPaddedInput(s, rel, y, xCells);
  if (s.zi) f.panels.push_back(std::move(xPanel));
  double kBottom = y;
  if (s.kRows) kBottom = addKernelSlab(s, y);
  addOutputStrip1d(s, rel, y, inTop, kBottom);
}

// [SECTION] 2-D GRIDS

/// The header's sentence of the 2-D slide (or zero-insertion) frame; c is the input channel shown.
QString slideWhat2d(const SceneModel& m, int c, int cg) {
  const engine::Layer& l = m.slideConv();
  const SlideAxis &a0 = m.slide[0], &a1 = m.slide[1];
  const int C = l.inChannels;
  if (m.view == View::ZeroInsert)
    return QString(
               "Transposed conv = stride-1 conv over the zero-inserted, padded input with the flipped kernel "
               "W′ (channel %1 of %2 shown)")
        .arg(c)
        .arg(C);
  return QString(
             "The k×k window slides with stride (%1, %2); channel %3 of %4 shown — the kernel is a %5×%6×%7 "
             "block")
      .arg(a0.stride)
      .arg(a1.stride)
      .arg(c)
      .arg(C)
      .arg(cg)
      .arg(a0.k)
      .arg(a1.k);
}

/// The kernel W[o, c − g0] (W′ for zero_insert) of output channel o on input channel c, boxed.
void addKernelGrid(SceneFrame& f, const SceneRequest& r, const GridPlace& gk, int c, double cs, int dec) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.slideConv();
  const SlideAxis &a0 = m.slide[0], &a1 = m.slide[1];
  const double u = f.unit;
  const int o = focusChannel(r, l.outChannels), g0 = groupInputs(l, o).first;
  gridTitle(f, gk, cs, QString("%1[%2, %3]").arg(m.view == View::ZeroInsert ? "W′" : "W").arg(o).arg(c - g0));
  ScenePanel kp = valuePanel(m.absKernel, dec);
  for (int i = gk.rows.first; i < gk.rows.first + gk.rows.count; ++i)
    for (int j = gk.cols.first; j < gk.cols.first + gk.cols.count; ++j) {
      SceneCell cell;
      cell.rect = gk.cell(i, j);
      cell.value = weightAt(l, o, c - g0, i, j);
      cell.target = {R::Kernel, o, c - g0, {i, j}};
      if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
      kp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(kp));
  gk.addMarkers(f);
  const QRectF kRect =
      gk.cell(gk.rows.first, gk.cols.first)
          .united(gk.cell(gk.rows.first + gk.rows.count - 1, gk.cols.first + gk.cols.count - 1));
  f.boxes.push_back({kRect.adjusted(-kSceneMetrics.windowBoxMargin * u, -kSceneMetrics.windowBoxMargin * u,
                                    kSceneMetrics.windowBoxMargin * u, kSceneMetrics.windowBoxMargin * u),
                     BoxKind::Kernel, QString("k = %1×%2").arg(a0.k).arg(a1.k)});
}

/// The padded (zero-inserted) plane of input channel c, the kernel, and the output plane of channel o.
void build2d(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.slideConv();
  const bool zi = m.view == View::ZeroInsert;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step;
  const int C = l.inChannels, O = l.outChannels;
  const SlideAxis &a0 = m.slide[0], &a1 = m.slide[1];
  const int out0 = l.ax[0].out, out1 = l.ax[1].out;
  const int o = focusChannel(r, O);
  const auto [g0, cg] = groupInputs(l, o);
  int c = g0;
  if (r.hover && r.hover->region == R::Input) c = std::clamp(r.hover->channel, 0, C - 1);
  if (r.hover && r.hover->region == R::Kernel) c = g0 + std::clamp(r.hover->channel, 0, cg - 1);
  const bool hasKernel = !l.weight.empty() && a0.windowed;
  const engine::Pos P = engine::stepPosition(l, T);

  double y = addHeader(f, m, T, slideWhat2d(m, c, cg));
  const double footerTop = addFormulaFooter(f, m, kindLegend(m));
  const double bottom = addEquation(f, equationText(m, T, o, 8), footerTop);
  const double titleH = fontPx(TextRole::Label, u) * 2.7;  // up to two lines
  const std::vector<int> w0 = a0.window(P[0]), w1 = a1.window(P[1]);
  std::vector<GridSpec> specs;
  specs.push_back({a0.cols, a1.cols, w0.empty() ? 0 : w0.front(), w0.empty() ? 0 : w0.back(),
                   w1.empty() ? 0 : w1.front(), w1.empty() ? 0 : w1.back(), false});
  // a kernel of more than kWholeKernel cells is windowed like the other grids (from its first taps)
  if (hasKernel) specs.push_back({a0.k, a1.k, 0, 0, 0, 0, int64_t(a0.k) * a1.k <= kWholeKernel});
  specs.push_back({out0, out1, P[0], P[0], P[1], P[1], false});
  const std::vector<GridPlace> g =
      layoutGrids(specs,
                  QRectF(pad, y + titleH, f.size.width() - 2 * pad,
                         bottom - y - titleH - fontPx(TextRole::Small, u) * 1.6),
                  2.0, M.gridMaxCell * u, M.gridMinCell * u, M.gridWindowCell * u, titleH);
  const GridPlace& gin = g.front();
  const GridPlace& gout = g.back();
  const double cs = gin.cs;
  const int dec = decimalsFor(cs, u);
  std::set<int> s0(w0.begin(), w0.end()), s1(w1.begin(), w1.end());
  std::set<std::pair<int, int>> rel;
  if (r.hover && r.hover->region == R::Output)
    for (int i : a0.window(r.hover->pos[0]))
      for (int j : a1.window(r.hover->pos[1])) rel.insert({i, j});
  auto title = [&](const GridPlace& p, const QString& s) { gridTitle(f, p, cs, s); };
  title(gin, QString("%1 channel %2 (%3 × %4)%5")
                 .arg(zi ? "zero-inserted input," : "padded input,")
                 .arg(c)
                 .arg(a0.cols)
                 .arg(a1.cols)
                 .arg(gridShownNote(gin)));
  ScenePanel in = valuePanel(m.absInput, dec);
  for (int i = gin.rows.first; i < gin.rows.first + gin.rows.count; ++i)
    for (int j = gin.cols.first; j < gin.cols.first + gin.cols.count; ++j) {
      SceneCell cell;
      cell.rect = gin.cell(i, j);
      cell.style = styleOf(engine::combineCells(a0.kind[size_t(i)], a1.kind[size_t(j)]));
      cell.value = m.slideIn(c, i, j);
      cell.hasValue = a0.source[size_t(i)] >= 0 && a1.source[size_t(j)] >= 0;
      cell.target = {R::Input, 0, c, {i, j}};
      if (s0.count(i) && s1.count(j)) cell.marks |= MarkActive;
      if (rel.count({i, j})) cell.marks |= MarkRelated;
      if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
      in.cells.push_back(cell);
    }
  f.panels.push_back(std::move(in));
  gin.addMarkers(f);
  QRectF winRect;
  if (!w0.empty() && !w1.empty()) {
    auto cl0 = [&](int i) { return std::clamp(i, gin.rows.first, gin.rows.first + gin.rows.count - 1); };
    auto cl1 = [&](int j) { return std::clamp(j, gin.cols.first, gin.cols.first + gin.cols.count - 1); };
    winRect = gin.cell(cl0(w0.front()), cl1(w1.front())).united(gin.cell(cl0(w0.back()), cl1(w1.back())));
    f.boxes.push_back({winRect.adjusted(-M.windowBoxMargin * u, -M.windowBoxMargin * u, M.windowBoxMargin * u,
                                        M.windowBoxMargin * u),
                       BoxKind::Window, QString()});
  }
  if (hasKernel) addKernelGrid(f, r, g[1], c, cs, dec);
  title(gout,
        QString("output y %1, channel %2%3").arg(shapeText(m.layerOutput())).arg(o).arg(gridShownNote(gout)));
  ScenePanel op = valuePanel(m.absOutput, dec);
  for (int i = gout.rows.first; i < gout.rows.first + gout.rows.count; ++i)
    for (int j = gout.cols.first; j < gout.cols.first + gout.cols.count; ++j) {
      const int idx = i * out1 + j;
      SceneCell cell;
      cell.rect = gout.cell(i, j);
      cell.value = m.slideOut(o, i, j);
      cell.style = idx <= T ? CellStyle::Value : CellStyle::Pending;
      cell.hasValue = idx <= T;
      if (idx == T) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, o, {i, j}};
      if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
      op.cells.push_back(cell);
    }
  f.panels.push_back(std::move(op));
  gout.addMarkers(f);
  const QPointF outC = gout.cell(P[0], P[1]).center();
  if (!winRect.isNull() && hasKernel && !g[1].flip && !gout.flip) {
    // window → kernel → output: two arrows around the kernel grid, never across its numbers
    const GridPlace& gk = g[1];
    const QRectF kRect =
        gk.cell(gk.rows.first, gk.cols.first)
            .united(gk.cell(gk.rows.first + gk.rows.count - 1, gk.cols.first + gk.cols.count - 1));
    const double gap = M.windowBoxMargin * u + M.lineCellGap * u;
    f.lines.push_back(
        {QPointF(winRect.right() + gap, winRect.center().y()),
         QPointF(kRect.left() - gap, std::clamp(winRect.center().y(), kRect.top(), kRect.bottom())),
         LineKind::Link});
    f.lines.push_back({QPointF(kRect.right() + gap, std::clamp(outC.y(), kRect.top(), kRect.bottom())),
                       outC - QPointF(cs * 0.5, 0), LineKind::Link});
  } else if (!winRect.isNull()) {
    f.lines.push_back({QPointF(winRect.right() + M.lineCellGap * u, winRect.center().y()),
                       outC - QPointF(cs * 0.5, 0), LineKind::Link});
  }
}

}  // namespace

// [SECTION] ENTRY

void buildSlideFrame(SceneFrame& f, const SceneRequest& r) {
  if (r.model->slideConv().dims == 2)
    build2d(f, r);
  else
    build1d(f, r);
}

}  // namespace convscope::widgets
