// Shared fixtures of the canvas tests: the stacks rendered (bundled lessons + examples), the layer
// each view is shown on, and snapshot loading.
#pragma once
#include <QString>
#include <string>
#include <vector>

#include "widgets/scene/scene_renderer.h"

namespace convscope::tests {

struct SceneCase {
  std::string stackPath;  // absolute path of a stack file
  std::string name;       // short name for file names
};

/// Stacks with golden images (kept small: a lesson and a 1-D and a 2-D example).
std::vector<SceneCase> goldenStacks();
/// Loads, resolves and runs a stack file (resolveStack on the parsed JSON).
widgets::SnapshotPtr loadSnapshot(const std::string& path);
/// The layer a view is drawn on: slide → first conv, scatter/zero_insert/overlap/matrix → first
/// conv_transpose (else first conv), receptive_field → last layer, activations → -1.
int layerForView(const engine::Stack& s, widgets::View v);

}  // namespace convscope::tests
