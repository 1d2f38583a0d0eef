// Index of this file:
//   [SECTION] PARAMETER TABLES
//   [SECTION] CONSTRUCTION
//   [SECTION] DOCUMENT STATE
//   [SECTION] EDITS
//   [SECTION] PANEL
#include "widgets/stack_editor.h"

#include <QComboBox>
#include <QContextMenuEvent>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "engine/core/layer.h"
#include "engine/core/limits.h"
#include "engine/resolve/op_schema.h"
#include "engine/stack/shape_words.h"

namespace convscope::widgets {

// [SECTION] PARAMETER TABLES
// Every parameter name, default and meaning comes from the op schema (engine/resolve/op_schema.h).
namespace {

using engine::Convention;
using engine::Param;

// The schema's entry for `key` of the op named `op` under `c`, or null (unknown op or key).
std::optional<engine::ParamSpec> specOf(const std::string& op, Convention c, const std::string& key) {
  engine::Op o;
  if (!engine::parseOp(op, o)) return std::nullopt;
  for (const engine::ParamSpec& p : engine::opParams(o, c))
    if (key == p.key) return p;
  return std::nullopt;
}

// Plain-language meaning of a parameter key, for the field's label and tooltip (translated).
QString meaningOf(const std::optional<engine::ParamSpec>& spec) {
  return spec ? QCoreApplication::translate("OpSchema", spec->meaning) : QString();
}

// The field's placeholder: "required", or the default, then the meaning.
QString placeholderOf(const std::optional<engine::ParamSpec>& spec) {
  if (!spec) return QCoreApplication::translate("StackEditor", "default");
  const std::string def = spec->def;
  const QString head =
      def == "required" ? QCoreApplication::translate("StackEditor", "required")
      : def == "null"
          ? QCoreApplication::translate("StackEditor", "default: none")
          : QCoreApplication::translate("StackEditor", "default %1").arg(QString::fromStdString(def));
  return head + " · " + meaningOf(spec);
}

// 1234567 → "1,234,567" (the locale's grouping).
QString groupedCount(int64_t n) {
  return QLocale().toString(static_cast<qlonglong>(n));
}

// 1234567 → "1.23M": three significant digits with k / M / G / T, for the narrow layer list.
QString compactCount(int64_t n) {
  static const char* const units[] = {"", "k", "M", "G", "T", "P"};
  double v = static_cast<double>(n);
  int u = 0;
  while (std::abs(v) >= 999.5 && u < 5) {
    v /= 1000.0;
    ++u;
  }
  if (u == 0) return QString::number(n);
  return QString::number(v, 'f', std::abs(v) < 10 ? 2 : std::abs(v) < 100 ? 1 : 0) + units[u];
}

// The stack's own "view" names a layer by index (the engine refuses one out of range): after an
// edit that inserts, removes or reorders layers it follows its layer to the new index. `map` takes
// the old index to the new one, or -1 when that layer is gone (then "view.layer" is dropped and the
// view opens on the default layer).
void followViewLayer(nlohmann::json& doc, const std::function<int(int)>& map) {
  if (!doc.is_object() || !doc.contains("view") || !doc["view"].is_object()) return;
  nlohmann::json& v = doc["view"];
  if (!v.contains("layer") || !v["layer"].is_number_integer()) return;
  const int to = map(v["layer"].get<int>());
  if (to < 0)
    v.erase("layer");
  else
    v["layer"] = to;
}

// Renames the parameters of one layer from convention `a` to `b` (docs/conventions.md §Parameter
// names). The bias switch is not renamed: chainer's nobias means the opposite.
void renameParams(nlohmann::json& l, Convention a, Convention b) {
  engine::Op op;
  if (!l.contains("op") || !l["op"].is_string() || !engine::parseOp(l["op"].get<std::string>(), op)) return;
  for (const engine::ParamSpec& p : engine::opParams(op, a)) {
    if (p.param == Param::Bias || p.param == Param::BiasFile) continue;
    const std::string from = p.key, to = engine::paramKey(op, b, p.param);
    if (to.empty() || from == to || !l.contains(from) || l.contains(to)) continue;
    l[to] = l[from];
    l.erase(from);
  }
}

}  // namespace

const std::vector<std::string>& editorOps() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> names;
    for (engine::Op op : engine::allOps()) names.emplace_back(engine::opName(op));
    return names;
  }();
  return ops;
}

std::vector<std::string> standardParamKeys(const std::string& op, Convention c) {
  engine::Op o;
  if (!engine::parseOp(op, o)) return {};
  return engine::standardKeys(o, c);
}

nlohmann::json defaultLayer(const std::string& op, Convention c, int inChannels, int index) {
  nlohmann::json l = {{"op", op}};
  engine::Op o;
  if (!engine::parseOp(op, o)) return l;
  auto key = [&](Param p) { return std::string(engine::paramKey(o, c, p)); };
  switch (o) {
    case engine::Op::Conv:
    case engine::Op::ConvTranspose:
      l[key(Param::OutChannels)] = std::max(1, inChannels);
      l[key(Param::Kernel)] = 3;
      if (o == engine::Op::ConvTranspose) l[key(Param::Stride)] = 2;
      l["init"] = {{"kind", "random"}, {"seed", index}};
      break;
    case engine::Op::MaxPool:
    case engine::Op::AvgPool:
    case engine::Op::Unpool:
      l[key(Param::Kernel)] = 2;
      break;
    case engine::Op::Upsample:
      l[key(Param::Scale)] = 2;
      break;
    case engine::Op::ZeroInsert:
      l[key(Param::Stride)] = 2;
      break;
    default:
      break;
  }
  return l;
}

// [SECTION] CONSTRUCTION
StackEditor::StackEditor(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(6, 6, 6, 6);
  v->setSpacing(6);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel("Convention", this));
  m_convention = new QComboBox(this);
  m_convention->addItems({"pytorch", "keras", "onnx", "chainer"});
  m_convention->setToolTip("Whose rules and parameter names the stack is written in");
  top->addWidget(m_convention, 1);
  v->addLayout(top);

  m_list = new QListWidget(this);
  m_list->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_list->setContextMenuPolicy(Qt::CustomContextMenu);
  m_list->setMinimumHeight(90);
  m_list->setAlternatingRowColors(true);
  v->addWidget(m_list, 2);
  m_totals = new QLabel(this);
  m_totals->setWordWrap(true);
  m_totals->setToolTip(
      tr("Weights and biases of every layer, and the multiply-adds of one sample's forward pass"));
  v->addWidget(m_totals);

  auto* buttons = new QHBoxLayout;
  buttons->setSpacing(3);
  m_add = new QToolButton(this);
  m_add->setText("Add ▾");
  m_add->setPopupMode(QToolButton::InstantPopup);
  m_add->setMenu(buildAddMenu(m_add));
  m_add->setToolTip("Insert a layer after the selected one");
  m_duplicate = new QPushButton("Duplicate", this);
  m_remove = new QPushButton("Remove", this);
  m_up = new QPushButton("▲", this);
  m_down = new QPushButton("▼", this);
  m_up->setToolTip("Move the layer up");
  m_down->setToolTip("Move the layer down");
  for (QPushButton* b : {m_up, m_down}) b->setFixedWidth(30);
  buttons->addWidget(m_add);
  buttons->addWidget(m_duplicate);
  buttons->addWidget(m_remove);
  buttons->addStretch(1);
  buttons->addWidget(m_up);
  buttons->addWidget(m_down);
  v->addLayout(buttons);

  m_panelTitle = new QLabel(this);
  m_panelTitle->setTextFormat(Qt::RichText);
  m_panelTitle->setWordWrap(true);  // a long shape line must not widen the dock
  v->addWidget(m_panelTitle);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::StyledPanel);
  m_panel = new QWidget(scroll);
  m_grid = new QGridLayout(m_panel);
  m_grid->setContentsMargins(6, 6, 6, 6);
  m_grid->setHorizontalSpacing(8);
  m_grid->setVerticalSpacing(2);
  scroll->setWidget(m_panel);
  v->addWidget(scroll, 3);

  m_generalError = new QLabel(this);
  m_generalError->setWordWrap(true);
  m_generalError->setStyleSheet("color: #c0392b;");
  m_generalError->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_generalError->hide();
  v->addWidget(m_generalError);

  connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
    if (row == m_selected) return;
    m_selected = row;
    updateButtons();
    refreshPanel();
    emit currentLayerChanged(row);
  });
  connect(m_list, &QListWidget::customContextMenuRequested, this, &StackEditor::showContextMenu);
  connect(m_remove, &QPushButton::clicked, this, &StackEditor::removeCurrentLayer);
  connect(m_duplicate, &QPushButton::clicked, this, &StackEditor::duplicateCurrentLayer);
  connect(m_up, &QPushButton::clicked, this, [this]() { moveCurrentLayer(-1); });
  connect(m_down, &QPushButton::clicked, this, [this]() { moveCurrentLayer(1); });
  connect(m_convention, &QComboBox::activated, this,
          [this](int i) { setConvention(static_cast<Convention>(i)); });
}

QMenu* StackEditor::buildAddMenu(QWidget* parent) {
  auto* menu = new QMenu(parent);
  for (const std::string& op : editorOps())
    menu->addAction(QString::fromStdString(op), this, [this, op]() { addLayer(op); });
  return menu;
}

void StackEditor::showContextMenu(const QPoint& pos) {
  QMenu menu(this);
  QMenu* add = buildAddMenu(&menu);
  add->setTitle("Add layer after");
  menu.addMenu(add);
  const bool sel = currentLayer() >= 0;
  menu.addAction("Duplicate", this, &StackEditor::duplicateCurrentLayer)->setEnabled(sel);
  menu.addAction("Remove", this, &StackEditor::removeCurrentLayer)->setEnabled(sel);
  menu.addSeparator();
  menu.addAction("Move up", this, [this]() { moveCurrentLayer(-1); })->setEnabled(sel && currentLayer() > 0);
  menu.addAction("Move down", this, [this]() { moveCurrentLayer(1); })
      ->setEnabled(sel && currentLayer() + 1 < m_list->count());
  menu.exec(m_list->viewport()->mapToGlobal(pos));
}

// [SECTION] DOCUMENT STATE
Convention StackEditor::convention() const {
  Convention c = Convention::PyTorch;
  if (m_source.is_object() && m_source.contains("convention") && m_source["convention"].is_string())
    engine::parseConvention(m_source["convention"].get<std::string>(), c);
  return c;
}

const nlohmann::json* StackEditor::layers() const {
  if (!m_source.is_object() || !m_source.contains("layers") || !m_source["layers"].is_array()) return nullptr;
  return &m_source["layers"];
}

int StackEditor::currentLayer() const {
  return m_selected;
}

void StackEditor::setCurrentLayer(int index) {
  if (index >= m_list->count()) index = m_list->count() - 1;
  m_list->setCurrentRow(index);
}

void StackEditor::setDocumentState(const nlohmann::json& source, const engine::Stack* resolved,
                                   bool resolvedIsCurrent, const SourceError* error) {
  m_source = source;
  m_hasResolved = resolved != nullptr;
  if (resolved) m_resolved = *resolved;
  m_resolvedIsCurrent = resolvedIsCurrent;
  m_hasError = error != nullptr;
  m_error = error ? *error : SourceError{};
  const QSignalBlocker block(m_convention);
  m_convention->setCurrentIndex(static_cast<int>(convention()));
  refreshList();
  refreshPanel();
}

void StackEditor::refreshList() {
  const nlohmann::json* ls = layers();
  const int n = ls ? static_cast<int>(ls->size()) : 0;
  const QSignalBlocker block(m_list);
  while (m_list->count() > n) delete m_list->takeItem(m_list->count() - 1);
  while (m_list->count() < n) m_list->addItem(QString());
  for (int i = 0; i < n; ++i) {
    const nlohmann::json& l = (*ls)[static_cast<size_t>(i)];
    const std::string op =
        l.is_object() && l.contains("op") && l["op"].is_string() ? l["op"].get<std::string>() : "?";
    QString shape = "?", cost;
    QString costTip;
    bool stale = true;
    if (m_hasResolved && i < static_cast<int>(m_resolved.layers.size()) &&
        engine::opName(m_resolved.layers[static_cast<size_t>(i)].op) == op) {
      const engine::Layer& rl = m_resolved.layers[static_cast<size_t>(i)];
      shape = QString::fromStdString(engine::layoutShapeText(m_resolved, rl.outputShape(), i));
      cost = tr("%1 params · %2 MACs")
                 .arg(compactCount(engine::parameterCount(rl)))
                 .arg(compactCount(engine::multiplyAdds(rl)));
      costTip = tr("parameters %1, multiply-adds %2 per sample")
                    .arg(groupedCount(engine::parameterCount(rl)))
                    .arg(groupedCount(engine::multiplyAdds(rl)));
      stale = !m_resolvedIsCurrent;
    }
    QListWidgetItem* item = m_list->item(i);
    item->setText(QString("%1  %2 → %3").arg(i, 2).arg(QString::fromStdString(op), -15).arg(shape) +
                  (cost.isEmpty() ? QString() : "\n      " + cost));
    const bool bad = m_hasError && m_error.layer == i;
    item->setForeground(bad ? QColor("#c0392b") : stale ? QColor(Qt::gray) : palette().color(QPalette::Text));
    item->setToolTip(bad ? m_error.message : stale ? tr("shape of the last valid state") : costTip);
  }
  refreshTotals();
  if (m_selected >= n) m_selected = n - 1;
  if (m_selected < 0 && n > 0) m_selected = 0;
  m_list->setCurrentRow(m_selected);
  updateButtons();
}

void StackEditor::refreshTotals() {
  if (!m_hasResolved) {
    m_totals->clear();
    return;
  }
  int64_t params = 0, macs = 0;
  for (const engine::Layer& l : m_resolved.layers) {
    params = engine::addSaturating(params, engine::parameterCount(l));
    macs = engine::addSaturating(macs, engine::multiplyAdds(l));
  }
  m_totals->setText(tr("Total: parameters %1 · multiply-adds %2 per sample%3")
                        .arg(groupedCount(params))
                        .arg(groupedCount(macs))
                        .arg(m_resolvedIsCurrent ? QString() : tr(" (last valid state)")));
}

void StackEditor::updateButtons() {
  const nlohmann::json* ls = layers();
  const int n = ls ? static_cast<int>(ls->size()) : 0;
  const bool sel = m_selected >= 0 && m_selected < n;
  m_remove->setEnabled(sel);
  m_duplicate->setEnabled(sel);
  m_up->setEnabled(sel && m_selected > 0);
  m_down->setEnabled(sel && m_selected + 1 < n);
  m_add->setEnabled(ls != nullptr);
}

// [SECTION] EDITS
void StackEditor::emitEdit(const nlohmann::json& next, const QString& text, int mergeKey) {
  emit editRequested(next, text, mergeKey);
}

void StackEditor::addLayer(const std::string& op) {
  if (!layers()) return;
  nlohmann::json next = m_source;
  const int at = m_selected + 1;
  int inChannels = 1;
  if (m_hasResolved) {
    if (at > 0 && at - 1 < static_cast<int>(m_resolved.layers.size()))
      inChannels = m_resolved.layers[static_cast<size_t>(at - 1)].outChannels;
    else if (m_resolved.input.rank() >= 2)
      inChannels = static_cast<int>(m_resolved.input.dim(1));
  }
  auto& arr = next["layers"];
  arr.insert(arr.begin() + at, defaultLayer(op, convention(), inChannels, at));
  followViewLayer(next, [at](int i) { return i >= at ? i + 1 : i; });
  m_selected = at;
  emitEdit(next, QString("Add %1 layer").arg(QString::fromStdString(op)));
}

void StackEditor::removeCurrentLayer() {
  const nlohmann::json* ls = layers();
  if (!ls || m_selected < 0 || m_selected >= static_cast<int>(ls->size())) return;
  nlohmann::json next = m_source;
  next["layers"].erase(next["layers"].begin() + m_selected);
  const int removed = m_selected;
  followViewLayer(next, [removed](int i) { return i == removed ? -1 : i > removed ? i - 1 : i; });
  m_selected = std::min(m_selected, static_cast<int>(next["layers"].size()) - 1);
  emitEdit(next, QString("Remove layer %1").arg(removed));
}

void StackEditor::duplicateCurrentLayer() {
  const nlohmann::json* ls = layers();
  if (!ls || m_selected < 0 || m_selected >= static_cast<int>(ls->size())) return;
  nlohmann::json next = m_source;
  auto& arr = next["layers"];
  arr.insert(arr.begin() + m_selected + 1, arr[static_cast<size_t>(m_selected)]);
  const int from = m_selected;
  followViewLayer(next, [from](int i) { return i > from ? i + 1 : i; });
  m_selected = from + 1;
  emitEdit(next, QString("Duplicate layer %1").arg(from));
}

void StackEditor::moveCurrentLayer(int delta) {
  const nlohmann::json* ls = layers();
  const int to = m_selected + delta;
  if (!ls || m_selected < 0 || to < 0 || to >= static_cast<int>(ls->size())) return;
  nlohmann::json next = m_source;
  std::swap(next["layers"][static_cast<size_t>(m_selected)], next["layers"][static_cast<size_t>(to)]);
  const int from = m_selected;
  followViewLayer(next, [from, to](int i) { return i == from ? to : i == to ? from : i; });
  m_selected = to;
  emitEdit(next, QString("Move layer %1 %2").arg(from).arg(delta < 0 ? "up" : "down"));
}

void StackEditor::setConvention(Convention c) {
  if (!m_source.is_object()) return;
  const Convention old = convention();
  if (c == old) return;
  nlohmann::json next = m_source;
  next["convention"] = engine::conventionName(c);
  if (next.contains("layers") && next["layers"].is_array())
    for (auto& l : next["layers"])
      if (l.is_object()) renameParams(l, old, c);
  emitEdit(next, QString("Convention %1").arg(engine::conventionName(c)));
}

bool StackEditor::setParamText(const std::string& key, const QString& valueText) {
  const nlohmann::json* ls = layers();
  if (!ls || m_selected < 0 || m_selected >= static_cast<int>(ls->size())) return false;
  nlohmann::json next = m_source;
  nlohmann::json& layer = next["layers"][static_cast<size_t>(m_selected)];
  if (!layer.is_object()) return false;
  const QString t = valueText.trimmed();
  if (t.isEmpty()) {
    layer.erase(key);
  } else {
    nlohmann::json v;
    const int cap = engine::limits().maxJsonDepth;
    size_t where = 0;
    if (engine::jsonNestingDepth(t.toStdString(), cap, where) > cap) {
      if (QLabel* e = errorLabelFor(key)) {
        e->setText(QString("nested deeper than %1 levels; a stack file may not nest that deep").arg(cap));
        e->show();
      }
      return false;
    }
    try {
      v = nlohmann::json::parse(t.toStdString());
    } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for "1e999"
      // A bare word is a string: same, valid, reflect, ...
      static const QRegularExpression word("^[A-Za-z_][A-Za-z0-9_]*$");
      if (!word.match(t).hasMatch()) {
        if (QLabel* e = errorLabelFor(key)) {
          e->setText("not a value yet: use a number, a list like [1, 2], a word or true/false");
          e->show();
        }
        return false;
      }
      v = t.toStdString();
    }
    layer[key] = v;
  }
  const int mergeKey =
      static_cast<int>(std::hash<std::string>{}(std::to_string(m_selected) + "/" + key) & 0x3fffffff);
  m_ownEdit = true;
  emitEdit(next, QString("Set %1 of layer %2").arg(QString::fromStdString(key)).arg(m_selected), mergeKey);
  m_ownEdit = false;
  return true;
}

// [SECTION] PANEL
QLineEdit* StackEditor::fieldFor(const std::string& key) const {
  for (const Field& f : m_fields)
    if (f.key == key) return f.edit;
  return nullptr;
}

QLabel* StackEditor::errorLabelFor(const std::string& key) const {
  for (const Field& f : m_fields)
    if (f.key == key) return f.error;
  return nullptr;
}

void StackEditor::refreshPanel() {
  const nlohmann::json* ls = layers();
  const bool have = ls && m_selected >= 0 && m_selected < static_cast<int>(ls->size()) &&
                    (*ls)[static_cast<size_t>(m_selected)].is_object();
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& layer = have ? (*ls)[static_cast<size_t>(m_selected)] : empty;
  const std::string op =
      layer.contains("op") && layer["op"].is_string() ? layer["op"].get<std::string>() : "";
  const Convention c = convention();
  std::vector<std::string> keys = standardParamKeys(op, c);
  for (auto it = layer.begin(); it != layer.end(); ++it)
    if (it.key() != "op" && std::find(keys.begin(), keys.end(), it.key()) == keys.end())
      keys.push_back(it.key());
  std::string signature = std::to_string(m_selected) + op + engine::conventionName(c);
  for (const auto& k : keys) signature += "|" + k;

  if (!(m_ownEdit && !m_fields.empty()) && signature != m_panelSignature) {
    m_panelSignature = signature;
    for (Field& f : m_fields) {
      delete f.name;
      delete f.edit;
      delete f.error;
    }
    m_fields.clear();
    int row = 0;
    for (const std::string& key : keys) {
      Field f;
      f.key = key;
      const std::optional<engine::ParamSpec> spec = specOf(op, c, key);
      const QString meaning = meaningOf(spec);
      f.name = new QLabel(QString("<code>%1</code>").arg(QString::fromStdString(key)), m_panel);
      f.name->setToolTip(meaning);
      f.edit = new QLineEdit(m_panel);
      f.edit->setPlaceholderText(placeholderOf(spec));
      f.edit->setToolTip(meaning + (meaning.isEmpty() ? "" : "\n") +
                         tr("A JSON value: 3, [3, 1], \"same\" (quotes optional), true; empty = default"));
      f.error = new QLabel(m_panel);
      f.error->setWordWrap(true);
      f.error->setStyleSheet("color: #c0392b;");
      f.error->hide();
      m_grid->addWidget(f.name, row, 0, Qt::AlignTop | Qt::AlignLeft);
      m_grid->addWidget(f.edit, row, 1);
      m_grid->addWidget(f.error, row + 1, 1);
      row += 2;
      connect(f.edit, &QLineEdit::textEdited, this,
              [this, key](const QString& text) { setParamText(key, text); });
      m_fields.push_back(f);
    }
    m_grid->setRowStretch(row, 1);
    m_grid->setColumnStretch(1, 1);
  }
  if (!m_ownEdit) {
    for (Field& f : m_fields) {
      const QString text = layer.contains(f.key) ? QString::fromStdString(layer[f.key].dump()) : QString();
      if (f.edit->text() != text) f.edit->setText(text);
    }
  }
  QString title =
      have ? QString("<b>Layer %1</b> · <code>%2</code>").arg(m_selected).arg(QString::fromStdString(op))
           : QString("<i>no layer selected</i>");
  if (have && m_hasResolved && m_selected < static_cast<int>(m_resolved.layers.size()) &&
      engine::opName(m_resolved.layers[static_cast<size_t>(m_selected)].op) == op) {
    const engine::Layer& l = m_resolved.layers[static_cast<size_t>(m_selected)];
    title +=
        QString("&nbsp; %1 → %2<br>%3")
            .arg(QString::fromStdString(engine::layoutShapeText(m_resolved, l.inputShape(), m_selected - 1))
                     .toHtmlEscaped())
            .arg(QString::fromStdString(engine::layoutShapeText(m_resolved, l.outputShape(), m_selected))
                     .toHtmlEscaped())
            .arg(tr("parameters %1 · multiply-adds %2 per sample")
                     .arg(groupedCount(engine::parameterCount(l)))
                     .arg(groupedCount(engine::multiplyAdds(l))));
  }
  m_panelTitle->setText(title);
  showErrors();
}

void StackEditor::showErrors() {
  bool placed = false;
  for (Field& f : m_fields) {
    const bool here = m_hasError && m_error.layer == m_selected && m_error.layer >= 0 &&
                      QString::fromStdString(f.key) == m_error.param;
    if (here) {
      f.error->setText(m_error.rule);
      f.error->setToolTip(m_error.message);
      f.edit->setStyleSheet("QLineEdit { border: 1px solid #c0392b; }");
      placed = true;
    } else {
      f.edit->setStyleSheet(QString());
    }
    f.error->setVisible(here);
  }
  // Before any stack was shown there is nothing "last valid" on screen.
  const QString shown =
      m_lastValidShown ? tr("the last valid state is shown") : tr("nothing is computed until this is fixed");
  if (m_hasError && !placed) {
    QString where = m_error.layer >= 0 ? QString("Layer %1: ").arg(m_error.layer) : QString();
    if (m_error.layer < 0 && !m_error.param.isEmpty()) where = QString("%1: ").arg(m_error.param);
    m_generalError->setText("⚠ " + where + m_error.rule + "\n(" + shown + ")");
    m_generalError->setToolTip(m_error.message);
    m_generalError->show();
  } else if (m_hasError) {
    m_generalError->setText(
        "⚠ " + (m_lastValidShown ? tr("the last valid state is shown until this is fixed") : shown));
    m_generalError->show();
  } else {
    m_generalError->hide();
  }
}

}  // namespace convscope::widgets
