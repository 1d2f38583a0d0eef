// The optional "view" object of a stack file: what the app and `convscope render` open on
// (docs/stack-format.md). The engine does not draw; it only checks the object when the stack is
// loaded, so a bad view is reported under its own key instead of as a command-line option later.
#pragma once
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace convscope::engine {

/// The views, in the app's switcher order: the one list of their names. "auto" (the layer's
/// teaching view) is accepted besides them. widgets::View follows this order.
const std::vector<std::string>& viewNames();

/// Checks `doc["view"]` (absent is fine) of a stack with `layerCount` resolved layers:
///   an object whose keys are "name", "layer" and "step" only;
///   name: slide, scatter, zero_insert, matrix, overlap, receptive_field, activations or auto (the
///         layer's teaching view); case-insensitive, '-' for '_' allowed, as the app reads it;
///   layer: an integer in [0, layerCount) (0 when the stack has no layers);
///   step: an integer >= 0, or -1 / "last" for the view's final step.
/// Throws EngineError (file = `file`, param = "view", "view.name", "view.layer" or "view.step").
void validateViewSpec(const nlohmann::json& doc, const std::string& file, size_t layerCount);

}  // namespace convscope::engine
