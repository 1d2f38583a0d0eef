// VideoWriter: an MP4 through FFmpeg's libraries (libavformat/libavcodec/libswscale). The encoder
// is chosen at run time: libx264 (H.264, CRF 18, yuv420p) when this FFmpeg build has it, else any
// H.264 encoder, else MPEG-4 part 2 at high quality. Frames of odd width/height are padded by one
// pixel (yuv420p needs even sizes) with the frame's corner colour. One video frame per addFrame().
#pragma once
#include <QImage>
#include <QSize>
#include <QString>

struct AVFormatContext;
struct AVCodecContext;
struct AVStream;
struct AVFrame;
struct AVPacket;
struct SwsContext;

namespace convscope::app {

class VideoWriter {
 public:
  VideoWriter() = default;
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  /// Opens `path` (MP4 container whatever its name) for frames of `size` at `fps` frames per
  /// second. Throws std::runtime_error when no encoder works; a failed write of the file (here, in
  /// addFrame() or finish()) throws std::system_error with the system's error code (disk full, ...).
  void open(const QString& path, QSize size, int fps);
  /// Encodes one frame (converted to ARGB32; must have the size given to open()).
  void addFrame(const QImage& frame);
  /// Flushes the encoder, writes the trailer and closes the file.
  void finish();
  /// Name of the encoder in use ("libx264", "mpeg4", ...).
  QString codecName() const { return m_codecName; }

 private:
  void drain(bool flush);
  void release();

  AVFormatContext* m_fmt = nullptr;
  AVCodecContext* m_ctx = nullptr;
  AVStream* m_stream = nullptr;
  AVFrame* m_frame = nullptr;
  AVPacket* m_pkt = nullptr;
  SwsContext* m_sws = nullptr;
  QSize m_size, m_encSize;
  int64_t m_pts = 0;
  QString m_codecName;
  bool m_headerWritten = false;
};

}  // namespace convscope::app
