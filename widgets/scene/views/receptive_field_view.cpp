// Receptive-field view: output position T of the layer, back-projected through the stack onto every
// earlier tensor (engine::receptiveField). Cells in the field show their path counts; the field's
// hull is joined row to row, so the cone of dependence is visible; the closed form is printed below.
#include <algorithm>
#include <unordered_map>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

/// The footer's line: the field on the input, its closed form when one applies, padding touched.
QString fieldSummary(const engine::ReceptiveField& f0, bool two) {
  const auto& cf = f0.closedForm;
  QString closed = QString("field on the input: positions %1 … %2 (%3 cells)")
                       .arg(f0.hull[0][0])
                       .arg(f0.hull[0][1])
                       .arg(f0.hull[0][1] - f0.hull[0][0] + 1);
  if (two) closed += QString(" × %1 … %2").arg(f0.hull[1][0]).arg(f0.hull[1][1]);
  if (cf.applies)
    closed += QString("   ·   closed form: stride %1, span %2, padding %3")
                  .arg(engine::rationalString(cf.stride[0]).c_str())
                  .arg(engine::rationalString(cf.span[0]).c_str())
                  .arg(engine::rationalString(cf.padding[0]).c_str());
  if (f0.touchesPadding) closed += "   ·   touches padding";
  return closed;
}

}  // namespace

void buildReceptiveFieldFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int T = r.step, J = m.layerIndex;
  const engine::Tensor& yJ = m.layerOutput();
  const bool two = yJ.rank() >= 4;
  const engine::Pos P = two ? engine::Pos{T / int(yJ.dim(3)), T % int(yJ.dim(3))} : engine::Pos{T, 0};
  std::vector<engine::ReceptiveField> fields;
  if (T < int(m.fields.size()))
    fields = m.fields[size_t(T)];
  else
    fields = engine::receptiveFields(m.stack().layers, J, P);
  const engine::ReceptiveField& f0 = fields.front();
  const QString closed = fieldSummary(f0, two);
  double y = addHeader(f, m, T,
                       QString("What output %1 of layer %2 depends on, tensor by tensor (numbers: how many "
                               "tap paths reach a cell)")
                           .arg(two ? QString("(%1, %2)").arg(P[0]).arg(P[1]) : QString::number(P[0]))
                           .arg(J));
  const double footerTop = addFormulaFooter(f, m, closed);
  const int nRows = J + 2;  // input, layers 0..J
  const double labelW = M.tensorLabelWidth * u, availW = f.size.width() - 2 * pad - labelW;
  const double band = (footerTop - M.footerGap * u - y) / nRows;
  int maxLen = 1;
  for (int row = -1; row <= J; ++row) maxLen = std::max(maxLen, int(m.tensorRow(row).dim(two ? 3 : 2)));
  std::vector<QRectF> hullRects;
  for (int row = -1; row <= J; ++row) {
    const engine::Tensor& t = m.tensorRow(row);
    const double by = y + (row + 1) * band;
    const int L0 = two ? int(t.dim(2)) : 1, L1 = int(t.dim(two ? 3 : 2));
    // 1-D: cells of one width across rows while every row fits, else at least 14 px (path counts stay
    // readable) with a window around the field; 2-D: square cells that fit the band.
    const double minCell1 = M.fieldMinCell * u,
                 maxCell1 = std::min(M.fieldMaxCell * u, std::max(minCell1, availW / maxLen));
    // path counts of the field's points only (row-major index → paths); the tensor is never made dense
    std::unordered_map<int64_t, int64_t> paths;
    if (row < J)
      for (const auto& pt : fields[size_t(row + 1)].points)
        paths[two ? int64_t(pt.position[0]) * L1 + pt.position[1] : int64_t(pt.position[0])] = pt.paths;
    else
      paths[two ? int64_t(P[0]) * L1 + P[1] : int64_t(P[0])] = 1;
    auto pathsAt = [&](int i, int j) {
      const auto it = paths.find(int64_t(i) * L1 + j);
      return it == paths.end() ? int64_t(-1) : it->second;
    };
    int lo = L1, hi = -1, rlo = L0, rhi = -1;  // the field's columns and rows: kept in view when windowed
    for (const auto& [q, pv] : paths)
      if (pv > 0) {
        const int i = int(q / L1), j = int(q % L1);
        lo = std::min(lo, j), hi = std::max(hi, j), rlo = std::min(rlo, i), rhi = std::max(rhi, i);
      }
    if (hi < 0) lo = hi = rlo = rhi = 0;
    // A longer row (2-D: a taller image) shows a window around its field with "…" markers.
    ColWindow win, rwin;
    double ch = 0;
    if (two)  // square cells: rows fit the band (at least 2 px, else windowed), columns follow
      ch = fitColumns(band * 0.62, L0, rlo, rhi, 2.0,
                      std::min(M.fieldMaxCell * u, std::max(2.0, availW / maxLen)), rwin);
    else
      ch = std::max(1.5, std::min({band * 0.62, M.fieldMaxRow * u, maxCell1})), rwin = ColWindow{0, 1, 1};
    const double cw = two ? fitColumns(availW, L1, lo, hi, ch, ch, win)
                          : fitColumns(availW, L1, lo, hi, minCell1, maxCell1, win);
    const double mark = win.windowed() ? 0.8 * cw : 0.0;  // fitColumns keeps 1.6 cells for the two markers
    const double x0 =
        pad + labelW + std::max(0.0, (availW - win.count * cw - 2 * mark) / 2) + (win.before() ? mark : 0.0);
    addText(f,
            QRectF(x0 - (win.before() ? mark : 0.0) - labelW, by, labelW - M.tensorLabelGap * u, band * 0.8),
            QString("%1\n%2").arg(tensorName(m, row), shapeText(t)), TextRole::Small,
            int(Qt::AlignRight | Qt::AlignVCenter));
    const double rmark = rwin.windowed() ? 0.8 * ch : 0.0;
    const double cy =
        by + (band * 0.8 - rwin.count * ch) / 2 + (rwin.before() ? rmark : 0.0) - rwin.first * ch;
    const double stripY = cy + rwin.first * ch, stripH = rwin.count * ch;
    if (win.before()) addEllipsis(f, QRectF(x0 - mark, stripY, mark, stripH));
    if (win.after()) addEllipsis(f, QRectF(x0 + win.count * cw, stripY, mark, stripH));
    if (rwin.before()) addEllipsis(f, QRectF(x0, stripY - rmark, win.count * cw, rmark));
    if (rwin.after()) addEllipsis(f, QRectF(x0, stripY + stripH, win.count * cw, rmark));
    int64_t pmax = 1;
    for (const auto& [q, pv] : paths) pmax = std::max(pmax, pv);
    ScenePanel p;
    p.countMax = double(pmax);
    p.absMax = row + 1 < int(m.absRow.size()) ? m.absRow[size_t(row + 1)] : 1;
    p.showValues = cw >= M.fieldValuesMinW * u && ch >= M.fieldValuesMinH * u;
    p.borders = cw >= M.bordersMinCell * u;
    QRectF hull;
    for (int i = rwin.first; i < rwin.first + rwin.count; ++i)
      for (int j = win.first; j < win.first + win.count; ++j) {
        const int64_t pv = pathsAt(i, j);
        SceneCell cell;
        cell.rect = QRectF(x0 + (j - win.first) * cw, cy + i * ch, cw, ch);
        cell.target = {R::Tensor, row, 0, two ? engine::Pos{i, j} : engine::Pos{j, 0}};
        if (pv > 0) {
          cell.style = CellStyle::Count;
          cell.value = double(pv);
          hull = hull.isNull() ? cell.rect : hull.united(cell.rect);
          if (row == J) cell.marks |= MarkActive, cell.text = "●";
        } else {
          cell.style = CellStyle::Blank;
        }
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    f.panels.push_back(std::move(p));
    hullRects.push_back(hull);
    if (!hull.isNull())
      f.boxes.push_back({hull.adjusted(-M.hullBoxMargin * u, -M.hullBoxMargin * u, M.hullBoxMargin * u,
                                       M.hullBoxMargin * u),
                         row == J ? BoxKind::Window : BoxKind::Kernel, QString()});
  }
  for (size_t i = 0; i + 1 < hullRects.size(); ++i) {  // the cone
    const QRectF a = hullRects[i], b = hullRects[i + 1];
    if (a.isNull() || b.isNull()) continue;
    f.lines.push_back({QPointF(a.left(), a.bottom() + M.lineCellGap * u),
                       QPointF(b.left(), b.top() - M.lineCellGap * u), LineKind::Related});
    f.lines.push_back({QPointF(a.right(), a.bottom() + M.lineCellGap * u),
                       QPointF(b.right(), b.top() - M.lineCellGap * u), LineKind::Related});
  }
}

}  // namespace convscope::widgets
