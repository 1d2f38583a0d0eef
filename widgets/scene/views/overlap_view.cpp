// Overlap view: how many (input, tap) pairs reach each output of a transposed conv — the source of
// checkerboard artifacts — accumulating input by input; for a conv, how many windows read each
// input (the same pattern in its gradient). Bars plus counted cells; the uniformity rule below.
#include <algorithm>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

/// 1-D: the counts as bars over the positions of `tname` (a window around this step's positions
/// when long), counted cells under them, and the bracket of the interior (transposed conv).
void addOverlapStrip(SceneFrame& f, const SceneRequest& r, double y, double footerTop, const QString& tname) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step;
  const bool tr = l.op == engine::Op::ConvTranspose || l.op == engine::Op::Unpool;
  auto count = [&](int p0, int p1) { return m.countAt(T, p0, p1); };
  auto finalCount = [&](int p0, int p1) { return m.countAt(m.steps - 1, p0, p1); };
  const int64_t cmax = std::max<int64_t>(1, m.countMax());
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const int n0 = m.countShape[0];
  const double availW = f.size.width() - 2 * pad - M.overlapAxisColumn * u;
  const std::vector<int64_t> added = m.countedBy(T);  // the positions this step adds to (1-D: one axis)
  std::vector<char> isAdded(size_t(n0), 0);
  int lo = n0, hi = -1;
  for (int64_t p : added) isAdded[size_t(p)] = 1, lo = std::min(lo, int(p)), hi = std::max(hi, int(p));
  if (hi < 0) lo = hi = 0;
  auto changed = [&](int i) { return isAdded[size_t(i)] != 0; };
  // A strip longer than cells of 8 px shows a window around this step's positions ("…" for the rest).
  ColWindow win;
  const double cw = fitColumns(availW, n0, lo, hi, M.overlapMinCell * u, M.overlapMaxCell * u, win);
  const double mark = win.windowed() ? 0.8 * cw : 0.0;
  const double x0 = pad + M.overlapAxisColumn * u + std::max(0.0, (availW - win.count * cw - 2 * mark) / 2) +
                    (win.before() ? mark : 0.0) - win.first * cw;
  const double stripW = win.count * cw, stripX = x0 + win.first * cw;
  const double chWant = std::min(cw, M.overlapMaxRow * u), smallH = fontPx(TextRole::Small, u) * 1.6;
  const double room = footerTop - M.footerGap * u - y - titleH - M.overlapBarGap * u - chWant - 2 * smallH;
  const double barH = std::max(M.overlapMinBars * u, std::min(room, std::max(M.overlapBars * u, room * 0.8)));
  y += std::max(0.0, (room - barH) / 2);  // centred vertically
  const QString shown =
      win.windowed()
          ? QString("  ·  positions %1–%2 of %3").arg(win.first).arg(win.first + win.count - 1).arg(n0)
          : QString();
  addText(f, QRectF(stripX, y, availW, titleH),
          QString("count per position of %1 (final max %2)").arg(tname).arg(cmax) + shown, TextRole::Label);
  y += titleH;
  const double base = y + barH;
  ScenePanel bars;
  bars.countMax = double(cmax);
  bars.showValues = false;
  for (int i = 0; i <= cmax; ++i) {  // gridlines per count
    const double gy = base - barH * i / cmax;
    f.lines.push_back(
        {QPointF(stripX - M.overlapTick * u, gy), QPointF(stripX + stripW, gy), LineKind::Faint});
    if (cmax <= 12)
      addText(f,
              QRectF(stripX - mark - M.overlapTickLabelX * u, gy - M.overlapTickLabelH / 2 * u,
                     M.overlapTickLabelW * u, M.overlapTickLabelH * u),
              QString::number(i), TextRole::Small, int(Qt::AlignRight | Qt::AlignVCenter));
  }
  for (int i = win.first; i < win.first + win.count; ++i) {
    const int64_t c = count(i, 0);
    const double h = barH * double(c) / cmax;
    SceneCell cell;
    cell.rect = QRectF(x0 + i * cw + cw * 0.12, base - h, cw * 0.76, h);
    cell.style = CellStyle::Count;
    cell.value = double(c);
    cell.target = {R::Count, int(finalCount(i, 0)), 0, {i, 0}};
    if (h > 0) bars.cells.push_back(cell);
  }
  f.panels.push_back(std::move(bars));
  y = base + M.overlapBarGap * u;
  const double ch = chWant;
  ScenePanel cells;
  cells.countMax = double(cmax);
  cells.showValues = cw >= M.overlapValuesMin * u;
  for (int i = win.first; i < win.first + win.count; ++i) {
    SceneCell cell;
    cell.rect = QRectF(x0 + i * cw, y, cw, ch);
    cell.style = CellStyle::Count;
    cell.value = double(count(i, 0));
    cell.target = {R::Count, int(finalCount(i, 0)), 0, {i, 0}};
    if (changed(i)) cell.marks |= MarkActive;
    if (r.hover && cell.target.pos == r.hover->pos && r.hover->region == R::Count) cell.marks |= MarkHovered;
    cells.cells.push_back(cell);
  }
  f.panels.push_back(std::move(cells));
  if (win.before()) addEllipsis(f, QRectF(stripX - mark, y, mark, ch));
  if (win.after()) addEllipsis(f, QRectF(stripX + stripW, y, mark, ch));
  if (tr && m.overlap) {
    const auto& ax = m.overlap->axes[0];
    const int b0 = std::clamp(int(ax.interiorBegin), win.first, win.first + win.count),
              b1 = std::clamp(int(ax.interiorEnd), win.first, win.first + win.count);
    if (b1 > b0)
      f.boxes.push_back({QRectF(x0 + b0 * cw, y + ch + M.bracketGap * u, (b1 - b0) * cw, M.bracketHeight * u),
                         BoxKind::Bracket,
                         ax.interiorUniform ? "interior: uniform" : "interior: uneven → checkerboard"});
  }
}

}  // namespace

void buildOverlapFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step, dims = l.dims;
  const bool tr = l.op == engine::Op::ConvTranspose || l.op == engine::Op::Unpool;
  // counts only at the cells drawn (SceneModel::countAt), never over the whole counted tensor
  auto count = [&](int p0, int p1) { return m.countAt(T, p0, p1); };
  auto finalCount = [&](int p0, int p1) { return m.countAt(m.steps - 1, p0, p1); };
  const int64_t cmax = std::max<int64_t>(1, m.countMax());
  const QString what = tr ? QString(
                                "Contribution counts: how many (input, kernel tap) pairs land on each output "
                                "— after %1 of %2 inputs")
                                .arg(T + 1)
                                .arg(m.steps)
                          : QString(
                                "How many windows read each input position — after %1 of %2 outputs (this is "
                                "the overlap of the conv's gradient)")
                                .arg(T + 1)
                                .arg(m.steps);
  double y = addHeader(f, m, T, what);
  const double footerTop = addFormulaFooter(f, m, m.overlapRule);
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const int n0 = m.countShape[0], n1 = dims == 2 ? m.countShape[1] : 1;
  const QString tname = tr ? QString("output y %1").arg(shapeText(m.layerOutput()))
                           : QString("input x %1").arg(shapeText(m.layerInput()));
  if (dims == 1) {
    addOverlapStrip(f, r, y, footerTop, tname);
    return;
  }
  // One grid: square cells of up to 80 px; a grid too large for cells of 4 px shows a window of
  // 8-px cells from its top-left corner (the border rows and the periodic interior) with markers.
  const QRectF area(pad, y + titleH, f.size.width() - 2 * pad, footerTop - M.footerGap * u - y - titleH);
  const GridPlace g = layoutGrids({GridSpec{n0, n1, 0, std::min(n0 - 1, 8), 0, std::min(n1 - 1, 8), false}},
                                  area, 2.0, M.overlapMaxCell * u, 4.0, M.overlapGridWindowCell * u, titleH)
                          .front();
  const double cs = g.cs;
  addText(f, QRectF(g.at.x(), g.at.y() - titleH, area.width(), titleH),
          QString("counts over %1 (max %2)").arg(tname).arg(cmax), TextRole::Label);
  ScenePanel grid;
  grid.countMax = double(cmax);
  grid.showValues = cs >= M.overlapGridValuesMin * u;
  for (int i = g.rows.first; i < g.rows.first + g.rows.count; ++i)
    for (int j = g.cols.first; j < g.cols.first + g.cols.count; ++j) {
      SceneCell cell;
      cell.rect = g.cell(i, j);
      cell.style = CellStyle::Count;
      cell.value = double(count(i, j));
      cell.target = {R::Count, int(finalCount(i, j)), 0, {i, j}};
      grid.cells.push_back(cell);
    }
  g.addMarkers(f);
  f.panels.push_back(std::move(grid));
}

}  // namespace convscope::widgets
