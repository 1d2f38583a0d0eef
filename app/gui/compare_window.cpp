// Index of this file:
//   [SECTION] PANES
//   [SECTION] CONSTRUCTION
//   [SECTION] STACKS
//   [SECTION] SHARED INPUT AND EDITORS
//   [SECTION] COMPARISON
//   [SECTION] PLAYBACK
//   [SECTION] SAVED STATE AND WINDOW
#include "app/gui/compare_window.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include "app/export/export_job.h"
#include "app/gui/commands.h"
#include "app/gui/document.h"
#include "app/gui/main_window.h"
#include "app/gui/shared_input.h"
#include "app/project/lessons.h"
#include "engine/core/cancel.h"
#include "engine/core/error.h"
#include "engine/stack/view_spec.h"
#include "widgets/compare/comparison_table.h"
#include "widgets/compare/difference_plot.h"
#include "widgets/input_editor.h"
#include "widgets/latest_job.h"
#include "widgets/scene_view.h"
#include "widgets/stack_editor.h"

namespace convscope::app {

// [SECTION] PANES
struct CompareWindow::Pane {
  QPointer<Document> doc;
  bool owned = false;  // this window's document (stacks 1..3), deleted with the pane
  QWidget* box = nullptr;
  QLabel* title = nullptr;
  QToolButton* remove = nullptr;
  QListWidget* layers = nullptr;
  QLabel* error = nullptr;
  widgets::SceneView* view = nullptr;
};

namespace {

QString layerLine(const engine::Stack& st, size_t i, const widgets::SnapshotPtr& shown) {
  QString shape;
  if (shown && i < shown->outputs.size()) {
    const engine::Shape& s = shown->outputs[i].shape;
    shape = QString::fromStdString(engine::shapeToString(engine::Shape(s.begin() + 1, s.end())));
  }
  return QString("%1  %2  → %3").arg(i).arg(QString::fromLatin1(engine::opName(st.layers[i].op)), shape);
}

}  // namespace

// [SECTION] CONSTRUCTION
CompareWindow::CompareWindow(MainWindow* main) : QMainWindow(main, Qt::Window), m_main(main) {
  setObjectName("compare");
  setAttribute(Qt::WA_DeleteOnClose);
  setAcceptDrops(true);
  m_jobs = new widgets::LatestJob(this);

  auto* split = new QSplitter(Qt::Vertical, this);
  m_paneHost = new QWidget(split);
  m_paneLayout = new QHBoxLayout(m_paneHost);
  m_paneLayout->setContentsMargins(4, 4, 4, 4);
  m_paneLayout->setSpacing(6);
  m_tabs = new QTabWidget(split);
  auto* tableBox = new QWidget(m_tabs);
  auto* tableLayout = new QVBoxLayout(tableBox);
  tableLayout->setContentsMargins(0, 0, 0, 0);
  m_status = new QLabel(tableBox);
  m_status->setWordWrap(true);
  m_table = new widgets::ComparisonTable(tableBox);
  tableLayout->addWidget(m_status);
  tableLayout->addWidget(m_table, 1);
  m_tabs->addTab(tableBox, tr("Figures"));
  auto* diffBox = new QWidget(m_tabs);
  auto* diffLayout = new QVBoxLayout(diffBox);
  diffLayout->setContentsMargins(0, 0, 0, 0);
  auto* pairRow = new QHBoxLayout;
  m_diffA = new QComboBox(diffBox);
  m_diffB = new QComboBox(diffBox);
  pairRow->addWidget(new QLabel(tr("Difference of"), diffBox));
  pairRow->addWidget(m_diffA);
  pairRow->addWidget(new QLabel(tr("minus"), diffBox));
  pairRow->addWidget(m_diffB);
  pairRow->addStretch(1);
  m_diff = new widgets::DifferencePlot(diffBox);
  diffLayout->addLayout(pairRow);
  diffLayout->addWidget(m_diff, 1);
  m_tabs->addTab(diffBox, tr("Difference"));
  split->addWidget(m_paneHost);
  split->addWidget(m_tabs);
  split->setStretchFactor(0, 7);  // the scenes get most of the height; the table scrolls
  split->setStretchFactor(1, 3);
  setCentralWidget(split);
  connect(m_diffA, &QComboBox::currentIndexChanged, this, [this]() { refreshDifference(); });
  connect(m_diffB, &QComboBox::currentIndexChanged, this, [this]() { refreshDifference(); });

  buildMenus();
  buildToolbar();
  buildDocks();
  statusBar();
  m_timer.setInterval(500);
  connect(&m_timer, &QTimer::timeout, this, [this]() {
    int last = 0;
    for (const auto& p : m_panes) last = std::max(last, p->view->stepCount() - 1);
    if (m_step >= last)
      pause();
    else
      setStep(m_step + 1);
  });

  Document* mainDoc = main->document();
  addPane(mainDoc, false);
  // The view the document opened on (a lesson's "view") is the comparison's too.
  if (auto v = widgets::viewFromName(main->requestedView()); v && !main->requestedView().isEmpty())
    setView(*v);
  connect(mainDoc, &Document::documentReset, this, [this]() {
    // Another file replaced stack 0: this comparison is over.
    m_closed = true;
    close();
  });
  // A size that fits a 1280×720 screen; the main window's own geometry is left alone.
  resize(main->fittedDefaultSize());
  updateTitle();
}

CompareWindow::~CompareWindow() {
  delete m_jobs;  // joins the comparison thread before the panes go
  m_jobs = nullptr;
  for (auto& p : m_panes)
    if (p->owned) delete p->doc.data();
}

void CompareWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&Comparison"));
  file->addAction(tr("&Add stack…"), this, [this]() { addFromDialog(); });
  file->addSeparator();
  file->addAction(tr("Export &figure…"), QKeySequence("Ctrl+E"), this, [this]() { exportFigure(); });
  file->addAction(tr("Export &animation…"), QKeySequence("Ctrl+Shift+E"), this,
                  [this]() { exportAnimation(); });
  file->addSeparator();
  file->addAction(tr("&Close"), QKeySequence::Close, this, &QWidget::close);
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QUndoStack* undo = m_main->document()->undoStack();
  QAction* u = undo->createUndoAction(this, tr("&Undo"));
  u->setShortcut(QKeySequence::Undo);
  QAction* r = undo->createRedoAction(this, tr("&Redo"));
  r->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
  edit->addAction(u);
  edit->addAction(r);
}

void CompareWindow::buildToolbar() {
  QToolBar* bar = addToolBar(tr("Comparison"));
  bar->setObjectName("compare.toolbar");
  bar->setMovable(false);
  auto button = [this, bar](QStyle::StandardPixmap icon, const QString& tip, auto fn) {
    auto* b = new QToolButton(bar);
    b->setIcon(style()->standardIcon(icon));
    b->setToolTip(tip);
    connect(b, &QToolButton::clicked, this, fn);
    bar->addWidget(b);
    return b;
  };
  button(QStyle::SP_MediaSkipBackward, tr("First step"), [this]() { setStep(0); });
  button(QStyle::SP_MediaSeekBackward, tr("Step back"), [this]() { setStep(m_step - 1); });
  m_playButton = button(QStyle::SP_MediaPlay, tr("Play / pause every stack together"),
                        [this]() { m_timer.isActive() ? pause() : play(); });
  button(QStyle::SP_MediaSeekForward, tr("Step forward"), [this]() { setStep(m_step + 1); });
  button(QStyle::SP_MediaSkipForward, tr("Last step"), [this]() { setStep(1 << 30); });
  m_scrub = new QSlider(Qt::Horizontal, bar);
  m_scrub->setMinimumWidth(160);
  m_scrub->setToolTip(tr("The step shown in every pane"));
  connect(m_scrub, &QSlider::valueChanged, this, [this](int v) { setStep(v); });
  bar->addWidget(m_scrub);
  m_stepLabel = new QLabel(bar);
  m_stepLabel->setMinimumWidth(90);
  bar->addWidget(m_stepLabel);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr("View "), bar));
  m_viewBox = new QComboBox(bar);
  m_viewBox->addItem(tr("each layer's own"), QString("auto"));
  for (const std::string& v : engine::viewNames())
    m_viewBox->addItem(QString::fromStdString(v), QString::fromStdString(v));
  connect(m_viewBox, &QComboBox::currentIndexChanged, this, [this]() {
    if (auto v = widgets::viewFromName(m_viewBox->currentData().toString())) setView(*v);
  });
  bar->addWidget(m_viewBox);
  bar->addSeparator();
  auto* add = new QToolButton(bar);
  add->setText(tr("Add stack…"));
  add->setToolTip(tr("Compare one more stack file or lesson (up to %1 stacks)").arg(kMaxStacks));
  connect(add, &QToolButton::clicked, this, [this]() { addFromDialog(); });
  bar->addWidget(add);
  auto* lessons = new QMenu(add);
  for (const QString& name : lessonNames())
    lessons->addAction(name, this, [this, name]() {
      QString err;
      if (!addLesson(name, &err)) QMessageBox::warning(this, tr("Cannot compare"), err);
    });
  add->setMenu(lessons);
  add->setPopupMode(QToolButton::MenuButtonPopup);
}

void CompareWindow::buildDocks() {
  m_inputEditor = new widgets::InputEditor(this);
  m_stackEditor = new widgets::StackEditor(this);
  auto dock = [this](const QString& title, const QString& name, QWidget* w, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(w);
    d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(area, d);
    return d;
  };
  // Both on the left, tabbed, so that the panes get the width: the input first, the Stack tab
  // comes forward when a pane is clicked.
  QDockWidget* input = dock(tr("Shared input"), "compare.input", m_inputEditor, Qt::LeftDockWidgetArea);
  QDockWidget* stack = dock(tr("Stack"), "compare.stack", m_stackEditor, Qt::LeftDockWidgetArea);
  tabifyDockWidget(input, stack);
  input->raise();
  connect(m_inputEditor, &widgets::InputEditor::editRequested, this, &CompareWindow::onInputEdit);
  connect(m_stackEditor, &widgets::StackEditor::editRequested, this,
          [this](const nlohmann::json& next, const QString& text, int mergeKey) {
            if (Document* d = document(m_active)) d->edit(next, text, mergeKey);
          });
  connect(m_stackEditor, &widgets::StackEditor::currentLayerChanged, this, [this](int layer) {
    if (m_active < stackCount() && layer >= 0) {
      Pane& p = *m_panes[size_t(m_active)];
      p.view->setLayer(layer);
      QSignalBlocker block(p.layers);
      p.layers->setCurrentRow(layer);
    }
  });
}

// [SECTION] STACKS
CompareWindow::Pane& CompareWindow::addPane(Document* doc, bool owned) {
  auto pane = std::make_unique<Pane>();
  Pane& p = *pane;
  p.doc = doc;
  p.owned = owned;
  p.box = new QWidget(m_paneHost);
  auto* v = new QVBoxLayout(p.box);
  v->setContentsMargins(0, 0, 0, 0);
  v->setSpacing(2);
  auto* head = new QHBoxLayout;
  p.title = new QLabel(p.box);
  p.title->setTextFormat(Qt::RichText);
  head->addWidget(p.title, 1);
  if (owned) {
    p.remove = new QToolButton(p.box);
    p.remove->setText(QStringLiteral("×"));
    p.remove->setToolTip(tr("Remove this stack from the comparison"));
    head->addWidget(p.remove);
    connect(p.remove, &QToolButton::clicked, this, [this, box = p.box]() {
      for (int i = 1; i < stackCount(); ++i)
        if (m_panes[size_t(i)]->box == box) return removeStack(i);
    });
  }
  v->addLayout(head);
  p.layers = new QListWidget(p.box);
  p.layers->setMaximumHeight(76);
  p.layers->setToolTip(tr("The layer this pane shows"));
  v->addWidget(p.layers);
  p.error = new QLabel(p.box);
  p.error->setWordWrap(true);
  p.error->setStyleSheet("color: #c0392b;");
  p.error->hide();
  v->addWidget(p.error);
  p.view = new widgets::SceneView(p.box);
  p.view->setView(m_view);
  v->addWidget(p.view, 1);
  m_paneLayout->addWidget(p.box, 1);

  connect(p.layers, &QListWidget::currentRowChanged, p.view, [view = p.view](int row) {
    if (row >= 0) view->setLayer(row);
  });
  connect(p.view, &widgets::SceneView::clicked, this, [this, box = p.box]() {
    for (int i = 0; i < stackCount(); ++i)
      if (m_panes[size_t(i)]->box == box) setActiveStack(i);
  });
  connect(p.view, &widgets::SceneView::stepRequested, this, [this](int d) { setStep(m_step + d); });
  connect(p.view, &widgets::SceneView::hovered, this,
          [this, view = p.view](const std::optional<widgets::HoverTarget>& t) {
            for (const auto& other : m_panes)
              if (other->view != view) other->view->setLinkedHover(t);
          });
  // One edit emits several of these signals: the refresh runs once, on the next event-loop turn.
  auto changed = [this]() {
    if (m_refreshPending) return;
    m_refreshPending = true;
    QTimer::singleShot(0, this, [this]() {
      m_refreshPending = false;
      refreshEditors();
      recompare();
      emit modifiedChanged();
      updateTitle();
    });
  };
  connect(doc, &Document::stackChanged, this, changed);
  connect(doc, &Document::errorChanged, this, changed);
  connect(doc, &Document::sourceChanged, this, changed);
  connect(doc, &Document::fileStateChanged, this, changed);
  connect(doc, &Document::busyChanged, this, changed);
  m_panes.push_back(std::move(pane));
  return p;
}

Document* CompareWindow::document(int index) const {
  return index >= 0 && index < stackCount() ? m_panes[size_t(index)]->doc.data() : nullptr;
}

widgets::SceneView* CompareWindow::view(int index) const {
  return index >= 0 && index < stackCount() ? m_panes[size_t(index)]->view : nullptr;
}

bool CompareWindow::addStack(const nlohmann::json& source, const QString& path, const QString& title,
                             const QString& baseDir, engine::DataAccess access, QString* errorOut) {
  if (stackCount() >= kMaxStacks) {
    if (errorOut) *errorOut = tr("a comparison holds at most %1 stacks").arg(kMaxStacks);
    return false;
  }
  // The new stack's input becomes the shared one before its first computation: resolve it once to
  // learn its layout and rank (a stack that does not resolve keeps its own input and shows its error).
  nlohmann::json src = source;
  Document* mainDoc = document(0);
  if (src.is_object() && mainDoc->hasValidStack() && mainDoc->source().is_object() &&
      mainDoc->source().contains("input")) {
    try {
      const engine::Stack own = engine::resolveStack(src, path.toStdString(), baseDir.toStdString(), access);
      QString why;
      if (auto in = sharedInputFor(mainDoc->source()["input"], &mainDoc->stack(), mainDoc->baseDir(), &own,
                                   baseDir, &why))
        src["input"] = *in;
    } catch (const engine::EngineError&) {
    }
  }
  auto* doc = new Document(nullptr);
  doc->shareUndoStack(mainDoc->undoStack());
  Pane& p = addPane(doc, true);
  doc->reset(src, path, title, baseDir, access);
  refreshPane(p);
  m_membershipChanged = true;
  m_diffB->setCurrentIndex(-1);
  recompare();
  emit modifiedChanged();
  updateTitle();
  return true;
}

bool CompareWindow::addFile(const QString& path, QString* errorOut) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) {
    if (errorOut) *errorOut = tr("%1: cannot open the file (%2)").arg(path, f.errorString());
    return false;
  }
  nlohmann::json src;
  try {
    src = engine::parseStackJson(f.readAll().toStdString(), path.toStdString());
  } catch (const engine::EngineError& e) {
    if (errorOut) *errorOut = QString::fromStdString(e.what());
    return false;
  }
  const QFileInfo fi(path);
  return addStack(src, fi.absoluteFilePath(), fi.fileName(), fi.absolutePath(), engine::DataAccess::Anywhere,
                  errorOut);
}

bool CompareWindow::addLesson(const QString& name, QString* errorOut) {
  const QString path = lessonPath(name);
  QFile f(path);
  if (path.isEmpty() || !f.open(QIODevice::ReadOnly)) {
    if (errorOut) *errorOut = tr("there is no lesson '%1'").arg(name);
    return false;
  }
  nlohmann::json src;
  try {
    src = engine::parseStackJson(f.readAll().toStdString(), "lesson " + name.toStdString());
  } catch (const engine::EngineError& e) {
    if (errorOut) *errorOut = QString::fromStdString(e.what());
    return false;
  }
  return addStack(src, QString(), "lesson " + name, QString(), engine::DataAccess::Anywhere, errorOut);
}

void CompareWindow::removeStack(int index) {
  if (index < 1 || index >= stackCount()) return;
  std::unique_ptr<Pane> p = std::move(m_panes[size_t(index)]);
  m_panes.erase(m_panes.begin() + index);
  p->box->deleteLater();
  if (p->owned) delete p->doc.data();  // its commands left on the shared undo stack become no-ops
  if (m_active >= stackCount()) m_active = 0;
  m_membershipChanged = true;
  refreshEditors();
  recompare();
  emit modifiedChanged();
  updateTitle();
}

void CompareWindow::addFromDialog() {
  const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Compare with stacks"), QString(),
                                                          tr("Stack files (*.json);;All files (*)"));
  for (const QString& path : paths) {
    QString err;
    if (!addFile(path, &err)) {
      QMessageBox::warning(this, tr("Cannot compare"), err);
      return;
    }
  }
}

void CompareWindow::setActiveStack(int index) {
  if (index < 0 || index >= stackCount()) return;
  m_active = index;
  refreshEditors();
  if (auto* dock = findChild<QDockWidget*>("compare.stack")) dock->raise();
}

// [SECTION] SHARED INPUT AND EDITORS
void CompareWindow::refreshPane(Pane& p) {
  Document* d = p.doc;
  if (!d) return;
  const bool active = m_active < stackCount() && m_panes[size_t(m_active)].get() == &p;
  const QString name = (d->title() + (d->isModified() ? " *" : QString())).toHtmlEscaped();
  p.title->setText(active ? QString("<b>▸ %1</b>").arg(name) : name);
  p.box->setStyleSheet(active ? "QListWidget { border: 1px solid #2e86c1; }" : QString());
  if (d->error()) {
    p.error->setText(tr("⚠ %1 — the last valid state is shown").arg(d->error()->message));
    p.error->show();
  } else {
    p.error->hide();
  }
  const widgets::SnapshotPtr shown = p.view->snapshot();
  const engine::Stack& st = d->stack();
  QSignalBlocker block(p.layers);
  p.layers->clear();
  for (size_t i = 0; i < st.layers.size(); ++i) p.layers->addItem(layerLine(st, i, shown));
  p.layers->setCurrentRow(std::min(p.view->layer(), p.layers->count() - 1));
}

void CompareWindow::refreshEditors() {
  for (auto& p : m_panes) refreshPane(*p);
  Document* mainDoc = document(0);
  const auto& err = mainDoc->error();
  m_inputEditor->setDocumentState(mainDoc->source(), mainDoc->hasValidStack() ? mainDoc->stack().dims : 1,
                                  err && err->layer < 0 ? err->rule : QString());
  Document* d = document(m_active);
  if (!d) return;
  widgets::SourceError se;
  if (d->error()) se = {d->error()->message, d->error()->rule, d->error()->layer, d->error()->param};
  m_stackEditor->setDocumentState(d->source(), d->hasValidStack() ? &d->stack() : nullptr,
                                  d->hasValidStack() && !d->error() && !d->isBusy(),
                                  d->error() ? &se : nullptr);
  if (auto* dock = findChild<QDockWidget*>("compare.stack"))
    dock->setWindowTitle(tr("Stack: %1").arg(d->title()));
}

void CompareWindow::onInputEdit(const nlohmann::json& next, const QString& text, int mergeKey) {
  Document* mainDoc = document(0);
  if (!next.is_object() || !next.contains("input")) return;
  std::vector<SetSourcesCommand::Change> changes;
  changes.push_back({mainDoc, mainDoc->source(), next});
  for (int i = 1; i < stackCount(); ++i) {
    Document* d = document(i);
    nlohmann::json after = d->source();
    if (!after.is_object()) continue;
    QString why;
    const auto in =
        sharedInputFor(next["input"], mainDoc->hasValidStack() ? &mainDoc->stack() : nullptr,
                       mainDoc->baseDir(), d->hasValidStack() ? &d->stack() : nullptr, d->baseDir(), &why);
    if (!in) {
      statusBar()->showMessage(tr("Input not changed: %1 (%2)").arg(why, d->title()), 8000);
      refreshEditors();  // the input editor shows the unchanged input again
      return;
    }
    after["input"] = *in;
    changes.push_back({d, d->source(), after});
  }
  mainDoc->undoStack()->push(
      new SetSourcesCommand(std::move(changes), tr("shared input: %1").arg(text), mergeKey));
}

// [SECTION] COMPARISON
void CompareWindow::recompare() {
  if (m_closed) return;
  std::vector<widgets::SnapshotPtr> snaps;
  std::vector<QString> names;
  for (const auto& p : m_panes) {
    snaps.push_back(p->doc && p->doc->hasValidStack() ? p->doc->snapshot() : nullptr);
    names.push_back(p->doc ? p->doc->title() : QString());
  }
  for (size_t i = 0; i < snaps.size(); ++i)
    if (!snaps[i]) {
      // Nothing to compare yet; each pane still shows its own stack if it has one.
      m_submittedSnaps.clear();
      adoptComparison(snaps, std::nullopt, tr("%1 has no valid stack yet").arg(names[i]));
      return;
    }
  if (snaps == m_submittedSnaps && names == m_submittedNames) return;  // nothing new to compare
  m_submittedSnaps = snaps;
  m_submittedNames = names;
  m_pendingJob =
      m_jobs->submit([this, snaps, names](const std::atomic<bool>& cancel) -> widgets::LatestJob::Deliver {
        std::vector<widgets::SnapshotPtr> shown(snaps.size());
        std::optional<engine::Comparison> c;
        QString err;
        try {
          engine::CancelScope scope(&cancel);
          const engine::Tensor& shared = snaps[0]->stack.input;
          std::vector<engine::Stack> stacks;
          for (size_t i = 0; i < snaps.size(); ++i) {
            stacks.push_back(snaps[i]->stack);
            stacks.back().name = names[i].toStdString();
            stacks.back().file = names[i].toStdString();
            // Each pane runs on stack 0's input; one whose input does not fit shows its own (the
            // comparison below says why).
            if (i == 0 || snaps[i]->stack.input.data == shared.data) {
              shown[i] = snaps[i];
              continue;
            }
            auto s = std::make_shared<widgets::StackSnapshot>();
            try {
              s->stack = engine::onSharedInput(snaps[i]->stack, shared, names[0].toStdString());
            } catch (const engine::EngineError&) {
              shown[i] = snaps[i];
              continue;
            }
            s->outputs = engine::forward(s->stack);
            shown[i] = s;
          }
          if (snaps.size() >= 2) c = engine::compareStacks(stacks);
          return [this, shown, c, err, stacks]() {
            m_comparedStacks = stacks;
            adoptComparison(shown, c, err);
          };
        } catch (const engine::Cancelled&) {
          return {};
        } catch (const engine::EngineError& e) {
          err = QString::fromStdString(e.what());
        } catch (const std::exception& e) {
          err = QString::fromUtf8(e.what());
        }
        for (size_t i = 0; i < snaps.size(); ++i) shown[i] = snaps[i];
        return [this, shown, err]() { adoptComparison(shown, std::nullopt, err); };
      });
}

void CompareWindow::adoptComparison(std::vector<widgets::SnapshotPtr> snaps,
                                    std::optional<engine::Comparison> c, QString err) {
  m_deliveredJob = m_jobs->latest();
  for (size_t i = 0; i < snaps.size() && i < m_panes.size(); ++i)
    if (snaps[i] && m_panes[i]->view->snapshot() != snaps[i]) {
      m_panes[i]->view->setSnapshot(snaps[i]);
      m_panes[i]->view->setStep(m_step);
    }
  m_comparison = std::move(c);
  m_error = err;
  if (m_comparison) {
    m_table->setComparison(*m_comparison, m_comparedStacks);
    m_status->setText(tr("%1 stacks on the input %2 (C, spatial). Hover a figure for its meaning.")
                          .arg(stackCount())
                          .arg(QString::fromStdString(engine::shapeToString(m_comparison->inputShape))));
    m_status->setStyleSheet(QString());
  } else {
    m_table->clear();
    m_table->setRowCount(0);
    m_status->setText(stackCount() < 2 ? tr("Add a stack to compare (toolbar: Add stack…)") : "⚠ " + err);
    m_status->setStyleSheet(stackCount() < 2 ? QString() : "color: #c0392b;");
  }
  // The pair choosers list the stacks; the plot follows them.
  for (QComboBox* box : {m_diffA, m_diffB}) {
    QSignalBlocker block(box);
    const int keep = box->currentIndex();
    box->clear();
    for (const auto& p : m_panes) box->addItem(p->doc ? p->doc->title() : QString());
    box->setCurrentIndex(
        keep >= 0 && keep < box->count() ? keep : (box == m_diffA ? 0 : std::min(1, box->count() - 1)));
  }
  for (auto& p : m_panes) refreshPane(*p);
  refreshDifference();
  updateStepUi();
}

void CompareWindow::setDifferencePair(int a, int b) {
  m_diffA->setCurrentIndex(a);
  m_diffB->setCurrentIndex(b);
  refreshDifference();
}

void CompareWindow::refreshDifference() {
  const int a = m_diffA->currentIndex(), b = m_diffB->currentIndex();
  if (!m_comparison || a < 0 || b < 0 || a >= int(m_comparison->outputs.size()) ||
      b >= int(m_comparison->outputs.size())) {
    m_diff->setMessage(tr("No comparison to plot yet"));
    return;
  }
  if (a == b) {
    m_diff->setMessage(tr("Choose two different stacks"));
    return;
  }
  m_diff->setPair(m_comparison->outputs[size_t(a)], m_comparison->outputs[size_t(b)], m_diffA->currentText(),
                  m_diffB->currentText());
}

bool CompareWindow::isSettled() const {
  if (m_refreshPending) return false;
  for (const auto& p : m_panes)
    if (p->doc && p->doc->isBusy()) return false;
  return !m_jobs->busy() && m_deliveredJob == m_jobs->latest();
}

bool CompareWindow::waitSettled(int ms) {
  QElapsedTimer t;
  t.start();
  while (!isSettled()) {
    if (t.elapsed() > ms) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
  }
  return true;
}

// [SECTION] PLAYBACK
void CompareWindow::setStep(int step) {
  int last = 0;
  for (const auto& p : m_panes) last = std::max(last, p->view->stepCount() - 1);
  m_step = std::clamp(step, 0, last);
  for (const auto& p : m_panes) p->view->setStep(m_step);
  updateStepUi();
}

void CompareWindow::setView(widgets::View view) {
  m_view = view;
  for (const auto& p : m_panes) p->view->setView(view);
  const int i = m_viewBox->findData(QString::fromLatin1(widgets::viewName(view)));
  QSignalBlocker block(m_viewBox);
  if (i >= 0) m_viewBox->setCurrentIndex(i);
  setStep(m_step);
}

void CompareWindow::play() {
  m_timer.start();
  m_playButton->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
}

void CompareWindow::pause() {
  m_timer.stop();
  m_playButton->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
}

void CompareWindow::updateStepUi() {
  int last = 0;
  for (const auto& p : m_panes) last = std::max(last, p->view->stepCount() - 1);
  QSignalBlocker block(m_scrub);
  m_scrub->setRange(0, last);
  m_scrub->setValue(m_step);
  m_stepLabel->setText(tr("step %1 / %2").arg(m_step + 1).arg(last + 1));
}

// [SECTION] SAVED STATE AND WINDOW
bool CompareWindow::isModified() const {
  if (m_membershipChanged) return true;
  for (size_t i = 1; i < m_panes.size(); ++i)
    if (m_panes[i]->doc && m_panes[i]->doc->isModified()) return true;
  return false;
}

void CompareWindow::markSaved() {
  for (size_t i = 1; i < m_panes.size(); ++i)
    if (m_panes[i]->doc) m_panes[i]->doc->markClean();
  m_membershipChanged = false;
  emit modifiedChanged();
  updateTitle();
}

void CompareWindow::updateTitle() {
  QStringList names;
  for (const auto& p : m_panes) names << (p->doc ? p->doc->title() : QString());
  setWindowTitle(tr("Compare: %1%2 — ConvScope").arg(names.join(tr(" · ")), isModified() ? " *" : ""));
}

std::vector<widgets::ComparisonPanel> CompareWindow::panels() const {
  std::vector<widgets::ComparisonPanel> out;
  for (const auto& p : m_panes)
    if (p->view->model()) out.push_back({p->view->model(), p->doc ? p->doc->title() : QString()});
  return out;
}

QSize CompareWindow::exportSize() const {
  return widgets::comparisonFigureSize(stackCount());
}

void CompareWindow::exportFigure() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the comparison as a figure"),
                                                    "compare.png", tr("Figures (*.png *.svg *.pdf *.tex)"));
  if (path.isEmpty()) return;
  try {
    app::exportComparisonFigure(panels(), m_step, widgets::Theme::Light, exportSize(), path);
    statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Cannot export"), QString::fromUtf8(e.what()));
  }
}

void CompareWindow::exportAnimation() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export the comparison as an animation"),
                                                    "compare.gif", tr("Animations (*.gif *.mp4)"));
  if (path.isEmpty()) return;
  AnimationOptions o;
  o.size = exportSize();
  try {
    const AnimationResult r = app::exportComparisonAnimation(panels(), o, path);
    statusBar()->showMessage(tr("Wrote %1: %2 frames").arg(path).arg(r.frames), 8000);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Cannot export"), QString::fromUtf8(e.what()));
  }
}

void CompareWindow::showEvent(QShowEvent* ev) {
  QMainWindow::showEvent(ev);
  if (m_shownOnce) return;
  m_shownOnce = true;
  // Once the window has its size: the docks as narrow as they read well, the panes get the rest.
  auto* input = findChild<QDockWidget*>("compare.input");
  auto* stack = findChild<QDockWidget*>("compare.stack");
  if (input && stack) resizeDocks({input, stack}, {300, 300}, Qt::Horizontal);
}

void CompareWindow::closeEvent(QCloseEvent* ev) {
  // Closing by hand drops the compared stacks: ask first when their edits live nowhere else.
  if (!m_closed && isModified() && m_main->asksQuestions()) {
    const auto r = QMessageBox::question(
        this, tr("Close the comparison?"),
        tr("The compared stacks have changes that are not saved in a project. Save the project first?"),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (r == QMessageBox::Cancel || (r == QMessageBox::Save && !m_main->saveDocument())) {
      ev->ignore();
      return;
    }
  }
  m_closed = true;
  pause();
  ev->accept();
  emit modifiedChanged();  // the main window's title no longer counts this comparison
}

void CompareWindow::dragEnterEvent(QDragEnterEvent* ev) {
  for (const QUrl& url : ev->mimeData()->urls())
    if (url.isLocalFile() && url.toLocalFile().endsWith(".json", Qt::CaseInsensitive)) {
      ev->acceptProposedAction();
      return;
    }
}

void CompareWindow::dropEvent(QDropEvent* ev) {
  for (const QUrl& url : ev->mimeData()->urls()) {
    if (!url.isLocalFile() || !url.toLocalFile().endsWith(".json", Qt::CaseInsensitive)) continue;
    QString err;
    if (!addFile(url.toLocalFile(), &err)) {
      statusBar()->showMessage(err, 8000);
      return;
    }
  }
  ev->acceptProposedAction();
}

}  // namespace convscope::app
