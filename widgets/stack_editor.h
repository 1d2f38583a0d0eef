// StackEditor: the layers of a stack file with their output shapes, and a property panel for the
// selected layer. The editor never owns the document: every change is emitted as editRequested()
// with the complete new JSON source (the app pushes it onto its QUndoStack), and the document's
// state comes back through setDocumentState(). Invalid values stay in the source, the engine's
// error is shown next to the field it names, and shapes keep the last valid resolution.
#pragma once
#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/convention.h"
#include "engine/stack/stack.h"

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QMenu;
class QPushButton;
class QToolButton;

namespace convscope::widgets {

/// The engine's complaint about the current source (see engine::ErrorContext).
struct SourceError {
  QString message;  // full message
  QString rule;     // the rule alone
  int layer = -1;   // -1: input or file
  QString param;    // parameter name under the convention, "" if none
};

/// Parameter keys the editor offers for `op` under convention `c` (standard ones, in order).
std::vector<std::string> standardParamKeys(const std::string& op, engine::Convention c);
/// A new layer of `op` with defaults that resolve for an input of `inChannels` channels.
nlohmann::json defaultLayer(const std::string& op, engine::Convention c, int inChannels, int index);
/// The ops the editor can add, in menu order.
const std::vector<std::string>& editorOps();

class StackEditor : public QWidget {
  Q_OBJECT
 public:
  explicit StackEditor(QWidget* parent = nullptr);

  /// Shows the document: `source` as edited, `resolved` = last valid stack (may be null),
  /// `resolvedIsCurrent` = it was resolved from `source`, `error` = why `source` fails (may be null).
  void setDocumentState(const nlohmann::json& source, const engine::Stack* resolved, bool resolvedIsCurrent,
                        const SourceError* error);
  /// Selected layer index, -1 if none.
  int currentLayer() const;
  void setCurrentLayer(int index);

  /// Layer edits (the same actions as the buttons and context menu); each emits editRequested.
  void addLayer(const std::string& op);
  void removeCurrentLayer();
  void duplicateCurrentLayer();
  void moveCurrentLayer(int delta);
  /// Sets `key` of the selected layer to the JSON text `valueText` ("" removes the key). Returns
  /// false (and shows the message next to the field) when the text is not a JSON value.
  bool setParamText(const std::string& key, const QString& valueText);
  /// Switches the stack's convention, renaming the standard parameter keys of every layer.
  void setConvention(engine::Convention c);

  /// Whether the window still shows a last valid state (of this document or the one before) when
  /// the stack does not resolve; the error line says so, or that nothing is computed yet.
  void setLastValidShown(bool shown) { m_lastValidShown = shown; }
  /// The field editing `key` of the selected layer, or null (tests).
  QLineEdit* fieldFor(const std::string& key) const;
  /// The error label next to `key`'s field, or null (tests).
  QLabel* errorLabelFor(const std::string& key) const;
  /// The label that shows errors not tied to a visible field.
  QLabel* generalErrorLabel() const { return m_generalError; }
  /// The layer list (tests).
  QListWidget* layerList() const { return m_list; }
  /// The line under the list with the stack's total parameters and multiply-adds (tests).
  QLabel* totalsLabel() const { return m_totals; }
  /// The title above the selected layer's parameters: shapes, parameters, multiply-adds (tests).
  QLabel* panelTitleLabel() const { return m_panelTitle; }

 signals:
  /// The user changed the stack: `next` is the whole new source; `mergeKey` >= 0 groups
  /// consecutive edits of one field into one undo step.
  void editRequested(const nlohmann::json& next, const QString& text, int mergeKey);
  /// The selected layer changed.
  void currentLayerChanged(int index);

 private:
  struct Field {
    std::string key;
    QLabel* name = nullptr;
    QLineEdit* edit = nullptr;
    QLabel* error = nullptr;
  };
  void emitEdit(const nlohmann::json& next, const QString& text, int mergeKey = -1);
  void refreshList();
  /// The totals line from m_resolved (empty without a resolved stack).
  void refreshTotals();
  /// Enables the layer buttons for the selected layer (m_selected); called whenever it changes.
  void updateButtons();
  void refreshPanel();
  void showErrors();
  void showContextMenu(const QPoint& pos);
  engine::Convention convention() const;
  const nlohmann::json* layers() const;
  QMenu* buildAddMenu(QWidget* parent);

  nlohmann::json m_source;
  engine::Stack m_resolved;
  bool m_hasResolved = false;
  bool m_resolvedIsCurrent = false;
  bool m_hasError = false;
  bool m_lastValidShown = true;
  SourceError m_error;
  bool m_ownEdit = false;  // an edit from a field is being applied: keep that field's text
  int m_selected = -1;
  std::string m_panelSignature;  // layer index + op + key list the panel was built for

  QComboBox* m_convention = nullptr;
  QListWidget* m_list = nullptr;
  QLabel* m_totals = nullptr;
  QToolButton* m_add = nullptr;
  QPushButton* m_remove = nullptr;
  QPushButton* m_duplicate = nullptr;
  QPushButton* m_up = nullptr;
  QPushButton* m_down = nullptr;
  QLabel* m_panelTitle = nullptr;
  QWidget* m_panel = nullptr;
  QGridLayout* m_grid = nullptr;
  std::vector<Field> m_fields;
  QLabel* m_generalError = nullptr;
};

}  // namespace convscope::widgets
