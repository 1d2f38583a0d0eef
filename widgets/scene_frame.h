// SceneFrame: the display list of one frame — cells, lines, outlines and text placed in frame
// coordinates by a view builder (scene_<view>.cpp) and drawn by drawSceneFrame. Hit-testing walks
// the same list, so what you point at is exactly what was drawn.
#pragma once
#include <QRectF>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

#include "scene_renderer.h"

namespace convscope::widgets {

enum class CellStyle : uint8_t { Value, Padding, InsertedZero, Cropped, Pending, Tail, Count, Blank };
enum CellMark : uint8_t { MarkActive = 1, MarkRelated = 2, MarkHovered = 4, MarkDim = 8 };

struct SceneCell {
  QRectF rect;
  CellStyle style = CellStyle::Value;
  double value = 0;
  bool hasValue = true;    // false: draw no number (pending, zero padding)
  QString text;            // overrides the printed number
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

enum class LineKind { Link, Related, Faint, Kernel };
struct SceneLine { QPointF a, b; LineKind kind = LineKind::Link; };

enum class BoxKind { Window, Kernel, Bracket, Crop, Frame };
struct SceneBox { QRectF rect; BoxKind kind = BoxKind::Window; QString label; };

enum class TextRole { Title, Subtitle, Label, Small, Formula, Equation, Message };
struct SceneText {
  QRectF rect;
  QString text;
  TextRole role = TextRole::Label;
  int flags = 0;  // Qt::AlignmentFlag | Qt::TextFlag; 0 → left, vcenter
};

struct SceneFrame {
  Theme theme = Theme::Light;
  QSizeF size;
  double unit = 1;         // scale of fonts and strokes (1 at 960×600)
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

/// Draws the frame (background included).
void drawSceneFrame(QPainter& p, const SceneFrame& f);
/// Adds a text item.
void addText(SceneFrame& f, QRectF r, const QString& text, TextRole role, int flags = 0);
/// Header (layer, op, view, step) and returns the y below it.
double addHeader(SceneFrame& f, const SceneModel& m, int step, const QString& what);
/// Footer with the layer's output-length formula; returns its top y.
double addFormulaFooter(SceneFrame& f, const SceneModel& m, const QString& extra = QString());

// View builders (scene_<view>.cpp). Each fills `f` for request `r`.
void buildSlideFrame(SceneFrame& f, const SceneRequest& r);      // slide and zero_insert
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
