// Overlap view: how many (input, tap) pairs reach each output of a transposed conv — the source of
// checkerboard artifacts — accumulating input by input; for a conv, how many windows read each
// input (the same pattern in its gradient). Bars plus counted cells; the uniformity rule below.
#include <algorithm>

#include "scene_frame.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

void buildOverlapFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const double u = f.unit, pad = 14 * u;
  const int T = r.step, dims = l.dims;
  const bool tr = l.op == engine::Op::ConvTranspose || l.op == engine::Op::Unpool;
  const std::vector<int64_t>& counts = T < int(m.countsAfter.size()) ? m.countsAfter[size_t(T)] : m.countsAfter.back();
  const std::vector<int64_t>& final = m.countsAfter.back();
  const int64_t cmax = std::max<int64_t>(1, *std::max_element(final.begin(), final.end()));
  const QString what = tr ? QString("Contribution counts: how many (input, kernel tap) pairs land on each output — after %1 of %2 inputs").arg(T + 1).arg(m.steps)
                          : QString("How many windows read each input position — after %1 of %2 outputs (this is the overlap of the conv's gradient)").arg(T + 1).arg(m.steps);
  double y = addHeader(f, m, T, what);
  const double footerTop = addFormulaFooter(f, m, m.overlapRule);
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const int n0 = m.countShape[0], n1 = dims == 2 ? m.countShape[1] : 1;
  const QString tname = tr ? QString("output y %1").arg(shapeText(m.layerOutput())) : QString("input x %1").arg(shapeText(m.layerInput()));
  if (dims == 1) {
    const double availW = f.size.width() - 2 * pad - 60 * u;
    const double cw = std::max(2.0, std::min(80 * u, availW / n0));
    const double x0 = pad + 60 * u + std::max(0.0, (availW - n0 * cw) / 2);
    const double chWant = std::min(cw, 56 * u), smallH = fontPx(TextRole::Small, u) * 1.6;
    const double room = footerTop - 10 * u - y - titleH - 8 * u - chWant - 2 * smallH;
    const double barH = std::max(40 * u, std::min(room, std::max(120 * u, room * 0.8)));
    y += std::max(0.0, (room - barH) / 2);  // centred vertically
    addText(f, QRectF(x0, y, availW, titleH), QString("count per position of %1 (final max %2)").arg(tname).arg(cmax), TextRole::Label);
    y += titleH;
    const double base = y + barH;
    ScenePanel bars;
    bars.countMax = double(cmax);
    bars.showValues = false;
    for (int i = 0; i <= cmax; ++i) {  // gridlines per count
      const double gy = base - barH * i / cmax;
      f.lines.push_back({QPointF(x0 - 4 * u, gy), QPointF(x0 + n0 * cw, gy), LineKind::Faint});
      if (cmax <= 12) addText(f, QRectF(x0 - 40 * u, gy - 8 * u, 32 * u, 16 * u), QString::number(i), TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter));
    }
    for (int i = 0; i < n0; ++i) {
      const double h = barH * double(counts[size_t(i)]) / cmax;
      SceneCell cell;
      cell.rect = QRectF(x0 + i * cw + cw * 0.12, base - h, cw * 0.76, h);
      cell.style = CellStyle::Count;
      cell.value = double(counts[size_t(i)]);
      cell.target = {R::Count, int(final[size_t(i)]), 0, {i, 0}};
      if (h > 0) bars.cells.push_back(cell);
    }
    f.panels.push_back(std::move(bars));
    y = base + 8 * u;
    const double ch = chWant;
    ScenePanel cells;
    cells.countMax = double(cmax);
    cells.showValues = cw >= 9 * u;
    // which positions this step adds to
    const std::vector<int64_t>* prev = T > 0 && T - 1 < int(m.countsAfter.size()) && m.countsAfter.size() == size_t(m.steps) ? &m.countsAfter[size_t(T - 1)] : nullptr;
    for (int i = 0; i < n0; ++i) {
      SceneCell cell;
      cell.rect = QRectF(x0 + i * cw, y, cw, ch);
      cell.style = CellStyle::Count;
      cell.value = double(counts[size_t(i)]);
      cell.target = {R::Count, int(final[size_t(i)]), 0, {i, 0}};
      if ((prev && (*prev)[size_t(i)] != counts[size_t(i)]) || (!prev && T == 0 && counts[size_t(i)] > 0)) cell.marks |= MarkActive;
      if (r.hover && cell.target.pos == r.hover->pos && r.hover->region == R::Count) cell.marks |= MarkHovered;
      cells.cells.push_back(cell);
    }
    f.panels.push_back(std::move(cells));
    if (tr && m.overlap) {
      const auto& ax = m.overlap->axes[0];
      if (ax.interiorEnd > ax.interiorBegin)
        f.boxes.push_back({QRectF(x0 + ax.interiorBegin * cw, y + ch + 3 * u, (ax.interiorEnd - ax.interiorBegin) * cw, 5 * u), BoxKind::Bracket,
                           ax.interiorUniform ? "interior: uniform" : "interior: uneven → checkerboard"});
    }
    return;
  }
  const double availW = f.size.width() - 2 * pad, availH = footerTop - 10 * u - y - titleH;
  const double cs = std::max(2.0, std::min({80 * u, availW / n1, availH / n0}));
  const double x0 = pad + std::max(0.0, (availW - n1 * cs) / 2);
  y += std::max(0.0, (availH - n0 * cs) / 2);  // centred vertically
  addText(f, QRectF(x0, y, availW, titleH), QString("counts over %1 (max %2)").arg(tname).arg(cmax), TextRole::Label);
  y += titleH;
  ScenePanel grid;
  grid.countMax = double(cmax);
  grid.showValues = cs >= 12 * u;
  for (int i = 0; i < n0; ++i)
    for (int j = 0; j < n1; ++j) {
      SceneCell cell;
      cell.rect = QRectF(x0 + j * cs, y + i * cs, cs, cs);
      cell.style = CellStyle::Count;
      cell.value = double(counts[size_t(i) * n1 + j]);
      cell.target = {R::Count, int(final[size_t(i) * n1 + j]), 0, {i, j}};
      grid.cells.push_back(cell);
    }
  f.panels.push_back(std::move(grid));
}

}  // namespace convscope::widgets
