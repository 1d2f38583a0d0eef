// Undo commands of the document: every edit replaces the whole JSON source, so one command type
// (before/after snapshots) covers add, remove, reorder, parameter and input edits alike.
#pragma once
#include <QUndoCommand>
#include <nlohmann/json.hpp>

namespace convscope::app {

class Document;

/// Replaces the document's source with `after`; undo restores `before`. Commands with the same
/// mergeKey (>= 0) pushed one after another merge into one step (typing in one field).
class SetSourceCommand : public QUndoCommand {
 public:
  SetSourceCommand(Document* doc, nlohmann::json before, nlohmann::json after, const QString& text,
                   int mergeKey);
  void undo() override;
  void redo() override;
  int id() const override { return m_mergeKey < 0 ? -1 : 0x5353; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  Document* m_doc;
  nlohmann::json m_before, m_after;
  int m_mergeKey;
};

}  // namespace convscope::app
