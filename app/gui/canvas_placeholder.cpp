#include "app/gui/canvas_placeholder.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "engine/stack/shape_words.h"

namespace convscope::app {

CanvasPlaceholder::CanvasPlaceholder(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(16, 12, 16, 12);
  m_title = new QLabel(this);
  QFont f = m_title->font();
  f.setPointSizeF(f.pointSizeF() * 1.5);
  f.setBold(true);
  m_title->setFont(f);
  m_title->setWordWrap(true);
  v->addWidget(m_title);
  m_subtitle = new QLabel(this);
  m_subtitle->setStyleSheet("color: palette(mid);");
  v->addWidget(m_subtitle);
  m_table = new QTableWidget(this);
  m_table->setColumnCount(4);
  m_table->setHorizontalHeaderLabels(
      {"layer", "input → output (C, spatial)", "padding / crop", "output size"});
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft);
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setWordWrap(false);
  m_table->setTextElideMode(Qt::ElideRight);
  m_table->setShowGrid(false);
  m_table->setAlternatingRowColors(true);
  v->addWidget(m_table, 1);
}

void CanvasPlaceholder::setSnapshot(const widgets::SnapshotPtr& snap, int currentLayer) {
  if (!snap) return;
  const engine::Stack& s = snap->stack;
  m_title->setText(QString::fromStdString(s.name.empty() ? (s.file.empty() ? "untitled" : s.file) : s.name));
  m_subtitle->setText(
      QString("%1 convention · %2-D · input %3")
          .arg(engine::conventionName(s.convention))
          .arg(s.dims)
          .arg(QString::fromStdString(engine::layoutShapeText(
              s, engine::Shape(s.input.shape.begin() + (s.input.rank() > 0 ? 1 : 0), s.input.shape.end()),
              -1))));
  m_table->setRowCount(static_cast<int>(s.layers.size()));
  for (int i = 0; i < static_cast<int>(s.layers.size()); ++i) {
    const engine::Layer& l = s.layers[static_cast<size_t>(i)];
    QString pad;
    for (int a = 0; a < l.dims; ++a) {
      const engine::Axis& x = l.ax[static_cast<size_t>(a)];
      const bool t = l.op == engine::Op::ConvTranspose || l.op == engine::Op::Unpool;
      if (!pad.isEmpty()) pad += ", ";
      pad += t ? QString("crop %1|%2").arg(x.start).arg(x.fullLength() - x.start - x.out)
               : QString("%1|%2").arg(x.pb).arg(x.pe);
    }
    if (engine::isElementwise(l.op)) pad = "—";
    const QStringList cells = {QString("%1  %2").arg(i).arg(engine::opName(l.op)),
                               QString::fromStdString(engine::layoutShapeText(s, l.inputShape(), i - 1) +
                                                      " → " + engine::layoutShapeText(s, l.outputShape(), i)),
                               pad, QString::fromStdString(l.formula)};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setToolTip(cells[c]);
      m_table->setItem(i, c, item);
    }
  }
  for (int c = 0; c < 3; ++c) m_table->resizeColumnToContents(c);
  m_table->resizeRowsToContents();
  setCurrentLayer(currentLayer);
}

void CanvasPlaceholder::setCurrentLayer(int layer) {
  if (layer >= 0 && layer < m_table->rowCount())
    m_table->selectRow(layer);
  else
    m_table->clearSelection();
}

}  // namespace convscope::app
