// Matrix view: the layer as a matrix product y = M x + b (conv) or y = Mᵀ x + b (conv_transpose,
// M = the matrix of the conv it is the adjoint of). xᵀ is drawn above the columns, y beside the
// rows; step T highlights the rows of output position T and the inputs they use.
#include <algorithm>
#include <utility>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

/// The header's sentence: the product the frame shows, at step T.
QString matrixWhat(const SceneModel& m, int T) {
  return m.transposed
             ? QString(
                   "y = Mᵀ x + b: a transposed conv is the transpose of the conv matrix M (shape %1 × "
                   "%2); row %3 of Mᵀ is column %3 of M")
                   .arg(m.matCols)
                   .arg(m.matRows)
                   .arg(T)
             : QString(
                   "y = M x + b: each row of M (%1 × %2) is the kernel placed at one output's window; "
                   "zeros elsewhere")
                   .arg(m.matRows)
                   .arg(m.matCols);
}

/// Cell size of the matrix in availW × availH, and the windows of rows and columns drawn: every
/// one when cells of matrixMinCell fit, else rows around the active row and columns around the
/// inputs it uses, with room (vmark, hmark) for the "⋮" / "…" markers.
struct MatrixFit {
  double cs = 0, vmark = 0, hmark = 0;
  ColWindow rw, cwn;
};

MatrixFit fitMatrix(const SceneModel& m, int activeRow, double availW, double availH, double u) {
  const SceneMetrics& M = kSceneMetrics;
  MatrixFit fit;
  double& cs = fit.cs;
  cs = std::min({M.matrixMaxCell * u, availW / (m.matCols + 2.5), availH / (m.matRows + 1.6)});
  fit.rw = windowAround(m.matRows, 0, 0, m.matRows), fit.cwn = windowAround(m.matCols, 0, 0, m.matCols);
  if (cs < M.matrixMinCell * u) {
    cs = std::min(M.matrixWindowCell * u, availH / 12);
    int c0 = m.matCols, c1 = 0;
    for (int c = 0; c < m.matCols; ++c)
      if (m.matrix[size_t(int64_t(activeRow) * m.matCols + c)] != 0.0)
        c0 = std::min(c0, c), c1 = std::max(c1, c);
    if (c0 > c1) c0 = c1 = 0;
    fit.rw = windowAround(m.matRows, activeRow, activeRow, std::max(3, int(availH / cs - 1.6 - 1.6)));
    fit.cwn = windowAround(m.matCols, c0, c1, std::max(3, int(availW / cs - 2.5 - 1.6)));
    fit.vmark = fit.rw.windowed() ? 0.8 * cs : 0.0;
    fit.hmark = fit.cwn.windowed() ? 0.8 * cs : 0.0;
  }
  cs = std::max(cs, 2.0);
  return fit;
}

/// The title of xᵀ over the columns from x0 (it moves left to fit the frame), naming the rows and
/// columns shown when the matrix is windowed.
void addInputTitle(SceneFrame& f, const SceneModel& m, const MatrixFit& fit, double x0, double y,
                   double titleH) {
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const ColWindow &rw = fit.rw, &cwn = fit.cwn;
  QString shown;
  if (rw.windowed() || cwn.windowed())
    shown = QString("  ·  showing rows %1–%2, columns %3–%4")
                .arg(rw.first)
                .arg(rw.first + rw.count - 1)
                .arg(cwn.first)
                .arg(cwn.first + cwn.count - 1);
  const QString xTitle =
      QString("xᵀ  (input %1 flattened, %2 entries)").arg(shapeText(m.layerInput())).arg(m.matCols) + shown;
  const double tx =
      std::max(pad, std::min(x0 - fit.hmark, f.size.width() - pad - textWidth(xTitle, TextRole::Label, u) -
                                                 M.titleTextPad * u));
  addText(f, QRectF(tx, y, f.size.width() - tx - pad, titleH), xTitle, TextRole::Label);
}

/// The hovered matrix row and column (-1: none): a matrix cell gives both, an entry of y its row,
/// an entry of x its column.
std::pair<int, int> hoveredRowCol(const SceneRequest& r) {
  int hRow = -1, hCol = -1;
  if (r.hover) {
    if (r.hover->region == R::Matrix) hRow = r.hover->row, hCol = r.hover->pos[0];
    if (r.hover->region == R::VectorOut) hRow = r.hover->pos[0];
    if (r.hover->region == R::VectorIn) hCol = r.hover->pos[0];
  }
  return {hRow, hCol};
}

}  // namespace

void buildMatrixFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const engine::Layer& l = m.layer();
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step;
  const QString name = m.transposed ? "Mᵀ" : "M";
  double y = addHeader(f, m, T, matrixWhat(m, T));
  const double footerTop =
      addFormulaFooter(f, m,
                       QString("rows: output index o·%1 + m   ·   columns: input index c·%2 + t")
                           .arg(m.matRows / std::max(1, l.outChannels))
                           .arg(m.matCols / std::max(1, l.inChannels)));
  if (m.matrix.empty()) {
    addText(f, QRectF(pad, y, f.size.width() - 2 * pad, footerTop - y),
            QString("The matrix is %1 × %2 — too large to draw.").arg(m.matRows).arg(m.matCols),
            TextRole::Message, Qt::AlignCenter);
    return;
  }
  const double titleH = fontPx(TextRole::Label, u) * 1.7;
  const double availW = f.size.width() - 2 * pad - M.matrixSideRoom * u,
               availH = footerTop - M.footerGap * u - y - 2 * titleH;
  const int perOut = m.matRows / std::max(1, l.outChannels);
  std::vector<int> activeRows;
  for (int o = 0; o < l.outChannels; ++o) activeRows.push_back(o * perOut + T);
  const MatrixFit fit = fitMatrix(m, activeRows.front(), availW, availH, u);
  const double cs = fit.cs, vmark = fit.vmark, hmark = fit.hmark;
  const ColWindow rw = fit.rw, cwn = fit.cwn;
  const int nr = rw.count, nc = cwn.count;
  y += std::max(0.0, (availH - (nr + 1.6) * cs - 2 * vmark) / 2);  // centred vertically
  const int dec = decimalsFor(cs, u);
  const double x0 =
      pad + M.matrixNameColumn * u + hmark + std::max(0.0, (availW - (nc + 2.5) * cs - 2 * hmark) / 2);
  auto cx = [&](int c) { return x0 + (c - cwn.first) * cs; };
  auto ry = [&](double top, int row) { return top + (row - rw.first) * cs; };
  auto isActive = [&](int row) {
    return std::find(activeRows.begin(), activeRows.end(), row) != activeRows.end();
  };
  const std::pair<int, int> hovered = hoveredRowCol(r);
  const int hRow = hovered.first, hCol = hovered.second;
  // xᵀ above the columns
  addInputTitle(f, m, fit, x0, y, titleH);
  y += titleH;
  ScenePanel xp = valuePanel(m.absInput, dec);
  xp.borders = cs >= M.matrixBordersMin * u;
  for (int c = cwn.first; c < cwn.first + nc; ++c) {
    SceneCell cell;
    cell.rect = QRectF(cx(c), y, cs, cs);
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
  if (cwn.before()) addEllipsis(f, QRectF(x0 - hmark, y, hmark, cs));
  if (cwn.after()) addEllipsis(f, QRectF(cx(cwn.first + nc), y, hmark, cs));
  y += cs + 0.6 * cs + vmark;
  const double mtop = y;
  // the matrix
  addText(f, QRectF(pad, y, x0 - hmark - pad - M.titleTextPad * u, nr * cs), name, TextRole::Title,
          int(Qt::AlignRight | Qt::AlignVCenter));
  ScenePanel mp = valuePanel(std::max(1e-12, m.absKernel), dec);
  mp.borders = cs >= M.matrixBordersMin * u;
  for (int row = rw.first; row < rw.first + nr; ++row)
    for (int c = cwn.first; c < cwn.first + nc; ++c) {
      const double v = m.matrix[size_t(int64_t(row) * m.matCols + c)];
      SceneCell cell;
      cell.rect = QRectF(cx(c), ry(mtop, row), cs, cs);
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
    if (rw.contains(row))
      f.boxes.push_back({QRectF(x0 - M.matrixRowBoxPadX * u, ry(mtop, row) - M.matrixRowBoxPadY * u,
                                nc * cs + 2 * M.matrixRowBoxPadX * u, cs + 2 * M.matrixRowBoxPadY * u),
                         BoxKind::Window, QString()});
  const QString vdots(QChar(0x22EE));
  auto rowMarks = [&](double x, double w) {
    if (rw.before())
      f.texts.push_back(
          {QRectF(x, mtop - vmark, w, vmark), vdots, TextRole::Label, int(Qt::AlignCenter), kMinTextPx + 4});
    if (rw.after())
      f.texts.push_back({QRectF(x, mtop + nr * cs, w, vmark), vdots, TextRole::Label, int(Qt::AlignCenter),
                         kMinTextPx + 4});
  };
  rowMarks(x0, nc * cs);
  if (cwn.before()) addEllipsis(f, QRectF(x0 - hmark, mtop, hmark, nr * cs));
  if (cwn.after()) addEllipsis(f, QRectF(cx(cwn.first + nc), mtop, hmark, nr * cs));
  // y beside the rows
  const double yx = x0 + (nc + 1.5) * cs + hmark;
  rowMarks(yx, cs);
  const QString yTitle = QString("y %1").arg(shapeText(m.layerOutput()));
  const double yw = textWidth(yTitle, TextRole::Label, u) + M.titleTextPad * u;
  addText(f,
          QRectF(std::min(yx - M.matrixYTitleShift * u, f.size.width() - pad - yw), y - titleH - vmark, yw,
                 titleH),
          yTitle, TextRole::Label);
  ScenePanel yp = valuePanel(m.absOutput, dec);
  yp.borders = cs >= M.matrixBordersMin * u;
  for (int row = rw.first; row < rw.first + nr; ++row) {
    SceneCell cell;
    cell.rect = QRectF(yx, ry(mtop, row), cs, cs);
    cell.value = m.layerOutput().data[size_t(row)];
    cell.target = {R::VectorOut, 0, 0, {row, 0}};
    if (isActive(row)) cell.marks |= MarkActive;
    if (row == hRow) cell.marks |= MarkHovered;
    if (hCol >= 0 && m.matrix[size_t(int64_t(row) * m.matCols + hCol)] != 0.0) cell.marks |= MarkRelated;
    yp.cells.push_back(cell);
  }
  f.panels.push_back(std::move(yp));
  addText(f, QRectF(x0 + nc * cs + hmark, mtop, 1.5 * cs, nr * cs), "=", TextRole::Subtitle, Qt::AlignCenter);
}

}  // namespace convscope::widgets
