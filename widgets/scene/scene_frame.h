// SceneFrame: the display list of one frame — cells, lines, outlines and text placed in frame
// coordinates by a view builder (scene_<view>.cpp) and drawn by drawSceneFrame. Hit-testing walks
// the same list, so what you point at is exactly what was drawn.
#pragma once
#include <QRectF>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

#include "widgets/scene/scene_renderer.h"

namespace convscope::widgets {

enum class CellStyle : uint8_t { Value, Padding, InsertedZero, Cropped, Pending, Tail, Count, Blank };
enum CellMark : uint8_t { MarkActive = 1, MarkRelated = 2, MarkHovered = 4, MarkDim = 8 };

struct SceneCell {
  QRectF rect;
  CellStyle style = CellStyle::Value;
  double value = 0;
  bool hasValue = true;  // false: draw no number (pending, zero padding)
  QString text;          // overrides the printed number
  uint8_t marks = 0;
  HoverTarget target;
};

struct ScenePanel {
  double absMax = 1;       // diverging scale (Value / Tail / Cropped cells)
  double countMax = 1;     // sequential scale (Count cells)
  bool showValues = true;  // print numbers in cells
  bool borders = true;     // cell borders (off for dense heatmaps)
  int decimals = 2;
  std::vector<SceneCell> cells;
};

/// A panel of value cells on a diverging scale of ±absMax, numbers printed with `decimals`
/// (none when decimals < 0).
inline ScenePanel valuePanel(double absMax, int decimals) {
  ScenePanel p;
  p.absMax = absMax;
  p.decimals = decimals;
  p.showValues = decimals >= 0;
  return p;
}

enum class LineKind { Link, Related, Faint, Kernel };
struct SceneLine {
  QPointF a, b;
  LineKind kind = LineKind::Link;
};

enum class BoxKind { Window, Kernel, Bracket, Crop, Frame };
struct SceneBox {
  QRectF rect;
  BoxKind kind = BoxKind::Window;
  QString label;
};

enum class TextRole { Title, Subtitle, Label, Small, Formula, Equation, Message };
struct SceneText {
  QRectF rect;
  QString text;
  TextRole role = TextRole::Label;
  int flags = 0;  // Qt::AlignmentFlag | Qt::TextFlag; 0 → left, vcenter
  double px = 0;  // font pixel size; 0 → the role's size at the frame's unit
};

struct SceneFrame {
  Theme theme = Theme::Light;
  QSizeF size;
  double unit = 1;          // scale of fonts and strokes (1 at 960×600)
  bool showTitle = true;    // addHeader draws the title line (SceneRequest::showHeader)
  bool showCaption = true;  // addHeader draws the explanation, addFormulaFooter its lines
  std::vector<ScenePanel> panels;
  std::vector<SceneLine> lines;
  std::vector<SceneBox> boxes;
  std::vector<SceneText> texts;
};

/// Font pixel size of a role at unit u.
double fontPx(TextRole role, double u);
/// Width of `text` in `role`'s font at unit u (for layout).
double textWidth(const QString& text, TextRole role, double u);
/// Number formatting used in cells and tooltips.
QString formatValue(double v, int decimals = 2);
/// Decimals that fit a cell of width w at unit u (-1: nothing fits).
int decimalsFor(double cellWidth, double u);

/// Smallest font of any text drawn (labels, row names, box labels) in logical pixels.
constexpr double kMinTextPx = 11.0;

/// A window of `count` consecutive columns out of `total`, shown when they do not all fit: the
/// cells outside are not drawn and "…" markers stand for them.
struct ColWindow {
  int first = 0, count = 0, total = 0;
  bool before() const { return first > 0; }
  bool after() const { return first + count < total; }
  bool windowed() const { return before() || after(); }
  bool contains(int i) const { return i >= first && i < first + count; }
};
/// All `total` columns when they fit in `capacity`, else `capacity` columns centred on [lo, hi].
ColWindow windowAround(int total, int lo, int hi, int capacity);
/// Lays out `total` columns in `avail` pixels: cells of avail/total (at most maxCell) when that is at
/// least minCell; otherwise cells of minCell and a window of the columns that fit around [lo, hi]
/// (room for the "…" markers kept). Returns the cell width.
double fitColumns(double avail, int total, int lo, int hi, double minCell, double maxCell, ColWindow& window);

/// A grid panel (rows × cols, each axis possibly windowed) placed at a point: "…"/"⋮" markers stand
/// for the rows and columns not shown. A `flip`ped grid is an R × 1 grid (a singleton W axis) drawn as
/// a row: logical cell (i, 0) sits in visual column i, so its cells can be as large as a 1-D strip's.
/// cell() and contains() take logical (row, column); x() and y() take visual column and row indices.
struct GridPlace {
  ColWindow rows, cols;
  double cs = 1;     // cell size (square cells)
  double mark = 0;   // room for a marker on each windowed side
  double vmark = 0;  // room above/below (same for all panels of a frame so rows line up)
  QPointF at;        // top-left of the panel box
  bool flip = false;
  const ColWindow& visCols() const { return flip ? rows : cols; }
  const ColWindow& visRows() const { return flip ? cols : rows; }
  double width() const { return visCols().count * cs + (visCols().windowed() ? 2 * mark : 0.0); }
  double height() const { return visRows().count * cs + 2 * vmark; }
  double x(int j) const { return at.x() + (visCols().windowed() ? mark : 0.0) + (j - visCols().first) * cs; }
  double y(int i) const { return at.y() + vmark + (i - visRows().first) * cs; }
  QRectF cell(int i, int j) const { return flip ? QRectF(x(i), y(j), cs, cs) : QRectF(x(j), y(i), cs, cs); }
  bool contains(int i, int j) const { return rows.contains(i) && cols.contains(j); }
  /// Adds the markers of this panel to f.
  void addMarkers(SceneFrame& f) const;
};

/// A grid's title `s`, wrapped to its width plus the markers' room (cs: cell size; at least
/// SceneMetrics::gridTitleMinW), above it; a flipped grid's title says so ("W = 1, drawn as a row").
void gridTitle(SceneFrame& f, const GridPlace& p, double cs, const QString& s);
/// " · rows 0–7, cols 0–7" when the grid shows a window of its cells, else "".
QString gridShownNote(const GridPlace& p);

/// A grid to lay out side by side: rows × cols, keeping rows r0..r1 and columns c0..c1 visible when
/// windowed; `fixed` grids (kernels) are always drawn whole.
struct GridSpec {
  int rows = 1, cols = 1;
  int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  bool fixed = false;
};
/// Places grids side by side, `gapCells` cells apart, centred in `area` with square cells of at most
/// maxCell; when that makes cells smaller than minCell, cells of winCell and windows around the
/// wanted ranges instead.
/// Flat grids (a singleton axis) are stacked top to bottom instead when that makes the cells larger;
/// `titleH` is the room each title then needs above its grid (the first one's is above `area`).
/// When every grid has one column (W = 1: a 1-D signal in a 2-D layer), the grids are flipped
/// (GridPlace::flip) and stacked as rows, each as readable as a 1-D strip.
std::vector<GridPlace> layoutGrids(const std::vector<GridSpec>& specs, QRectF area, double gapCells,
                                   double maxCell, double minCell, double winCell, double titleH = 0);

/// Font size of a strip title over cells of height `cell`: grows with the cells (from the Label
/// size), limited by `maxGrow` extra pixels of line height per title.
double stripTitlePx(double cell, double u, double maxGrow);
/// Adds a one-line title at (x, y), at most `px` but small enough to fit `width`.
void addTitle(SceneFrame& f, double x, double y, double width, double h, const QString& text, double px);

/// Font pixel size of row labels and other small text next to cells of height `cell`.
double cellLabelPx(double cell, double u);
/// Adds text wrapped to `width` starting at (x, y) in at most `maxLines` lines (the font shrinks, down
/// to kMinTextPx, when it would need more); returns the height used.
double addWrapped(SceneFrame& f, double x, double y, double width, const QString& text, TextRole role,
                  int maxLines = 2);
/// Height addWrapped would use.
double wrappedHeight(const SceneFrame& f, double width, const QString& text, TextRole role, int maxLines = 2);
/// "…" marker for columns not shown, centred in `r`.
void addEllipsis(SceneFrame& f, QRectF r);

/// The display list of one frame of a request (what renderScene draws and hitTestScene walks).
SceneFrame buildSceneFrame(const SceneRequest& r);

/// Draws the frame (background included).
void drawSceneFrame(QPainter& p, const SceneFrame& f);
/// Adds a text item.
void addText(SceneFrame& f, QRectF r, const QString& text, TextRole role, int flags = 0);
/// Header (layer, op, view, step; then `what`, the explanation) and returns the y below it; only what
/// f.showTitle / f.showCaption keep.
double addHeader(SceneFrame& f, const SceneModel& m, int step, const QString& what);
/// Footer with `extra` and the layer's output-length formula (none without f.showCaption); returns its
/// top y.
double addFormulaFooter(SceneFrame& f, const SceneModel& m, const QString& extra = QString());

// View builders (scene_<view>.cpp). Each fills `f` for request `r`.
void buildSlideFrame(SceneFrame& f, const SceneRequest& r);  // slide and zero_insert
void buildScatterFrame(SceneFrame& f, const SceneRequest& r);
void buildMatrixFrame(SceneFrame& f, const SceneRequest& r);
void buildOverlapFrame(SceneFrame& f, const SceneRequest& r);
void buildReceptiveFieldFrame(SceneFrame& f, const SceneRequest& r);
void buildActivationsFrame(SceneFrame& f, const SceneRequest& r);
/// Tooltip of a hit target (exact value, contributions).
QString tooltipFor(const SceneModel& m, int step, const HoverTarget& t);

/// Shape "(C, L)" of a tensor without batch.
QString shapeText(const engine::Tensor& t);
/// Name of tensor row r: "input x" or "layer i (op)".
QString tensorName(const SceneModel& m, int r);
/// Input channels of the group of output channel o, for the layer drawn by slide.
std::pair<int, int> groupInputs(const engine::Layer& l, int o);

}  // namespace convscope::widgets
