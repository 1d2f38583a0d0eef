// Scatter view: a transposed conv as stamps. Step i takes input x[:, i], multiplies the kernel by it
// and adds the stamp into the full buffer at i·s + j·d; overlaps accumulate. The output is the full
// buffer from `start` on (cropped margins crossed), with the output_padding tail holding the bias only.
#include <algorithm>
#include <set>

#include "scene_frame.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

double at2(const engine::Tensor& t, int c, int a, int b) {  // (N, C, A[, B]) batch 0
  const int64_t A = t.dim(2), B = t.rank() >= 4 ? t.dim(3) : 1;
  return t.data[size_t((int64_t(c) * A + a) * B + b)];
}

}  // namespace

void buildScatterFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const int dims = l.dims, T = r.step;
  const double u = f.unit, pad = 14 * u;
  const int C = l.inChannels, O = l.outChannels;
  int o = 0;
  if (r.hover && (r.hover->region == R::Output || r.hover->region == R::Full)) o = std::clamp(r.hover->channel, 0, O - 1);
  const auto [g0, cg] = groupInputs(l, o);
  const engine::Pos ip = engine::scatterStepPosition(l, T);
  const std::array<int, 2> F0 = m.fullFirst, FC = m.fullCols;
  const int fc1 = dims == 2 ? FC[1] : 1;
  // accumulate stamps of steps 0..T in full coordinates (no bias)
  std::vector<double> full(size_t(O) * FC[0] * fc1, 0.0);
  std::vector<char> touched(full.size(), 0), now(full.size(), 0);
  for (int s = 0; s <= T && s < int(m.scatter.size()); ++s)
    for (const engine::Stamp& st : m.scatter[size_t(s)].stamps) {
      const int a = st.fullPosition[0] - F0[0], b = dims == 2 ? st.fullPosition[1] - F0[1] : 0;
      const size_t idx = size_t((int64_t(st.outChannel) * FC[0] + a) * fc1 + b);
      full[idx] += st.product;
      touched[idx] = 1;
      if (s == T) now[idx] = 1;
    }
  auto fullKind = [&](int axis, int uu) {  // 0 inside output, 1 cropped, 2 tail (beyond Lf, inside output)
    const engine::Axis& ax = l.ax[size_t(axis)];
    if (uu < ax.start || uu >= ax.start + ax.out) return 1;
    if (uu >= ax.fullLength() || uu < 0) return 2;
    return 0;
  };
  const double bias = l.bias.empty() ? 0.0 : l.bias.data[size_t(o)];
  QString what = QString("Each input x[i] stamps x[i]·W into the full buffer at i·s + j·d (s = %1%2); overlapping stamps add up; the output is the buffer cropped by start = %3")
                     .arg(l.ax[0].s).arg(l.ax[0].d > 1 ? QString(", d = %1").arg(l.ax[0].d) : QString()).arg(l.ax[0].start);
  double y = addHeader(f, m, T, what);
  QString legend = "crossed = cropped margin (computed, then cut away)";
  if (!m.margins.tail[0].empty() || (dims == 2 && !m.margins.tail[1].empty())) legend += " · dashed purple = output_padding tail (no stamp, bias only)";
  const double footerTop = addFormulaFooter(f, m, legend);
  const double titleH = fontPx(TextRole::Label, u) * 1.7, gap = 10 * u;

  if (dims == 1) {
    const int Lin = l.ax[0].in, out = l.ax[0].out, s = l.ax[0].s, d = l.ax[0].d, k = l.ax[0].k, start = l.ax[0].start;
    const double labelW = 74 * u, availW = f.size.width() - 2 * pad - labelW;
    const int rowsTotal = C + cg + O + O;
    double cw = std::min(48 * u, availW / FC[0]);
    double ch = std::min({cw, 38 * u, (footerTop - 10 * u - y - 4 * (titleH + gap)) / rowsTotal});
    ch = std::max(ch, 3.0);
    const double x0 = pad + labelW + std::max(0.0, (availW - FC[0] * cw) / 2);
    const int dec = decimalsFor(cw, u);
    auto colX = [&](int uu) { return x0 + (uu - F0[0]) * cw; };
    auto rowLabel = [&](double yy, const QString& s0) {
      if (ch >= 8 * u) addText(f, QRectF(x0 - 44 * u, yy, 40 * u, ch), s0, TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter));
    };
    // input, each x[i] above full position i·s
    addText(f, QRectF(x0, y, availW, titleH), QString("input x %1 — x[i] drawn above full position i·s").arg(shapeText(m.layerInput())), TextRole::Label);
    y += titleH;
    ScenePanel xp;
    xp.absMax = m.absInput;
    xp.decimals = dec;
    xp.showValues = dec >= 0;
    for (int c = 0; c < C; ++c) {
      rowLabel(y + c * ch, QString("c%1").arg(c));
      for (int i = 0; i < Lin; ++i) {
        SceneCell cell;
        cell.rect = QRectF(colX(i * s), y + c * ch, cw, ch);
        cell.value = at2(m.layerInput(), c, i, 0);
        cell.target = {R::Input, 0, c, {i, 0}};
        if (i == ip[0] && c >= g0 && c < g0 + cg) cell.marks |= MarkActive;
        if (i > ip[0]) cell.marks |= MarkDim;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        xp.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(xp));
    const double xBottom = y + C * ch;
    y += C * ch + gap;
    // the stamp of this step: x[c, i] · W[c, o, j] at i·s + j·d
    QStringList wtxt;
    const int og = int(l.weight.dim(1));
    for (int j = 0; j < k; ++j) wtxt << formatValue(l.weight.data[size_t((int64_t(g0) * og + o % og) * k + j)], 2);
    addText(f, QRectF(x0, y, availW, titleH), QString("stamp x[:, %1] · W[:, o=%2, :]   (W[%3, %2, :] = %4)").arg(ip[0]).arg(o).arg(g0).arg(wtxt.join(", ")), TextRole::Label);
    y += titleH;
    ScenePanel sp;
    sp.absMax = std::max(1e-12, m.absInput * m.absKernel);
    sp.decimals = dec;
    sp.showValues = dec >= 0;
    double stampTop = y;
    for (int c = 0; c < cg; ++c) {
      rowLabel(y + c * ch, QString("c%1").arg(g0 + c));
      for (int j = 0; j < k; ++j) {
        const int uu = ip[0] * s + j * d;
        double prod = 0;
        for (const engine::Stamp& st : m.scatter.empty() ? std::vector<engine::Stamp>() : m.scatter[size_t(T)].stamps)
          if (st.inChannel == g0 + c && st.outChannel == o && st.tap[0] == j) prod = st.product;
        SceneCell cell;
        cell.rect = QRectF(colX(uu), y + c * ch, cw, ch);
        cell.value = prod;
        cell.marks |= MarkActive;
        cell.target = {R::Kernel, o, c, {j, 0}};
        sp.cells.push_back(cell);
      }
      if (k > 1) f.lines.push_back({QPointF(colX(ip[0] * s) + cw / 2, y + (c + 0.5) * ch), QPointF(colX(ip[0] * s + (k - 1) * d) + cw / 2, y + (c + 0.5) * ch), LineKind::Kernel});
    }
    f.panels.push_back(std::move(sp));
    // link from the active input to its stamp
    f.lines.push_back({QPointF(colX(ip[0] * s) + cw / 2, xBottom), QPointF(colX(ip[0] * s) + cw / 2, stampTop), LineKind::Link});
    y += cg * ch + gap;
    // full buffer
    const int Lf = l.ax[0].fullLength();
    addText(f, QRectF(x0, y, availW, titleH), QString("full buffer, (L−1)·s + d·(k−1) + 1 = %1 cells — stamps add up (%2 of %3 inputs done)").arg(Lf).arg(T + 1).arg(m.steps), TextRole::Label);
    y += titleH;
    const double fullTop = y;
    ScenePanel fp;
    fp.absMax = m.absOutput;
    fp.decimals = dec;
    fp.showValues = dec >= 0;
    for (int oc = 0; oc < O; ++oc) {
      rowLabel(y + oc * ch, QString("o%1").arg(oc));
      for (int a = 0; a < FC[0]; ++a) {
        const int uu = a + F0[0];
        const size_t idx = size_t(int64_t(oc) * FC[0] + a);
        const int kind = fullKind(0, uu);
        SceneCell cell;
        cell.rect = QRectF(colX(uu), y + oc * ch, cw, ch);
        cell.value = full[idx];
        if (uu >= Lf || uu < 0) {
          cell.style = CellStyle::Pending;
          cell.hasValue = false;
        } else {
          cell.style = kind == 1 ? CellStyle::Cropped : (touched[idx] ? CellStyle::Value : CellStyle::Pending);
          cell.hasValue = touched[idx];
        }
        if (now[idx]) cell.marks |= MarkActive;
        cell.target = {R::Full, kind, oc, {uu, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        fp.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(fp));
    // cropped margins
    if (start > F0[0]) f.boxes.push_back({QRectF(colX(F0[0]) - 2 * u, fullTop - 2 * u, (start - F0[0]) * cw + 4 * u, O * ch + 4 * u), BoxKind::Crop, QString("cropped %1").arg(start)});
    if (Lf > start + out) f.boxes.push_back({QRectF(colX(start + out) - 2 * u, fullTop - 2 * u, (Lf - start - out) * cw + 4 * u, O * ch + 4 * u), BoxKind::Crop, QString("cropped %1").arg(Lf - start - out)});
    y += O * ch + gap + fontPx(TextRole::Small, u) * 1.2;
    // output, aligned with the full positions it takes
    addText(f, QRectF(x0, y, availW, titleH), QString("output y %1 = full[%2 … %3] + bias").arg(shapeText(m.layerOutput())).arg(start).arg(start + out - 1), TextRole::Label);
    y += titleH;
    ScenePanel op;
    op.absMax = m.absOutput;
    op.decimals = dec;
    op.showValues = dec >= 0;
    for (int oc = 0; oc < O; ++oc) {
      const double b = l.bias.empty() ? 0.0 : l.bias.data[size_t(oc)];
      for (int mo = 0; mo < out; ++mo) {
        const int uu = start + mo;
        const size_t idx = size_t(int64_t(oc) * FC[0] + (uu - F0[0]));
        const int kind = fullKind(0, uu);
        SceneCell cell;
        cell.rect = QRectF(colX(uu), y + oc * ch, cw, ch);
        cell.value = full[idx] + b;
        if (kind == 2) {
          cell.style = CellStyle::Tail;
          cell.value = b;
        } else {
          cell.style = touched[idx] ? CellStyle::Value : CellStyle::Pending;
          cell.hasValue = touched[idx];
        }
        if (now[idx]) cell.marks |= MarkActive;
        cell.target = {R::Output, 0, oc, {mo, 0}};
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        op.cells.push_back(cell);
      }
    }
    f.panels.push_back(std::move(op));
    f.boxes.push_back({QRectF(colX(start), y + O * ch + 2 * u, out * cw, 5 * u), BoxKind::Bracket, QString("%1 outputs").arg(out)});
    (void)bias;
    return;
  }

  // 2-D: input channel g0, full buffer and output of channel o
  const engine::Axis &A0 = l.ax[0], &A1 = l.ax[1];
  const double availW = f.size.width() - 2 * pad;
  const double gapCells = 2.5;
  double cs = std::min({36 * u, availW / (A1.in + FC[1] + A1.out + 2 * gapCells), (footerTop - 10 * u - y - titleH) / std::max({A0.in, FC[0], A0.out})});
  cs = std::max(cs, 3.0);
  const int dec = decimalsFor(cs, u);
  const double top = y + titleH;
  double x = pad;
  addText(f, QRectF(x, y, 300 * u, titleH), QString("input x, channel %1 of %2").arg(g0).arg(C), TextRole::Label);
  ScenePanel xp;
  xp.absMax = m.absInput;
  xp.decimals = dec;
  xp.showValues = dec >= 0;
  for (int i = 0; i < A0.in; ++i)
    for (int j = 0; j < A1.in; ++j) {
      SceneCell cell;
      cell.rect = QRectF(x + j * cs, top + i * cs, cs, cs);
      cell.value = at2(m.layerInput(), g0, i, j);
      cell.target = {R::Input, 0, g0, {i, j}};
      const int idx = i * A1.in + j;
      if (idx == T) cell.marks |= MarkActive;
      if (idx > T) cell.marks |= MarkDim;
      xp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(xp));
  const QPointF inC(x + (ip[1] + 0.5) * cs, top + (ip[0] + 0.5) * cs);
  x += (A1.in + gapCells) * cs;
  addText(f, QRectF(x, y, 400 * u, titleH), QString("full buffer, channel %1 (stamps of step %2 outlined)").arg(o).arg(T + 1), TextRole::Label);
  ScenePanel fp;
  fp.absMax = m.absOutput;
  fp.decimals = dec;
  fp.showValues = dec >= 0;
  QRectF stampRect;
  for (int a = 0; a < FC[0]; ++a)
    for (int b = 0; b < FC[1]; ++b) {
      const int u0 = a + F0[0], u1 = b + F0[1];
      const size_t idx = size_t((int64_t(o) * FC[0] + a) * FC[1] + b);
      const int k0 = fullKind(0, u0), k1 = fullKind(1, u1);
      const bool beyond = u0 >= A0.fullLength() || u1 >= A1.fullLength() || u0 < 0 || u1 < 0;
      SceneCell cell;
      cell.rect = QRectF(x + b * cs, top + a * cs, cs, cs);
      cell.value = full[idx];
      cell.style = beyond ? CellStyle::Pending : ((k0 == 1 || k1 == 1) ? CellStyle::Cropped : (touched[idx] ? CellStyle::Value : CellStyle::Pending));
      cell.hasValue = touched[idx] && !beyond;
      if (now[idx]) {
        cell.marks |= MarkActive;
        stampRect = stampRect.isNull() ? cell.rect : stampRect.united(cell.rect);
      }
      cell.target = {R::Full, std::max(k0, k1), o, {u0, u1}};
      fp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(fp));
  f.boxes.push_back({QRectF(x + (A1.start - F0[1]) * cs, top + (A0.start - F0[0]) * cs, A1.out * cs, A0.out * cs), BoxKind::Kernel, QString("kept: %1×%2").arg(A0.out).arg(A1.out)});
  if (!stampRect.isNull()) f.lines.push_back({inC, stampRect.center(), LineKind::Link});
  x += (FC[1] + gapCells) * cs;
  addText(f, QRectF(x, y, 300 * u, titleH), QString("output y %1, channel %2").arg(shapeText(m.layerOutput())).arg(o), TextRole::Label);
  ScenePanel op;
  op.absMax = m.absOutput;
  op.decimals = dec;
  op.showValues = dec >= 0;
  for (int i = 0; i < A0.out; ++i)
    for (int j = 0; j < A1.out; ++j) {
      const int u0 = A0.start + i, u1 = A1.start + j;
      const size_t idx = size_t((int64_t(o) * FC[0] + (u0 - F0[0])) * FC[1] + (u1 - F0[1]));
      const bool tail = fullKind(0, u0) == 2 || fullKind(1, u1) == 2;
      SceneCell cell;
      cell.rect = QRectF(x + j * cs, top + i * cs, cs, cs);
      cell.value = full[idx] + bias;
      cell.style = tail ? CellStyle::Tail : (touched[idx] ? CellStyle::Value : CellStyle::Pending);
      cell.hasValue = touched[idx] || tail;
      if (now[idx]) cell.marks |= MarkActive;
      cell.target = {R::Output, 0, o, {i, j}};
      op.cells.push_back(cell);
    }
  f.panels.push_back(std::move(op));
}

}  // namespace convscope::widgets
