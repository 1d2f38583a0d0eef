#include "widgets/scene/scene_theme.h"

#include <algorithm>
#include <cmath>

namespace convscope::widgets {

const char* themeName(Theme t) {
  switch (t) {
    case Theme::Light:
      return "light";
    case Theme::Dark:
      return "dark";
    case Theme::Print:
      return "print";
  }
  return "light";
}

std::optional<Theme> themeFromName(const QString& name) {
  const QString n = name.trimmed().toLower();
  if (n == "light") return Theme::Light;
  if (n == "dark") return Theme::Dark;
  if (n == "print") return Theme::Print;
  return std::nullopt;
}

namespace {

ScenePalette makeLight() {
  ScenePalette p;
  p.background = QColor(0xfb, 0xfb, 0xf8);
  p.text = QColor(0x1f, 0x23, 0x28);
  p.mutedText = QColor(0x6a, 0x70, 0x78);
  p.gridLine = QColor(0xd0, 0xd4, 0xda);
  p.cellBorder = QColor(0x8a, 0x90, 0x98);
  p.padFill = QColor(0xf3, 0xf3, 0xf3);
  p.padBorder = QColor(0x8a, 0x90, 0x98);
  p.zeroFill = QColor(0xe4, 0xe4, 0xe4);
  p.zeroHatch = QColor(0xa8, 0xa8, 0xa8);
  p.croppedFill = QColor(0xf6, 0xea, 0xee);
  p.croppedCross = QColor(0xb0, 0x40, 0x70);
  p.pendingFill = QColor(0xff, 0xff, 0xff);
  p.active = QColor(0xE6, 0x9F, 0x00);
  p.related = QColor(0x00, 0x72, 0xB2);
  p.link = QColor(0xD5, 0x5E, 0x00);
  p.kernel = QColor(0x00, 0x9E, 0x73);
  p.tail = QColor(0xCC, 0x79, 0xA7);
  p.strokeWidth = 1.0;
  return p;
}

ScenePalette makeDark() {
  ScenePalette p;
  p.background = QColor(0x1c, 0x1f, 0x24);
  p.text = QColor(0xe8, 0xea, 0xed);
  p.mutedText = QColor(0x9a, 0xa0, 0xa8);
  p.gridLine = QColor(0x3a, 0x3f, 0x47);
  p.cellBorder = QColor(0x70, 0x76, 0x80);
  p.padFill = QColor(0x2a, 0x2e, 0x34);
  p.padBorder = QColor(0x90, 0x96, 0xa0);
  p.zeroFill = QColor(0x3a, 0x3d, 0x42);
  p.zeroHatch = QColor(0x70, 0x74, 0x7a);
  p.croppedFill = QColor(0x3a, 0x2a, 0x32);
  p.croppedCross = QColor(0xe0, 0x80, 0xb0);
  p.pendingFill = QColor(0x24, 0x27, 0x2d);
  p.active = QColor(0xE6, 0x9F, 0x00);
  p.related = QColor(0x56, 0xB4, 0xE9);
  p.link = QColor(0xF0, 0x8A, 0x40);
  p.kernel = QColor(0x20, 0xC0, 0x90);
  p.tail = QColor(0xCC, 0x79, 0xA7);
  p.strokeWidth = 1.0;
  return p;
}

ScenePalette makePrint() {
  ScenePalette p = makeLight();
  p.background = Qt::white;
  p.text = Qt::black;
  p.mutedText = QColor(0x55, 0x55, 0x55);
  p.cellBorder = QColor(0x60, 0x60, 0x60);
  p.padFill = Qt::white;
  p.padBorder = QColor(0x40, 0x40, 0x40);
  p.zeroFill = QColor(0xe8, 0xe8, 0xe8);
  p.zeroHatch = QColor(0x80, 0x80, 0x80);
  p.croppedFill = Qt::white;
  p.croppedCross = QColor(0x30, 0x30, 0x30);
  p.pendingFill = Qt::white;
  p.active = QColor(0xD5, 0x5E, 0x00);  // vermillion: darker in greyscale than orange
  p.related = QColor(0x00, 0x72, 0xB2);
  p.link = QColor(0x30, 0x30, 0x30);
  p.strokeWidth = 0.7;
  return p;
}

QColor mix(const QColor& a, const QColor& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                          float(a.greenF() + (b.greenF() - a.greenF()) * t),
                          float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

}  // namespace

const ScenePalette& scenePalette(Theme t) {
  static const ScenePalette light = makeLight(), dark = makeDark(), print = makePrint();
  switch (t) {
    case Theme::Dark:
      return dark;
    case Theme::Print:
      return print;
    default:
      return light;
  }
}

QColor divergingColor(double v, double absMax, Theme t) {
  // PuOr-like: negative → purple-blue, positive → orange-brown; greyscale lightness is monotone in |v|.
  const QColor neutral = t == Theme::Dark ? QColor(0x3a, 0x3d, 0x44) : QColor(0xf7, 0xf7, 0xf7);
  const QColor neg = t == Theme::Dark ? QColor(0x8f, 0x86, 0xe0) : QColor(0x54, 0x27, 0x88);
  const QColor negMid = t == Theme::Dark ? QColor(0x5c, 0x58, 0x90) : QColor(0xb2, 0xab, 0xd2);
  const QColor pos = t == Theme::Dark ? QColor(0xf0, 0xa0, 0x40) : QColor(0xb3, 0x58, 0x06);
  const QColor posMid = t == Theme::Dark ? QColor(0x90, 0x68, 0x38) : QColor(0xfd, 0xb8, 0x63);
  if (!(absMax > 0) || !std::isfinite(v)) return neutral;
  const double u = std::clamp(std::abs(v) / absMax, 0.0, 1.0);
  const QColor& mid = v < 0 ? negMid : posMid;
  const QColor& end = v < 0 ? neg : pos;
  return u < 0.5 ? mix(neutral, mid, u * 2) : mix(mid, end, (u - 0.5) * 2);
}

QColor sequentialColor(double v, double maxValue, Theme t) {
  const QColor lo = t == Theme::Dark ? QColor(0x2a, 0x2e, 0x34) : QColor(0xf2, 0xf7, 0xfb);
  const QColor mid = t == Theme::Dark ? QColor(0x2f, 0x6f, 0x9f) : QColor(0x6b, 0xae, 0xd6);
  const QColor hi = t == Theme::Dark ? QColor(0x9e, 0xd8, 0xff) : QColor(0x08, 0x30, 0x6b);
  if (!(maxValue > 0)) return lo;
  const double u = std::clamp(v / maxValue, 0.0, 1.0);
  return u < 0.5 ? mix(lo, mid, u * 2) : mix(mid, hi, (u - 0.5) * 2);
}

QColor textOn(const QColor& fill) {
  const double l = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
  return l > 0.55 ? QColor(0x10, 0x10, 0x10) : QColor(0xf8, 0xf8, 0xf8);
}

}  // namespace convscope::widgets
