// fuzz_onnx: any bytes as an ONNX model file → engine::importOnnx (then the written stack is
// loaded back). Contract: a stack that loads, or an EngineError. The bytes go through a scratch
// file because the importer's API takes a path.
#include <fstream>

#include "engine/core/error.h"
#include "engine/onnx/onnx_import.h"
#include "fuzz_common.h"

using namespace convscope;

static std::filesystem::path g_dir;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::setSmallLimits();
  g_dir = fuzz::scratchDir("onnx");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto model = g_dir / "model.onnx";
  {
    std::ofstream out(model, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  const auto outDir = g_dir / "out";
  std::error_code ec;
  std::filesystem::remove_all(outDir, ec);
  try {
    const auto res = engine::importOnnx(model.string(), (outDir / "stack.json").string());
    const engine::Stack st = engine::loadStack(res.stackPath);
    fuzz::forwardAndCheck(st);
  } catch (const engine::EngineError&) {
  }
  return 0;
}
