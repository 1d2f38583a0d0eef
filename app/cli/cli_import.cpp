#include "app/cli/cli_import.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/onnx/onnx_import.h"

namespace convscope::app {

const char* const kImportHelp =
    "usage: convscope import MODEL.onnx -o STACK.json [--shape N,C,L] [--json]\n"
    "Reads an ONNX model whose graph is a chain of Conv, ConvTranspose, Relu, LeakyRelu, Elu, Tanh,\n"
    "Sigmoid, Gelu (or its Erf form), MaxPool, AveragePool, BatchNormalization, Resize/Upsample\n"
    "(nearest, integer scales), Identity, Dropout and constant Add/Mul (folded into the layer before),\n"
    "with the Reshape/Unsqueeze/Squeeze/Transpose wrappers exporters put around 1-D convolutions;\n"
    "opsets 9-17. Writes STACK.json (convention \"onnx\", input = seeded noise of the model's input\n"
    "shape; set \"data\" to a .npy/.wav/.flac/.ogg/.csv file to feed your own) and one .npy file per\n"
    "weight beside it, named STACK.<layer>.<param>.npy. Nothing is written when the model is refused.\n"
    "-o, --out FILE   the stack file to write (required)\n"
    "--shape DIMS     the model input's shape in ONNX order, e.g. 1,2,16000 (default: from the model,\n"
    "                 symbolic dims set to 1)\n"
    "--json           print {\"stack\", \"files\", \"layers\": [{\"index\", \"op\", \"nodes\"}], "
    "\"notes\"}\n";

namespace {

int usage(const std::string& msg) {
  std::cerr << "convscope import: " << msg << "\n(see 'convscope import --help')\n";
  return 2;
}

}  // namespace

int cmdImport(const std::vector<std::string>& argv) {
  std::string model, out;
  bool json = false;
  engine::ImportOptions opt;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string a = argv[i];
    std::string val;
    bool inlineVal = false;
    if (a.rfind("--", 0) == 0)
      if (auto eq = a.find('='); eq != std::string::npos) {
        val = a.substr(eq + 1);
        a = a.substr(0, eq);
        inlineVal = true;
      }
    auto value = [&](std::string& dst) {
      if (inlineVal)
        dst = val;
      else if (i + 1 < argv.size())
        dst = argv[++i];
      else
        return false;
      return true;
    };
    if (a == "-o" || a == "--out") {
      if (!value(out)) return usage("option " + a + " needs a value");
    } else if (a == "--shape") {
      std::string s;
      if (!value(s)) return usage("option --shape needs a value");
      size_t pos = 0;
      while (pos <= s.size()) {
        const size_t comma = s.find(',', pos);
        const std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        try {
          size_t used = 0;
          const long long v = std::stoll(part, &used);
          if (used != part.size() || v < 1) throw std::invalid_argument("");
          opt.inputShape.push_back(v);
        } catch (const std::exception&) {
          return usage("--shape must be positive integers separated by commas, got '" + s + "'");
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (a == "--json") {
      json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage("unknown option " + a);
    } else if (model.empty()) {
      model = a;
    } else {
      return usage("expected one MODEL file, got '" + model + "' and '" + a + "'");
    }
  }
  if (model.empty()) return usage("expected a MODEL.onnx file");
  if (out.empty()) return usage("-o STACK.json is required");
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
