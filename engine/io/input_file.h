// Input data files chosen by extension: .npy, .wav/.flac/.ogg (libsndfile), .csv.
#pragma once
#include <string>

#include "engine/core/tensor.h"

namespace convscope::engine {

/// True for files read as a signal (audio or CSV): (C, L) without a batch axis.
bool isSignalFile(const std::string& path);
/// Reads an input data file by its extension (case-insensitive). .npy is returned as stored; a
/// signal file is (C, L), or (L, C) when `channelsLast`. Throws EngineError naming the file
/// (param = `what`) for an unknown extension or a bad file.
Tensor readInputFile(const std::string& path, const std::string& what, bool channelsLast);

}  // namespace convscope::engine
