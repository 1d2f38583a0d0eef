#include "app/export/gif_writer.h"

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>

namespace convscope::app {

namespace {

constexpr size_t kCacheSize = 1 << 16;
constexpr QRgb kEmpty = 0x00000001;  // never a key: keys are opaque (alpha 0xff)

int dist2(QRgb a, QRgb b) {
  const int dr = qRed(a) - qRed(b), dg = qGreen(a) - qGreen(b), db = qBlue(a) - qBlue(b);
  return 2 * dr * dr + 4 * dg * dg + 3 * db * db;
}

struct Bin {
  int key;  // 5-5-5 colour
  int64_t count;
  int64_t r, g, b;  // sums of the exact colours
};

// Median cut over weighted bins into at most `boxes` colours.
std::vector<QRgb> medianCut(std::vector<Bin> bins, int boxes) {
  std::vector<QRgb> out;
  if (bins.empty() || boxes <= 0) return out;
  struct Box {
    size_t b, e;
  };
  std::vector<Box> work{{0, bins.size()}};
  auto channel = [](const Bin& x, int c) {
    return c == 0 ? (x.key >> 10) & 31 : c == 1 ? (x.key >> 5) & 31 : x.key & 31;
  };
  auto score = [&](const Box& bx, int* axis) {
    int lo[3] = {31, 31, 31}, hi[3] = {0, 0, 0};
    int64_t n = 0;
    for (size_t i = bx.b; i < bx.e; ++i) {
      for (int c = 0; c < 3; ++c) {
        lo[c] = std::min(lo[c], channel(bins[i], c));
        hi[c] = std::max(hi[c], channel(bins[i], c));
      }
      n += bins[i].count;
    }
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (hi[c] - lo[c] > hi[best] - lo[best]) best = c;
    if (axis) *axis = best;
    return bx.e - bx.b < 2 ? -1.0 : double(hi[best] - lo[best] + 1) * double(n);
  };
  while (int(work.size()) < boxes) {
    size_t pick = 0;
    double bestScore = -1;
    int axis = 0;
    for (size_t i = 0; i < work.size(); ++i) {
      int a = 0;
      const double s = score(work[i], &a);
      if (s > bestScore) {
        bestScore = s;
        pick = i;
        axis = a;
      }
    }
    if (bestScore < 0) break;
    Box bx = work[pick];
    std::sort(bins.begin() + long(bx.b), bins.begin() + long(bx.e),
              [&](const Bin& x, const Bin& y) { return channel(x, axis) < channel(y, axis); });
    int64_t total = 0, acc = 0;
    for (size_t i = bx.b; i < bx.e; ++i) total += bins[i].count;
    size_t mid = bx.b + 1;
    for (size_t i = bx.b; i < bx.e - 1; ++i) {
      acc += bins[i].count;
      mid = i + 1;
      if (acc * 2 >= total) break;
    }
    work[pick] = {bx.b, mid};
    work.push_back({mid, bx.e});
  }
  for (const Box& bx : work) {
    int64_t n = 0, r = 0, g = 0, b = 0;
    for (size_t i = bx.b; i < bx.e; ++i) {
      n += bins[i].count;
      r += bins[i].r;
      g += bins[i].g;
      b += bins[i].b;
    }
    if (n > 0) out.push_back(qRgb(int(r / n), int(g / n), int(b / n)));
  }
  return out;
}

}  // namespace

GifWriter::~GifWriter() {
  if (m_gif) {
    int err = 0;
    EGifCloseFile(m_gif, &err);
  }
}

void GifWriter::fail(const char* what, int err) {
  const int sysErr = errno;  // set by the write, fclose or open giflib reports as failed
  const bool io = err == E_GIF_ERR_OPEN_FAILED || err == E_GIF_ERR_WRITE_FAILED ||
                  err == E_GIF_ERR_DISK_IS_FULL || err == E_GIF_ERR_CLOSE_FAILED;
  if (io && sysErr != 0)
    throw std::system_error(sysErr, std::generic_category(), std::string("GIF: ") + what);
  const char* msg = GifErrorString(err);
  throw std::runtime_error(std::string("GIF: ") + what + ": " + (msg ? msg : "error " + std::to_string(err)));
}

void GifWriter::open(const QString& path, QSize size, int delayCs, const std::vector<QRgb>& exactColors,
                     const std::vector<QImage>& samples) {
  m_size = size;
  m_delay = std::clamp(delayCs, 2, 65535);
  m_frames = 0;
  // Palette: [0] transparent, then the exact colours, then quantised colours of the samples.
  m_palette.assign(1, qRgb(0, 0, 0));
  for (QRgb c : exactColors) {
    c = qRgb(qRed(c), qGreen(c), qBlue(c));
    if (int(m_palette.size()) >= 201) break;
    if (std::find(m_palette.begin() + 1, m_palette.end(), c) == m_palette.end()) m_palette.push_back(c);
  }
  std::unordered_map<int, Bin> hist;
  for (const QImage& s0 : samples) {
    const QImage s = s0.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < s.height(); ++y) {
      const QRgb* line = reinterpret_cast<const QRgb*>(s.constScanLine(y));
      for (int x = 0; x < s.width(); ++x) {
        const QRgb c = line[x];
        bool exact = false;
        for (size_t i = 1; i < m_palette.size() && !exact; ++i) exact = dist2(m_palette[i], c) <= 12;
        if (exact) continue;  // a theme colour (or within rounding of one)
        const int key = ((qRed(c) >> 3) << 10) | ((qGreen(c) >> 3) << 5) | (qBlue(c) >> 3);
        Bin& b = hist[key];
        b.key = key;
        b.count++;
        b.r += qRed(c);
        b.g += qGreen(c);
        b.b += qBlue(c);
      }
    }
  }
  std::vector<Bin> bins;
  bins.reserve(hist.size());
  for (auto& [k, b] : hist) bins.push_back(b);
  std::sort(bins.begin(), bins.end(), [](const Bin& a, const Bin& b) { return a.key < b.key; });
  for (QRgb c : medianCut(std::move(bins), 256 - int(m_palette.size()))) m_palette.push_back(c);
  while (m_palette.size() < 256) m_palette.push_back(m_palette.back());
  if (m_palette.size() > 1) m_palette[0] = m_palette[1];  // the transparent entry shows nothing
  m_cache.assign(kCacheSize, {kEmpty, 0});
  m_cacheUsed = 0;
  m_prev.assign(size_t(size.width()) * size_t(size.height()), 0);

  int err = 0;
  errno = 0;
  m_gif = EGifOpenFileName(path.toLocal8Bit().constData(), false, &err);
  if (!m_gif) fail("cannot open the output", err);
  EGifSetGifVersion(m_gif, true);
  std::array<GifColorType, 256> colors{};
  for (size_t i = 0; i < 256; ++i)
    colors[i] = {GifByteType(qRed(m_palette[i])), GifByteType(qGreen(m_palette[i])),
                 GifByteType(qBlue(m_palette[i]))};
  ColorMapObject* cmap = GifMakeMapObject(256, colors.data());
  const int rc = EGifPutScreenDesc(m_gif, size.width(), size.height(), 8, 1, cmap);
  GifFreeMapObject(cmap);
  if (rc != GIF_OK) fail("screen descriptor", m_gif->Error);
  // Loop forever: NETSCAPE2.0 application extension, loop count 0.
  const unsigned char loop[3] = {1, 0, 0};
  if (EGifPutExtensionLeader(m_gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK ||
      EGifPutExtensionBlock(m_gif, 11, "NETSCAPE2.0") != GIF_OK ||
      EGifPutExtensionBlock(m_gif, 3, loop) != GIF_OK || EGifPutExtensionTrailer(m_gif) != GIF_OK)
    fail("loop extension", m_gif->Error);
}

uint8_t GifWriter::nearest(QRgb c) {
  c |= 0xff000000u;
  size_t h = (size_t(c) * 2654435761u) & (kCacheSize - 1);
  for (;;) {
    auto& slot = m_cache[h];
    if (slot.first == c) return slot.second;
    if (slot.first == kEmpty) break;
    h = (h + 1) & (kCacheSize - 1);
  }
  int best = 1, bestD = INT32_MAX;
  for (int i = 1; i < 256; ++i) {
    const int d = dist2(m_palette[size_t(i)], c);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  // Keep the table at most half full (lookups stay short); past that, start again.
  if (++m_cacheUsed > kCacheSize / 2) {
    m_cache.assign(kCacheSize, {kEmpty, 0});
    m_cacheUsed = 1;
    h = (size_t(c) * 2654435761u) & (kCacheSize - 1);
  }
  m_cache[h] = {c, uint8_t(best)};
  return uint8_t(best);
}

void GifWriter::addFrame(const QImage& frame0) {
  if (!m_gif) throw std::runtime_error("GIF: not open");
  const QImage frame = frame0.convertToFormat(QImage::Format_RGB32);
  if (frame.size() != m_size) throw std::runtime_error("GIF: frame size differs from the first frame");
  const int W = m_size.width(), H = m_size.height();
  std::vector<uint8_t> idx(size_t(W) * size_t(H));
  for (int y = 0; y < H; ++y) {
    const QRgb* line = reinterpret_cast<const QRgb*>(frame.constScanLine(y));
    uint8_t* out = idx.data() + size_t(y) * size_t(W);
    QRgb last = 0;
    uint8_t lastIdx = 0;
    for (int x = 0; x < W; ++x) {
      if (x == 0 || line[x] != last) {
        last = line[x];
        lastIdx = nearest(last);
      }
      out[x] = lastIdx;
    }
  }
  // The changed rectangle (everything for the first frame).
  int x0 = 0, y0 = 0, x1 = W - 1, y1 = H - 1;
  const bool first = m_frames == 0;
  if (!first) {
    x0 = W;
    y0 = H;
    x1 = -1;
    y1 = -1;
    for (int y = 0; y < H; ++y) {
      const uint8_t* a = idx.data() + size_t(y) * size_t(W);
      const uint8_t* b = m_prev.data() + size_t(y) * size_t(W);
      if (std::memcmp(a, b, size_t(W)) == 0) continue;
      y0 = std::min(y0, y);
      y1 = y;
      int l = 0, r = W - 1;
      while (a[l] == b[l]) ++l;
      while (a[r] == b[r]) --r;
      x0 = std::min(x0, l);
      x1 = std::max(x1, r);
    }
    if (x1 < 0) x0 = x1 = y0 = y1 = 0;  // unchanged: a 1×1 transparent patch
  }
  const int w = x1 - x0 + 1, h = y1 - y0 + 1;
  GraphicsControlBlock gcb;
  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.UserInputFlag = false;
  gcb.DelayTime = m_delay;
  gcb.TransparentColor = first ? NO_TRANSPARENT_COLOR : 0;
  GifByteType ext[4];
  EGifGCBToExtension(&gcb, ext);
  if (EGifPutExtension(m_gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) != GIF_OK) fail("frame control", m_gif->Error);
  if (EGifPutImageDesc(m_gif, x0, y0, w, h, false, nullptr) != GIF_OK) fail("image descriptor", m_gif->Error);
  std::vector<GifPixelType> line(static_cast<size_t>(w));
  for (int y = y0; y <= y1; ++y) {
    const uint8_t* a = idx.data() + size_t(y) * size_t(W);
    const uint8_t* b = m_prev.data() + size_t(y) * size_t(W);
    for (int x = x0; x <= x1; ++x) line[size_t(x - x0)] = first || a[x] != b[x] ? a[x] : 0;
    if (EGifPutLine(m_gif, line.data(), w) != GIF_OK) fail("image data", m_gif->Error);
  }
  m_prev.swap(idx);
  ++m_frames;
}

void GifWriter::finish() {
  if (!m_gif) return;
  int err = 0;
  const int rc = EGifCloseFile(m_gif, &err);
  m_gif = nullptr;
  if (rc != GIF_OK) fail("closing the file", err);
}

}  // namespace convscope::app
