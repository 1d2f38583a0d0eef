// Index of this file:
//   [SECTION] CONSTRUCTION
//   [SECTION] DOCUMENTS AND LESSONS
//   [SECTION] DOCUMENT → WIDGETS
//   [SECTION] FILES
//   [SECTION] SETTINGS AND READINESS
#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <QTextBrowser>
#include <QTimer>
#include <QUndoStack>

#include "app/gui/canvas_placeholder.h"
#include "app/gui/compare_window.h"
#include "app/gui/export_dialog.h"
#include "app/gui/project_controller.h"
#include "app/project/lessons.h"
#include "engine/core/error.h"
#include "widgets/activation_plots.h"
#include "widgets/input_editor.h"
#include "widgets/stack_editor.h"

namespace convscope::app {

// [SECTION] CONSTRUCTION
MainWindow::MainWindow(QWidget* parent, bool persistLayout) : QMainWindow(parent), m_persist(persistLayout) {
  setWindowTitle("ConvScope");
  m_doc = new Document(this);
  m_project = new ProjectController(this);
  setAcceptDrops(true);
  m_placeholder = new CanvasPlaceholder(this);
  setCentralWidget(m_placeholder);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
  buildDocks();
  buildMenus();

  m_statusText = new QLabel(this);
  statusBar()->addWidget(m_statusText, 1);
  m_progress = new QProgressBar(this);
  m_progress->setMaximumWidth(180);
  m_progress->hide();
  m_cancel = new QPushButton(tr("Cancel (Esc)"), this);
  m_cancel->setToolTip(tr("Stop the computation; the last valid result stays on screen"));
  m_cancel->hide();
  statusBar()->addPermanentWidget(m_progress);
  statusBar()->addPermanentWidget(m_cancel);
  connect(m_cancel, &QPushButton::clicked, m_doc, &Document::cancel);
  // Esc cancels a long recompute wherever the focus is; enabled only while one runs, so Esc keeps
  // its usual meaning otherwise.
  m_cancelShortcut = new QShortcut(QKeySequence(Qt::Key_Escape), this);
  m_cancelShortcut->setContext(Qt::WindowShortcut);
  m_cancelShortcut->setEnabled(false);
  connect(m_cancelShortcut, &QShortcut::activated, m_doc, &Document::cancel);

  connect(m_doc, &Document::sourceChanged, this, &MainWindow::onSourceChanged);
  connect(m_doc, &Document::errorChanged, this, &MainWindow::onSourceChanged);
  connect(m_doc, &Document::stackChanged, this, &MainWindow::onStackChanged);
  connect(m_doc, &Document::fileStateChanged, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::busyChanged, this, [this](bool busy) {
    m_progress->setVisible(busy);
    m_cancel->setVisible(busy);
    m_cancelShortcut->setEnabled(busy);
    if (busy) m_progress->setRange(0, 0);
    onSourceChanged();
  });
  connect(m_doc, &Document::progress, this, [this](int done, int total) {
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(done);
    m_progress->setFormat(tr("layer %1 / %2").arg(done).arg(total));
  });
  connect(m_stackEditor, &widgets::StackEditor::editRequested, m_doc, &Document::edit);
  connect(m_inputEditor, &widgets::InputEditor::editRequested, m_doc, &Document::edit);
  connect(m_stackEditor, &widgets::StackEditor::currentLayerChanged, this, [this](int layer) {
    if (m_placeholder) m_placeholder->setCurrentLayer(layer);  // gone once the canvas is attached
    emit currentLayerChanged(layer);
  });

  resize(fittedDefaultSize());
  m_defaultState = saveState();
  if (m_persist) {
    QSettings s;
    if (s.contains("window/geometry")) restoreGeometry(s.value("window/geometry").toByteArray());
    if (s.contains("window/state")) restoreState(s.value("window/state").toByteArray());
  }
}

QSize MainWindow::fittedDefaultSize() const {
  const QScreen* sc = screen() ? screen() : QGuiApplication::primaryScreen();
  if (!sc) return defaultSize();
  // The frame (title bar, borders) comes on top of the client size on a real desktop.
  const QSize avail = sc->availableGeometry().size() - QSize(16, 48);
  return defaultSize().boundedTo(avail.expandedTo(minimumSizeHint()));
}

MainWindow::~MainWindow() {
  delete m_project;         // before the document (a child created earlier, so deleted earlier) goes
  delete m_compare.data();  // its documents share the document's undo stack
}

void MainWindow::buildDocks() {
  auto dock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);  // saveState/restoreState key
    d->setWidget(w);
    d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                   QDockWidget::DockWidgetClosable);
    addDockWidget(area, d);
    return d;
  };
  m_lesson = new QTextBrowser(this);
  m_lesson->setOpenExternalLinks(true);
  m_lesson->setFrameShape(QFrame::NoFrame);
  // A text browser would let the layout squeeze it to a few pixels (and keep it there when the
  // window grows again, the room going to the canvas): the lesson keeps a width that reads.
  m_lesson->setMinimumWidth(kMinDockWidth);
  m_stackEditor = new widgets::StackEditor(this);
  m_inputEditor = new widgets::InputEditor(this);
  m_plots = new widgets::ActivationPlots(this);
  m_lessonDock = dock("Lesson", "dock.lesson", m_lesson, Qt::LeftDockWidgetArea);
  m_stackDock = dock("Stack", "dock.stack", m_stackEditor, Qt::RightDockWidgetArea);
  m_inputDock = dock("Input", "dock.input", m_inputEditor, Qt::RightDockWidgetArea);
  m_plotsDock = dock("Activations", "dock.activations", m_plots, Qt::BottomDockWidgetArea);
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  resizeDocks({m_lessonDock, m_stackDock}, {280, 300}, Qt::Horizontal);  // the canvas gets the largest area
  resizeDocks({m_stackDock, m_inputDock}, {520, 260}, Qt::Vertical);
  resizeDocks({m_plotsDock}, {225}, Qt::Vertical);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("&New", QKeySequence::New, this, &MainWindow::fileNew);
  file->addAction("&Open stack…", QKeySequence::Open, this, &MainWindow::fileOpen);
  file->addAction("Open &project…", QKeySequence("Ctrl+Shift+O"), m_project,
                  &ProjectController::openProjectDialog);
  file->addAction("Open &model (ONNX)…", m_project, &ProjectController::openModelDialog);
  file->addAction("Open &input…", QKeySequence("Ctrl+I"), m_project, &ProjectController::openInputDialog);
  m_project->attachRecentMenu(file->addMenu("Open &recent"));
  QMenu* lessons = file->addMenu("&Lessons");
  for (const QString& name : lessonNames())
    lessons->addAction(name, this, [this, name]() {
      if (maybeSave()) openLesson(name);
    });
  file->addSeparator();
  file->addAction(tr("&Compare with…"), QKeySequence("Ctrl+K"), this, [this]() {
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Compare with stacks"), QString(),
                                                            tr("Stack files (*.json);;All files (*)"));
    if (paths.isEmpty()) return;
    CompareWindow* c = openComparison();
    for (const QString& path : paths) {
      QString err;
      if (!c->addFile(path, &err)) {
        QMessageBox::warning(this, tr("Cannot compare"), err);
        break;
      }
    }
    c->show();
    c->raise();
  });
  QMenu* compareLessons = file->addMenu(tr("Compare with &lesson"));
  for (const QString& name : lessonNames())
    compareLessons->addAction(name, this, [this, name]() {
      CompareWindow* c = openComparison();
      QString err;
      if (!c->addLesson(name, &err)) QMessageBox::warning(this, tr("Cannot compare"), err);
      c->show();
      c->raise();
    });
  file->addSeparator();
  file->addAction("&Save", QKeySequence::Save, this, &MainWindow::fileSave);
  file->addAction("Save &As…", QKeySequence::SaveAs, this, &MainWindow::fileSaveAs);
  file->addSeparator();
  // Figures and animations: dialogs in export_dialog.h, on what the canvas shows.
  auto exportCtx = [this]() {
    return exportContext(m_doc->snapshot(), centralWidget(), currentLayer(), m_view, m_step, m_doc->title());
  };
  file->addAction("Export &figure…", QKeySequence("Ctrl+E"), this,
                  [this, exportCtx]() { showExportFigureDialog(this, exportCtx()); });
  file->addAction("Export &animation…", QKeySequence("Ctrl+Shift+E"), this,
                  [this, exportCtx]() { showExportAnimationDialog(this, exportCtx()); });
  file->addAction("Export ac&tivations…", this,
                  [this, exportCtx]() { showExportActivationsDialog(this, exportCtx()); });
  file->addSeparator();
  file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu("&Edit");
  QAction* undo = m_doc->undoStack()->createUndoAction(this, "&Undo");
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = m_doc->undoStack()->createRedoAction(this, "&Redo");
  // Ctrl+Shift+Z and Ctrl+Y everywhere, plus the platform's own redo keys. Each sequence once: an
  // action listing one twice is an ambiguous shortcut to Qt, which then triggers nothing.
  QList<QKeySequence> redoKeys{QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z),
                               QKeySequence(Qt::CTRL | Qt::Key_Y)};
  for (const QKeySequence& k : QKeySequence::keyBindings(QKeySequence::Redo))
    if (!k.isEmpty() && !redoKeys.contains(k)) redoKeys << k;
  redo->setShortcuts(redoKeys);
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  edit->addAction("&Copy figure", QKeySequence("Ctrl+Shift+C"), this, [this, exportCtx]() {
    if (copyFigureToClipboard(exportCtx())) statusBar()->showMessage("Figure copied to the clipboard", 3000);
  });

  QMenu* view = menuBar()->addMenu("&View");
  for (QDockWidget* d : {m_lessonDock, m_stackDock, m_inputDock, m_plotsDock})
    view->addAction(d->toggleViewAction());
  view->addSeparator();
  view->addAction("Reset layout", this, [this]() {
    for (QDockWidget* d : {m_lessonDock, m_stackDock, m_inputDock, m_plotsDock}) {
      d->setFloating(false);
      d->show();
    }
    restoreState(m_defaultState);
    if (!isMaximized() && !isFullScreen()) resize(fittedDefaultSize());  // the first start's size
  });

  // Playback keys: window-wide shortcuts; a focused text field keeps its own keys (Qt gives a
  // QLineEdit's ShortcutOverride precedence), so typing "2" or moving the cursor is unaffected.
  QMenu* play = menuBar()->addMenu("&Playback");
  auto key = [this, play](const QString& text, const QKeySequence& seq, auto fn) {
    QAction* a = play->addAction(text);
    a->setShortcut(seq);
    a->setShortcutContext(Qt::WindowShortcut);
    connect(a, &QAction::triggered, this, fn);
    addAction(a);
    return a;
  };
  key("Play / pause", QKeySequence(Qt::Key_Space), [this]() { emit playPauseRequested(); });
  key("Step back", QKeySequence(Qt::Key_Left), [this]() { emit stepRequested(-1); });
  key("Step forward", QKeySequence(Qt::Key_Right), [this]() { emit stepRequested(1); });
  key("First step", QKeySequence(Qt::Key_Home), [this]() { emit homeRequested(); });
  key("Last step", QKeySequence(Qt::Key_End), [this]() { emit endRequested(); });
  QAction* faster = key("Faster", QKeySequence(Qt::Key_Plus), [this]() { emit speedRequested(1); });
  faster->setShortcuts({QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal)});
  key("Slower", QKeySequence(Qt::Key_Minus), [this]() { emit speedRequested(-1); });
}

// [SECTION] DOCUMENTS AND LESSONS
bool MainWindow::openLesson(const QString& name) {
  const QString path = lessonPath(name);
  if (path.isEmpty()) return false;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return false;
  nlohmann::json doc;
  try {
    doc = engine::parseStackJson(f.readAll().toStdString(), "lesson " + name.toStdString());
  } catch (const engine::EngineError& e) {
    QMessageBox::warning(this, "Cannot open lesson", QString::fromStdString(e.what()));
    return false;
  }
  m_doc->reset(doc, QString(), "lesson " + name, QString());
  announceView();
  // A lesson that answers a comparison question opens its other stacks beside it ("lesson":
  // {"compare": ["lesson name", ...]}, docs/stack-format.md).
  const QStringList others = lessonComparison(doc);
  if (!others.isEmpty()) {
    CompareWindow* c = openComparison();
    for (const QString& other : others) {
      QString err;
      if (!c->addLesson(other, &err)) statusBar()->showMessage(err, 8000);
    }
    c->markSaved();  // as bundled: nothing to save yet
    c->show();
  }
  return true;
}

bool MainWindow::openFile(const QString& path, QString* errorOut) {
  if (!m_doc->open(path, errorOut)) return false;
  announceView();
  return true;
}

void MainWindow::openDocument(const nlohmann::json& source, const QString& path, const QString& displayName,
                              const QString& baseDir, engine::DataAccess access) {
  m_doc->reset(source, path, displayName, baseDir, access);
  announceView();
}

void MainWindow::applyViewState(const QString& view, int layer, int step) {
  m_view = view;
  m_viewLayer = layer;
  if (layer >= 0) m_stackEditor->setCurrentLayer(layer);
  emit viewRequested(view, layer, step);
}

void MainWindow::setCanvas(QWidget* canvas) {
  if (!canvas) return;
  m_canvas = canvas;
  setCentralWidget(canvas);  // deletes the placeholder
  m_placeholder = nullptr;
}

QWidget* MainWindow::canvas() const {
  return centralWidget();
}

void MainWindow::setRequestedView(const QString& view, int layer, int step) {
  m_view = view;
  m_viewLayer = layer;
  m_step = step;
  m_viewFromCommandLine = true;
  emit viewRequested(m_view, m_viewLayer, m_step);
}

void MainWindow::announceView() {
  // The command line wins over the lesson's "view"; otherwise the lesson's view applies.
  if (!m_viewFromCommandLine) {
    const nlohmann::json& src = m_doc->source();
    m_view.clear();
    m_viewLayer = -1;
    m_step = -1;
    if (src.is_object() && src.contains("view") && src["view"].is_object()) {
      const auto& v = src["view"];
      if (v.contains("name") && v["name"].is_string())
        m_view = QString::fromStdString(v["name"].get<std::string>());
      if (v.contains("layer") && v["layer"].is_number_integer()) m_viewLayer = v["layer"].get<int>();
      // "step": the frame the lesson opens on; -1 or "last" = the view's final step.
      if (v.contains("step")) {
        const auto& st = v["step"];
        if (st.is_number_integer())
          m_step = st.get<int>() >= 0 ? st.get<int>() : (st.get<int>() == -1 ? kLastStep : -1);
        else if (st.is_string() && st.get<std::string>() == "last")
          m_step = kLastStep;
      }
    }
  }
  if (m_viewLayer >= 0) m_stackEditor->setCurrentLayer(m_viewLayer);
  emit viewRequested(m_view, m_viewLayer, m_step);
}

int MainWindow::currentLayer() const {
  return m_stackEditor->currentLayer();
}

// [SECTION] DOCUMENT → WIDGETS
void MainWindow::onSourceChanged() {
  const auto& err = m_doc->error();
  widgets::SourceError se;
  if (err) se = {err->message, err->rule, err->layer, err->param};
  const bool current = m_doc->hasValidStack() && !err && !m_doc->isBusy();
  m_stackEditor->setLastValidShown(m_shownValid);
  m_stackEditor->setDocumentState(m_doc->source(), m_doc->hasValidStack() ? &m_doc->stack() : nullptr,
                                  current, err ? &se : nullptr);
  const bool inputErr = err && err->layer < 0;
  m_inputEditor->setDocumentState(m_doc->source(), m_doc->hasValidStack() ? m_doc->stack().dims : 1,
                                  inputErr ? err->rule : QString());
  if (m_doc->isBusy())
    m_statusText->setText(tr("computing… (Esc cancels; the last valid result stays)"));
  else if (err)
    m_statusText->setText("⚠ " + err->message);
  else if (m_doc->hasValidStack()) {
    const auto& w = m_doc->stack().warnings;
    const size_t n = m_doc->stack().layers.size();
    m_statusText->setText(w.empty() ? QString("%1 %2 · ready").arg(n).arg(n == 1 ? "layer" : "layers")
                                    : QString::fromStdString(w.front()));
  }
  m_statusText->setStyleSheet(err ? "color: #c0392b;" : QString());
  // Before any stack has been shown, the lesson text comes from the source itself (the canvas
  // shows the error: canvas_binding.cpp); afterwards the last valid state stays.
  if (!m_shownValid) updateLesson();
  updateTitle();
}

void MainWindow::onStackChanged() {
  m_shownValid = true;
  const widgets::SnapshotPtr snap = m_doc->snapshot();
  if (m_placeholder) m_placeholder->setSnapshot(snap, currentLayer());
  m_plots->setSnapshot(snap);
  updateLesson();
  onSourceChanged();
  emit snapshotChanged(snap);
}

void MainWindow::updateLesson() {
  // The last valid stack's name and description; before anything was shown, the source's own.
  std::string nameText = m_doc->stack().name, descText = m_doc->stack().description;
  if (!m_shownValid) {
    const nlohmann::json& src = m_doc->source();
    auto text = [&src](const char* key) {
      return src.is_object() && src.contains(key) && src[key].is_string() ? src[key].get<std::string>()
                                                                          : std::string();
    };
    nameText = text("name");
    descText = text("description");
  }
  const QString name = nameText.empty() ? m_doc->title() : QString::fromStdString(nameText);
  QString desc = QString::fromStdString(descText);
  if (!Qt::mightBeRichText(desc)) {
    desc = desc.toHtmlEscaped();
    desc.replace("\n\n", "</p><p>");
    desc.replace("\n", "<br>");
    desc = "<p>" + desc + "</p>";
  }
  if (!m_shownValid && m_doc->error())
    desc = "<p><i>" + tr("This stack does not resolve yet, so nothing is computed: see the Stack dock.") +
           "</i></p>" + desc;
  m_lesson->setHtml(QString("<h2 style='margin-bottom:6px'>%1</h2>"
                            "<div style='font-size:10.5pt; line-height:135%'>%2</div>")
                        .arg(name.toHtmlEscaped(), desc));
}

void MainWindow::updateTitle() {
  setWindowTitle(QString("%1%2 — ConvScope").arg(m_doc->title(), isWorkModified() ? " *" : ""));
}

CompareWindow* MainWindow::compareWindow() const {
  return m_compare && !m_compare->isClosed() ? m_compare.data() : nullptr;
}

CompareWindow* MainWindow::openComparison() {
  if (CompareWindow* c = compareWindow()) return c;
  m_compare = new CompareWindow(this);
  connect(m_compare, &CompareWindow::modifiedChanged, this, &MainWindow::updateTitle);
  return m_compare;
}

bool MainWindow::isWorkModified() const {
  const CompareWindow* c = compareWindow();
  return m_doc->isModified() || (c && c->isModified());
}

// [SECTION] FILES
bool MainWindow::maybeSave() {
  if (!isWorkModified() || !m_persist) return true;
  const auto r = QMessageBox::question(this, "Unsaved changes", "Save the changes to " + m_doc->title() + "?",
                                       QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (r == QMessageBox::Save) return fileSave();
  return r == QMessageBox::Discard;
}

void MainWindow::fileNew() {
  if (!maybeSave()) return;
  m_doc->newDocument();
  announceView();
}

void MainWindow::fileOpen() {
  if (!maybeSave()) return;
  const QString path =
      QFileDialog::getOpenFileName(this, "Open stack", QString(), "Stack files (*.json);;All files (*)");
  if (path.isEmpty()) return;
  QString err;
  if (!openFile(path, &err)) QMessageBox::warning(this, "Cannot open stack", err);
}

bool MainWindow::fileSave() {
  const bool project = ProjectController::kindOf(m_doc->filePath()) == ProjectController::FileKind::Project;
  if (m_doc->filePath().isEmpty() || (compareWindow() && !project)) return fileSaveAs();
  QString err;
  if (project ? !m_project->saveProject(m_doc->filePath(), &err) : !m_doc->save(m_doc->filePath(), &err)) {
    QMessageBox::warning(this, "Cannot save", err);
    return false;
  }
  return true;
}

bool MainWindow::fileSaveAs() {
  // A project carries the data files; it is the default unless the document is a plain stack file.
  const QString projectFilter = "ConvScope project (*.convscope)", stackFilter = "Stack files (*.json)";
  QString selected =
      ProjectController::kindOf(m_doc->filePath()) == ProjectController::FileKind::Stack && !compareWindow()
          ? stackFilter
          : projectFilter;
  QString base = QFileInfo(m_doc->filePath()).completeBaseName();
  if (base.isEmpty()) base = m_doc->title().remove("lesson ").remove(" (imported)").remove(" (recovered)");
  QString path =
      QFileDialog::getSaveFileName(this, "Save as", base + (selected == stackFilter ? ".json" : ".convscope"),
                                   projectFilter + ";;" + stackFilter, &selected);
  if (path.isEmpty()) return false;
  const bool project = selected == projectFilter ? !path.endsWith(".json") : path.endsWith(".convscope");
  if (!path.endsWith(project ? ".convscope" : ".json")) path += project ? ".convscope" : ".json";
  QString err;
  if (project ? !m_project->saveProject(path, &err) : !m_project->saveStack(path, &err)) {
    QMessageBox::warning(this, "Cannot save", err);
    return false;
  }
  if (!project && compareWindow())
    statusBar()->showMessage(tr("Saved the stack only: a comparison's other stacks are kept in a project "
                                "(.convscope)"),
                             10000);
  return true;
}

// [SECTION] SETTINGS AND READINESS
void MainWindow::closeEvent(QCloseEvent* ev) {
  if (!maybeSave()) {
    ev->ignore();
    return;
  }
  if (m_persist) m_project->closeAccepted();  // the user was asked (without layout persistence nobody is)
  if (m_persist) {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
  }
  ev->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* ev) {
  for (const QUrl& url : ev->mimeData()->urls())
    if (url.isLocalFile() &&
        ProjectController::kindOf(url.toLocalFile()) != ProjectController::FileKind::Unknown) {
      ev->acceptProposedAction();
      return;
    }
}

void MainWindow::dropEvent(QDropEvent* ev) {
  // The first file ConvScope knows: a stack, project or model replaces the document, an input
  // file becomes the stack's input. With Ctrl held, stack files are compared with the document.
  if (ev->modifiers() & Qt::ControlModifier) {
    QStringList stacks;
    for (const QUrl& url : ev->mimeData()->urls())
      if (url.isLocalFile() &&
          ProjectController::kindOf(url.toLocalFile()) == ProjectController::FileKind::Stack)
        stacks << url.toLocalFile();
    if (!stacks.isEmpty()) {
      ev->acceptProposedAction();
      CompareWindow* c = openComparison();
      for (const QString& path : stacks) {
        QString err;
        if (!c->addFile(path, &err)) statusBar()->showMessage(err, 8000);
      }
      c->show();
      c->raise();
      return;
    }
  }
  for (const QUrl& url : ev->mimeData()->urls())
    if (url.isLocalFile() &&
        ProjectController::kindOf(url.toLocalFile()) != ProjectController::FileKind::Unknown) {
      ev->acceptProposedAction();
      // After the drop completes: opening may ask about unsaved changes in a modal box.
      QTimer::singleShot(0, m_project,
                         [p = m_project, path = url.toLocalFile()]() { p->openFromUser(path); });
      return;
    }
}

bool MainWindow::isSettled() const {
  if (m_doc->isBusy() || !m_plots->isReady()) return false;
  if (const CompareWindow* c = compareWindow(); c && !c->isSettled()) return false;
  const QWidget* c = centralWidget();
  const QVariant ready = c ? c->property("frameReady") : QVariant();
  return !ready.isValid() || ready.toBool();
}

}  // namespace convscope::app
