#include "widgets/scene/colour_maps.h"

#include <algorithm>
#include <cmath>

namespace convscope::widgets {

namespace {

// ColorBrewer RdBu (9 classes), ordered from negative (blue) to positive (red).
const std::vector<ColourStop> kRdBuLight = {
    {0.0, QColor(0x21, 0x66, 0xac)},   {0.125, QColor(0x43, 0x93, 0xc3)}, {0.25, QColor(0x92, 0xc5, 0xde)},
    {0.375, QColor(0xd1, 0xe5, 0xf0)}, {0.5, QColor(0xf7, 0xf7, 0xf7)},   {0.625, QColor(0xfd, 0xdb, 0xc7)},
    {0.75, QColor(0xf4, 0xa5, 0x82)},  {0.875, QColor(0xd6, 0x60, 0x4d)}, {1.0, QColor(0xb2, 0x18, 0x2b)}};

// RdBu's hues on the dark theme's background: a dark neutral, arms that lighten with |v|.
const std::vector<ColourStop> kRdBuDark = {{0.0, QColor(0x6c, 0xb4, 0xe8)},
                                           {0.25, QColor(0x3b, 0x6f, 0x99)},
                                           {0.5, QColor(0x3a, 0x3d, 0x44)},
                                           {0.75, QColor(0x9a, 0x4a, 0x44)},
                                           {1.0, QColor(0xf0, 0x8a, 0x78)}};

// ColorBrewer Purples (9 classes): near-white for none, dark purple for the most.
const std::vector<ColourStop> kPurplesLight = {
    {0.0, QColor(0xfc, 0xfb, 0xfd)},   {0.125, QColor(0xef, 0xed, 0xf5)}, {0.25, QColor(0xda, 0xda, 0xeb)},
    {0.375, QColor(0xbc, 0xbd, 0xdc)}, {0.5, QColor(0x9e, 0x9a, 0xc8)},   {0.625, QColor(0x80, 0x7d, 0xba)},
    {0.75, QColor(0x6a, 0x51, 0xa3)},  {0.875, QColor(0x54, 0x27, 0x8f)}, {1.0, QColor(0x3f, 0x00, 0x7d)}};

// Purples on the dark theme's background: from the cell background up to a light lavender.
const std::vector<ColourStop> kPurplesDark = {
    {0.0, QColor(0x2a, 0x2e, 0x34)}, {0.2, QColor(0x3b, 0x33, 0x57)}, {0.4, QColor(0x54, 0x27, 0x8f)},
    {0.6, QColor(0x6a, 0x51, 0xa3)}, {0.8, QColor(0x9e, 0x9a, 0xc8)}, {1.0, QColor(0xda, 0xda, 0xeb)}};

QColor mix(const QColor& a, const QColor& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                          float(a.greenF() + (b.greenF() - a.greenF()) * t),
                          float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

}  // namespace

const std::vector<ColourStop>& divergingStops(Theme t) {
  return t == Theme::Dark ? kRdBuDark : kRdBuLight;
}

const std::vector<ColourStop>& sequentialStops(Theme t) {
  return t == Theme::Dark ? kPurplesDark : kPurplesLight;
}

QColor sampleStops(const std::vector<ColourStop>& stops, double u) {
  if (stops.empty()) return {};
  u = std::isfinite(u) ? std::clamp(u, 0.0, 1.0) : 0.0;
  const auto hi = std::find_if(stops.begin(), stops.end(), [u](const ColourStop& s) { return s.at >= u; });
  if (hi == stops.begin()) return hi->colour;
  if (hi == stops.end()) return stops.back().colour;
  const auto lo = hi - 1;
  return mix(lo->colour, hi->colour, (u - lo->at) / (hi->at - lo->at));
}

QColor divergingColor(double v, double absMax, Theme t) {
  if (!(absMax > 0) || !std::isfinite(v)) return sampleStops(divergingStops(t), 0.5);
  return sampleStops(divergingStops(t), 0.5 + 0.5 * std::clamp(v / absMax, -1.0, 1.0));
}

QColor sequentialColor(double v, double maxValue, Theme t) {
  if (!(maxValue > 0) || !std::isfinite(v)) return sampleStops(sequentialStops(t), 0.0);
  return sampleStops(sequentialStops(t), v / maxValue);
}

QColor categoricalColor(int i, Theme t) {
  using namespace okabe_ito;
  static const std::array<QColor, 8> order = {kBlue,   kVermillion, kBluishGreen, kReddishPurple,
                                              kOrange, kSkyBlue,    kYellow,      kBlack};
  const QColor& c = order[static_cast<size_t>(((i % 8) + 8) % 8)];
  return t == Theme::Dark && c == kBlack ? QColor(Qt::white) : c;
}

}  // namespace convscope::widgets
