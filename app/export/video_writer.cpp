#include "app/export/video_writer.h"

#include <QPainter>
#include <stdexcept>
#include <string>
#include <system_error>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace convscope::app {

namespace {

std::string avError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// An error of writing the file: FFmpeg passes the system's errno on as AVERROR(errno), which
// becomes a std::system_error (disk full, ...); anything else stays a runtime_error.
[[noreturn]] void writeFailed(const std::string& what, int rc) {
  const int e = AVUNERROR(rc);
  if (e > 0 && e < 4096) throw std::system_error(e, std::generic_category(), "MP4: " + what);
  throw std::runtime_error("MP4: " + what + ": " + avError(rc));
}

}  // namespace

VideoWriter::~VideoWriter() {
  release();
}

void VideoWriter::release() {
  if (m_fmt) {
    if (m_fmt->pb) avio_closep(&m_fmt->pb);
    avformat_free_context(m_fmt);
    m_fmt = nullptr;
  }
  if (m_ctx) avcodec_free_context(&m_ctx);
  if (m_frame) av_frame_free(&m_frame);
  if (m_pkt) av_packet_free(&m_pkt);
  if (m_sws) {
    sws_freeContext(m_sws);
    m_sws = nullptr;
  }
}

void VideoWriter::open(const QString& path, QSize size, int fps) {
  av_log_set_level(AV_LOG_ERROR);
  m_size = size;
  m_encSize = QSize((size.width() + 1) & ~1, (size.height() + 1) & ~1);
  const QByteArray file = path.toLocal8Bit();
  int rc = avformat_alloc_output_context2(&m_fmt, nullptr, "mp4", file.constData());
  if (rc < 0 || !m_fmt) throw std::runtime_error("MP4: no mp4 muxer: " + avError(rc));

  // Encoder: libx264, any H.264 encoder that opens, then MPEG-4 part 2.
  const AVCodec* candidates[] = {avcodec_find_encoder_by_name("libx264"),
                                 avcodec_find_encoder(AV_CODEC_ID_H264),
                                 avcodec_find_encoder(AV_CODEC_ID_MPEG4)};
  std::string tried;
  for (const AVCodec* codec : candidates) {
    if (!codec) continue;
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    ctx->width = m_encSize.width();
    ctx->height = m_encSize.height();
    ctx->time_base = AVRational{1, fps};
    ctx->framerate = AVRational{fps, 1};
    ctx->pix_fmt = AV_PIX_FMT_YUV420P;
    ctx->gop_size = std::max(12, fps * 10);  // a key frame every ~10 s: frames change little
    ctx->color_range = AVCOL_RANGE_MPEG;
    ctx->colorspace = AVCOL_SPC_SMPTE170M;
    ctx->color_primaries = AVCOL_PRI_SMPTE170M;
    ctx->color_trc = AVCOL_TRC_SMPTE170M;
    if (m_fmt->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (codec->id == AV_CODEC_ID_H264) {
      av_opt_set(ctx->priv_data, "preset", "medium", 0);
      av_opt_set(ctx->priv_data, "crf", "18", 0);
      av_opt_set(ctx->priv_data, "tune", "stillimage", 0);
    } else {
      ctx->bit_rate = int64_t(m_encSize.width()) * m_encSize.height() * 4;
      ctx->flags |= AV_CODEC_FLAG_QSCALE;
      ctx->global_quality = FF_QP2LAMBDA * 2;
    }
    if ((rc = avcodec_open2(ctx, codec, nullptr)) == 0) {
      m_ctx = ctx;
      m_codecName = codec->name;
      break;
    }
    tried += std::string(codec->name) + " (" + avError(rc) + ") ";
    avcodec_free_context(&ctx);
  }
  if (!m_ctx) throw std::runtime_error("MP4: no usable video encoder in this FFmpeg build; tried " + tried);

  m_stream = avformat_new_stream(m_fmt, nullptr);
  if (!m_stream) throw std::runtime_error("MP4: cannot add a stream");
  m_stream->time_base = m_ctx->time_base;
  m_stream->avg_frame_rate = m_ctx->framerate;
  avcodec_parameters_from_context(m_stream->codecpar, m_ctx);
  if ((rc = avio_open(&m_fmt->pb, file.constData(), AVIO_FLAG_WRITE)) < 0)
    writeFailed("cannot write " + file.toStdString(), rc);
  if ((rc = avformat_write_header(m_fmt, nullptr)) < 0) writeFailed("header", rc);
  m_headerWritten = true;

  m_frame = av_frame_alloc();
  m_frame->format = AV_PIX_FMT_YUV420P;
  m_frame->width = m_encSize.width();
  m_frame->height = m_encSize.height();
  if ((rc = av_frame_get_buffer(m_frame, 0)) < 0)
    throw std::runtime_error("MP4: frame buffer: " + avError(rc));
  m_pkt = av_packet_alloc();
  // QImage::Format_ARGB32 is B, G, R, A in memory on little-endian machines.
  const AVPixelFormat src = QSysInfo::ByteOrder == QSysInfo::LittleEndian ? AV_PIX_FMT_BGRA : AV_PIX_FMT_ARGB;
  m_sws = sws_getContext(m_encSize.width(), m_encSize.height(), src, m_encSize.width(), m_encSize.height(),
                         AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr,
                         nullptr, nullptr);
  if (!m_sws) throw std::runtime_error("MP4: no pixel format conversion");
  m_pts = 0;
}

void VideoWriter::addFrame(const QImage& frame0) {
  if (!m_ctx) throw std::runtime_error("MP4: not open");
  QImage frame = frame0.convertToFormat(QImage::Format_ARGB32);
  if (frame.size() != m_size) throw std::runtime_error("MP4: frame size differs from the first frame");
  if (m_encSize != m_size) {
    QImage padded(m_encSize, QImage::Format_ARGB32);
    padded.fill(frame.pixel(0, 0));
    QPainter(&padded).drawImage(0, 0, frame);
    frame = padded;
  }
  int rc = av_frame_make_writable(m_frame);
  if (rc < 0) throw std::runtime_error("MP4: frame: " + avError(rc));
  const uint8_t* srcData[1] = {frame.constBits()};
  const int srcStride[1] = {int(frame.bytesPerLine())};
  sws_scale(m_sws, srcData, srcStride, 0, m_encSize.height(), m_frame->data, m_frame->linesize);
  m_frame->pts = m_pts++;
  if ((rc = avcodec_send_frame(m_ctx, m_frame)) < 0) throw std::runtime_error("MP4: encode: " + avError(rc));
  drain(false);
}

void VideoWriter::drain(bool flush) {
  for (;;) {
    const int rc = avcodec_receive_packet(m_ctx, m_pkt);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
    if (rc < 0) throw std::runtime_error("MP4: encode: " + avError(rc));
    av_packet_rescale_ts(m_pkt, m_ctx->time_base, m_stream->time_base);
    m_pkt->stream_index = m_stream->index;
    const int w = av_interleaved_write_frame(m_fmt, m_pkt);
    if (w < 0) writeFailed("write", w);
  }
  (void)flush;
}

void VideoWriter::finish() {
  if (!m_ctx) return;
  avcodec_send_frame(m_ctx, nullptr);
  drain(true);
  if (m_headerWritten) {
    const int rc = av_write_trailer(m_fmt);
    if (rc < 0) writeFailed("trailer", rc);
  }
  // The last buffered bytes reach the file only here.
  if (m_fmt && m_fmt->pb) {
    const int rc = avio_closep(&m_fmt->pb);
    if (rc < 0) writeFailed("closing the file", rc);
  }
  release();
}

}  // namespace convscope::app
