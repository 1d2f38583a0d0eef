// fuzz_stack: any bytes as a stack file → parseStackJson + resolveStack (+ forward when cheap).
// Contract: a resolved stack whose outputs have the resolved shapes, or an EngineError. Anything
// else (another exception, a crash, a leak, UB, a timeout) is a finding.
#include <unistd.h>

#include "engine/core/error.h"
#include "fuzz_common.h"

using namespace convscope;

static std::string g_dir;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::setSmallLimits();
  const auto dir = fuzz::scratchDir("stack");
  fuzz::writeFixtures(dir);
  g_dir = dir.string();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto doc = engine::parseStackJson(text, "fuzz.json");
    const engine::Stack st = engine::resolveStack(doc, "fuzz.json", g_dir);
    fuzz::forwardAndCheck(st);
  } catch (const engine::EngineError&) {
    // the clean refusal
  }
  return 0;
}
