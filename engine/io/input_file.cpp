#include "engine/io/input_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/io/audio_input.h"
#include "engine/io/csv_input.h"
#include "engine/io/npy.h"

namespace convscope::engine {
namespace {

std::string extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return e;
}

}  // namespace

bool isSignalFile(const std::string& path) {
  const std::string e = extension(path);
  return e == ".wav" || e == ".flac" || e == ".ogg" || e == ".csv";
}

Tensor readInputFile(const std::string& path, const std::string& what, bool channelsLast) {
  const std::string e = extension(path);
  if (e == ".npy") return readNpy(path, what);
  Tensor t;
  if (e == ".wav" || e == ".flac" || e == ".ogg")
    t = readAudio(path, what);
  else if (e == ".csv")
    t = readCsv(path, what);
  else
    throw EngineError({path, -1, "", what},
                      "unknown input file type '" + e + "'; use .npy, .wav, .flac, .ogg or .csv");
  return channelsLast ? permute(t, {1, 0}) : t;
}

}  // namespace convscope::engine
