// SceneTheme: colours and strokes of the scene renderer — light, dark and print (white, thin strokes,
// readable in greyscale). Accents come from the Okabe–Ito palette; the colour maps of values and
// counts are in widgets/scene/colour_maps.h (shared with the activation plots).
#pragma once
#include <QColor>
#include <QString>
#include <optional>

namespace convscope::widgets {

enum class Theme { Light, Dark, Print };

/// "light" | "dark" | "print".
const char* themeName(Theme t);
/// Parses a theme name; nullopt when unknown.
std::optional<Theme> themeFromName(const QString& name);

struct ScenePalette {
  QColor background, text, mutedText, gridLine, cellBorder;
  QColor padFill, padBorder;         // padding cells (dashed border)
  QColor zeroFill, zeroHatch;        // inserted zeros (hatched, "0")
  QColor croppedFill, croppedCross;  // cropped cells (crossed)
  QColor pendingFill;                // outputs not computed yet
  QColor active;                     // current window / current output (Okabe–Ito orange)
  QColor related;                    // hover dependencies (Okabe–Ito blue)
  QColor link;                       // window → output lines
  QColor kernel;                     // kernel outline (Okabe–Ito bluish green)
  QColor tail;                       // output_padding tail / cells no stamp reaches (reddish purple)
  double strokeWidth = 1.0;          // base stroke (print is thinner)
};

/// The palette of a theme.
const ScenePalette& scenePalette(Theme t);
/// Black or white, whichever reads better on `fill`.
QColor textOn(const QColor& fill);

}  // namespace convscope::widgets
