// Slide and zero-insertion views: a stride-s conv window moving over the padded input (slide), or
// the stride-1 conv with the flipped kernel W′ over the zero-inserted, padded input (zero_insert).
// 1-D: channels are rows (C × L grid), so the kernel of one output channel is a (C/g) × k slab drawn
// under the window; 2-D: one channel's padded plane, the k×k kernel, and the output plane.
#include <QFontMetricsF>
#include <algorithm>
#include <set>

#include "scene_frame.h"

namespace convscope::widgets {

using engine::CellKind;
using R = HoverTarget::Region;

namespace {

CellStyle styleOf(CellKind k) {
  switch (k) {
    case CellKind::Padding: return CellStyle::Padding;
    case CellKind::InsertedZero: return CellStyle::InsertedZero;
    case CellKind::Cropped: return CellStyle::Cropped;
    default: return CellStyle::Value;
  }
}

double at(const engine::Tensor& t, int c, int a, int b) {  // (C, A[, B])
  const int64_t A = t.dim(1), B = t.rank() >= 3 ? t.dim(2) : 1;
  return t.data[size_t((int64_t(c) * A + a) * B + b)];
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
  const engine::Layer& l = m.slideLayer;
  engine::TraceStep ts;
  if (step < int(m.trace.size())) ts = m.trace[size_t(step)];
  else return QString();
  if (o >= int(ts.outputs.size())) return QString();
  const engine::TraceOutput& to = ts.outputs[size_t(o)];
  const QString pos = l.dims == 2 ? QString("%1,%2").arg(to.position[0]).arg(to.position[1]) : QString::number(to.position[0]);
  const bool pool = l.op == engine::Op::MaxPool || l.op == engine::Op::AvgPool;
  QString s = QString("y[%1, %2] = ").arg(o).arg(pos);
  if (l.op == engine::Op::MaxPool) s += "max(";
  else if (!l.bias.empty()) s += formatValue(to.bias, 2) + " + ";
  int shown = 0;
  for (size_t i = 0; i < to.terms.size(); ++i) {
    const auto& t = to.terms[i];
    if (shown == maxTerms) {
      s += QString(" + … (%1 terms)").arg(to.terms.size());
      break;
    }
    if (i) s += l.op == engine::Op::MaxPool ? ", " : " + ";
    if (pool) s += formatValue(t.input, 2);
    else s += formatValue(t.weight, 2) + "·" + formatValue(t.input, 2);
    ++shown;
  }
  if (l.op == engine::Op::MaxPool) s += ")";
  s += " = " + formatValue(to.value, 3);
  return s;
}

QString kindLegend(const SceneModel& m) {
  std::set<CellKind> kinds;
  for (int a = 0; a < m.slideLayer.dims; ++a)
    for (CellKind k : m.slide[size_t(a)].kind) kinds.insert(k);
  QStringList s;
  if (kinds.count(CellKind::Padding)) s << "dashed = padding";
  if (kinds.count(CellKind::InsertedZero)) s << "hatched 0 = inserted zero";
  if (kinds.count(CellKind::Cropped)) s << "crossed = cropped";
  return s.join(" · ");
}

void build1d(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.slideLayer;
  const engine::Layer& orig = m.layer();
  const bool zi = m.view == View::ZeroInsert;
  const double u = f.unit, pad = 14 * u;
  const int T = r.step;
  const int C = int(m.slideInput.dim(0)), O = int(m.slideOutput.dim(0));
  const int cols = m.slide[0].cols, out = int(m.slideOutput.dim(1));
  const SlideAxis& sa = m.slide[0];
  const int o = focusChannel(r, O);
  const auto [g0, cg] = groupInputs(l, o);
  const bool hasKernel = !l.weight.empty() && sa.windowed;
  const bool poolKernel = l.weight.empty() && sa.windowed;

  QString what = QString("The kernel slides over the padded input with stride %1%2; each position makes one output")
                     .arg(sa.stride).arg(sa.dilation > 1 ? QString(" and dilation %1 (gaps between taps)").arg(sa.dilation) : QString());
  if (zi) {
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(orig, 0);
    what = QString("Transposed conv = stride-1 conv over x with %1 zero(s) inserted between samples, padded %2 left and %3 right, with the flipped kernel W′")
               .arg(orig.ax[0].s - 1).arg(za.padLeft).arg(za.padRight);
  }
  double y = addHeader(f, m, T, what);
  const QString eq = equationText(m, T, o, 10);
  const double footerTop = addFormulaFooter(f, m, kindLegend(m));
  const double eqH = fontPx(TextRole::Equation, u) * 1.6;
  if (!eq.isEmpty()) addText(f, QRectF(pad, footerTop - eqH - 4 * u, f.size.width() - 2 * pad, eqH), eq, TextRole::Equation);
  const double bottom = footerTop - eqH - 10 * u;

  const double labelW = 74 * u, titleH = fontPx(TextRole::Label, u) * 1.7, gap = 10 * u;
  const int kRows = hasKernel ? cg : (poolKernel ? 1 : 0);
  const int strips = (zi ? 1 : 0) + 1 + (kRows ? 1 : 0) + 1;
  const int rowsTotal = (zi ? C : 0) + C + kRows + O;
  const double availW = f.size.width() - 2 * pad - labelW;
  double cw = std::min(48 * u, availW / std::max(cols, out));
  double ch = std::min({cw, 38 * u, (bottom - y - strips * (titleH + gap)) / std::max(1, rowsTotal)});
  ch = std::max(ch, 3.0);
  cw = std::max(cw, 3.0);
  const double gridW = cols * cw;
  const double x0 = pad + labelW + std::max(0.0, (availW - gridW) / 2);
  const int dec = decimalsFor(cw, u);
  auto rowLabel = [&](double yy, const QString& s) {
    if (ch >= 8 * u) addText(f, QRectF(x0 - 44 * u, yy, 40 * u, ch), s, TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter));
  };
  auto title = [&](double xx, double yy, const QString& s) { addText(f, QRectF(xx, yy, f.size.width() - xx - pad, titleH), s, TextRole::Label); };

  const std::vector<int> win = sa.window(T);
  std::set<int> winSet(win.begin(), win.end());

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
    title(x0, y, QString("input x  %1 — each sample moves to position i·s (s = %2)").arg(shapeText(x)).arg(orig.ax[0].s));
    y += titleH;
    xPanel.absMax = m.absInput;
    xPanel.decimals = dec;
    xPanel.showValues = dec >= 0;
    const engine::ZeroInsertionAxis za = engine::zeroInsertionAxis(orig, 0);
    for (int c = 0; c < C; ++c) {
      rowLabel(y + c * ch, QString("x c%1").arg(c));
      for (int i = 0; i < L; ++i) {
        const int disp = i * za.s - za.firstCell;
        SceneCell cell;
        cell.rect = QRectF(x0 + disp * cw, y + c * ch, cw, ch);
        cell.value = x.data[size_t(int64_t(c) * L + i)];
        cell.target = {R::Input, 0, c, {disp, 0}};
        cell.target.region = R::VectorIn;
        cell.target.pos = {c * L + i, 0};
        xPanel.cells.push_back(cell);
        if (c == C - 1) xCells.push_back(cell.rect);
      }
    }
    y += C * ch + gap;
  }

  // padded input strip
  const double inTop = y;
  {
    QString t = zi ? QString("zero-inserted, padded input  (C=%1, %2 cells)").arg(C).arg(cols)
                   : QString("input x %1, padded: %2 + %3 + %4 = %5 cells").arg(shapeText(m.layerInput())).arg(orig.ax[0].pb).arg(orig.ax[0].in).arg(orig.ax[0].pe).arg(cols);
    if (!sa.windowed) t = QString("input x %1").arg(shapeText(m.layerInput()));
    title(x0, y, t);
    y += titleH;
    ScenePanel p;
    p.absMax = m.absInput;
    p.decimals = dec;
    p.showValues = dec >= 0;
    for (int c = 0; c < C; ++c) {
      rowLabel(y + c * ch, QString("c%1").arg(c));
      const bool inGroup = c >= g0 && c < g0 + cg;
      for (int q = 0; q < cols; ++q) {
        SceneCell cell;
        cell.rect = QRectF(x0 + q * cw, y + c * ch, cw, ch);
        cell.style = styleOf(sa.kind[size_t(q)]);
        cell.value = at(m.slideInput, c, q, 0);
        cell.hasValue = sa.source[size_t(q)] >= 0;
        cell.target = {R::Input, 0, c, {q, 0}};
        if (inGroup && winSet.count(q)) cell.marks |= MarkActive;
        if (relCols.count(q) && inGroup) cell.marks |= MarkRelated;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    }
    if (zi)  // links x[i] → its cell
      for (size_t i = 0; i < xCells.size(); ++i)
        f.lines.push_back({xCells[i].center() + QPointF(0, ch / 2), QPointF(xCells[i].center().x(), y), LineKind::Faint});
    f.panels.push_back(std::move(p));
    if (sa.windowed && !win.empty()) {
      const double l0 = x0 + win.front() * cw, r0 = x0 + (win.back() + 1) * cw;
      f.boxes.push_back({QRectF(l0 - 2 * u, y + g0 * ch - 2 * u, r0 - l0 + 4 * u, cg * ch + 4 * u), BoxKind::Window, QString()});
    }
    y += C * ch + gap;
  }
  if (zi) f.panels.push_back(std::move(xPanel));

  // kernel slab under the window
  double kBottom = y;
  if (kRows) {
    const QString name = zi ? "W′ (flipped)" : "W";
    QString t = hasKernel ? QString("kernel %1[o=%2]: a %3 × %4 slab (C/g × k)%5").arg(name).arg(o).arg(cg).arg(sa.k)
                                .arg(sa.dilation > 1 ? QString(", dilation %1").arg(sa.dilation) : QString())
                          : QString("%1 window, k = %2").arg(engine::opName(l.op)).arg(sa.k);
    title(x0, y, t);
    y += titleH;
    ScenePanel p;
    p.absMax = m.absKernel;
    p.decimals = dec;
    p.showValues = dec >= 0;
    for (int c = 0; c < kRows; ++c) {
      rowLabel(y + c * ch, hasKernel ? QString("c′%1").arg(c) : QString());
      for (int j = 0; j < sa.k && j < int(win.size()); ++j) {
        SceneCell cell;
        cell.rect = QRectF(x0 + win[size_t(j)] * cw, y + c * ch, cw, ch);
        if (hasKernel) cell.value = weightAt(l, o, c, j, 0);
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
        f.lines.push_back({QPointF(x0 + (win.front() + 0.5) * cw, y + (c + 0.5) * ch), QPointF(x0 + (win.back() + 0.5) * cw, y + (c + 0.5) * ch), LineKind::Kernel});
    }
    p.countMax = 1;
    f.panels.push_back(std::move(p));
    y += kRows * ch;
    kBottom = y;
    y += gap;
  }

  // output strip
  {
    const double ox0 = x0 + (gridW - out * cw) / 2;
    title(x0, y, QString("output y %1 — %2 of %3 computed").arg(shapeText(m.layerOutput())).arg(T + 1).arg(out));
    y += titleH;
    ScenePanel p;
    p.absMax = m.absOutput;
    p.decimals = dec;
    p.showValues = dec >= 0;
    for (int oc = 0; oc < O; ++oc) {
      addText(f, QRectF(ox0 - 44 * u, y + oc * ch, 40 * u, ch), ch >= 8 * u ? QString("o%1").arg(oc) : QString(), TextRole::Small,
              int(Qt::AlignRight | Qt::AlignVCenter));
      for (int mo = 0; mo < out; ++mo) {
        SceneCell cell;
        cell.rect = QRectF(ox0 + mo * cw, y + oc * ch, cw, ch);
        cell.value = at(m.slideOutput, oc, mo, 0);
        cell.style = mo <= T ? CellStyle::Value : CellStyle::Pending;
        cell.hasValue = mo <= T;
        if (mo == T) cell.marks |= MarkActive;
        if (relOutCells.count({oc, mo})) cell.marks |= MarkRelated;
        cell.target = {R::Output, 0, oc, {mo, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(p));
    // link: the window (or its kernel slab) → the output it makes
    if (!win.empty()) {
      const double wx = x0 + (win.front() + win.back() + 1) * cw / 2;
      const QPointF from(wx, kRows ? kBottom + 1 * u : inTop + titleH + (g0 + cg) * ch + 2 * u);
      const QPointF to(ox0 + (T + 0.5) * cw, y + o * ch - 1 * u);
      f.lines.push_back({from, to, LineKind::Link});
    }
    if (r.hover && r.hover->region == R::Output) {
      const auto w = sa.window(r.hover->pos[0]);
      if (!w.empty())
        f.lines.push_back({QPointF(ox0 + (r.hover->pos[0] + 0.5) * cw, y + r.hover->channel * ch),
                           QPointF(x0 + (w.front() + w.back() + 1) * cw / 2, inTop + titleH + (g0 + cg) * ch), LineKind::Related});
    }
  }
}

void build2d(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.slideLayer;
  const bool zi = m.view == View::ZeroInsert;
  const double u = f.unit, pad = 14 * u;
  const int T = r.step;
  const int C = int(m.slideInput.dim(0)), O = int(m.slideOutput.dim(0));
  const SlideAxis &a0 = m.slide[0], &a1 = m.slide[1];
  const int out0 = int(m.slideOutput.dim(1)), out1 = int(m.slideOutput.dim(2));
  const int o = focusChannel(r, O);
  const auto [g0, cg] = groupInputs(l, o);
  int c = g0;
  if (r.hover && r.hover->region == R::Input) c = std::clamp(r.hover->channel, 0, C - 1);
  if (r.hover && r.hover->region == R::Kernel) c = g0 + std::clamp(r.hover->channel, 0, cg - 1);
  const bool hasKernel = !l.weight.empty() && a0.windowed;
  const engine::Pos P = engine::stepPosition(l, T);

  const QString what = zi ? QString("Transposed conv = stride-1 conv over the zero-inserted, padded input with the flipped kernel W′ (channel %1 of %2 shown)").arg(c).arg(C)
                          : QString("The k×k window slides with stride (%1, %2); channel %3 of %4 shown — the kernel is a %5×%6×%7 block")
                                .arg(a0.stride).arg(a1.stride).arg(c).arg(C).arg(cg).arg(a0.k).arg(a1.k);
  double y = addHeader(f, m, T, what);
  const double footerTop = addFormulaFooter(f, m, kindLegend(m));
  const double eqH = fontPx(TextRole::Equation, u) * 1.6;
  const QString eq = equationText(m, T, o, 8);
  if (!eq.isEmpty()) addText(f, QRectF(pad, footerTop - eqH - 4 * u, f.size.width() - 2 * pad, eqH), eq, TextRole::Equation);
  const double bottom = footerTop - eqH - 10 * u;
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const int kc = hasKernel ? a1.k : 0;
  const double gapCells = 2.5;
  const double availW = f.size.width() - 2 * pad;
  double cs = std::min({40 * u, availW / (a1.cols + kc + out1 + 2 * gapCells), (bottom - y - titleH) / std::max({a0.cols, out0, 1})});
  cs = std::max(cs, 3.0);
  const int dec = decimalsFor(cs, u);
  const double top = y + titleH;
  double x = pad;
  const std::vector<int> w0 = a0.window(P[0]), w1 = a1.window(P[1]);
  std::set<int> s0(w0.begin(), w0.end()), s1(w1.begin(), w1.end());
  std::set<std::pair<int, int>> rel;
  if (r.hover && r.hover->region == R::Output)
    for (int i : a0.window(r.hover->pos[0]))
      for (int j : a1.window(r.hover->pos[1])) rel.insert({i, j});

  addText(f, QRectF(x, y, a1.cols * cs + 200 * u, titleH), QString("%1 channel %2 (%3 × %4)").arg(zi ? "zero-inserted input," : "padded input,").arg(c).arg(a0.cols).arg(a1.cols), TextRole::Label);
  ScenePanel in;
  in.absMax = m.absInput;
  in.decimals = dec;
  in.showValues = dec >= 0;
  for (int i = 0; i < a0.cols; ++i)
    for (int j = 0; j < a1.cols; ++j) {
      SceneCell cell;
      cell.rect = QRectF(x + j * cs, top + i * cs, cs, cs);
      cell.style = styleOf(engine::combineCells(a0.kind[size_t(i)], a1.kind[size_t(j)]));
      cell.value = at(m.slideInput, c, i, j);
      cell.hasValue = a0.source[size_t(i)] >= 0 && a1.source[size_t(j)] >= 0;
      cell.target = {R::Input, 0, c, {i, j}};
      if (s0.count(i) && s1.count(j)) cell.marks |= MarkActive;
      if (rel.count({i, j})) cell.marks |= MarkRelated;
      if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
      in.cells.push_back(cell);
    }
  f.panels.push_back(std::move(in));
  QRectF winRect;
  if (!w0.empty() && !w1.empty()) {
    winRect = QRectF(x + w1.front() * cs, top + w0.front() * cs, (w1.back() - w1.front() + 1) * cs, (w0.back() - w0.front() + 1) * cs);
    f.boxes.push_back({winRect.adjusted(-2 * u, -2 * u, 2 * u, 2 * u), BoxKind::Window, QString()});
  }
  x += (a1.cols + gapCells) * cs;
  QRectF kRect;
  if (hasKernel) {
    addText(f, QRectF(x, y, 200 * u, titleH), QString("%1[%2, %3]").arg(zi ? "W′" : "W").arg(o).arg(c - g0), TextRole::Label);
    ScenePanel kp;
    kp.absMax = m.absKernel;
    kp.decimals = dec;
    kp.showValues = dec >= 0;
    for (int i = 0; i < a0.k; ++i)
      for (int j = 0; j < a1.k; ++j) {
        SceneCell cell;
        cell.rect = QRectF(x + j * cs, top + i * cs, cs, cs);
        cell.value = weightAt(l, o, c - g0, i, j);
        cell.target = {R::Kernel, o, c - g0, {i, j}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        kp.cells.push_back(cell);
      }
    f.panels.push_back(std::move(kp));
    kRect = QRectF(x, top, a1.k * cs, a0.k * cs);
    f.boxes.push_back({kRect.adjusted(-2 * u, -2 * u, 2 * u, 2 * u), BoxKind::Kernel, QString("k = %1×%2").arg(a0.k).arg(a1.k)});
    x += (a1.k + gapCells) * cs;
  }
  addText(f, QRectF(x, y, out1 * cs + 200 * u, titleH), QString("output y %1, channel %2").arg(shapeText(m.layerOutput())).arg(o), TextRole::Label);
  ScenePanel op;
  op.absMax = m.absOutput;
  op.decimals = dec;
  op.showValues = dec >= 0;
  for (int i = 0; i < out0; ++i)
    for (int j = 0; j < out1; ++j) {
      const int idx = i * out1 + j;
      SceneCell cell;
      cell.rect = QRectF(x + j * cs, top + i * cs, cs, cs);
      cell.value = at(m.slideOutput, o, i, j);
      cell.style = idx <= T ? CellStyle::Value : CellStyle::Pending;
      cell.hasValue = idx <= T;
      if (idx == T) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, o, {i, j}};
      if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
      op.cells.push_back(cell);
    }
  f.panels.push_back(std::move(op));
  const QPointF outC(x + (P[1] + 0.5) * cs, top + (P[0] + 0.5) * cs);
  if (!winRect.isNull()) f.lines.push_back({QPointF(winRect.right() + 2 * u, winRect.center().y()), outC - QPointF(cs * 0.5, 0), LineKind::Link});
}

}  // namespace

void buildSlideFrame(SceneFrame& f, const SceneRequest& r) {
  if (r.model->slideLayer.dims == 2) build2d(f, r);
  else build1d(f, r);
}

}  // namespace convscope::widgets
