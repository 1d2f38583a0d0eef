// Matrix view: the layer as a matrix product y = M x + b (conv) or y = Mᵀ x + b (conv_transpose,
// M = the matrix of the conv it is the adjoint of). xᵀ is drawn above the columns, y beside the
// rows; step T highlights the rows of output position T and the inputs they use.
#include <algorithm>

#include "scene_frame.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

void buildMatrixFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const double u = f.unit, pad = 14 * u;
  const int T = r.step;
  const QString name = m.transposed ? "Mᵀ" : "M";
  const QString what = m.transposed
                           ? QString("y = Mᵀ x + b: a transposed conv is the transpose of the conv matrix M (shape %1 × %2); row %3 of Mᵀ is column %3 of M")
                                 .arg(m.matCols).arg(m.matRows).arg(T)
                           : QString("y = M x + b: each row of M (%1 × %2) is the kernel placed at one output's window; zeros elsewhere").arg(m.matRows).arg(m.matCols);
  double y = addHeader(f, m, T, what);
  const double footerTop = addFormulaFooter(f, m, QString("rows: output index o·%1 + m   ·   columns: input index c·%2 + t")
                                                       .arg(m.matRows / std::max(1, l.outChannels)).arg(m.matCols / std::max(1, l.inChannels)));
  if (m.matrix.empty()) {
    addText(f, QRectF(pad, y, f.size.width() - 2 * pad, footerTop - y), QString("The matrix is %1 × %2 — too large to draw.").arg(m.matRows).arg(m.matCols),
            TextRole::Message, Qt::AlignCenter);
    return;
  }
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const double availW = f.size.width() - 2 * pad - 120 * u, availH = footerTop - 10 * u - y - 2 * titleH;
  double cs = std::min({40 * u, availW / (m.matCols + 2.5), availH / (m.matRows + 1.6)});
  cs = std::max(cs, 2.0);
  const int dec = decimalsFor(cs, u);
  const double x0 = pad + 60 * u + std::max(0.0, (availW - (m.matCols + 2.5) * cs) / 2);
  const int perOut = m.matRows / std::max(1, l.outChannels);
  std::vector<int> activeRows;
  for (int o = 0; o < l.outChannels; ++o) activeRows.push_back(o * perOut + T);
  auto isActive = [&](int row) { return std::find(activeRows.begin(), activeRows.end(), row) != activeRows.end(); };
  int hRow = -1, hCol = -1;
  if (r.hover) {
    if (r.hover->region == R::Matrix) hRow = r.hover->row, hCol = r.hover->pos[0];
    if (r.hover->region == R::VectorOut) hRow = r.hover->pos[0];
    if (r.hover->region == R::VectorIn) hCol = r.hover->pos[0];
  }
  // xᵀ above the columns
  addText(f, QRectF(x0, y, availW, titleH), QString("xᵀ  (input %1 flattened, %2 entries)").arg(shapeText(m.layerInput())).arg(m.matCols), TextRole::Label);
  y += titleH;
  ScenePanel xp;
  xp.absMax = m.absInput;
  xp.decimals = dec;
  xp.showValues = dec >= 0;
  xp.borders = cs >= 6 * u;
  for (int c = 0; c < m.matCols; ++c) {
    SceneCell cell;
    cell.rect = QRectF(x0 + c * cs, y, cs, cs);
    cell.value = m.layerInput().data[size_t(c)];
    cell.target = {R::VectorIn, 0, 0, {c, 0}};
    bool used = false;
    for (int row : activeRows) used |= m.matrix[size_t(int64_t(row) * m.matCols + c)] != 0.0;
    if (used) cell.marks |= MarkActive;
    if (hRow >= 0 && m.matrix[size_t(int64_t(hRow) * m.matCols + c)] != 0.0) cell.marks |= MarkRelated;
    if (c == hCol) cell.marks |= MarkHovered;
    xp.cells.push_back(cell);
  }
  f.panels.push_back(std::move(xp));
  y += cs + 0.6 * cs;
  // the matrix
  addText(f, QRectF(pad, y, x0 - pad - 4 * u, m.matRows * cs), name, TextRole::Title, int(Qt::AlignRight | Qt::AlignVCenter));
  ScenePanel mp;
  mp.absMax = std::max(1e-12, m.absKernel);
  mp.decimals = dec;
  mp.showValues = dec >= 0;
  mp.borders = cs >= 6 * u;
  for (int row = 0; row < m.matRows; ++row)
    for (int c = 0; c < m.matCols; ++c) {
      const double v = m.matrix[size_t(int64_t(row) * m.matCols + c)];
      SceneCell cell;
      cell.rect = QRectF(x0 + c * cs, y + row * cs, cs, cs);
      cell.value = v;
      cell.style = v == 0.0 ? CellStyle::Blank : CellStyle::Value;
      cell.target = {R::Matrix, row, 0, {c, 0}};
      if (isActive(row) && v != 0.0) cell.marks |= MarkActive;
      if ((row == hRow || c == hCol) && v != 0.0) cell.marks |= MarkRelated;
      if (row == hRow && c == hCol) cell.marks |= MarkHovered;
      mp.cells.push_back(cell);
    }
  f.panels.push_back(std::move(mp));
  for (int row : activeRows)
    f.boxes.push_back({QRectF(x0 - 2 * u, y + row * cs - 1 * u, m.matCols * cs + 4 * u, cs + 2 * u), BoxKind::Window, QString()});
  // y beside the rows
  const double yx = x0 + (m.matCols + 1.5) * cs;
  addText(f, QRectF(yx - 10 * u, y - titleH, 200 * u, titleH), QString("y %1").arg(shapeText(m.layerOutput())), TextRole::Label);
  ScenePanel yp;
  yp.absMax = m.absOutput;
  yp.decimals = dec;
  yp.showValues = dec >= 0;
  yp.borders = cs >= 6 * u;
  for (int row = 0; row < m.matRows; ++row) {
    SceneCell cell;
    cell.rect = QRectF(yx, y + row * cs, cs, cs);
    cell.value = m.layerOutput().data[size_t(row)];
    cell.target = {R::VectorOut, 0, 0, {row, 0}};
    if (isActive(row)) cell.marks |= MarkActive;
    if (row == hRow) cell.marks |= MarkHovered;
    if (hCol >= 0 && m.matrix[size_t(int64_t(row) * m.matCols + hCol)] != 0.0) cell.marks |= MarkRelated;
    yp.cells.push_back(cell);
  }
  f.panels.push_back(std::move(yp));
  addText(f, QRectF(x0 + m.matCols * cs, y, 1.5 * cs, m.matRows * cs), "=", TextRole::Subtitle, Qt::AlignCenter);
}

}  // namespace convscope::widgets
