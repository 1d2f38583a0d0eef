// The app's export UI: File → Export figure…, Export animation…, Export activations…
// and Edit → Copy figure. Dialogs choose format, size, theme and the step (range); animations show
// a progress bar with Cancel; a finished export offers to open the containing folder. Every file
// is written by export_job (the CLI's code path), so the app and `convscope render` agree.
#pragma once
#include <QDialog>
#include <QSize>
#include <QString>

#include "widgets/scene/scene_renderer.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace convscope::app {

/// What is on screen: the stack, layer, view, step and theme to export.
struct ExportContext {
  widgets::SnapshotPtr snapshot;
  int layer = 0;
  widgets::View view = widgets::View::Auto;
  int step = 0;
  widgets::Theme theme = widgets::Theme::Light;
  QSize size{960, 600};
  QString baseName = "figure";  // suggested file name without extension
};

/// The context of the window: taken from `central` when it is a widgets::Canvas (its current
/// request), else from `layer` / `view` ("" = auto) / `step` (-1 = 0).
ExportContext exportContext(const widgets::SnapshotPtr& snapshot, QWidget* central, int layer,
                            const QString& view, int step, const QString& baseName);

/// Figure (one frame) or animation (a step range) export dialog.
class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  enum class Kind { Figure, Animation };
  ExportDialog(Kind kind, const ExportContext& ctx, QWidget* parent = nullptr);

  /// Fills the fields programmatically (tests): file path, format index, size, theme name.
  void setTarget(const QString& path);
  /// Runs the export with the current fields (what the Export button does); true on success.
  bool runExport(bool reveal);

 private:
  void rebuildModel();
  void updateFormat();
  void browse();
  QString chosenPath() const;

  Kind m_kind;
  ExportContext m_ctx;
  widgets::SceneModelPtr m_model;
  QComboBox* m_format = nullptr;
  QComboBox* m_view = nullptr;
  QComboBox* m_theme = nullptr;
  QSpinBox* m_layer = nullptr;
  QSpinBox* m_width = nullptr;
  QSpinBox* m_height = nullptr;
  QSpinBox* m_step = nullptr;  // figure: the step; animation: first step
  QSpinBox* m_last = nullptr;  // animation: last step
  QSpinBox* m_fps = nullptr;
  QLineEdit* m_path = nullptr;
  QLabel* m_info = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton* m_exportButton = nullptr;
  QPushButton* m_cancelButton = nullptr;
  bool m_running = false;
  bool m_cancel = false;
};

/// File → Export figure…
void showExportFigureDialog(QWidget* parent, const ExportContext& ctx);
/// File → Export animation…
void showExportAnimationDialog(QWidget* parent, const ExportContext& ctx);
/// File → Export activations…: one tensor (input or a layer's output) as .npy or .csv.
void showExportActivationsDialog(QWidget* parent, const ExportContext& ctx);
/// Edit → Copy figure: the frame on screen as an image on the clipboard (2× pixels); false if
/// there is nothing to copy.
bool copyFigureToClipboard(const ExportContext& ctx);
/// Tells where a file was written and offers to open its folder (QDesktopServices).
void revealExport(QWidget* parent, const QString& path, const QString& detail);

}  // namespace convscope::app
