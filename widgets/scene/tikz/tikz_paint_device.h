// TikzPaintDevice: a QPaintDevice whose paint engine turns QPainter calls into TikZ commands, so
// the scene renderer's own call (renderScene) produces a LaTeX figure — the same frame as the PNG,
// SVG and PDF exports, drawn as vectors: rectangles, lines, paths (Bézier curves kept), polygons,
// ellipses, text as text (font size, weight, family), pens (width, colour, alpha, caps, joins,
// dash patterns), brushes (solid colours with alpha, hatch patterns). Images are embedded only if
// a caller draws one (then as a note, never as a bitmap of the scene: the renderer draws none).
//
// Units: 1 device pixel = 0.75 pt (96 dpi, as in the SVG and PDF exports); the y axis points down
// as in Qt. Text is set in Computer Modern Sans (OT1, ships with every TeX) and \resizebox-ed to
// the width Qt measured, so every label sits exactly where the canvas puts it.
//
// Output: document() returns a complete LaTeX file (article class, page = picture, pdflatex) whose
// tikzpicture is self-contained (colours and the text macro are defined inside it): copy from
// \begin{tikzpicture} to \end{tikzpicture} into a paper that loads tikz and the patterns library.
#pragma once
#include <QPaintDevice>
#include <QSize>
#include <QString>
#include <memory>

namespace convscope::widgets {

class TikzPaintEngine;

class TikzPaintDevice : public QPaintDevice {
 public:
  /// A device of `size` logical pixels.
  explicit TikzPaintDevice(QSize size);
  ~TikzPaintDevice() override;

  QPaintEngine* paintEngine() const override;
  /// The whole LaTeX document (valid after the QPainter on this device has ended).
  QString document() const;
  /// Only the tikzpicture environment (colours and macros inside it).
  QString picture() const;
  QSize size() const { return m_size; }

 protected:
  int metric(PaintDeviceMetric metric) const override;

 private:
  QSize m_size;
  std::unique_ptr<TikzPaintEngine> m_engine;
};

/// Escapes `text` for LaTeX text mode in OT1 (specials, < > |, and the Unicode symbols the
/// renderer uses: · × − — – … → ← ′ ᵀ Σ √ ⎵ ● § ▲ ▼ ▾ ≤ ≥ ⌊ ⌋ ² Greek). Unknown characters become '?'.
QString latexEscape(const QString& text);

}  // namespace convscope::widgets
