// ComparisonTable: the figures of an engine::Comparison as a table, one column per stack — the rows
// of engine::comparisonRows (output shape, each layer, parameters, multiply-adds, receptive field,
// flat-input response, single layer), then the largest difference to every other stack and each
// stack's equivalent single layer in its own convention. The same numbers `convscope compare` prints.
#pragma once
#include <QTableWidget>
#include <vector>

#include "engine/compare/compare.h"

namespace convscope::widgets {

class ComparisonTable : public QTableWidget {
  Q_OBJECT
 public:
  explicit ComparisonTable(QWidget* parent = nullptr);

  /// Fills the table; `stacks` are the compared stacks (their conventions), in the order of `c`.
  void setComparison(const engine::Comparison& c, const std::vector<engine::Stack>& stacks);
  /// Row index of the row labelled `label` (its first-column text), -1 if none.
  int rowOf(const QString& label) const;
  /// The text of stack `stack`'s cell in the row labelled `label` ("" if none).
  QString cell(const QString& label, int stack) const;
};

}  // namespace convscope::widgets
