// Audio input files (WAV, FLAC, OGG/Vorbis, anything libsndfile reads) as (C, L) float32 tensors.
#pragma once
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

struct AudioInfo {
  int sampleRate = 0;  // frames per second, as stored in the file
  int channels = 0;
  int64_t frames = 0;
};

/// Reads `path` through libsndfile into (C, L): channel c of the file → row c, samples scaled to
/// [-1, 1) for integer formats. Throws EngineError naming the file (ctx.param = `what`) on a
/// missing, corrupt, empty or oversized (> 2^31 samples) file.
Tensor readAudio(const std::string& path, const std::string& what = "", AudioInfo* info = nullptr);

}  // namespace convscope::engine
