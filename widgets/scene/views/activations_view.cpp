// Activations view: every tensor of the stack (input, then each layer's output) as a heatmap strip,
// channels × time (2-D: one image per channel, H down and W across, side by side and in lines as the
// band allows), each tensor with its own diverging scale. Hovering a cell marks what it depends on
// (earlier rows) and what depends on it (later rows), per spatial axis.
#include <algorithm>
#include <cmath>
#include <set>

#include "widgets/scene/scene_frame.h"
#include "widgets/scene/scene_metrics.h"

namespace convscope::widgets {

using R = HoverTarget::Region;

namespace {

using AxisSets = std::array<std::set<int>, 2>;

/// Per-tensor-row position sets related to (row, pos): index row + 1.
std::vector<AxisSets> relatedSets(const SceneModel& m, int row, const engine::Pos& pos) {
  const auto& layers = m.stack().layers;
  const int n = int(m.snapshot->outputs.size());
  const int dims = m.stack().dims;
  std::vector<AxisSets> sets(size_t(n + 1));
  sets[size_t(row + 1)] = {std::set<int>{pos[0]}, std::set<int>{pos[1]}};
  for (int l = row; l >= 0; --l)  // back: layer l maps row l-1 → row l
    for (int a = 0; a < dims; ++a)
      for (int mo : sets[size_t(l + 1)][size_t(a)])
        for (int s : layerSources(layers[size_t(l)], a, mo)) sets[size_t(l)][size_t(a)].insert(s);
  for (int l = row + 1; l < n; ++l)  // forward
    for (int a = 0; a < dims; ++a)
      for (int mo = 0; mo < layers[size_t(l)].ax[size_t(a)].out; ++mo)
        for (int s : layerSources(layers[size_t(l)], a, mo))
          if (sets[size_t(l)][size_t(a)].count(s)) {
            sets[size_t(l + 1)][size_t(a)].insert(mo);
            break;
          }
  if (dims == 1)
    for (auto& s : sets) s[1] = {0};
  return sets;
}

/// Band of one tensor row: its cells go in [x, x + w] × [y, y + h].
struct Band {
  double x, y, w, h;
};

/// Lays out the C channel images (L0 × L1 each) of a 2-D tensor in `b`: `perLine` images per line,
/// cells of side cs as large as fit (at most maxCell), a gap of `gap` between images, as many channels
/// as fit with cells of at least kMinImageCell (the first `shown` ones).
struct ImageGrid {
  int perLine = 1, lines = 1, shown = 1;
  double cs = 1;
};
ImageGrid imageGrid(int C, int L0, int L1, const Band& b, double gap, double labelH, double maxCell) {
  constexpr double kMinImageCell = 2.0;
  ImageGrid best;
  best.cs = -1;
  for (int shown = C; shown >= 1; shown = shown > 8 ? shown / 2 : shown - 1) {
    for (int per = 1; per <= shown; ++per) {
      const int lines = (shown + per - 1) / per;
      const double cs = std::min({maxCell, (b.w - (per - 1) * gap) / (double(per) * L1),
                                  (b.h - lines * labelH - (lines - 1) * gap) / (double(lines) * L0)});
      if (cs > best.cs) best = {per, lines, shown, cs};
    }
    if (best.cs >= kMinImageCell) return best;
  }
  best.cs = std::max(best.cs, 0.5);
  return best;
}

/// One 2-D tensor row: each shown channel an image (binned when its cells would be under 2 px).
void addImageRow(SceneFrame& f, const SceneRequest& r, int row, const Band& b, const AxisSets* rs) {
  const SceneModel& m = *r.model;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit;
  const engine::Tensor& t = m.tensorRow(row);
  const int C = int(t.dim(1)), L0 = int(t.dim(2)), L1 = int(t.dim(3));
  const double gap = 10 * u, labelH = C > 1 ? fontPx(TextRole::Small, u) * 1.3 : 0.0;
  const ImageGrid g = imageGrid(C, L0, L1, b, gap, labelH, M.activationsMaxCell * u);
  const int bin = std::max(1, int(std::ceil(2.0 / g.cs)));  // square bins: a drawn cell ≥ 2 px
  const int rowsDrawn = (L0 + bin - 1) / bin, cols = (L1 + bin - 1) / bin;
  const double cs = g.cs * bin;
  const double imgW = cols * cs, imgH = rowsDrawn * cs;
  const double totalW = g.perLine * imgW + (g.perLine - 1) * gap;
  const double totalH = g.lines * (imgH + labelH) + (g.lines - 1) * gap;
  const double x0 = b.x + std::max(0.0, (b.w - totalW) / 2), y0 = b.y + std::max(0.0, (b.h - totalH) / 2);
  ScenePanel p;
  p.absMax = row + 1 < int(m.absRow.size()) ? m.absRow[size_t(row + 1)] : 1;
  p.decimals = bin > 1 ? -1 : decimalsFor(cs, u);
  p.showValues = p.decimals >= 0 && cs >= M.valuesMinRow * u;
  p.borders = cs >= M.bordersMinCell * u;
  QRectF all;
  for (int c = 0; c < g.shown; ++c) {
    const double ix = x0 + (c % g.perLine) * (imgW + gap), iy = y0 + (c / g.perLine) * (imgH + labelH + gap);
    if (C > 1)
      f.texts.push_back({QRectF(ix, iy, imgW, labelH), QString("c%1").arg(c), TextRole::Small,
                         int(Qt::AlignLeft | Qt::AlignVCenter)});
    const float* plane = t.data.data() + int64_t(c) * L0 * L1;
    for (int bi = 0; bi < rowsDrawn; ++bi)
      for (int bj = 0; bj < cols; ++bj) {
        int pi = bi * bin, pj = bj * bin;
        float best = -1.0f, v = 0.0f;
        bool related = false;
        for (int i = bi * bin; i < std::min(L0, (bi + 1) * bin); ++i)
          for (int j = bj * bin; j < std::min(L1, (bj + 1) * bin); ++j) {
            const float a = plane[int64_t(i) * L1 + j];
            if (std::fabs(a) > best) best = std::fabs(a), v = a, pi = i, pj = j;
            if (rs && !related) related = rs->at(0).count(i) && rs->at(1).count(j);
          }
        SceneCell cell;
        cell.rect = QRectF(ix + bj * cs, iy + labelH + bi * cs, cs, cs);
        cell.value = v;
        cell.target = {R::Tensor, row, c, engine::Pos{pi, pj}};
        if (related) cell.marks |= MarkRelated;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    const QRectF img(ix, iy + labelH, imgW, imgH);
    all = all.isNull() ? img : all.united(img);
  }
  f.panels.push_back(std::move(p));
  if (row == m.layerIndex && m.view == View::Activations)
    f.boxes.push_back({all.adjusted(-M.rowBoxMargin * u, -M.rowBoxMargin * u - labelH, M.rowBoxMargin * u,
                                    M.rowBoxMargin * u),
                       BoxKind::Kernel, QString()});
}

}  // namespace

void buildActivationsFrame(SceneFrame& f, const SceneRequest& r) {
  const SceneModel& m = *r.model;
  const SceneMetrics& M = kSceneMetrics;
  const double u = f.unit, pad = M.framePad * u;
  const int n = int(m.snapshot->outputs.size());
  double y = addHeader(
      f, m, 0,
      m.stack().dims == 2
          ? QString("Every layer's output at once: one row per tensor, each channel an image (H down, W "
                    "across; each row its own colour scale)")
          : QString("Every layer's output at once: rows are channels, columns are positions (each row its "
                    "own colour scale)"));
  const double footerTop = f.size.height() - M.footerGap * u;
  const int rows = n + 1;
  const double labelW = M.tensorLabelWidth * u, availW = f.size.width() - 2 * pad - labelW;
  const double band = (footerTop - y) / rows;
  std::vector<AxisSets> rel;
  if (r.hover && r.hover->region == R::Tensor && r.hover->row >= -1 && r.hover->row < n) {
    // A hover from another snapshot (stale after an edit) may name a position this one lacks.
    const engine::Tensor& ht = m.tensorRow(r.hover->row);
    const bool two = ht.rank() >= 4;
    const int64_t L0 = two ? ht.dim(2) : 1, L1 = ht.dim(two ? 3 : 2);
    const int p0 = two ? r.hover->pos[0] : 0, p1 = two ? r.hover->pos[1] : r.hover->pos[0];
    if (p0 >= 0 && p0 < L0 && p1 >= 0 && p1 < L1) rel = relatedSets(m, r.hover->row, r.hover->pos);
  }
  for (int row = -1; row < n; ++row) {
    const engine::Tensor& t = m.tensorRow(row);
    const bool two = t.rank() >= 4;
    const int C = int(t.dim(1)), L0 = two ? int(t.dim(2)) : 1, L1 = int(t.dim(two ? 3 : 2));
    const double by = y + (row + 1) * band;
    QString label = QString("%1\n%2").arg(tensorName(m, row), shapeText(t));
    if (two) {
      const Band b{pad + labelW, by, availW, band * 0.9};
      const ImageGrid g = imageGrid(C, L0, L1, b, 10 * u, C > 1 ? fontPx(TextRole::Small, u) * 1.3 : 0.0,
                                    M.activationsMaxCell * u);
      if (g.shown < C) label += QString("\nchannels 0–%1 of %2").arg(g.shown - 1).arg(C);
      addText(f, QRectF(pad, by, labelW - M.tensorLabelGap * u, band * 0.9), label, TextRole::Small,
              int(Qt::AlignRight | Qt::AlignVCenter));
      addImageRow(f, r, row, b, rel.empty() ? nullptr : &rel[size_t(row + 1)]);
      continue;
    }
    const int gridRows = two ? L0 : C;
    // Columns (and rows) that would be thinner than kMinCell are binned: a drawn cell stands for a
    // run of positions (channels) and shows the one of largest |value| there (its sign kept, its
    // position the hover target), so peaks stay visible and a frame never holds more cells than
    // fit (a 64 × 16000 tensor is drawn as about 350 × 26 cells, not 1 M).
    const double kMinCell = 2.0;
    const double rowSpace = band * 0.86;
    int binJ = std::max(1, int(std::ceil(L1 * kMinCell / std::max(availW, kMinCell))));
    int binI = std::max(1, int(std::ceil(gridRows * kMinCell / std::max(rowSpace, kMinCell))));
    if (two) binI = binJ = std::max(binI, binJ);  // square bins keep the image's aspect
    const int cols = (L1 + binJ - 1) / binJ, rowsDrawn = (gridRows + binI - 1) / binI;
    double cw = std::max(kMinCell, std::min(M.activationsMaxCell * u, availW / cols));
    const double ch =
        std::max(kMinCell * 0.5, std::min(two ? cw : M.activationsMaxRow * u, rowSpace / rowsDrawn));
    if (two) cw = std::min(cw, ch), cw = std::max(cw, kMinCell * 0.5);
    const double chDrawn = two ? cw : ch;
    const double x0 = pad + labelW + std::max(0.0, (availW - cols * cw) / 2);
    addText(f, QRectF(x0 - labelW, by, labelW - M.tensorLabelGap * u, band * 0.9), label, TextRole::Small,
            int(Qt::AlignRight | Qt::AlignVCenter));
    const double cy = by + (band * 0.9 - rowsDrawn * chDrawn) / 2;
    ScenePanel p;
    p.absMax = row + 1 < int(m.absRow.size()) ? m.absRow[size_t(row + 1)] : 1;
    const bool binned = binI > 1 || binJ > 1;
    const int dec = binned ? -1 : decimalsFor(cw, u);
    p.decimals = dec;
    p.showValues = dec >= 0 && chDrawn >= M.valuesMinRow * u;
    p.borders = cw >= M.bordersMinCell * u && chDrawn >= M.bordersMinCell * u;
    const AxisSets* rs = rel.empty() ? nullptr : &rel[size_t(row + 1)];
    p.cells.reserve(size_t(rowsDrawn) * cols);
    for (int bi = 0; bi < rowsDrawn; ++bi)
      for (int bj = 0; bj < cols; ++bj) {
        // the peak of the bin [bi·binI, +binI) × [bj·binJ, +binJ)
        int pi = bi * binI, pj = bj * binJ;
        float best = -1.0f, v = 0.0f;
        bool related = false;
        for (int i = bi * binI; i < std::min(gridRows, (bi + 1) * binI); ++i) {
          const int c = two ? 0 : i;
          const float* line = t.data.data() + (int64_t(c) * L0 + (two ? i : 0)) * L1;
          for (int j = bj * binJ; j < std::min(L1, (bj + 1) * binJ); ++j) {
            if (std::fabs(line[j]) > best) best = std::fabs(line[j]), v = line[j], pi = i, pj = j;
            if (rs && !related) {
              const engine::Pos q = two ? engine::Pos{i, j} : engine::Pos{j, 0};
              related = rs->at(0).count(q[0]) && rs->at(1).count(q[1]);
            }
          }
        }
        SceneCell cell;
        cell.rect = QRectF(x0 + bj * cw, cy + bi * chDrawn, cw, chDrawn);
        cell.value = v;
        cell.target = {R::Tensor, row, two ? 0 : pi, two ? engine::Pos{pi, pj} : engine::Pos{pj, 0}};
        if (related) cell.marks |= MarkRelated;
        if (r.hover && cell.target == *r.hover) cell.marks |= MarkHovered;
        p.cells.push_back(cell);
      }
    f.panels.push_back(std::move(p));
    if (m.layerIndex == row && m.view != View::Activations) continue;
    if (row == m.layerIndex)
      f.boxes.push_back(
          {QRectF(x0 - M.rowBoxMargin * u, cy - M.rowBoxMargin * u, cols * cw + 2 * M.rowBoxMargin * u,
                  rowsDrawn * chDrawn + 2 * M.rowBoxMargin * u),
           BoxKind::Kernel, QString()});
  }
}

}  // namespace convscope::widgets
