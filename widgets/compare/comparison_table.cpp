#include "widgets/compare/comparison_table.h"

#include <QHeaderView>

#include "engine/compare/compare_report.h"

namespace convscope::widgets {

ComparisonTable::ComparisonTable(QWidget* parent) : QTableWidget(parent) {
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionMode(QAbstractItemView::ContiguousSelection);
  setAlternatingRowColors(true);
  setWordWrap(false);
  verticalHeader()->setVisible(false);
  setToolTip(QString::fromStdString(engine::comparisonLegend()));
}

void ComparisonTable::setComparison(const engine::Comparison& c, const std::vector<engine::Stack>& stacks) {
  const auto rows = engine::comparisonRows(c);
  const int n = int(c.stacks.size());
  clear();
  setColumnCount(n + 1);
  QStringList headers{tr("figure")};
  for (int i = 0; i < n; ++i) headers << QString::fromStdString(rows.front()[size_t(i + 1)]);
  setHorizontalHeaderLabels(headers);
  // rows[0] names the stacks (the header); then one row per figure, one per other stack's
  // difference, and the equivalent layer in the stack's own convention.
  setRowCount(int(rows.size()) - 1 + n + 1);
  auto put = [this](int r, int col, const QString& text, const QString& tip = {}) {
    auto* item = new QTableWidgetItem(text);
    item->setToolTip(tip.isEmpty() ? text : tip);
    setItem(r, col, item);
  };
  int r = 0;
  for (size_t k = 1; k < rows.size(); ++k, ++r)
    for (size_t j = 0; j < rows[k].size(); ++j) put(r, int(j), QString::fromStdString(rows[k][j]));
  for (int other = 0; other < n; ++other, ++r) {
    put(r, 0, tr("max |difference| vs %1").arg(headers[other + 1]));
    for (const engine::PairFigures& p : c.pairs) {
      if (p.a != other && p.b != other) continue;
      const int col = (p.a == other ? p.b : p.a) + 1;
      const QString text = p.comparable ? QString::number(p.maxAbsDiff, 'g', 6) : tr("shapes differ");
      put(r, col, text, QString::fromStdString(engine::pairText(c, p)));
    }
    put(r, other + 1, QStringLiteral("—"));
  }
  put(r, 0, tr("equivalent layer"));
  for (int i = 0; i < n; ++i) {
    const engine::SingleLayer& s = c.stacks[size_t(i)].single;
    const QString full =
        QString::fromStdString(engine::singleLayerText(c, size_t(i), stacks[size_t(i)])).trimmed();
    put(r, i + 1,
        s.found ? QString::fromStdString(engine::describeLayer(s.layer, stacks[size_t(i)].convention))
                : tr("none: %1").arg(QString::fromStdString(s.why)),
        full);
  }
  // The labels as wide as they need; the stacks share the rest (long cells elide, full text in
  // their tooltips).
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  for (int i = 1; i <= n; ++i) horizontalHeader()->setSectionResizeMode(i, QHeaderView::Stretch);
}

int ComparisonTable::rowOf(const QString& label) const {
  for (int r = 0; r < rowCount(); ++r)
    if (item(r, 0) && item(r, 0)->text() == label) return r;
  return -1;
}

QString ComparisonTable::cell(const QString& label, int stack) const {
  const int r = rowOf(label);
  const QTableWidgetItem* it = r < 0 ? nullptr : item(r, stack + 1);
  return it ? it->text() : QString();
}

}  // namespace convscope::widgets
