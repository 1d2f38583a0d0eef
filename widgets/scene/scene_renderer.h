// Scene renderer: draws one frame of a view with QPainter only (no OpenGL), so the same call paints
// the canvas, a QImage, a QSvgGenerator or a QPdfWriter (CLI export).
//
// Usage: build a SceneModel once per (stack, layer, view) — SceneModel::build — then for every frame
//   renderScene(painter, SceneRequest{model, step, theme, size, hover});
// hitTestScene tells what lies under a point (cell, its exact value, its contributions).
#pragma once
#include <QImage>
#include <QPainter>
#include <QSizeF>
#include <QString>
#include <optional>

#include "widgets/scene/scene_model.h"
#include "widgets/scene/scene_theme.h"

namespace convscope::widgets {

/// A cell of the scene that the mouse can point at.
struct HoverTarget {
  enum class Region { Input, Kernel, Output, Full, Matrix, VectorIn, VectorOut, Count, Tensor };
  Region region = Region::Input;
  int row = 0;        // Tensor: tensor row (-1 stack input, i layer i); Matrix: matrix row
  int channel = 0;    // channel (Kernel: input channel c' of the slab)
  engine::Pos pos{};  // position (display cell for Input of slide/zero_insert; Matrix: column)
  bool operator==(const HoverTarget& o) const {
    return region == o.region && row == o.row && channel == o.channel && pos == o.pos;
  }
};

struct SceneRequest {
  SceneModelPtr model;  // built by SceneModel::build (never null when drawing)
  int step = 0;         // clamped to [0, model->steps)
  Theme theme = Theme::Light;
  QSizeF size{960, 600};             // logical size of the frame
  std::optional<HoverTarget> hover;  // highlights what it depends on and what depends on it
  bool showHeader = true;            // title line with layer/op/view/step
  bool showCaption = true;           // explanation under the title, legend and formula at the bottom
};

struct HitResult {
  HoverTarget target;
  QRectF rect;      // the cell, in frame coordinates
  QString tooltip;  // exact value and contributions (plain text, several lines)
};

/// Draws one frame (fills the background first).
void renderScene(QPainter& painter, const SceneRequest& request);
/// Renders into a new ARGB image of request.size × dpr (devicePixelRatio set on the image).
QImage renderSceneImage(const SceneRequest& request, qreal devicePixelRatio = 1.0);
/// What lies under `point` (frame coordinates), with its tooltip; nullopt for empty space.
std::optional<HitResult> hitTestScene(const SceneRequest& request, QPointF point);
/// Number of steps of a view of a layer (builds a model; prefer model->steps when you have one).
int sceneStepCount(SnapshotPtr snapshot, int layer, View view);

}  // namespace convscope::widgets
