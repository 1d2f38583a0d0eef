// fuzz_shapes: bytes → a random small stack (convention, 1-D/2-D input, 1-3 layers with random ops
// and parameter values, including zero, negative, huge, lists of the wrong length and words) →
// resolveStack (resolveLayer per layer) + forward (forwardLayer per layer) when cheap. Contract:
// outputs of exactly the resolved shapes, or an EngineError; never UB, a crash or a leak.
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "fuzz_common.h"
#include "random_stack.h"

using namespace convscope;
using nlohmann::json;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::setSmallLimits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Bytes b(data, size);
  const json doc = fuzz::randomStack(b);
  try {
    const engine::Stack st = engine::resolveStack(doc, "shapes.json", "");
    fuzz::forwardAndCheck(st);
  } catch (const engine::EngineError&) {
  }
  return 0;
}
