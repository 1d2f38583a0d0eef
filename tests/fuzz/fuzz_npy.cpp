// fuzz_npy: any bytes as a .npy image → engine::parseNpy. Contract: a tensor whose data size
// matches its shape, or an EngineError.
#include "engine/core/error.h"
#include "fuzz_common.h"

using namespace convscope;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::setSmallLimits();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const engine::Tensor t = engine::parseNpy(bytes, "fuzz.npy", "data");
    if (static_cast<int64_t>(t.data.size()) != engine::numel(t.shape)) __builtin_trap();
    // a round trip must give the same tensor back
    const engine::Tensor u = engine::parseNpy(engine::npyBytes(t), "roundtrip.npy");
    if (u.shape != t.shape || u.data.size() != t.data.size()) __builtin_trap();
  } catch (const engine::EngineError&) {
  }
  return 0;
}
