// Slide and zero-insertion views: a stride-s conv window moving over the padded input (slide), or
// the stride-1 conv with the flipped kernel W′ over the zero-inserted, padded input (zero_insert).
// 1-D: channels are rows (C × L grid), so the kernel of one output channel is a (C/g) × k slab drawn
// under the window; 2-D: one channel's padded plane, the k×k kernel, and the output plane.
#include <QFontMetricsF>
#include <algorithm>
#include <set>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using engine::CellKind;
using R = HoverTarget::Region;

namespace {

constexpr int64_t kWholeKernel = 64 * 64;  // 2-D kernels drawn whole up to this many taps

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

void build1d(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.slideConv();
  const engine::Layer& orig = m.layer();
  const bool zi = m.view == View::ZeroInsert;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step;
  const int C = l.inChannels, O = l.outChannels;
  const int cols = m.slide[0].cols, out = l.ax[0].out;
  const SlideAxis& sa = m.slide[0];
  const int o = focusChannel(r, O);
  const auto [g0, cg] = groupInputs(l, o);
  const bool hasKernel = !l.weight.empty() && sa.windowed;
  const bool poolKernel = l.weight.empty() && sa.windowed;

  QString what =
      QString("The kernel slides over the padded input with stride %1%2; each position makes one output")
          .arg(sa.stride)
          .arg(sa.dilation > 1 ? QString(" and dilation %1 (gaps between taps)").arg(sa.dilation)
                               : QString());
  if (zi) {
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(orig, 0);
    what = QString(
               "Transposed conv = stride-1 conv over x with %1 zero(s) inserted between samples, padded %2 "
               "left and %3 right, with the flipped kernel W′")
               .arg(orig.ax[0].s - 1)
               .arg(za.padLeft)
               .arg(za.padRight);
  }
  double y = addHeader(f, m, T, what);
  const double footerTop = addFormulaFooter(f, m, kindLegend(m));
  const double bottom = addEquation(f, equationText(m, T, o, 10), footerTop);

  // cell size from the room there is: columns across the width, rows down the height
  const double labelW = M.rowLabelColumn * u;
  double titleH = fontPx(TextRole::Label, u) * 1.7;
  double gap = M.slideStripGap * u;
  const int kRows = hasKernel ? cg : (poolKernel ? 1 : 0);
  const int strips = (zi ? 1 : 0) + 1 + (kRows ? 1 : 0) + 1;
  const double availW = f.size.width() - 2 * pad - labelW;
  // Channel rows: all of them while rows of 5 px fit, else a window per strip around the channels
  // in play (the window's input group, the kernel's first rows, the output channel o).
  ColWindow wIn = windowAround(C, g0, g0 + cg - 1, C), wK = windowAround(kRows, 0, kRows - 1, kRows),
            wO = windowAround(O, o, o, O);
  {
    const int fitRows = std::max(strips, int((bottom - y - strips * titleH - (strips - 1) * gap) / 5.0));
    if ((zi ? C : 0) + C + kRows + O > fitRows) {
      const int cap = std::max(1, fitRows / strips);
      wIn = windowAround(C, g0, g0, cap), wK = windowAround(kRows, 0, 0, cap),
      wO = windowAround(O, o, o, cap);
    }
  }
  const int nIn = wIn.count, nK = wK.count, nO = wO.count;
  const int rowsTotal = (zi ? nIn : 0) + nIn + nK + nO;
  double ch = 0;  // row height, set below
  auto rowY = [&](const ColWindow& w, int c) {
    return (std::clamp(c, w.first, w.first + w.count) - w.first) * ch;
  };
  auto chanNote = [](const ColWindow& w, const char* name) {
    return w.windowed()
               ? QString("  ·  %1 %2–%3 of %4").arg(name).arg(w.first).arg(w.first + w.count - 1).arg(w.total)
               : QString();
  };
  const std::vector<int> win = sa.window(T);
  std::set<int> winSet(win.begin(), win.end());
  ColWindow fit;
  double cw = fitColumns(availW, std::max(cols, out), 0, 0, M.stripMinCell * u, M.stripMaxCell * u, fit);
  const int capacity = fit.windowed() ? fit.count : std::max(cols, out);
  const ColWindow inW = win.empty() ? windowAround(cols, T, T, capacity)
                                    : windowAround(cols, win.front(), win.back(), capacity);
  const ColWindow outW = windowAround(out, T, T, capacity);
  const double ellW = fit.windowed() ? 0.8 * cw : 0.0;
  ch = std::min(
      {cw, M.stripMaxRow * u, (bottom - y - strips * titleH - (strips - 1) * gap) / std::max(1, rowsTotal)});
  ch = std::max(ch, 3.0);
  cw = std::max(cw, 3.0);
  double titlePx = fontPx(TextRole::Label, u);
  {  // spare height: titles grow with the cells, the strips move apart a little (up to 0.9 cell), the rest
     // centres them
    double spare = std::max(0.0, bottom - y - strips * titleH - (strips - 1) * gap - rowsTotal * ch);
    titlePx = stripTitlePx(ch, u, spare * 0.3 / strips);
    spare -= strips * (titlePx * 1.7 - titleH);
    titleH = titlePx * 1.7;
    const double extra = std::min(0.9 * ch, spare * 0.5 / std::max(1, strips - 1));
    gap += extra;
    y += (spare - extra * (strips - 1)) / 2;
  }
  const double gridW = inW.count * cw;
  const double x0 = pad + labelW + std::max(0.0, (availW - gridW) / 2);
  auto colX = [&](int q) { return x0 + (q - inW.first) * cw; };
  const double ox0 = x0 + (gridW - outW.count * cw) / 2;
  auto outX = [&](int mo) { return ox0 + (mo - outW.first) * cw; };
  const int dec = decimalsFor(std::min(cw, ch * 1.6), u);
  const double lpx = cellLabelPx(ch, u);
  auto rowLabelAt = [&](double right, double yy, const QString& s) {
    if (ch >= 9)
      f.texts.push_back({QRectF(right - M.rowLabelOffset * u, yy, M.rowLabelWidth * u, ch), s,
                         TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter), lpx});
  };
  auto rowLabel = [&](double yy, const QString& s) { rowLabelAt(x0 - (inW.before() ? ellW : 0.0), yy, s); };
  auto ellipses = [&](const ColWindow& w, double left, double yy, double h) {
    if (w.before()) addEllipsis(f, QRectF(left - ellW, yy, ellW, h));
    if (w.after()) addEllipsis(f, QRectF(left + w.count * cw, yy, ellW, h));
  };
  auto shown = [&](const ColWindow& w) {
    return w.windowed()
               ? QString("  ·  showing %1–%2 of %3").arg(w.first).arg(w.first + w.count - 1).arg(w.total)
               : QString();
  };
  auto title = [&](double xx, double yy, const QString& s) {
    xx = std::min(xx, x0);
    addTitle(f, xx, yy, f.size.width() - xx - pad, titleH, s, titlePx);
  };

  // related sets from the hover target
  std::set<int> relCols, relOut;  // display cols of the group rows / outputs
  std::set<std::pair<int, int>> relOutCells;
  if (r.hover) {
    const HoverTarget& h = *r.hover;
    if (h.region == R::Output)
      for (int c : sa.window(h.pos[0])) relCols.insert(c);
    if (h.region == R::Input)
      for (int mo = 0; mo < out; ++mo) {
        const auto w = sa.window(mo);
        if (std::find(w.begin(), w.end(), h.pos[0]) != w.end())
          for (int oc = 0; oc < O; ++oc) {
            const auto [gs, gn] = groupInputs(l, oc);
            if (h.channel >= gs && h.channel < gs + gn) relOutCells.insert({oc, mo});
          }
      }
    if (h.region == R::Kernel && h.pos[0] < int(win.size())) relCols.insert(win[size_t(h.pos[0])]);
  }

  // x row (zero_insert): x[i] sits above the zero-inserted cell it became
  std::vector<QRectF> xCells;
  ScenePanel xPanel;
  if (zi) {
    const engine::Tensor& x = m.layerInput();
    const int L = int(x.dim(2));
    title(x0, y,
          QString("input x  %1 — each sample moves to position i·s (s = %2)")
                  .arg(shapeText(x))
                  .arg(orig.ax[0].s) +
              chanNote(wIn, "channels"));
    y += titleH;
    xPanel.absMax = m.absInput;
    xPanel.decimals = dec;
    xPanel.showValues = dec >= 0;
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(orig, 0);
    for (int c = wIn.first; c < wIn.first + nIn; ++c) {
      rowLabel(y + rowY(wIn, c), QString("x c%1").arg(c));
      for (int i = 0; i < L; ++i) {
        const int disp = i * za.s - za.firstCell;
        if (!inW.contains(disp)) continue;
        SceneCell cell;
        cell.rect = QRectF(colX(disp), y + rowY(wIn, c), cw, ch);
        cell.value = x.data[size_t(int64_t(c) * L + i)];
        cell.target = {R::Input, 0, c, {disp, 0}};
        cell.target.region = R::VectorIn;
        cell.target.pos = {c * L + i, 0};
        xPanel.cells.push_back(cell);
        if (c == wIn.first + nIn - 1) xCells.push_back(cell.rect);
      }
    }
    ellipses(inW, x0, y, nIn * ch);
    y += nIn * ch + gap;
  }

  // padded input strip
  const double inTop = y;
  {
    QString t = zi ? QString("zero-inserted, padded input  (C=%1, %2 cells)").arg(C).arg(cols)
                   : QString("input x %1, padded: %2 + %3 + %4 = %5 cells")
                         .arg(shapeText(m.layerInput()))
                         .arg(orig.ax[0].pb)
                         .arg(orig.ax[0].in)
                         .arg(orig.ax[0].pe)
                         .arg(cols);
    if (!sa.windowed) t = QString("input x %1").arg(shapeText(m.layerInput()));
    title(x0, y, t + shown(inW) + chanNote(wIn, "channels"));
    y += titleH;
    ScenePanel p = valuePanel(m.absInput, dec);
    for (int c = wIn.first; c < wIn.first + nIn; ++c) {
      rowLabel(y + rowY(wIn, c), QString("c%1").arg(c));
      const bool inGroup = c >= g0 && c < g0 + cg;
      for (int q = inW.first; q < inW.first + inW.count; ++q) {
        SceneCell cell;
        cell.rect = QRectF(colX(q), y + rowY(wIn, c), cw, ch);
        cell.style = styleOf(sa.kind[size_t(q)]);
        cell.value = m.slideIn(c, q, 0);
        cell.hasValue = sa.source[size_t(q)] >= 0;
        cell.target = {R::Input, 0, c, {q, 0}};
        if (inGroup && winSet.count(q)) cell.marks |= MarkActive;
        if (relCols.count(q) && inGroup) cell.marks |= MarkRelated;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    }
    ellipses(inW, x0, y, nIn * ch);
    if (zi)  // links x[i] → its cell
      for (size_t i = 0; i < xCells.size(); ++i)
        f.lines.push_back(
            {xCells[i].center() + QPointF(0, ch / 2), QPointF(xCells[i].center().x(), y), LineKind::Faint});
    f.panels.push_back(std::move(p));
    if (sa.windowed && !win.empty()) {
      const double l0 = colX(std::max(win.front(), inW.first)),
                   r0 = colX(std::min(win.back(), inW.first + inW.count - 1) + 1);
      if (rowY(wIn, g0 + cg) > rowY(wIn, g0))
        f.boxes.push_back({QRectF(l0 - M.windowBoxMargin * u, y + rowY(wIn, g0) - M.windowBoxMargin * u,
                                  r0 - l0 + 2 * M.windowBoxMargin * u,
                                  rowY(wIn, g0 + cg) - rowY(wIn, g0) + 2 * M.windowBoxMargin * u),
                           BoxKind::Window, QString()});
    }
    y += nIn * ch + gap;
  }
  if (zi) f.panels.push_back(std::move(xPanel));

  // kernel slab under the window
  double kBottom = y;
  if (kRows) {
    const QString name = zi ? "W′ (flipped)" : "W";
    QString t = hasKernel ? QString("kernel %1[o=%2]: a %3 × %4 slab (C/g × k)%5")
                                .arg(name)
                                .arg(o)
                                .arg(cg)
                                .arg(sa.k)
                                .arg(sa.dilation > 1 ? QString(", dilation %1").arg(sa.dilation) : QString())
                          : QString("%1 window, k = %2").arg(engine::opName(l.op)).arg(sa.k);
    title(x0, y, t + chanNote(wK, "rows"));
    y += titleH;
    ScenePanel p = valuePanel(m.absKernel, dec);
    for (int c = wK.first; c < wK.first + nK; ++c) {
      if (hasKernel && !win.empty())
        rowLabelAt(colX(std::max(win.front(), inW.first)) - M.kernelLabelGap * u, y + rowY(wK, c),
                   QString("c′%1").arg(c));
      for (int j = 0; j < sa.k && j < int(win.size()); ++j) {
        if (!inW.contains(win[size_t(j)])) continue;
        SceneCell cell;
        cell.rect = QRectF(colX(win[size_t(j)]), y + rowY(wK, c), cw, ch);
        if (hasKernel)
          cell.value = weightAt(l, o, c, j, 0);
        else {
          cell.style = CellStyle::Count;
          cell.text = l.op == engine::Op::MaxPool ? "max" : QString("1/%1").arg(sa.k);
          cell.value = 0.3;
        }
        cell.target = {R::Kernel, o, c, {j, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
      if (win.size() > 1)  // the taps belong together: a line through the gaps
        f.lines.push_back(
            {QPointF(colX(std::max(win.front(), inW.first)) + 0.5 * cw, y + rowY(wK, c) + 0.5 * ch),
             QPointF(colX(std::min(win.back(), inW.first + inW.count - 1)) + 0.5 * cw,
                     y + rowY(wK, c) + 0.5 * ch),
             LineKind::Kernel});
    }
    p.countMax = 1;
    f.panels.push_back(std::move(p));
    y += nK * ch;
    kBottom = y;
    y += gap;
  }

  // output strip
  {
    title(std::min(x0, ox0), y,
          QString("output y %1 — %2 of %3 computed").arg(shapeText(m.layerOutput())).arg(T + 1).arg(out) +
              shown(outW) + chanNote(wO, "channels"));
    y += titleH;
    ScenePanel p = valuePanel(m.absOutput, dec);
    for (int oc = wO.first; oc < wO.first + nO; ++oc) {
      rowLabelAt(ox0 - (outW.before() ? ellW : 0.0), y + rowY(wO, oc), QString("o%1").arg(oc));
      for (int mo = outW.first; mo < outW.first + outW.count; ++mo) {
        SceneCell cell;
        cell.rect = QRectF(outX(mo), y + rowY(wO, oc), cw, ch);
        cell.value = m.slideOut(oc, mo, 0);
        cell.style = mo <= T ? CellStyle::Value : CellStyle::Pending;
        cell.hasValue = mo <= T;
        if (mo == T) cell.marks |= MarkActive;
        if (relOutCells.count({oc, mo})) cell.marks |= MarkRelated;
        cell.target = {R::Output, 0, oc, {mo, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    }
    ellipses(outW, ox0, y, nO * ch);
    f.panels.push_back(std::move(p));
    // link: the window (or its kernel slab) → the output it makes
    if (!win.empty()) {
      const double wx = (colX(std::max(win.front(), inW.first)) +
                         colX(std::min(win.back(), inW.first + inW.count - 1) + 1)) /
                        2;
      const QPointF from(
          wx, kRows ? kBottom + M.linkEndGap * u : inTop + titleH + rowY(wIn, g0 + cg) + M.lineCellGap * u);
      const QPointF to(outX(T) + 0.5 * cw, y + rowY(wO, o) - M.linkEndGap * u);
      f.lines.push_back({from, to, LineKind::Link});
    }
    if (r.hover && r.hover->region == R::Output && outW.contains(r.hover->pos[0])) {
      const auto w = sa.window(r.hover->pos[0]);
      if (!w.empty() && inW.contains(w.front()) && inW.contains(w.back()))
        f.lines.push_back(
            {QPointF(outX(r.hover->pos[0]) + 0.5 * cw, y + rowY(wO, r.hover->channel)),
             QPointF((colX(w.front()) + colX(w.back() + 1)) / 2, inTop + titleH + rowY(wIn, g0 + cg)),
             LineKind::Related});
    }
  }
}

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

  const QString what = zi ? QString(
                                "Transposed conv = stride-1 conv over the zero-inserted, padded input with "
                                "the flipped kernel W′ (channel %1 of %2 shown)")
                                .arg(c)
                                .arg(C)
                          : QString(
                                "The k×k window slides with stride (%1, %2); channel %3 of %4 shown — the "
                                "kernel is a %5×%6×%7 block")
                                .arg(a0.stride)
                                .arg(a1.stride)
                                .arg(c)
                                .arg(C)
                                .arg(cg)
                                .arg(a0.k)
                                .arg(a1.k);
  double y = addHeader(f, m, T, what);
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
  auto title = [&](const GridPlace& p, const QString& s) {
    const double w = std::max(p.width() + 1.6 * cs, M.gridTitleMinW * u);
    const double h = wrappedHeight(f, w, s, TextRole::Label, 2);
    addWrapped(f, p.at.x(), p.at.y() - h - M.gridTitleGap * u, w, s, TextRole::Label, 2);
  };
  auto shown = [](const GridPlace& p) {
    return p.rows.windowed() || p.cols.windowed() ? QString(" · rows %1–%2, cols %3–%4")
                                                        .arg(p.rows.first)
                                                        .arg(p.rows.first + p.rows.count - 1)
                                                        .arg(p.cols.first)
                                                        .arg(p.cols.first + p.cols.count - 1)
                                                  : QString();
  };

  title(gin, QString("%1 channel %2 (%3 × %4)%5")
                 .arg(zi ? "zero-inserted input," : "padded input,")
                 .arg(c)
                 .arg(a0.cols)
                 .arg(a1.cols)
                 .arg(shown(gin)));
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
  if (hasKernel) {
    const GridPlace& gk = g[1];
    title(gk, QString("%1[%2, %3]").arg(zi ? "W′" : "W").arg(o).arg(c - g0));
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
    const QRectF kRect(gk.x(gk.cols.first), gk.y(gk.rows.first), gk.cols.count * cs, gk.rows.count * cs);
    f.boxes.push_back({kRect.adjusted(-M.windowBoxMargin * u, -M.windowBoxMargin * u, M.windowBoxMargin * u,
                                      M.windowBoxMargin * u),
                       BoxKind::Kernel, QString("k = %1×%2").arg(a0.k).arg(a1.k)});
  }
  title(gout, QString("output y %1, channel %2%3").arg(shapeText(m.layerOutput())).arg(o).arg(shown(gout)));
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
  if (!winRect.isNull())
    f.lines.push_back({QPointF(winRect.right() + M.lineCellGap * u, winRect.center().y()),
                       outC - QPointF(cs * 0.5, 0), LineKind::Link});
}

}  // namespace

void buildSlideFrame(SceneFrame& f, const SceneRequest& r) {
  if (r.model->slideConv().dims == 2)
    build2d(f, r);
  else
    build1d(f, r);
}

}  // namespace convscope::widgets
