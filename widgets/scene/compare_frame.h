// The side-by-side frame of a comparison: 2 to 4 scenes in equal columns, each under a header with
// its stack's name, all at one step (each scene clamped to its own last step). The frame the app's
// Compare window exports and `convscope render/animate --compare` draw.
#pragma once
#include <QPainter>
#include <QSize>
#include <QString>
#include <vector>

#include "widgets/scene/scene_renderer.h"

namespace convscope::widgets {

struct ComparisonPanel {
  SceneModelPtr model;  // never null
  QString name;         // the stack's name, drawn above its scene
};

/// Steps of the frame: the most steps of any panel.
int comparisonSteps(const std::vector<ComparisonPanel>& panels);

/// Height of the name header above each scene at frame height `height`.
double comparisonHeaderHeight(double height);

/// The narrowest a scene is laid out: a narrower place draws it at this width, scaled down (smaller
/// text rather than overlapping text). Returns the scale (1 when `width` is wide enough).
constexpr double kMinSceneWidth = 560;
inline double sceneScaleFor(double width) {
  return width >= kMinSceneWidth ? 1.0 : width / kMinSceneWidth;
}

/// The default size of a side-by-side figure of `stacks` scenes: kMinSceneWidth × 600 each.
inline QSize comparisonFigureSize(int stacks) {
  return QSize(int(kMinSceneWidth) * (stacks < 1 ? 1 : stacks), 600);
}

/// Draws `panels` side by side over `size` (background included) at `step`.
/// `showHeader` / `showCaption` false leave out each scene's title line / explanation and formula.
void renderComparison(QPainter& p, const std::vector<ComparisonPanel>& panels, int step, Theme theme,
                      QSizeF size, bool showHeader = true, bool showCaption = true);

}  // namespace convscope::widgets
