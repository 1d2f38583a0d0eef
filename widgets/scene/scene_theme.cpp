#include "widgets/scene/scene_theme.h"

#include "widgets/scene/colour_maps.h"

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

using namespace okabe_ito;

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
  p.active = kOrange;
  p.related = kBlue;
  p.link = kVermillion;
  p.kernel = kBluishGreen;
  p.tail = kReddishPurple;
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
  p.active = kOrange;
  p.related = kSkyBlue;
  p.link = QColor(0xF0, 0x8A, 0x40);
  p.kernel = QColor(0x20, 0xC0, 0x90);
  p.tail = kReddishPurple;
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
  p.active = kVermillion;  // vermillion: darker in greyscale than orange
  p.related = kBlue;
  p.link = QColor(0x30, 0x30, 0x30);
  p.strokeWidth = 0.7;
  return p;
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

QColor textOn(const QColor& fill) {
  const double l = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
  return l > 0.55 ? QColor(0x10, 0x10, 0x10) : QColor(0xf8, 0xf8, 0xf8);
}

}  // namespace convscope::widgets
