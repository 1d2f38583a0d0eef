// Export jobs shared by the command line (cli_export) and the app's export dialogs: one scene frame
// to PNG/SVG/PDF/TikZ, every layer's activation plots to PNG/SVG/PDF, a step range to GIF/MP4 or to
// numbered PNG/SVG frames. Every frame comes from widgets::renderScene — the canvas's renderer —
// and every file is written to a temporary name beside the target and renamed when complete, so a
// failed or cancelled export leaves no partial file. Needs a QGuiApplication (QApplication for
// activations) but no display: the offscreen platform is enough.
#pragma once
#include <QImage>
#include <QSize>
#include <QString>
#include <functional>
#include <optional>
#include <stdexcept>
#include <vector>

#include "widgets/scene/compare_frame.h"
#include "widgets/scene/scene_renderer.h"

namespace convscope::app {

enum class ExportFormat { Png, Svg, Pdf, Tex, Gif, Mp4 };

/// The format named by a file's extension (case-insensitive); nullopt when unknown.
std::optional<ExportFormat> exportFormatFromPath(const QString& path);
/// True for the still formats (png, svg, pdf, tex).
inline bool isFigureFormat(ExportFormat f) {
  return f != ExportFormat::Gif && f != ExportFormat::Mp4;
}

/// The target cannot be written (missing or read-only directory, not a file): bad input.
struct ExportPathError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// Writing the file failed part-way (disk full, quota or file size limit, I/O error): a problem of
/// the environment, reported like a bad target. what() names the target file and the system's
/// reason; nothing was left at the target (an older file there is unchanged).
struct ExportWriteError : ExportPathError {
  using ExportPathError::ExportPathError;
};
/// The user cancelled (progress returned false); nothing was written.
struct ExportCancelled : std::runtime_error {
  ExportCancelled() : std::runtime_error("export cancelled") {}
};

/// Told (done, total) after each frame; returns false to cancel.
using ExportProgress = std::function<bool(int done, int total)>;

/// Throws ExportPathError unless `path`'s directory exists and is writable and `path` is not a directory.
void checkWritableTarget(const QString& path);

/// Writes one frame of the scene (png, svg, pdf or tex by `path`'s extension).
void exportFigure(const widgets::SceneRequest& request, const QString& path);
/// The frame as an image at `request.size` × dpr (Copy figure).
QImage figureImage(const widgets::SceneRequest& request, qreal dpr = 1.0);

/// Every tensor of the snapshot (input, then each layer's output) as the app's activation plots,
/// stacked in one figure of `size` (png, svg or pdf), under an "Activations · NAME" title unless
/// !showTitle (--no-title). Needs a QApplication.
void exportActivations(const widgets::SnapshotPtr& snapshot, QSize size, widgets::Theme theme,
                       const QString& path, bool showTitle = true);

struct AnimationOptions {
  widgets::Theme theme = widgets::Theme::Light;
  QSize size{960, 600};
  int fps = 2;
  int first = 0;            // first step (inclusive)
  int last = -1;            // last step (inclusive); -1 = the model's last
  bool showTitle = true;    // SceneRequest::showHeader of every frame
  bool showCaption = true;  // SceneRequest::showCaption of every frame
};

/// Result of an animation export.
struct AnimationResult {
  int frames = 0;
  qint64 bytes = 0;
  QString codec;  // mp4: the encoder used
};

/// Writes steps [first, last] of `model` as a GIF or an MP4 (by `path`'s extension).
AnimationResult exportAnimation(const widgets::SceneModelPtr& model, const AnimationOptions& options,
                                const QString& path, const ExportProgress& progress = {});
/// Writes steps [first, last] as DIR/frame_<TTTT>.<ext> (ext "png" or "svg"; T = the step).
AnimationResult exportFrames(const widgets::SceneModelPtr& model, const AnimationOptions& options,
                             const QString& dir, const QString& ext, const ExportProgress& progress = {});

/// A comparison's side-by-side frame (widgets/scene/compare_frame.h) at `step`: png, svg, pdf or tex.
void exportComparisonFigure(const std::vector<widgets::ComparisonPanel>& panels, int step,
                            widgets::Theme theme, QSize size, const QString& path, bool showTitle = true,
                            bool showCaption = true);
/// The same frame as an image.
QImage comparisonImage(const std::vector<widgets::ComparisonPanel>& panels, int step, widgets::Theme theme,
                       QSize size, bool showTitle = true, bool showCaption = true);
/// Steps [first, last] of the side-by-side frame (each panel clamped to its own last step) as a GIF
/// or an MP4.
AnimationResult exportComparisonAnimation(const std::vector<widgets::ComparisonPanel>& panels,
                                          const AnimationOptions& options, const QString& path,
                                          const ExportProgress& progress = {});

}  // namespace convscope::app
