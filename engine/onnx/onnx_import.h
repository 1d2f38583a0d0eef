// ONNX import: a model file whose graph is a chain of conv-like layers → a stack file
// (convention "onnx") plus one .npy file per initializer, beside the stack. No protobuf types here;
// the ONNX dependency stays inside onnx_import.cpp.
#pragma once
#include <string>
#include <vector>

#include "engine/core/tensor.h"

namespace convscope::engine {

/// One stack layer made by the importer and the ONNX nodes it came from.
struct ImportedLayer {
  std::string op;                  // stack op ("conv", "gelu", ...)
  std::vector<std::string> nodes;  // "name (OpType)" of every ONNX node folded into it
};

/// What importOnnx wrote.
struct ImportResult {
  std::string stackPath;              // the stack file written
  std::vector<std::string> files;     // every file written: the stack first, then the .npy files
  std::vector<ImportedLayer> layers;  // layer i of the stack
  std::string layout;                 // "channels_first" | "channels_last"
  Shape inputShape;                   // input.shape as written (stack layout, batch kept)
  int opset = 0;                      // the model's default-domain opset
  std::vector<std::string> notes;     // e.g. "symbolic dim 'batch' set to 1"
};

/// Options of importOnnx.
struct ImportOptions {
  Shape inputShape;  // overrides the graph input's shape (ONNX order, all dims); empty = from the model
};

/// Reads the ONNX model `modelPath` and writes the stack `outStackPath` and its .npy files
/// (named "<stack stem>.<layer>.<param>.npy"). All or nothing: files are staged and renamed at the
/// end. Throws EngineError naming the model file (and the offending nodes) for an unreadable,
/// truncated or corrupt file, an unsupported node, a graph that is not a chain, or absurd sizes.
ImportResult importOnnx(const std::string& modelPath, const std::string& outStackPath,
                        const ImportOptions& options = {});

}  // namespace convscope::engine
