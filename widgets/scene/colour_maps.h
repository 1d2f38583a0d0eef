// Colour maps: the one place that defines how a number becomes a colour, for the canvas scene
// (widgets/scene/scene_renderer.cpp through scene_theme.cpp) and for the activation plots
// (widgets/activation_plots.cpp). Each map is a list of stops defined once per theme; both users
// sample the same stops, so a value has the same colour on the canvas and in the plots.
//
// - Diverging (signed values): ColorBrewer RdBu, blue for negative, red for positive, neutral at 0.
//   Chosen over PuOr because its two arms have nearly the same lightness at the same |v| (CIE L*
//   within 4 of each other at every stop, 97 at 0 down to 42 / 38 at the ends), so in greyscale
//   (print theme) a value's grey depends on |v| only and darkens monotonically with it on both
//   sides; PuOr's arms differ by up to 20 L* (its purple end is much darker than its orange end).
//   Blue against red stays distinct under deuteranopia and protanopia. The dark theme keeps the
//   hues with a dark neutral and arms that lighten with |v| (L* 26 at 0, 68–71 at the ends).
// - Sequential (counts: overlap, path counts): ColorBrewer Purples, one hue whose lightness falls
//   monotonically from none to the most (CIE L* 99 → 18; dark theme: 19 → 88 from the background
//   up), so it reads in greyscale and under every colour-vision deficiency. Chosen over viridis,
//   whose yellow top hides the Okabe–Ito orange outline of the current step, and over Blues, whose
//   hue means "negative" in the diverging map; purple is neither arm of RdBu.
// - Categorical (accents, plot lines): Okabe–Ito, the eight colours distinguishable under every
//   common colour-vision deficiency.
#pragma once
#include <QColor>
#include <array>
#include <vector>

#include "widgets/scene/scene_theme.h"

namespace convscope::widgets {

/// One stop of a colour map: `at` in [0, 1] (increasing along a map), its colour.
struct ColourStop {
  double at;
  QColor colour;
};

/// Stops of the diverging map: at 0 → -absMax, 0.5 → 0 (the neutral colour), 1 → +absMax.
const std::vector<ColourStop>& divergingStops(Theme t);
/// Stops of the sequential map: at 0 → the lowest value, 1 → the highest.
const std::vector<ColourStop>& sequentialStops(Theme t);
/// The colour at `u` (clamped to [0, 1]) of `stops`, interpolated linearly in sRGB between the two
/// stops around it.
QColor sampleStops(const std::vector<ColourStop>& stops, double u);

/// Diverging colour of v in [-absMax, absMax]. absMax <= 0 or a non-finite v gives the neutral colour.
QColor divergingColor(double v, double absMax, Theme t);
/// Sequential colour of v in [0, maxValue]. maxValue <= 0 or a non-finite v gives the lowest colour.
QColor sequentialColor(double v, double maxValue, Theme t);

/// The Okabe–Ito palette by name.
namespace okabe_ito {
inline const QColor kOrange{0xE6, 0x9F, 0x00};
inline const QColor kSkyBlue{0x56, 0xB4, 0xE9};
inline const QColor kBluishGreen{0x00, 0x9E, 0x73};
inline const QColor kYellow{0xF0, 0xE4, 0x42};
inline const QColor kBlue{0x00, 0x72, 0xB2};
inline const QColor kVermillion{0xD5, 0x5E, 0x00};
inline const QColor kReddishPurple{0xCC, 0x79, 0xA7};
inline const QColor kBlack{0x00, 0x00, 0x00};
}  // namespace okabe_ito

/// Colour of series `i` (any i >= 0, repeating after 8): the Okabe–Ito colours ordered so that the
/// first ones are the most distinct (blue, vermillion, bluish green, reddish purple, orange, sky
/// blue, yellow, black). The dark theme draws white instead of black.
QColor categoricalColor(int i, Theme t);

}  // namespace convscope::widgets
