// `convscope import MODEL.onnx -o STACK.json`: the headless ONNX importer command.
#pragma once
#include <string>
#include <vector>

namespace convscope::app {

/// Help text of `convscope import --help`.
extern const char* const kImportHelp;

/// Runs `import`; argv[0] is "import". Returns 0 on success, 2 on a usage error (message on
/// stderr); a bad model throws engine::EngineError (the dispatcher reports it, exit 2).
int cmdImport(const std::vector<std::string>& argv);

}  // namespace convscope::app
