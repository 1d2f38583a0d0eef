// `convscope import MODEL.onnx -o STACK.json`: the headless ONNX importer command.
#pragma once
#include "app/cli/arguments.h"

namespace convscope::app {

const CommandSpec& importSpec();
/// Runs `import`. Returns 0 on success; a bad command line throws UsageError, a bad model
/// engine::EngineError (both exit status 2).
int cmdImport(const Arguments& a);

}  // namespace convscope::app
