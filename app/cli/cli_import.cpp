#include "app/cli/cli_import.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/onnx/onnx_import.h"

namespace convscope::app {

namespace {

CommandSpec makeImportSpec() {
  CommandSpec c;
  c.name = "import";
  c.summary = "convert an ONNX model to a stack + .npy weights";
  c.usage = {"MODEL.onnx -o STACK.json [--shape N,C,L] [--json]"};
  c.description =
      "Reads an ONNX model whose graph is a chain of Conv, ConvTranspose, Relu, LeakyRelu, Elu, Tanh,\n"
      "Sigmoid, Gelu (or its Erf form), MaxPool, AveragePool, BatchNormalization, Resize/Upsample\n"
      "(nearest, integer scales), Identity, Dropout and constant Add/Mul (folded into the layer before),\n"
      "with the Reshape/Unsqueeze/Squeeze/Transpose wrappers exporters put around 1-D convolutions;\n"
      "opsets 9-17. Writes STACK.json (convention \"onnx\", input = seeded noise of the model's input\n"
      "shape; set \"data\" to a .npy/.wav/.flac/.ogg/.csv file to feed your own) and one .npy file per\n"
      "weight beside it, named STACK.<layer>.<param>.npy. Nothing is written when the model is refused.";
  c.positional = "MODEL.onnx";
  c.options = {{{"o", "out"}, "FILE", "the stack file to write (required)"},
               {{"shape"},
                "DIMS",
                "the model input's shape in ONNX order, e.g. 1,2,16000 (default: from the model, "
                "symbolic dims set to 1)"},
               {{"json"},
                "",
                "print {\"stack\", \"files\", \"layers\": [{\"index\", \"op\", \"nodes\"}], \"notes\"}"}};
  return c;
}

// --shape: positive integers separated by commas.
engine::Shape shapeValue(const Arguments& a, const std::string& s) {
  engine::Shape dims;
  for (size_t pos = 0; pos <= s.size();) {
    const size_t comma = s.find(',', pos);
    const std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v < 1) throw std::invalid_argument("");
      dims.push_back(v);
    } catch (const std::exception&) {
      a.fail("--shape must be positive integers separated by commas, got '" + s + "'");
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return dims;
}

}  // namespace

const CommandSpec& importSpec() {
  static const CommandSpec c = makeImportSpec();
  return c;
}

int cmdImport(const Arguments& a) {
  const std::string model = a.onePositional();
  const std::string out = a.value("out").value_or("");
  if (out.empty()) a.fail("-o STACK.json is required");
  engine::ImportOptions opt;
  if (const auto shape = a.value("shape")) opt.inputShape = shapeValue(a, *shape);
  const bool json = a.isSet("json");
  const engine::ImportResult r = engine::importOnnx(model, out, opt);
  for (const auto& n : r.notes) std::cerr << model << ": note: " << n << "\n";
  if (json) {
    nlohmann::json layers = nlohmann::json::array();
    for (size_t i = 0; i < r.layers.size(); ++i)
      layers.push_back({{"index", i}, {"op", r.layers[i].op}, {"nodes", r.layers[i].nodes}});
    std::cout << nlohmann::json{{"stack", r.stackPath}, {"files", r.files},
                                {"layout", r.layout},   {"input_shape", r.inputShape},
                                {"opset", r.opset},     {"layers", layers},
                                {"notes", r.notes}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "imported " << model << " (opset " << r.opset << ") -> " << r.stackPath << ": "
            << r.layers.size() << " layers, input " << engine::shapeToString(r.inputShape) << " " << r.layout
            << ", " << r.files.size() - 1 << " weight files\n";
  for (size_t i = 0; i < r.layers.size(); ++i) {
    std::cout << "layer " << i << " " << r.layers[i].op << " <-";
    for (const auto& n : r.layers[i].nodes) std::cout << " " << n;
    std::cout << "\n";
  }
  return 0;
}

}  // namespace convscope::app
