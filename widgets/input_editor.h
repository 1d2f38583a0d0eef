// InputEditor: the stack's synthetic input — generator kind (impulse, step, ramp, sine, chirp,
// noise), its seed/position/frequency/amplitude, the channel count and the length (or H × W).
// Writes input.generator and input.shape of the stack source through editRequested(); a stack
// whose input comes from a data file can be switched to a generator.
#pragma once
#include <QWidget>
#include <nlohmann/json.hpp>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace convscope::widgets {

class InputEditor : public QWidget {
  Q_OBJECT
 public:
  explicit InputEditor(QWidget* parent = nullptr);

  /// Shows `source`'s input; `dims` is the resolved spatial rank (1 or 2); `inputError` is the
  /// engine's message when the input itself fails ("" if fine).
  void setDocumentState(const nlohmann::json& source, int dims, const QString& inputError);

  /// The source with this editor's values applied (what the next edit would emit).
  nlohmann::json composed() const;

  QComboBox* kindBox() const { return m_kind; }
  QSpinBox* channelsBox() const { return m_channels; }
  QSpinBox* lengthBox() const { return m_length; }
  QSpinBox* seedBox() const { return m_seed; }

 signals:
  /// The user changed the input (whole new source, merge key as in StackEditor).
  void editRequested(const nlohmann::json& next, const QString& text, int mergeKey);

 private:
  void onChanged(const QString& what, int mergeKey);
  void updateVisibility();

  nlohmann::json m_source;
  int m_dims = 1;
  bool m_updating = false;
  QComboBox* m_kind = nullptr;
  QSpinBox* m_channels = nullptr;
  QSpinBox* m_height = nullptr;
  QSpinBox* m_length = nullptr;
  QSpinBox* m_position = nullptr;
  QDoubleSpinBox* m_frequency = nullptr;
  QDoubleSpinBox* m_amplitude = nullptr;
  QSpinBox* m_seed = nullptr;
  QLabel* m_heightLabel = nullptr;
  QLabel* m_lengthLabel = nullptr;
  QLabel* m_positionLabel = nullptr;
  QLabel* m_frequencyLabel = nullptr;
  QLabel* m_seedLabel = nullptr;
  QLabel* m_note = nullptr;
  QLabel* m_error = nullptr;
};

}  // namespace convscope::widgets
