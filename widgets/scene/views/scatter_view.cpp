// Scatter view: a transposed conv as stamps. Step i takes input x[:, i], multiplies the kernel by it
// and adds the stamp into the full buffer at i·s + j·d; overlaps accumulate. The output is the full
// buffer from `start` on (cropped margins crossed), with the output_padding tail holding the bias only.
#include <QCoreApplication>
#include <algorithm>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

constexpr int kTitleTaps = 16;  // kernel taps printed in the stamp title

double at2(const engine::Tensor& t, int c, int a, int b) {  // (N, C, A[, B]) batch 0
  const int64_t A = t.dim(2), B = t.rank() >= 4 ? t.dim(3) : 1;
  return t.data[size_t((int64_t(c) * A + a) * B + b)];
}

}  // namespace

void buildScatterFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const int dims = l.dims, T = r.step;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int C = l.inChannels, O = l.outChannels;
  int o = 0;
  if (r.hover && (r.hover->region == R::Output || r.hover->region == R::Full))
    o = std::clamp(r.hover->channel, 0, O - 1);
  const auto [g0, cg] = groupInputs(l, o);
  const engine::Pos ip = engine::scatterStepPosition(l, T);
  const std::array<int, 2> F0 = m.fullFirst, FC = m.fullCols;
  // The full buffer after steps 0..T (no bias) is computed only at the cells drawn: per cell, the
  // steps whose stamps reach it (engine::scatterWindow), so the cost follows the cells in view,
  // never the whole buffer or the kernel.
  auto window = [&](int oc, std::vector<int> rows, std::vector<int> cols) {
    return engine::scatterWindow(l, m.layerInput(), 0, oc, {std::move(rows), std::move(cols)}, T);
  };
  auto fullKind = [&](int axis, int uu) {  // 0 inside output, 1 cropped, 2 tail (beyond Lf, inside output)
    const engine::Axis& ax = l.ax[size_t(axis)];
    if (uu < ax.start || uu >= ax.start + ax.out) return 1;
    if (uu >= ax.fullLength() || uu < 0) return 2;
    return 0;
  };
  const double bias = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
  QString what =
      l.op == engine::Op::Unpool
          ? QString(
                "Unpooling: each input x[i] is copied into the k cells i·s + j of the full buffer (s = %1, k "
                "= %2); overlapping copies add up; the output is the buffer cropped by start = %3")
                .arg(l.ax[0].s)
                .arg(l.ax[0].k)
                .arg(l.ax[0].start)
          : QString(
                "Each input x[i] stamps x[i]·W into the full buffer at i·s + j·d (s = %1%2); overlapping "
                "stamps add up; the output is the buffer cropped by start = %3")
                .arg(l.ax[0].s)
                .arg(l.ax[0].d > 1 ? QString(", d = %1").arg(l.ax[0].d) : QString())
                .arg(l.ax[0].start);
  double y = addHeader(f, m, T, what);
  QString legend = "crossed = cropped margin (computed, then cut away)";
  if (!m.margins.tail[0].empty() || (dims == 2 && !m.margins.tail[1].empty()))
    legend += " · dashed purple = output_padding tail (no stamp, bias only)";
  const double footerTop = addFormulaFooter(f, m, legend);
  double titleH = fontPx(TextRole::Label, u) * 1.7, titlePx = fontPx(TextRole::Label, u);
  double gap = M.scatterStripGap * u;

  if (dims == 1) {
    const int Lin = l.ax[0].in, out = l.ax[0].out, s = l.ax[0].s, d = l.ax[0].d, k = l.ax[0].k,
              start = l.ax[0].start;
    // one column per full-buffer position for every row; a window around this step's stamp when long
    const double labelW = M.rowLabelColumn * u, availW = f.size.width() - 2 * pad - labelW;
    const double smallH = fontPx(TextRole::Small, u) * 1.4, bottom = footerTop - M.footerGap * u;
    ColWindow cwin;
    double cw = fitColumns(availW, FC[0], ip[0] * s - F0[0], ip[0] * s + (k - 1) * d - F0[0],
                           M.stripMinCell * u, M.stripMaxCell * u, cwin);
    const double ellW = cwin.windowed() ? 0.8 * cw : 0.0;
    const double fixedH = 4 * titleH + 3 * gap + 2 * smallH;
    // Channel rows: all of them while rows of 5 px fit, else a window per block around the channels
    // in play (this step's input group, the shown output channel o), named in the block titles.
    ColWindow wIn = windowAround(C, g0, g0 + cg - 1, C), wSt = windowAround(cg, 0, cg - 1, cg),
              wOut = windowAround(O, o, o, O);
    if (const int fitRows = std::max(4, int((bottom - y - fixedH) / 5.0)); C + cg + 2 * O > fitRows) {
      const int cap = std::max(1, fitRows / 4);
      wIn = windowAround(C, g0, g0, cap), wSt = windowAround(cg, 0, 0, cap),
      wOut = windowAround(O, o, o, cap);
    }
    const int nIn = wIn.count, nSt = wSt.count, nOut = wOut.count;
    const int rowsTotal = nIn + nSt + 2 * nOut;
    auto chanNote = [](const ColWindow& w, const char* name, int offset) {
      return w.windowed() ? QString("  ·  %1 %2–%3 of %4")
                                .arg(name)
                                .arg(offset + w.first)
                                .arg(offset + w.first + w.count - 1)
                                .arg(w.total)
                          : QString();
    };
    double ch = std::min({cw, M.stripMaxRow * u, (bottom - y - fixedH) / rowsTotal});
    ch = std::max(ch, 3.0);
    {  // spare height: titles grow with the cells, the rows move apart a little (up to 0.9 cell), the rest
       // centres them
      double spare = std::max(0.0, bottom - y - fixedH - rowsTotal * ch);
      titlePx = stripTitlePx(ch, u, spare * 0.3 / 4);
      spare -= 4 * (titlePx * 1.7 - titleH);
      titleH = titlePx * 1.7;
      const double extra = std::min(0.9 * ch, spare * 0.5 / 3);
      gap += extra;
      y += (spare - 3 * extra) / 2;
    }
    std::vector<engine::ScatterWindow>
        fullRows;  // per shown output channel: full positions F0 + cwin (the output row shares them)
    {
      std::vector<int> cols;
      for (int a = cwin.first; a < cwin.first + cwin.count; ++a) cols.push_back(a + F0[0]);
      for (int oc = wOut.first; oc < wOut.first + wOut.count; ++oc) fullRows.push_back(window(oc, cols, {}));
    }
    const double x0 = pad + labelW + std::max(0.0, (availW - cwin.count * cw) / 2);
    const int dec = decimalsFor(std::min(cw, ch * 1.6), u);
    auto colX = [&](int uu) { return x0 + (uu - F0[0] - cwin.first) * cw; };
    auto vis = [&](int uu) { return cwin.contains(uu - F0[0]); };
    auto clampU = [&](int uu) {
      return std::clamp(uu, F0[0] + cwin.first, F0[0] + cwin.first + cwin.count);
    };  // for box edges
    const double lpx = cellLabelPx(ch, u);
    auto rowLabel = [&](double yy, const QString& s0) {
      if (ch >= 9)
        f.texts.push_back({QRectF(x0 - ellW - M.rowLabelOffset * u, yy, M.rowLabelWidth * u, ch), s0,
                           TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter), lpx});
    };
    auto ellipses = [&](double yy, double h) {
      if (cwin.before()) addEllipsis(f, QRectF(x0 - ellW, yy, ellW, h));
      if (cwin.after()) addEllipsis(f, QRectF(x0 + cwin.count * cw, yy, ellW, h));
    };
    const QString shown = cwin.windowed() ? QString("  ·  showing full positions %1–%2 of %3")
                                                .arg(F0[0] + cwin.first)
                                                .arg(F0[0] + cwin.first + cwin.count - 1)
                                                .arg(FC[0])
                                          : QString();
    // input, each x[i] above full position i·s
    addTitle(f, x0, y, f.size.width() - x0 - pad, titleH,
             QString("input x %1 — x[i] drawn above full position i·s").arg(shapeText(m.layerInput())) +
                 chanNote(wIn, "channels", 0),
             titlePx);
    y += titleH;
    ScenePanel xp = valuePanel(m.absInput, dec);
    for (int c = wIn.first; c < wIn.first + nIn; ++c) {
      const double ry = y + (c - wIn.first) * ch;
      rowLabel(ry, QString("c%1").arg(c));
      for (int i = 0; i < Lin; ++i) {
        if (!vis(i * s)) continue;
        SceneCell cell;
        cell.rect = QRectF(colX(i * s), ry, cw, ch);
        cell.value = at2(m.layerInput(), c, i, 0);
        cell.target = {R::Input, 0, c, {i, 0}};
        if (i == ip[0] && c >= g0 && c < g0 + cg) cell.marks |= MarkActive;
        if (i > ip[0]) cell.marks |= MarkDim;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        xp.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(xp));
    ellipses(y, nIn * ch);
    const double xBottom = y + nIn * ch;
    y += nIn * ch + gap;
    // the stamp of this step: x[c, i] · W[c, o, j] at i·s + j·d
    QString stampTitle;
    if (l.op == engine::Op::Unpool) {  // no weights: every tap copies x (a kernel of ones)
      stampTitle =
          QString("stamp x[c, %1] copied into %2 cells (unpooling: a kernel of ones)").arg(ip[0]).arg(k);
    } else {
      QStringList wtxt;
      const int og = int(l.weight.dim(1));
      const int kShown = k <= kTitleTaps ? k : kTitleTaps;  // a long kernel: its first taps, then "…"
      for (int j = 0; j < kShown; ++j)
        wtxt << formatValue(l.weight.data[size_t((int64_t(g0) * og + o % og) * k + j)], 2);
      if (kShown < k) wtxt << QCoreApplication::translate("Scene", "… (%1 taps)").arg(k);
      stampTitle = QString("stamp x[:, %1] · W[:, o=%2, :]   (W[%3, %2, :] = %4)")
                       .arg(ip[0])
                       .arg(o)
                       .arg(g0)
                       .arg(wtxt.join(", "));
    }
    addTitle(f, x0, y, f.size.width() - x0 - pad, titleH, stampTitle + chanNote(wSt, "channels", g0),
             titlePx);
    y += titleH;
    ScenePanel sp = valuePanel(std::max(1e-12, m.absInput * m.absKernel), dec);
    double stampTop = y;
    for (int c = wSt.first; c < wSt.first + nSt; ++c) {
      const double ry = y + (c - wSt.first) * ch;
      rowLabel(ry, QString("c%1").arg(g0 + c));
      // only the taps whose cells are in view: ip·s + j·d in [F0 + cwin.first, F0 + cwin.first + cwin.count)
      const int jFirst = std::max(0, (F0[0] + cwin.first - ip[0] * s + d - 1) / d);
      const int jEnd = std::min(k, (F0[0] + cwin.first + cwin.count - ip[0] * s + d - 1) / d);
      for (int j = jFirst; j < jEnd; ++j) {
        const int uu = ip[0] * s + j * d;
        if (!vis(uu)) continue;
        // the stamp's product x[g0 + c, i] · W[g0 + c, o′, j], as scatterStep computes it
        const double prod =
            double(at2(m.layerInput(), g0 + c, ip[0], 0)) * engine::stampWeight(l, g0 + c, o, {j, 0});
        SceneCell cell;
        cell.rect = QRectF(colX(uu), ry, cw, ch);
        cell.value = prod;
        cell.marks |= MarkActive;
        cell.target = {R::Kernel, o, c, {j, 0}};
        sp.cells.push_back(cell);
      }
      if (k > 1)
        f.lines.push_back(
            {QPointF(colX(clampU(ip[0] * s)) + cw / 2, ry + 0.5 * ch),
             QPointF(colX(std::min(ip[0] * s + (k - 1) * d, F0[0] + cwin.first + cwin.count - 1)) + cw / 2,
                     y + (c + 0.5) * ch),
             LineKind::Kernel});
    }
    f.panels.push_back(std::move(sp));
    // link from the active input to its stamp
    f.lines.push_back({QPointF(colX(ip[0] * s) + cw / 2, xBottom),
                       QPointF(colX(ip[0] * s) + cw / 2, stampTop), LineKind::Link});
    y += nSt * ch + gap;
    // full buffer
    const int Lf = l.ax[0].fullLength();
    addTitle(f, x0, y, f.size.width() - x0 - pad, titleH,
             QString("full buffer, (L−1)·s + d·(k−1) + 1 = %1 cells — stamps add up (%2 of %3 inputs done)")
                     .arg(Lf)
                     .arg(T + 1)
                     .arg(m.steps) +
                 shown + chanNote(wOut, "channels", 0),
             titlePx);
    y += titleH;
    const double fullTop = y;
    ScenePanel fp = valuePanel(m.absOutput, dec);
    for (int oc = wOut.first; oc < wOut.first + nOut; ++oc) {
      const double ry = y + (oc - wOut.first) * ch;
      rowLabel(ry, QString("o%1").arg(oc));
      for (int a = cwin.first; a < cwin.first + cwin.count; ++a) {
        const int uu = a + F0[0];
        const engine::ScatterWindow& fw = fullRows[size_t(oc - wOut.first)];
        const size_t idx = fw.index(a - cwin.first, 0);
        const int kind = fullKind(0, uu);
        SceneCell cell;
        cell.rect = QRectF(colX(uu), ry, cw, ch);
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
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        fp.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(fp));
    ellipses(fullTop, nOut * ch);
    // cropped margins (the part of them in view)
    auto cropBox = [&](int a, int b, const QString& label) {
      a = clampU(a), b = clampU(b);
      if (b > a)
        f.boxes.push_back(
            {QRectF(colX(a) - M.windowBoxMargin * u, fullTop - M.windowBoxMargin * u,
                    (b - a) * cw + 2 * M.windowBoxMargin * u, nOut * ch + 2 * M.windowBoxMargin * u),
             BoxKind::Crop, label});
    };
    if (start > F0[0]) cropBox(F0[0], start, QString("cropped %1").arg(start));
    if (Lf > start + out) cropBox(start + out, Lf, QString("cropped %1").arg(Lf - start - out));
    y += nOut * ch + gap + smallH;
    // output, aligned with the full positions it takes
    addTitle(f, x0, y, f.size.width() - x0 - pad, titleH,
             QString("output y %1 = full[%2 … %3] + bias")
                     .arg(shapeText(m.layerOutput()))
                     .arg(start)
                     .arg(start + out - 1) +
                 chanNote(wOut, "channels", 0),
             titlePx);
    y += titleH;
    ScenePanel op = valuePanel(m.absOutput, dec);
    for (int oc = wOut.first; oc < wOut.first + nOut; ++oc) {
      const double ry = y + (oc - wOut.first) * ch;
      const double b = l.bias.empty() ? 0.0 : l.bias.data[size_t(oc)];
      for (int mo = 0; mo < out; ++mo) {
        const int uu = start + mo;
        if (!vis(uu)) continue;
        const engine::ScatterWindow& fw = fullRows[size_t(oc - wOut.first)];
        const size_t idx = fw.index(uu - F0[0] - cwin.first, 0);
        const int kind = fullKind(0, uu);
        SceneCell cell;
        cell.rect = QRectF(colX(uu), ry, cw, ch);
        cell.value = fw.sum[idx] + b;
        if (kind == 2) {
          cell.style = CellStyle::Tail;
          cell.value = b;
        } else {
          cell.style = fw.touched[idx] ? CellStyle::Value : CellStyle::Pending;
          cell.hasValue = fw.touched[idx];
        }
        if (fw.now[idx]) cell.marks |= MarkActive;
        cell.target = {R::Output, 0, oc, {mo, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        op.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(op));
    ellipses(y, nOut * ch);
    if (clampU(start + out) > clampU(start))
      f.boxes.push_back({QRectF(colX(clampU(start)), y + nOut * ch + M.lineCellGap * u,
                                (clampU(start + out) - clampU(start)) * cw, M.bracketHeight * u),
                         BoxKind::Bracket, QString("%1 outputs").arg(out)});
    (void)bias;
    return;
  }

  // 2-D: input channel g0, full buffer and output of channel o
  const engine::Axis &A0 = l.ax[0], &A1 = l.ax[1];
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
  const GridPlace &gx = g[0], &gf = g[1], &go = g[2];
  auto span = [](int first, int count, int offset) {
    std::vector<int> v;
    for (int i = first; i < first + count; ++i) v.push_back(i + offset);
    return v;
  };
  const engine::ScatterWindow fullWin =
      window(o, span(gf.rows.first, gf.rows.count, F0[0]), span(gf.cols.first, gf.cols.count, F0[1]));
  const engine::ScatterWindow outWin =
      window(o, span(go.rows.first, go.rows.count, A0.start), span(go.cols.first, go.cols.count, A1.start));
  const double cs = gx.cs;
  const int dec = decimalsFor(cs, u);
  auto title = [&](const GridPlace& p, const QString& s0) {
    const double w = std::max(p.width() + 1.6 * cs, M.gridTitleMinW * u);
    const double h = wrappedHeight(f, w, s0, TextRole::Label, 2);
    addWrapped(f, p.at.x(), p.at.y() - h - M.gridTitleGap * u, w, s0, TextRole::Label, 2);
  };
  auto shown = [](const GridPlace& p) {
    return p.rows.windowed() || p.cols.windowed() ? QString(" · rows %1–%2, cols %3–%4")
                                                        .arg(p.rows.first)
                                                        .arg(p.rows.first + p.rows.count - 1)
                                                        .arg(p.cols.first)
                                                        .arg(p.cols.first + p.cols.count - 1)
                                                  : QString();
  };
  title(gx, QString("input x, channel %1 of %2%3").arg(g0).arg(C).arg(shown(gx)));
  ScenePanel xp = valuePanel(m.absInput, dec);
  for (int i = gx.rows.first; i < gx.rows.first + gx.rows.count; ++i)
    for (int j = gx.cols.first; j < gx.cols.first + gx.cols.count; ++j) {
      SceneCell cell;
      cell.rect = gx.cell(i, j);
      cell.value = at2(m.layerInput(), g0, i, j);
      cell.target = {R::Input, 0, g0, {i, j}};
      const int idx = i * A1.in + j;
      if (idx == T) cell.marks |= MarkActive;
      if (idx > T) cell.marks |= MarkDim;
      xp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(xp));
  gx.addMarkers(f);
  const QPointF inC = gx.cell(ip[0], ip[1]).center();
  title(gf,
        QString("full buffer, channel %1 (stamps of step %2 outlined)%3").arg(o).arg(T + 1).arg(shown(gf)));
  ScenePanel fp = valuePanel(m.absOutput, dec);
  QRectF stampRect;
  for (int a = gf.rows.first; a < gf.rows.first + gf.rows.count; ++a)
    for (int b = gf.cols.first; b < gf.cols.first + gf.cols.count; ++b) {
      const int u0 = a + F0[0], u1 = b + F0[1];
      const size_t idx = fullWin.index(a - gf.rows.first, b - gf.cols.first);
      const int k0 = fullKind(0, u0), k1 = fullKind(1, u1);
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
      cell.target = {R::Full, std::max(k0, k1), o, {u0, u1}};
      fp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(fp));
  gf.addMarkers(f);
  {  // the kept part (the output), clipped to the cells in view
    auto cr = [&](int i, const ColWindow& w) { return std::clamp(i, w.first, w.first + w.count); };
    const int r0 = cr(A0.start - F0[0], gf.rows), r1 = cr(A0.start + A0.out - F0[0], gf.rows);
    const int c0 = cr(A1.start - F0[1], gf.cols), c1 = cr(A1.start + A1.out - F0[1], gf.cols);
    if (r1 > r0 && c1 > c0)
      f.boxes.push_back({QRectF(gf.x(c0), gf.y(r0), (c1 - c0) * cs, (r1 - r0) * cs), BoxKind::Kernel,
                         QString("kept: %1×%2").arg(A0.out).arg(A1.out)});
  }
  if (!stampRect.isNull()) f.lines.push_back({inC, stampRect.center(), LineKind::Link});
  title(go, QString("output y %1, channel %2%3").arg(shapeText(m.layerOutput())).arg(o).arg(shown(go)));
  ScenePanel op = valuePanel(m.absOutput, dec);
  for (int i = go.rows.first; i < go.rows.first + go.rows.count; ++i)
    for (int j = go.cols.first; j < go.cols.first + go.cols.count; ++j) {
      const int u0 = A0.start + i, u1 = A1.start + j;
      const size_t idx = outWin.index(i - go.rows.first, j - go.cols.first);
      const bool tail = fullKind(0, u0) == 2 || fullKind(1, u1) == 2;
      SceneCell cell;
      cell.rect = go.cell(i, j);
      cell.value = outWin.sum[idx] + bias;
      cell.style = tail ? CellStyle::Tail : (outWin.touched[idx] ? CellStyle::Value : CellStyle::Pending);
      cell.hasValue = outWin.touched[idx] || tail;
      if (outWin.now[idx]) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, o, {i, j}};
      op.cells.push_back(cell);
    }
  f.panels.push_back(std::move(op));
  go.addMarkers(f);
}

}  // namespace convscope::widgets
