// GifWriter: an animated GIF through giflib — looping (NETSCAPE2.0), one global 256-colour palette
// (the theme's colours exactly, the rest by median-cut quantisation of sample frames), and frame
// differencing: after the first frame only the rectangle that changed is stored, its unchanged
// pixels transparent (index 0), disposal "leave in place". A frame identical to the previous one is
// stored as a 1×1 transparent patch, so the file always holds one image per frame.
#pragma once
#include <QImage>
#include <QRgb>
#include <QSize>
#include <QString>
#include <cstdint>
#include <vector>

struct GifFileType;

namespace convscope::app {

class GifWriter {
 public:
  GifWriter() = default;
  ~GifWriter();
  GifWriter(const GifWriter&) = delete;
  GifWriter& operator=(const GifWriter&) = delete;

  /// Builds the palette from `exactColors` (kept exactly, at most 200) and the colours of
  /// `samples` (frames of the animation), then opens `path` for `size` frames shown `delayCs`
  /// hundredths of a second each. Throws std::runtime_error on failure, std::system_error (a
  /// runtime_error with the system's error code) when the file cannot be written (disk full, ...),
  /// as addFrame() and finish() do.
  void open(const QString& path, QSize size, int delayCs, const std::vector<QRgb>& exactColors,
            const std::vector<QImage>& samples);
  /// Appends a frame (any format; converted to RGB32; must have the size given to open()).
  void addFrame(const QImage& frame);
  /// Writes the trailer and closes the file. Throws on failure.
  void finish();
  /// Frames written so far.
  int frames() const { return m_frames; }
  /// The palette (index 0 is the transparent entry).
  const std::vector<QRgb>& palette() const { return m_palette; }

 private:
  uint8_t nearest(QRgb c);
  void fail(const char* what, int err);

  GifFileType* m_gif = nullptr;
  QSize m_size;
  int m_delay = 10;
  int m_frames = 0;
  std::vector<QRgb> m_palette;                    // 256 entries
  std::vector<uint8_t> m_prev;                    // indices of the frame on screen
  std::vector<std::pair<QRgb, uint8_t>> m_cache;  // open-addressing colour → index cache
  size_t m_cacheUsed = 0;
};

}  // namespace convscope::app
