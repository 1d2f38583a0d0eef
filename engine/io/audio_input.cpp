#include "engine/io/audio_input.h"

#include <sndfile.h>

#include <filesystem>

#include "engine/core/error.h"

namespace convscope::engine {

Tensor readAudio(const std::string& path, const std::string& what, AudioInfo* info) {
  auto fail = [&](const std::string& rule) -> void {
    ErrorContext c;
    c.file = path;
    c.param = what;
    throw EngineError(c, rule);
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("audio file not found");
  SF_INFO sfi{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &sfi);
  if (!f) fail(std::string("cannot read the audio file: ") + sf_strerror(nullptr));
  struct Closer {
    SNDFILE* f;
    ~Closer() { sf_close(f); }
  } closer{f};
  if (sfi.channels < 1) fail("the audio file has no channels");
  if (sfi.frames < 1) fail("the audio file has no samples");
  if (static_cast<int64_t>(sfi.frames) * sfi.channels > (int64_t(1) << 31))
    fail("the audio file has " + std::to_string(sfi.frames) + " frames x " + std::to_string(sfi.channels) +
         " channels; the limit is 2^31 samples");
  const int C = sfi.channels;
  const int64_t L = sfi.frames;
  std::vector<float> interleaved(static_cast<size_t>(L * C));
  sf_count_t got = 0;
  while (got < L) {
    const sf_count_t n = sf_readf_float(f, interleaved.data() + got * C, L - got);
    if (n <= 0) break;
    got += n;
  }
  if (got < 1) fail(std::string("the audio data could not be decoded: ") + sf_strerror(f));
  if (got < L)
    fail("the audio file is truncated: the header announces " + std::to_string(L) + " frames, only " +
         std::to_string(got) + " could be read");
  Tensor t(Shape{C, L});
  for (int64_t i = 0; i < L; ++i)
    for (int c = 0; c < C; ++c)
      t.data[static_cast<size_t>(c * L + i)] = interleaved[static_cast<size_t>(i * C + c)];
  if (info) *info = AudioInfo{sfi.samplerate, C, L};
  return t;
}

}  // namespace convscope::engine
