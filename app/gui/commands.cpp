#include "app/gui/commands.h"

#include "app/gui/document.h"

namespace convscope::app {

SetSourceCommand::SetSourceCommand(Document* doc, nlohmann::json before, nlohmann::json after,
                                   const QString& text, int mergeKey)
    : m_doc(doc), m_before(std::move(before)), m_after(std::move(after)), m_mergeKey(mergeKey) {
  setText(text);
}

void SetSourceCommand::undo() {
  if (m_doc) m_doc->applySource(m_before);
}

void SetSourceCommand::redo() {
  if (m_doc) m_doc->applySource(m_after);
}

bool SetSourceCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = dynamic_cast<const SetSourceCommand*>(other);
  if (!o || o->m_mergeKey != m_mergeKey || m_mergeKey < 0 || o->m_doc != m_doc) return false;
  m_after = o->m_after;
  setText(o->text());  // the merged step reads as its last value ("kernel_size = 4", not the first "= 3")
  return true;
}

SetSourcesCommand::SetSourcesCommand(std::vector<Change> changes, const QString& text, int mergeKey)
    : m_changes(std::move(changes)), m_mergeKey(mergeKey) {
  setText(text);
}

void SetSourcesCommand::undo() {
  for (const Change& c : m_changes)
    if (c.doc) c.doc->applySource(c.before);
}

void SetSourcesCommand::redo() {
  for (const Change& c : m_changes)
    if (c.doc) c.doc->applySource(c.after);
}

bool SetSourcesCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = dynamic_cast<const SetSourcesCommand*>(other);
  if (!o || o->m_mergeKey != m_mergeKey || m_mergeKey < 0 || o->m_changes.size() != m_changes.size())
    return false;
  for (size_t i = 0; i < m_changes.size(); ++i)
    if (o->m_changes[i].doc != m_changes[i].doc) return false;
  for (size_t i = 0; i < m_changes.size(); ++i) m_changes[i].after = o->m_changes[i].after;
  setText(o->text());
  return true;
}

}  // namespace convscope::app
