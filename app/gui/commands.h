// Undo commands of the document: every edit replaces the whole JSON source, so one command type
// (before/after snapshots) covers add, remove, reorder, parameter and input edits alike. Several
// documents may share one undo stack (a comparison): a command acts on the document it was made for,
// merges only with commands of that document, and does nothing once that document is gone.
#pragma once
#include <QPointer>
#include <QUndoCommand>
#include <nlohmann/json.hpp>
#include <vector>

namespace convscope::app {

class Document;

/// Replaces the document's source with `after`; undo restores `before`. Commands with the same
/// mergeKey (>= 0) for the same document pushed one after another merge into one step (typing in
/// one field).
class SetSourceCommand : public QUndoCommand {
 public:
  SetSourceCommand(Document* doc, nlohmann::json before, nlohmann::json after, const QString& text,
                   int mergeKey);
  void undo() override;
  void redo() override;
  int id() const override { return m_mergeKey < 0 ? -1 : 0x5353; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  QPointer<Document> m_doc;
  nlohmann::json m_before, m_after;
  int m_mergeKey;
};

/// One edit of several documents at once (a comparison's shared input): each document's source
/// goes from its `before` to its `after`; one undo step. Consecutive commands with the same
/// mergeKey (>= 0) over the same documents merge.
class SetSourcesCommand : public QUndoCommand {
 public:
  struct Change {
    QPointer<Document> doc;
    nlohmann::json before, after;
  };
  SetSourcesCommand(std::vector<Change> changes, const QString& text, int mergeKey);
  void undo() override;
  void redo() override;
  int id() const override { return m_mergeKey < 0 ? -1 : 0x5354; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  std::vector<Change> m_changes;
  int m_mergeKey;
};

}  // namespace convscope::app
