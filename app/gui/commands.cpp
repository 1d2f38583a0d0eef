#include "app/gui/commands.h"

#include "app/gui/document.h"

namespace convscope::app {

SetSourceCommand::SetSourceCommand(Document* doc, nlohmann::json before, nlohmann::json after,
                                   const QString& text, int mergeKey)
    : m_doc(doc), m_before(std::move(before)), m_after(std::move(after)), m_mergeKey(mergeKey) {
  setText(text);
}

void SetSourceCommand::undo() {
  m_doc->applySource(m_before);
}

void SetSourceCommand::redo() {
  m_doc->applySource(m_after);
}

bool SetSourceCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = dynamic_cast<const SetSourceCommand*>(other);
  if (!o || o->m_mergeKey != m_mergeKey || m_mergeKey < 0) return false;
  m_after = o->m_after;
  setText(o->text());  // the merged step reads as its last value ("kernel_size = 4", not the first "= 3")
  return true;
}

}  // namespace convscope::app
