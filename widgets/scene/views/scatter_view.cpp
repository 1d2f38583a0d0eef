// Scatter view: a transposed conv as stamps. Step i takes input x[:, i],
// multiplies the kernel by it and adds the stamp into the full buffer at i·s +
// j·d; overlaps accumulate. The output is the full buffer from `start` on
// (cropped margins crossed), with the output_padding tail holding the bias
// only.
//
// [SECTION] CONTEXT       what every part of a frame shares (Scatter)
// [SECTION] 1-D STRIPS    layout of the four strips (Strips), then one function
// per strip [SECTION] 2-D GRIDS     input, full buffer and output of one
// channel pair [SECTION] ENTRY         buildScatterFrame: header, footer
// legend, 1-D or 2-D
//
// Index of this file:
//   [SECTION] CONTEXT
//   [SECTION] 1-D STRIPS
//   [SECTION] 2-D GRIDS
//   [SECTION] ENTRY
#include <QCoreApplication>
#include <algorithm>
#include <tuple>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

constexpr int kTitleTaps = 16;  // kernel taps printed in the stamp title

double at2(const engine::Tensor& t, int c, int a,
           int b) {  // (N, C, A[, B]) batch 0
  const int64_t A = t.dim(2), B = t.rank() >= 4 ? t.dim(3) : 1;
  return t.data[size_t((int64_t(c) * A + a) * B + b)];
}

// [SECTION] CONTEXT

/// What every part of a scatter frame shares: the request, its layer, the
/// output channel shown (o, the hovered one, else 0) with its input group [g0,
/// g0 + cg), and the input position of this step.
struct Scatter {
  SceneFrame& f;
  const SceneRequest& r;
  const SceneModel& m;
  const engine::Layer& l;
  int T = 0, o = 0, g0 = 0, cg = 1;
  engine::Pos ip{};
  std::array<int, 2> F0{}, FC{};  // first full-buffer position and column count per axis

  Scatter(SceneFrame& frame, const SceneRequest& req)
      : f(frame), r(req), m(*req.model), l(req.model->layer()), T(req.step) {
    if (r.hover && (r.hover->region == R::Output || r.hover->region == R::Full))
      o = std::clamp(r.hover->channel, 0, l.outChannels - 1);
    std::tie(g0, cg) = groupInputs(l, o);
    ip = engine::scatterStepPosition(l, T);
    F0 = m.fullFirst;
    FC = m.fullCols;
  }
  /// The full buffer of channel oc after steps 0..T (no bias), computed only at
  /// the cells drawn: per cell, the steps whose stamps reach it
  /// (engine::scatterWindow), so the cost follows the cells in view, never the
  /// whole buffer or the kernel.
  engine::ScatterWindow window(int oc, std::vector<int> rows, std::vector<int> cols) const {
    return engine::scatterWindow(l, m.layerInput(), 0, oc, {std::move(rows), std::move(cols)}, T);
  }
  /// Full position uu on `axis`: 0 inside the output, 1 cropped, 2 tail (beyond
  /// Lf, inside the output).
  int fullKind(int axis, int uu) const {
    const engine::Axis& ax = l.ax[size_t(axis)];
    if (uu < ax.start || uu >= ax.start + ax.out) return 1;
    if (uu >= ax.fullLength() || uu < 0) return 2;
    return 0;
  }
  bool hovered(const HoverTarget& t) const { return r.hover && t == *r.hover; }
};

// [SECTION] 1-D STRIPS

/// Columns (full-buffer positions, a window cwin of them when long) and channel
/// rows (windows of the input, stamp and output channels) shared by the four
/// 1-D strips, with their label helpers.
struct Strips {
  explicit Strips(const Scatter& s) : sc(s) {}
  const Scatter& sc;
  double x0 = 0, cw = 0, ch = 0, ellW = 0, lpx = 0;
  double titleH = 0, titlePx = 0, gap = 0, smallH = 0;
  int dec = 0;
  ColWindow cwin, wIn, wSt, wOut;

  double colX(int uu) const { return x0 + (uu - sc.F0[0] - cwin.first) * cw; }
  bool vis(int uu) const { return cwin.contains(uu - sc.F0[0]); }
  /// uu clamped to the columns in view (for box edges).
  int clampU(int uu) const {
    return std::clamp(uu, sc.F0[0] + cwin.first, sc.F0[0] + cwin.first + cwin.count);
  }
  void rowLabel(double yy, const QString& s) const {
    const double u = sc.f.unit;
    if (ch >= 9)
      sc.f.texts.push_back(
          {QRectF(x0 - ellW - kSceneMetrics.rowLabelOffset * u, yy, kSceneMetrics.rowLabelWidth * u, ch), s,
           TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter), lpx});
  }
  void ellipses(double yy, double h) const {
    if (cwin.before()) addEllipsis(sc.f, QRectF(x0 - ellW, yy, ellW, h));
    if (cwin.after()) addEllipsis(sc.f, QRectF(x0 + cwin.count * cw, yy, ellW, h));
  }
  void title(double y, const QString& s) const {
    addTitle(sc.f, x0, y, sc.f.size.width() - x0 - kSceneMetrics.framePad * sc.f.unit, titleH, s, titlePx);
  }
};

/// "  ·  channels 3–5 of 16" when the window w of channels (numbered from
/// offset) hides some.
QString chanNote(const ColWindow& w, const char* name, int offset) {
  return w.windowed() ? QString("  ·  %1 %2–%3 of %4")
                            .arg(name)
                            .arg(offset + w.first)
                            .arg(offset + w.first + w.count - 1)
                            .arg(w.total)
                      : QString();
}

/// One column per full-buffer position for every strip (a window around this
/// step's stamp when long); rows of channels fill the height between y and the
/// footer. Moves y down to centre them.
Strips layoutStrips(const Scatter& sc, double& y, double footerTop) {
  const SceneMetrics& M = kSceneMetrics;
  const engine::Layer& l = sc.l;
  const double u = sc.f.unit, pad = M.framePad * u;
  const int C = l.inChannels, O = l.outChannels, s = l.ax[0].s, d = l.ax[0].d, k = l.ax[0].k;
  Strips st(sc);
  st.titleH = fontPx(TextRole::Label, u) * 1.7;
  st.titlePx = fontPx(TextRole::Label, u);
  st.gap = M.scatterStripGap * u;
  const double labelW = M.rowLabelColumn * u, availW = sc.f.size.width() - 2 * pad - labelW;
  st.smallH = fontPx(TextRole::Small, u) * 1.4;
  const double bottom = footerTop - M.footerGap * u;
  const int i0 = sc.ip[0] * s - sc.F0[0];
  st.cw = fitColumns(availW, sc.FC[0], i0, i0 + (k - 1) * d, M.stripMinCell * u, M.stripMaxCell * u, st.cwin);
  st.ellW = st.cwin.windowed() ? 0.8 * st.cw : 0.0;
  const double fixedH = 4 * st.titleH + 3 * st.gap + 2 * st.smallH;
  // Channel rows: all of them while rows of 5 px fit, else a window per block
  // around the channels in play (this step's input group, the shown output
  // channel o), named in the block titles.
  st.wIn = windowAround(C, sc.g0, sc.g0 + sc.cg - 1, C), st.wSt = windowAround(sc.cg, 0, sc.cg - 1, sc.cg),
  st.wOut = windowAround(O, sc.o, sc.o, O);
  if (const int fitRows = std::max(4, int((bottom - y - fixedH) / 5.0)); C + sc.cg + 2 * O > fitRows) {
    const int cap = std::max(1, fitRows / 4);
    st.wIn = windowAround(C, sc.g0, sc.g0, cap), st.wSt = windowAround(sc.cg, 0, 0, cap),
    st.wOut = windowAround(O, sc.o, sc.o, cap);
  }
  const int rowsTotal = st.wIn.count + st.wSt.count + 2 * st.wOut.count;
  st.ch = std::min({st.cw, M.stripMaxRow * u, (bottom - y - fixedH) / rowsTotal});
  st.ch = std::max(st.ch, 3.0);
  {  // spare height: titles grow with the cells, the rows move apart a little
    // (up to 0.9 cell), the rest centres them
    double spare = std::max(0.0, bottom - y - fixedH - rowsTotal * st.ch);
    st.titlePx = stripTitlePx(st.ch, u, spare * 0.3 / 4);
    spare -= 4 * (st.titlePx * 1.7 - st.titleH);
    st.titleH = st.titlePx * 1.7;
    const double extra = std::min(0.9 * st.ch, spare * 0.5 / 3);
    st.gap += extra;
    y += (spare - 3 * extra) / 2;
  }
  st.x0 = pad + labelW + std::max(0.0, (availW - st.cwin.count * st.cw) / 2);
  st.dec = decimalsFor(std::min(st.cw, st.ch * 1.6), u);
  st.lpx = cellLabelPx(st.ch, u);
  return st;
}

/// The input strip, each x[i] above full position i·s; returns its bottom.
double addInputStrip(const Scatter& sc, const Strips& st, double& y) {
  const engine::Layer& l = sc.l;
  const int Lin = l.ax[0].in, s = l.ax[0].s;
  st.title(y, QString("input x %1 — x[i] drawn above full position i·s").arg(shapeText(sc.m.layerInput())) +
                  chanNote(st.wIn, "channels", 0));
  y += st.titleH;
  ScenePanel xp = valuePanel(sc.m.absInput, st.dec);
  for (int c = st.wIn.first; c < st.wIn.first + st.wIn.count; ++c) {
    const double ry = y + (c - st.wIn.first) * st.ch;
    st.rowLabel(ry, QString("c%1").arg(c));
    for (int i = 0; i < Lin; ++i) {
      if (!st.vis(i * s)) continue;
      SceneCell cell;
      cell.rect = QRectF(st.colX(i * s), ry, st.cw, st.ch);
      cell.value = at2(sc.m.layerInput(), c, i, 0);
      cell.target = {R::Input, 0, c, {i, 0}};
      if (i == sc.ip[0] && c >= sc.g0 && c < sc.g0 + sc.cg) cell.marks |= MarkActive;
      if (i > sc.ip[0]) cell.marks |= MarkDim;
      if (sc.hovered(cell.target)) cell.marks |= MarkHovered;
      xp.cells.push_back(cell);
    }
  }
  sc.f.panels.push_back(std::move(xp));
  st.ellipses(y, st.wIn.count * st.ch);
  const double xBottom = y + st.wIn.count * st.ch;
  y += st.wIn.count * st.ch + st.gap;
  return xBottom;
}

/// Title of the stamp strip: the kernel row it multiplies (its first kTitleTaps
/// taps).
QString stampTitle(const Scatter& sc) {
  const engine::Layer& l = sc.l;
  const int k = l.ax[0].k;
  if (l.op == engine::Op::Unpool)  // no weights: every tap copies x (a kernel of ones)
    return QString(
               "stamp x[c, %1] copied into %2 cells (unpooling: a kernel "
               "of ones)")
        .arg(sc.ip[0])
        .arg(k);
  QStringList wtxt;
  const int og = int(l.weight.dim(1));
  const int kShown = k <= kTitleTaps ? k : kTitleTaps;  // a long kernel: its first taps, then "…"
  for (int j = 0; j < kShown; ++j)
    wtxt << formatValue(l.weight.data[size_t((int64_t(sc.g0) * og + sc.o % og) * k + j)], 2);
  if (kShown < k) wtxt << QCoreApplication::translate("Scene", "… (%1 taps)").arg(k);
  return QString("stamp x[:, %1] · W[:, o=%2, :]   (W[%3, %2, :] = %4)")
      .arg(sc.ip[0])
      .arg(sc.o)
      .arg(sc.g0)
      .arg(wtxt.join(", "));
}

/// The stamp of this step, x[c, i] · W[c, o, j] at full position i·s + j·d,
/// linked to the input above it (whose strip ends at xBottom).
void addStampStrip(const Scatter& sc, const Strips& st, double& y, double xBottom) {
  const engine::Layer& l = sc.l;
  const int s = l.ax[0].s, d = l.ax[0].d, k = l.ax[0].k;
  const std::array<int, 2>& F0 = sc.F0;
  const engine::Pos& ip = sc.ip;
  st.title(y, stampTitle(sc) + chanNote(st.wSt, "channels", sc.g0));
  y += st.titleH;
  ScenePanel sp = valuePanel(std::max(1e-12, sc.m.absInput * sc.m.absKernel), st.dec);
  const double stampTop = y;
  for (int c = st.wSt.first; c < st.wSt.first + st.wSt.count; ++c) {
    const double ry = y + (c - st.wSt.first) * st.ch;
    st.rowLabel(ry, QString("c%1").arg(sc.g0 + c));
    // only the taps whose cells are in view: ip·s + j·d in [F0 + cwin.first, F0
    // + cwin.first + cwin.count)
    const int jFirst = std::max(0, (F0[0] + st.cwin.first - ip[0] * s + d - 1) / d);
    const int jEnd = std::min(k, (F0[0] + st.cwin.first + st.cwin.count - ip[0] * s + d - 1) / d);
    for (int j = jFirst; j < jEnd; ++j) {
      const int uu = ip[0] * s + j * d;
      if (!st.vis(uu)) continue;
      // the stamp's product x[g0 + c, i] · W[g0 + c, o′, j], as scatterStep
      // computes it
      const double prod = double(at2(sc.m.layerInput(), sc.g0 + c, ip[0], 0)) *
                          engine::stampWeight(l, sc.g0 + c, sc.o, {j, 0});
      SceneCell cell;
      cell.rect = QRectF(st.colX(uu), ry, st.cw, st.ch);
      cell.value = prod;
      cell.marks |= MarkActive;
      cell.target = {R::Kernel, sc.o, c, {j, 0}};
      sp.cells.push_back(cell);
    }
    if (k > 1)
      sc.f.lines.push_back(
          {QPointF(st.colX(st.clampU(ip[0] * s)) + st.cw / 2, ry + 0.5 * st.ch),
           QPointF(st.colX(std::min(ip[0] * s + (k - 1) * d, F0[0] + st.cwin.first + st.cwin.count - 1)) +
                       st.cw / 2,
                   y + (c + 0.5) * st.ch),
           LineKind::Kernel});
  }
  sc.f.panels.push_back(std::move(sp));
  // link from the active input to its stamp
  sc.f.lines.push_back({QPointF(st.colX(ip[0] * s) + st.cw / 2, xBottom),
                        QPointF(st.colX(ip[0] * s) + st.cw / 2, stampTop), LineKind::Link});
  y += st.wSt.count * st.ch + st.gap;
}

/// The full buffer of every shown output channel (fullRows: one window per
/// channel of wOut), with boxes over the cropped margins.
void addFullStrip(const Scatter& sc, const Strips& st, const std::vector<engine::ScatterWindow>& fullRows,
                  double& y) {
  const engine::Layer& l = sc.l;
  const SceneMetrics& M = kSceneMetrics;
  const double u = sc.f.unit;
  const int out = l.ax[0].out, start = l.ax[0].start, Lf = l.ax[0].fullLength(), nOut = st.wOut.count;
  const std::array<int, 2>& F0 = sc.F0;
  const QString shown = st.cwin.windowed() ? QString("  ·  showing full positions %1–%2 of %3")
                                                 .arg(F0[0] + st.cwin.first)
                                                 .arg(F0[0] + st.cwin.first + st.cwin.count - 1)
                                                 .arg(sc.FC[0])
                                           : QString();
  st.title(y, QString("full buffer, (L−1)·s + d·(k−1) + 1 = %1 cells — stamps "
                      "add up (%2 of %3 inputs done)")
                      .arg(Lf)
                      .arg(sc.T + 1)
                      .arg(sc.m.steps) +
                  shown + chanNote(st.wOut, "channels", 0));
  y += st.titleH;
  const double fullTop = y;
  ScenePanel fp = valuePanel(sc.m.absOutput, st.dec);
  for (int oc = st.wOut.first; oc < st.wOut.first + nOut; ++oc) {
    const double ry = y + (oc - st.wOut.first) * st.ch;
    st.rowLabel(ry, QString("o%1").arg(oc));
    for (int a = st.cwin.first; a < st.cwin.first + st.cwin.count; ++a) {
      const int uu = a + F0[0];
      const engine::ScatterWindow& fw = fullRows[size_t(oc - st.wOut.first)];
      const size_t idx = fw.index(a - st.cwin.first, 0);
      const int kind = sc.fullKind(0, uu);
      SceneCell cell;
      cell.rect = QRectF(st.colX(uu), ry, st.cw, st.ch);
      cell.value = fw.sum[idx];
      if (uu >= Lf || uu < 0) {
        cell.style = CellStyle::Pending;
        cell.hasValue = false;
      } else {
        cell.style =
            kind == 1 ? CellStyle::Cropped : (fw.touched[idx] ? CellStyle::Value : CellStyle::Pending);
        cell.hasValue = fw.touched[idx];
      }
      if (fw.now[idx]) cell.marks |= MarkActive;
      cell.target = {R::Full, kind, oc, {uu, 0}};
      if (sc.hovered(cell.target)) cell.marks |= MarkHovered;
      fp.cells.push_back(cell);
    }
  }
  sc.f.panels.push_back(std::move(fp));
  st.ellipses(fullTop, nOut * st.ch);
  // cropped margins (the part of them in view)
  auto cropBox = [&](int a, int b, const QString& label) {
    a = st.clampU(a), b = st.clampU(b);
    if (b > a)
      sc.f.boxes.push_back(
          {QRectF(st.colX(a) - M.windowBoxMargin * u, fullTop - M.windowBoxMargin * u,
                  (b - a) * st.cw + 2 * M.windowBoxMargin * u, nOut * st.ch + 2 * M.windowBoxMargin * u),
           BoxKind::Crop, label});
  };
  if (start > F0[0]) cropBox(F0[0], start, QString("cropped %1").arg(start));
  if (Lf > start + out) cropBox(start + out, Lf, QString("cropped %1").arg(Lf - start - out));
  y += nOut * st.ch + st.gap + st.smallH;
}

/// The output, aligned with the full positions it takes, and the bracket of its
/// extent.
void addOutputStrip(const Scatter& sc, const Strips& st, const std::vector<engine::ScatterWindow>& fullRows,
                    double y) {
  const engine::Layer& l = sc.l;
  const double u = sc.f.unit;
  const int out = l.ax[0].out, start = l.ax[0].start, nOut = st.wOut.count;
  st.title(y, QString("output y %1 = full[%2 … %3] + bias")
                      .arg(shapeText(sc.m.layerOutput()))
                      .arg(start)
                      .arg(start + out - 1) +
                  chanNote(st.wOut, "channels", 0));
  y += st.titleH;
  ScenePanel op = valuePanel(sc.m.absOutput, st.dec);
  for (int oc = st.wOut.first; oc < st.wOut.first + nOut; ++oc) {
    const double ry = y + (oc - st.wOut.first) * st.ch;
    const double b = l.bias.empty() ? 0.0 : l.bias.data[size_t(oc)];
    for (int mo = 0; mo < out; ++mo) {
      const int uu = start + mo;
      if (!st.vis(uu)) continue;
      const engine::ScatterWindow& fw = fullRows[size_t(oc - st.wOut.first)];
      const size_t idx = fw.index(uu - sc.F0[0] - st.cwin.first, 0);
      SceneCell cell;
      cell.rect = QRectF(st.colX(uu), ry, st.cw, st.ch);
      cell.value = fw.sum[idx] + b;
      if (sc.fullKind(0, uu) == 2) {
        cell.style = CellStyle::Tail;
        cell.value = b;
      } else {
        cell.style = fw.touched[idx] ? CellStyle::Value : CellStyle::Pending;
        cell.hasValue = fw.touched[idx];
      }
      if (fw.now[idx]) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, oc, {mo, 0}};
      if (sc.hovered(cell.target)) cell.marks |= MarkHovered;
      op.cells.push_back(cell);
    }
  }
  sc.f.panels.push_back(std::move(op));
  st.ellipses(y, nOut * st.ch);
  if (st.clampU(start + out) > st.clampU(start))
    sc.f.boxes.push_back(
        {QRectF(st.colX(st.clampU(start)), y + nOut * st.ch + kSceneMetrics.lineCellGap * u,
                (st.clampU(start + out) - st.clampU(start)) * st.cw, kSceneMetrics.bracketHeight * u),
         BoxKind::Bracket, QString("%1 outputs").arg(out)});
}

void buildScatter1d(const Scatter& sc, double y, double footerTop) {
  const Strips st = layoutStrips(sc, y, footerTop);
  // per shown output channel: full positions F0 + cwin (the output strip shares
  // them)
  std::vector<engine::ScatterWindow> fullRows;
  {
    std::vector<int> cols;
    for (int a = st.cwin.first; a < st.cwin.first + st.cwin.count; ++a) cols.push_back(a + sc.F0[0]);
    for (int oc = st.wOut.first; oc < st.wOut.first + st.wOut.count; ++oc)
      fullRows.push_back(sc.window(oc, cols, {}));
  }
  const double xBottom = addInputStrip(sc, st, y);
  addStampStrip(sc, st, y, xBottom);
  addFullStrip(sc, st, fullRows, y);
  addOutputStrip(sc, st, fullRows, y);
}

// [SECTION] 2-D GRIDS

std::vector<int> spanOf(int first, int count, int offset) {
  std::vector<int> v;
  for (int i = first; i < first + count; ++i) v.push_back(i + offset);
  return v;
}

/// The full buffer of channel o, the box of the part kept as the output, and
/// the link from the active input (centre inC) to this step's stamps.
void addFullGrid(const Scatter& sc, const GridPlace& gf, double cs, int dec, QPointF inC) {
  const engine::Axis &A0 = sc.l.ax[0], &A1 = sc.l.ax[1];
  const std::array<int, 2>& F0 = sc.F0;
  const engine::ScatterWindow fullWin = sc.window(sc.o, spanOf(gf.rows.first, gf.rows.count, F0[0]),
                                                  spanOf(gf.cols.first, gf.cols.count, F0[1]));
  gridTitle(sc.f, gf, cs,
            QString("full buffer, channel %1 (stamps of step %2 outlined)%3")
                .arg(sc.o)
                .arg(sc.T + 1)
                .arg(gridShownNote(gf)));
  ScenePanel fp = valuePanel(sc.m.absOutput, dec);
  QRectF stampRect;
  for (int a = gf.rows.first; a < gf.rows.first + gf.rows.count; ++a)
    for (int b = gf.cols.first; b < gf.cols.first + gf.cols.count; ++b) {
      const int u0 = a + F0[0], u1 = b + F0[1];
      const size_t idx = fullWin.index(a - gf.rows.first, b - gf.cols.first);
      const int k0 = sc.fullKind(0, u0), k1 = sc.fullKind(1, u1);
      const bool beyond = u0 >= A0.fullLength() || u1 >= A1.fullLength() || u0 < 0 || u1 < 0;
      SceneCell cell;
      cell.rect = gf.cell(a, b);
      cell.value = fullWin.sum[idx];
      cell.style =
          beyond ? CellStyle::Pending
                 : ((k0 == 1 || k1 == 1) ? CellStyle::Cropped
                                         : (fullWin.touched[idx] ? CellStyle::Value : CellStyle::Pending));
      cell.hasValue = fullWin.touched[idx] && !beyond;
      if (fullWin.now[idx]) {
        cell.marks |= MarkActive;
        stampRect = stampRect.isNull() ? cell.rect : stampRect.united(cell.rect);
      }
      cell.target = {R::Full, std::max(k0, k1), sc.o, {u0, u1}};
      fp.cells.push_back(cell);
    }
  sc.f.panels.push_back(std::move(fp));
  gf.addMarkers(sc.f);
  {  // the kept part (the output), clipped to the cells in view
    auto cr = [&](int i, const ColWindow& w) { return std::clamp(i, w.first, w.first + w.count); };
    const int r0 = cr(A0.start - F0[0], gf.rows), r1 = cr(A0.start + A0.out - F0[0], gf.rows);
    const int c0 = cr(A1.start - F0[1], gf.cols), c1 = cr(A1.start + A1.out - F0[1], gf.cols);
    if (r1 > r0 && c1 > c0) {
      const QRectF kept = gf.cell(r0, c0).united(gf.cell(r1 - 1, c1 - 1));
      sc.f.boxes.push_back({kept, BoxKind::Kernel, QString()});
      // its label under the whole grid (a label under the box would cover cropped cells)
      const QString label = QString("kept: %1×%2").arg(A0.out).arg(A1.out);
      const double u = sc.f.unit, w = std::max(kept.width(), textWidth(label, TextRole::Small, u) + 4);
      addText(sc.f,
              QRectF(kept.center().x() - w / 2, gf.at.y() + gf.height() + kSceneMetrics.lineCellGap * u, w,
                     fontPx(TextRole::Small, u) * 1.4),
              label, TextRole::Small, int(Qt::AlignHCenter | Qt::AlignTop));
    }
  }
  if (!stampRect.isNull()) sc.f.lines.push_back({inC, stampRect.center(), LineKind::Link});
}

/// The output of channel o: the full buffer from `start` on, plus the bias.
void addOutputGrid(const Scatter& sc, const GridPlace& go, double cs, int dec) {
  const engine::Axis &A0 = sc.l.ax[0], &A1 = sc.l.ax[1];
  const double bias = sc.l.bias.empty() ? 0.0 : sc.l.bias.data[size_t(sc.o)];
  const engine::ScatterWindow outWin = sc.window(sc.o, spanOf(go.rows.first, go.rows.count, A0.start),
                                                 spanOf(go.cols.first, go.cols.count, A1.start));
  gridTitle(sc.f, go, cs,
            QString("output y %1, channel %2%3")
                .arg(shapeText(sc.m.layerOutput()))
                .arg(sc.o)
                .arg(gridShownNote(go)));
  ScenePanel op = valuePanel(sc.m.absOutput, dec);
  for (int i = go.rows.first; i < go.rows.first + go.rows.count; ++i)
    for (int j = go.cols.first; j < go.cols.first + go.cols.count; ++j) {
      const int u0 = A0.start + i, u1 = A1.start + j;
      const size_t idx = outWin.index(i - go.rows.first, j - go.cols.first);
      const bool tail = sc.fullKind(0, u0) == 2 || sc.fullKind(1, u1) == 2;
      SceneCell cell;
      cell.rect = go.cell(i, j);
      cell.value = outWin.sum[idx] + bias;
      cell.style = tail ? CellStyle::Tail : (outWin.touched[idx] ? CellStyle::Value : CellStyle::Pending);
      cell.hasValue = outWin.touched[idx] || tail;
      if (outWin.now[idx]) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, sc.o, {i, j}};
      op.cells.push_back(cell);
    }
  sc.f.panels.push_back(std::move(op));
  go.addMarkers(sc.f);
}

/// Input channel g0, the full buffer and the output of channel o, side by side.
void buildScatter2d(const Scatter& sc, double y, double footerTop) {
  const SceneMetrics& M = kSceneMetrics;
  SceneFrame& f = sc.f;
  const double u = f.unit, pad = M.framePad * u;
  const engine::Axis &A0 = sc.l.ax[0], &A1 = sc.l.ax[1];
  const engine::Pos& ip = sc.ip;
  const std::array<int, 2>&F0 = sc.F0, &FC = sc.FC;
  const double titleH2 = fontPx(TextRole::Label, u) * 2.7;  // up to two lines
  const int s0lo = ip[0] * A0.s, s0hi = ip[0] * A0.s + (A0.k - 1) * A0.d, s1lo = ip[1] * A1.s,
            s1hi = ip[1] * A1.s + (A1.k - 1) * A1.d;
  const std::vector<GridSpec> specs{
      {A0.in, A1.in, ip[0], ip[0], ip[1], ip[1], false},
      {FC[0], FC[1], s0lo - F0[0], s0hi - F0[0], s1lo - F0[1], s1hi - F0[1], false},
      {A0.out, A1.out, s0lo - A0.start, s0hi - A0.start, s1lo - A1.start, s1hi - A1.start, false}};
  const std::vector<GridPlace> g =
      layoutGrids(specs,
                  QRectF(pad, y + titleH2, f.size.width() - 2 * pad,
                         footerTop - M.footerGap * u - y - titleH2 - fontPx(TextRole::Small, u) * 1.6),
                  2.0, M.gridMaxCell * u, M.gridMinCell * u, M.gridWindowCell * u, titleH2);
  const GridPlace& gx = g[0];
  const double cs = gx.cs;
  const int dec = decimalsFor(cs, u);
  gridTitle(f, gx, cs,
            QString("input x, channel %1 of %2%3").arg(sc.g0).arg(sc.l.inChannels).arg(gridShownNote(gx)));
  ScenePanel xp = valuePanel(sc.m.absInput, dec);
  for (int i = gx.rows.first; i < gx.rows.first + gx.rows.count; ++i)
    for (int j = gx.cols.first; j < gx.cols.first + gx.cols.count; ++j) {
      SceneCell cell;
      cell.rect = gx.cell(i, j);
      cell.value = at2(sc.m.layerInput(), sc.g0, i, j);
      cell.target = {R::Input, 0, sc.g0, {i, j}};
      const int idx = i * A1.in + j;
      if (idx == sc.T) cell.marks |= MarkActive;
      if (idx > sc.T) cell.marks |= MarkDim;
      xp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(xp));
  gx.addMarkers(f);
  addFullGrid(sc, g[1], cs, dec, gx.cell(ip[0], ip[1]).center());
  addOutputGrid(sc, g[2], cs, dec);
}

}  // namespace

// [SECTION] ENTRY

void buildScatterFrame(SceneFrame& f, const SceneRequest& r) {
  const Scatter sc(f, r);
  const SceneModel& m = sc.m;
  const engine::Layer& l = sc.l;
  const QString what = l.op == engine::Op::Unpool
                           ? QString(
                                 "Unpooling: each input x[i] is copied into the k cells i·s "
                                 "+ j of the full buffer (s = %1, k "
                                 "= %2); overlapping copies add up; the output is the "
                                 "buffer cropped by start = %3")
                                 .arg(l.ax[0].s)
                                 .arg(l.ax[0].k)
                                 .arg(l.ax[0].start)
                           : QString(
                                 "Each input x[i] stamps x[i]·W into the full buffer at i·s + "
                                 "j·d (s = %1%2); overlapping "
                                 "stamps add up; the output is the buffer cropped by start = %3")
                                 .arg(l.ax[0].s)
                                 .arg(l.ax[0].d > 1 ? QString(", d = %1").arg(l.ax[0].d) : QString())
                                 .arg(l.ax[0].start);
  const double y = addHeader(f, m, sc.T, what);
  QString legend = "crossed = cropped margin (computed, then cut away)";
  if (!m.margins.tail[0].empty() || (l.dims == 2 && !m.margins.tail[1].empty()))
    legend += " · dashed purple = output_padding tail (no stamp, bias only)";
  const double footerTop = addFormulaFooter(f, m, legend);
  if (l.dims == 1)
    buildScatter1d(sc, y, footerTop);
  else
    buildScatter2d(sc, y, footerTop);
}

}  // namespace convscope::widgets
