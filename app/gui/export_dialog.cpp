// Index of this file:
//   [SECTION] CONTEXT
//   [SECTION] THE FIGURE/ANIMATION DIALOG
//   [SECTION] ACTIVATIONS DATA, CLIPBOARD, REVEAL
#include "app/gui/export_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

#include "app/export/export_job.h"
#include "engine/io/csv_output.h"
#include "engine/io/npy.h"
#include "widgets/canvas.h"

namespace convscope::app {

// [SECTION] CONTEXT

ExportContext exportContext(const widgets::SnapshotPtr& snapshot, QWidget* central, int layer,
                            const QString& view, int step, const QString& baseName) {
  ExportContext c;
  c.snapshot = snapshot;
  c.layer = std::max(0, layer);
  c.view = widgets::viewFromName(view).value_or(widgets::View::Auto);
  c.step = std::max(0, step);
  if (auto* canvas = qobject_cast<widgets::Canvas*>(central); canvas && canvas->model()) {
    const widgets::SceneRequest r = canvas->currentRequest();
    c.layer = canvas->layer();
    c.view = canvas->view();
    c.step = r.step;
    c.theme = r.theme;
  }
  QString base = baseName;
  base.remove("lesson ");
  base.replace(QRegularExpression("[^A-Za-z0-9_.-]+"), "_");
  c.baseName = base.isEmpty() ? "figure" : base;
  return c;
}

// [SECTION] THE FIGURE/ANIMATION DIALOG

namespace {

struct FormatChoice {
  const char* label;
  const char* ext;  // "" for a frames directory
  const char* frames;
};
const FormatChoice kFigureFormats[] = {{"PNG image (.png)", "png", ""},
                                       {"SVG vector (.svg)", "svg", ""},
                                       {"PDF vector (.pdf)", "pdf", ""},
                                       {"TikZ for LaTeX (.tex)", "tex", ""}};
const FormatChoice kAnimationFormats[] = {{"GIF animation (.gif)", "gif", ""},
                                          {"MP4 video (.mp4)", "mp4", ""},
                                          {"PNG frames (folder)", "", "png"},
                                          {"SVG frames (folder)", "", "svg"}};

}  // namespace

ExportDialog::ExportDialog(Kind kind, const ExportContext& ctx, QWidget* parent)
    : QDialog(parent), m_kind(kind), m_ctx(ctx) {
  setWindowTitle(kind == Kind::Figure ? "Export figure" : "Export animation");
  auto* form = new QFormLayout;
  m_format = new QComboBox(this);
  if (kind == Kind::Figure)
    for (const auto& f : kFigureFormats) m_format->addItem(f.label);
  else
    for (const auto& f : kAnimationFormats) m_format->addItem(f.label);
  form->addRow("Format", m_format);

  const int nLayers = ctx.snapshot ? int(ctx.snapshot->stack.layers.size()) : 0;
  m_layer = new QSpinBox(this);
  m_layer->setRange(0, std::max(0, nLayers - 1));
  m_layer->setValue(std::clamp(ctx.layer, 0, std::max(0, nLayers - 1)));
  form->addRow("Layer", m_layer);
  m_view = new QComboBox(this);
  m_view->addItem("auto");
  for (widgets::View v : widgets::concreteViews()) m_view->addItem(widgets::viewName(v));
  m_view->setCurrentText(widgets::viewName(ctx.view));
  form->addRow("View", m_view);

  auto* sizeRow = new QHBoxLayout;
  m_width = new QSpinBox(this);
  m_height = new QSpinBox(this);
  for (QSpinBox* s : {m_width, m_height}) {
    s->setRange(64, 8192);
    s->setSuffix(" px");
    sizeRow->addWidget(s);
  }
  m_width->setValue(ctx.size.width());
  m_height->setValue(ctx.size.height());
  form->addRow("Size", sizeRow);
  m_theme = new QComboBox(this);
  m_theme->addItems({"light", "dark", "print"});
  m_theme->setCurrentText(widgets::themeName(ctx.theme));
  m_theme->setToolTip("print: white, thin strokes, colour-blind safe, readable in greyscale");
  form->addRow("Theme", m_theme);

  m_step = new QSpinBox(this);
  if (kind == Kind::Figure) {
    form->addRow("Step", m_step);
  } else {
    auto* range = new QHBoxLayout;
    m_last = new QSpinBox(this);
    range->addWidget(m_step);
    range->addWidget(new QLabel("to", this));
    range->addWidget(m_last);
    form->addRow("Steps", range);
    m_fps = new QSpinBox(this);
    m_fps->setRange(1, 60);
    m_fps->setValue(2);
    m_fps->setSuffix(" frames/s");
    form->addRow("Speed", m_fps);
  }
  auto* pathRow = new QHBoxLayout;
  m_path = new QLineEdit(this);
  auto* browseButton = new QPushButton("Browse…", this);
  pathRow->addWidget(m_path, 1);
  pathRow->addWidget(browseButton);
  form->addRow(kind == Kind::Figure ? "File" : "File / folder", pathRow);

  m_info = new QLabel(this);
  m_info->setWordWrap(true);
  m_progress = new QProgressBar(this);
  m_progress->setVisible(false);
  auto* buttons = new QDialogButtonBox(this);
  m_exportButton = buttons->addButton("Export", QDialogButtonBox::AcceptRole);
  m_cancelButton = buttons->addButton(QDialogButtonBox::Cancel);
  auto* outer = new QVBoxLayout(this);
  outer->addLayout(form);
  outer->addWidget(m_info);
  outer->addWidget(m_progress);
  outer->addWidget(buttons);

  connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
  connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::updateFormat);
  connect(m_layer, &QSpinBox::valueChanged, this, &ExportDialog::rebuildModel);
  connect(m_view, &QComboBox::currentIndexChanged, this, &ExportDialog::rebuildModel);
  connect(m_exportButton, &QPushButton::clicked, this, [this]() {
    if (runExport(true)) accept();
  });
  connect(m_cancelButton, &QPushButton::clicked, this, [this]() {
    if (m_running)
      m_cancel = true;
    else
      reject();
  });
  rebuildModel();
  m_step->setValue(std::clamp(ctx.step, 0, m_step->maximum() - 1) + 1);  // shown from 1, as the canvas
  if (m_last) m_last->setValue(m_last->maximum());
  updateFormat();
}

void ExportDialog::rebuildModel() {
  if (!m_ctx.snapshot) return;
  const auto v = widgets::viewFromName(m_view->currentText()).value_or(widgets::View::Auto);
  m_model = widgets::SceneModel::build(m_ctx.snapshot,
                                       m_ctx.snapshot->stack.layers.empty() ? -1 : m_layer->value(), v);
  const int steps = m_model->steps;
  m_step->setRange(1, steps);  // steps as the frame title counts them: 1..steps
  if (m_last) {
    m_last->setRange(1, steps);
    m_last->setValue(steps);
  }
  m_info->setText(m_model->error.isEmpty()
                      ? QString("%1 view: %2 steps").arg(widgets::viewName(m_model->view)).arg(steps)
                      : "⚠ " + m_model->error);
  m_exportButton->setEnabled(m_model->error.isEmpty());
}

void ExportDialog::updateFormat() {
  const FormatChoice& f = m_kind == Kind::Figure ? kFigureFormats[m_format->currentIndex()]
                                                 : kAnimationFormats[m_format->currentIndex()];
  QString p = m_path->text();
  const QString dir = p.isEmpty() ? QDir::homePath() : QFileInfo(p).absolutePath();
  const QString base = p.isEmpty() ? m_ctx.baseName : QFileInfo(p).completeBaseName();
  m_path->setText(QDir(dir).filePath(*f.ext ? base + "." + f.ext : base + "_frames"));
}

void ExportDialog::browse() {
  const FormatChoice& f = m_kind == Kind::Figure ? kFigureFormats[m_format->currentIndex()]
                                                 : kAnimationFormats[m_format->currentIndex()];
  QString p;
  if (*f.ext)
    p = QFileDialog::getSaveFileName(this, windowTitle(), m_path->text(),
                                     QString(f.label) + ";;All files (*)");
  else
    p = QFileDialog::getExistingDirectory(this, "Frames folder", QFileInfo(m_path->text()).absolutePath());
  if (!p.isEmpty()) m_path->setText(p);
}

void ExportDialog::setTarget(const QString& path) {
  const QString ext = QFileInfo(path).suffix().toLower();
  int n = m_format->count();
  for (int i = 0; i < n; ++i) {
    const FormatChoice& f = m_kind == Kind::Figure ? kFigureFormats[i] : kAnimationFormats[i];
    if (*f.ext && ext == f.ext) m_format->setCurrentIndex(i);
  }
  m_path->setText(path);
}

QString ExportDialog::chosenPath() const {
  const FormatChoice& f = m_kind == Kind::Figure ? kFigureFormats[m_format->currentIndex()]
                                                 : kAnimationFormats[m_format->currentIndex()];
  QString p = m_path->text().trimmed();
  if (*f.ext && QFileInfo(p).suffix().toLower() != f.ext) p += QString(".") + f.ext;
  return p;
}

bool ExportDialog::runExport(bool reveal) {
  if (!m_model || !m_model->error.isEmpty()) return false;
  const FormatChoice& f = m_kind == Kind::Figure ? kFigureFormats[m_format->currentIndex()]
                                                 : kAnimationFormats[m_format->currentIndex()];
  const QString path = chosenPath();
  const QSize size(m_width->value(), m_height->value());
  const widgets::Theme theme = widgets::themeFromName(m_theme->currentText()).value_or(widgets::Theme::Light);
  QString detail;
  m_running = true;
  m_cancel = false;
  m_exportButton->setEnabled(false);
  try {
    if (m_kind == Kind::Figure) {
      if (m_model->view == widgets::View::Activations && QString(f.ext) != "tex") {
        exportActivations(m_ctx.snapshot, size, theme, path);
      } else {
        widgets::SceneRequest r;
        r.model = m_model;
        r.step = m_step->value() - 1;
        r.theme = theme;
        r.size = QSizeF(size);
        exportFigure(r, path);
      }
      detail = QString("%1×%2, %3 KiB")
                   .arg(size.width())
                   .arg(size.height())
                   .arg(QFileInfo(path).size() / 1024.0, 0, 'f', 1);
    } else {
      AnimationOptions o;
      o.theme = theme;
      o.size = size;
      o.fps = m_fps->value();
      o.first = m_step->value() - 1;
      o.last = std::max(m_step->value(), m_last->value()) - 1;
      m_progress->setRange(0, o.last - o.first + 1);
      m_progress->setValue(0);
      m_progress->setVisible(true);
      const ExportProgress progress = [this](int done, int total) {
        m_progress->setValue(done);
        m_progress->setFormat(QString("frame %1 / %2").arg(done).arg(total));
        QCoreApplication::processEvents();
        return !m_cancel;
      };
      const AnimationResult res = *f.ext ? exportAnimation(m_model, o, path, progress)
                                         : exportFrames(m_model, o, path, f.frames, progress);
      detail =
          QString("%1 frames, %2 KiB (%3)").arg(res.frames).arg(res.bytes / 1024.0, 0, 'f', 1).arg(res.codec);
    }
  } catch (const ExportCancelled&) {
    m_running = false;
    m_progress->setVisible(false);
    m_exportButton->setEnabled(true);
    m_info->setText("Cancelled; nothing was written.");
    return false;
  } catch (const std::exception& e) {
    m_running = false;
    m_progress->setVisible(false);
    m_exportButton->setEnabled(true);
    m_info->setText("⚠ " + QString::fromStdString(e.what()));
    if (reveal) QMessageBox::warning(this, windowTitle(), QString::fromStdString(e.what()));
    return false;
  }
  m_running = false;
  m_exportButton->setEnabled(true);
  m_info->setText("Wrote " + path + " — " + detail);
  if (reveal) revealExport(this, path, detail);
  return true;
}

void showExportFigureDialog(QWidget* parent, const ExportContext& ctx) {
  if (!ctx.snapshot) return;
  ExportDialog d(ExportDialog::Kind::Figure, ctx, parent);
  d.exec();
}

void showExportAnimationDialog(QWidget* parent, const ExportContext& ctx) {
  if (!ctx.snapshot) return;
  ExportDialog d(ExportDialog::Kind::Animation, ctx, parent);
  d.exec();
}

// [SECTION] ACTIVATIONS DATA, CLIPBOARD, REVEAL

void showExportActivationsDialog(QWidget* parent, const ExportContext& ctx) {
  if (!ctx.snapshot) return;
  QDialog d(parent);
  d.setWindowTitle("Export activations");
  auto* form = new QFormLayout;
  auto* tensor = new QComboBox(&d);
  tensor->addItem("input x");
  for (size_t i = 0; i < ctx.snapshot->stack.layers.size(); ++i)
    tensor->addItem(
        QString("layer %1 · %2 output").arg(i).arg(engine::opName(ctx.snapshot->stack.layers[i].op)));
  tensor->setCurrentIndex(std::clamp(ctx.layer + 1, 0, tensor->count() - 1));
  form->addRow("Tensor", tensor);
  auto* fmt = new QComboBox(&d);
  fmt->addItems(
      {"NumPy (.npy, float32, channels-first, batch axis kept)", "CSV (.csv, one row per time step)"});
  form->addRow("Format", fmt);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, &d);
  auto* outer = new QVBoxLayout(&d);
  outer->addLayout(form);
  outer->addWidget(buttons);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
  if (d.exec() != QDialog::Accepted) return;
  const bool csv = fmt->currentIndex() == 1;
  const int row = tensor->currentIndex();
  const QString suggested = QDir::home().filePath(
      ctx.baseName + (row == 0 ? QString("_input") : QString("_layer_%1").arg(row - 1)) +
      (csv ? ".csv" : ".npy"));
  QString path = QFileDialog::getSaveFileName(parent, "Export activations", suggested,
                                              csv ? "CSV (*.csv)" : "NumPy (*.npy)");
  if (path.isEmpty()) return;
  if (!path.endsWith(csv ? ".csv" : ".npy", Qt::CaseInsensitive)) path += csv ? ".csv" : ".npy";
  try {
    const engine::Tensor& t = ctx.snapshot->rowTensor(row);
    if (csv)
      engine::writeCsv(path.toStdString(), t);
    else
      engine::writeNpy(path.toStdString(), t);
  } catch (const std::exception& e) {
    QMessageBox::warning(parent, "Export activations", QString::fromStdString(e.what()));
    return;
  }
  revealExport(parent, path, QString("%1 KiB").arg(QFileInfo(path).size() / 1024.0, 0, 'f', 1));
}

bool copyFigureToClipboard(const ExportContext& ctx) {
  if (!ctx.snapshot) return false;
  widgets::SceneRequest r;
  r.model =
      widgets::SceneModel::build(ctx.snapshot, ctx.snapshot->stack.layers.empty() ? -1 : ctx.layer, ctx.view);
  r.step = ctx.step;
  r.theme = ctx.theme;
  r.size = QSizeF(ctx.size);
  QImage img = figureImage(r, 2.0);
  img.setDevicePixelRatio(1.0);
  QGuiApplication::clipboard()->setImage(img.convertToFormat(QImage::Format_RGB32));
  return true;
}

void revealExport(QWidget* parent, const QString& path, const QString& detail) {
  QMessageBox box(parent);
  box.setIcon(QMessageBox::Information);
  box.setWindowTitle("Export finished");
  box.setText("Wrote " + QDir::toNativeSeparators(path));
  box.setInformativeText(detail);
  QPushButton* open = box.addButton("Open folder", QMessageBox::ActionRole);
  box.addButton(QMessageBox::Close);
  box.exec();
  if (box.clickedButton() == open) {
    const QFileInfo fi(path);
    QDesktopServices::openUrl(QUrl::fromLocalFile(fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath()));
  }
}

}  // namespace convscope::app
