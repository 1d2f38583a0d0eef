#include "widgets/input_editor.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace convscope::widgets {

namespace {

// A string member of `obj`, else `fallback` (the source is any JSON: never assume a type).
std::string stringMember(const nlohmann::json& obj, const char* key, const std::string& fallback) {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>()
                                                                      : fallback;
}

// Shape entries of the input, channels first and without batch: {C, L} or {C, H, W}.
std::vector<int64_t> canonicalShape(const nlohmann::json& in, int dims, bool channelsLast, bool* hasBatch) {
  std::vector<int64_t> s;
  if (in.contains("shape") && in["shape"].is_array())
    for (const auto& v : in["shape"]) s.push_back(v.is_number_integer() ? v.get<int64_t>() : 1);
  *hasBatch = static_cast<int>(s.size()) == dims + 2;
  if (*hasBatch) s.erase(s.begin());
  if (channelsLast && !s.empty()) {
    const int64_t c = s.back();
    s.pop_back();
    s.insert(s.begin(), c);
  }
  return s;
}

}  // namespace

InputEditor::InputEditor(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(6, 6, 6, 6);
  auto* form = new QFormLayout;
  form->setLabelAlignment(Qt::AlignRight);
  m_kind = new QComboBox(this);
  m_kind->addItems({"impulse", "step", "ramp", "sine", "chirp", "noise"});
  m_kind->setToolTip("The synthetic input signal (same in every channel, except noise)");
  m_channels = new QSpinBox(this);
  m_channels->setRange(1, 1 << 30);  // no silent clamp: the engine's limits judge the size
  m_height = new QSpinBox(this);
  m_height->setRange(1, 1 << 30);
  m_length = new QSpinBox(this);
  m_length->setRange(1, 1 << 30);
  m_position = new QSpinBox(this);
  m_position->setRange(0, 1 << 30);
  m_position->setToolTip("Sample where the impulse sits / the step starts");
  m_frequency = new QDoubleSpinBox(this);
  m_frequency->setRange(0.0, 1e6);
  m_frequency->setDecimals(2);
  m_frequency->setToolTip("Cycles over the whole length");
  m_amplitude = new QDoubleSpinBox(this);
  m_amplitude->setRange(-1e6, 1e6);
  m_amplitude->setDecimals(3);
  m_seed = new QSpinBox(this);
  m_seed->setRange(0, 1 << 30);
  form->addRow("Signal", m_kind);
  form->addRow("Channels", m_channels);
  m_heightLabel = new QLabel("Height", this);
  form->addRow(m_heightLabel, m_height);
  m_lengthLabel = new QLabel("Length", this);
  form->addRow(m_lengthLabel, m_length);
  m_positionLabel = new QLabel("Position", this);
  form->addRow(m_positionLabel, m_position);
  m_frequencyLabel = new QLabel("Frequency", this);
  form->addRow(m_frequencyLabel, m_frequency);
  form->addRow("Amplitude", m_amplitude);
  m_seedLabel = new QLabel("Seed", this);
  form->addRow(m_seedLabel, m_seed);
  v->addLayout(form);
  m_note = new QLabel(this);
  m_note->setWordWrap(true);
  m_note->setStyleSheet("color: palette(mid);");
  v->addWidget(m_note);
  m_error = new QLabel(this);
  m_error->setWordWrap(true);
  m_error->setStyleSheet("color: #c0392b;");
  m_error->hide();
  v->addWidget(m_error);
  v->addStretch(1);

  connect(m_kind, &QComboBox::activated, this, [this]() { onChanged("signal", 1); });
  connect(m_channels, &QSpinBox::valueChanged, this, [this]() { onChanged("channels", 2); });
  connect(m_height, &QSpinBox::valueChanged, this, [this]() { onChanged("height", 3); });
  connect(m_length, &QSpinBox::valueChanged, this, [this]() { onChanged("length", 4); });
  connect(m_position, &QSpinBox::valueChanged, this, [this]() { onChanged("position", 5); });
  connect(m_frequency, &QDoubleSpinBox::valueChanged, this, [this]() { onChanged("frequency", 6); });
  connect(m_amplitude, &QDoubleSpinBox::valueChanged, this, [this]() { onChanged("amplitude", 7); });
  connect(m_seed, &QSpinBox::valueChanged, this, [this]() { onChanged("seed", 8); });
}

void InputEditor::setDocumentState(const nlohmann::json& source, int dims, const QString& inputError) {
  m_source = source;
  m_dims = dims == 2 ? 2 : 1;
  m_updating = true;
  const nlohmann::json in = source.is_object() && source.contains("input") && source["input"].is_object()
                                ? source["input"]
                                : nlohmann::json::object();
  const bool channelsLast = stringMember(source, "layout", "") == "channels_last";
  bool batch = false;
  const auto shape = canonicalShape(in, m_dims, channelsLast, &batch);
  if (!shape.empty()) m_channels->setValue(static_cast<int>(shape[0]));
  if (m_dims == 2 && shape.size() >= 3) {
    m_height->setValue(static_cast<int>(shape[1]));
    m_length->setValue(static_cast<int>(shape[2]));
  } else if (shape.size() >= 2) {
    m_length->setValue(static_cast<int>(shape[1]));
  }
  const nlohmann::json g =
      in.contains("generator") && in["generator"].is_object() ? in["generator"] : nlohmann::json::object();
  const int kind = m_kind->findText(QString::fromStdString(stringMember(g, "kind", "impulse")));
  m_kind->setCurrentIndex(std::max(0, kind));
  m_position->setMaximum(std::max(0, m_length->value() - 1));  // before the value: no clamp to an old length
  m_position->setValue(g.contains("position") && g["position"].is_number_integer() ? g["position"].get<int>()
                                                                                   : m_length->value() / 2);
  m_frequency->setValue(g.contains("frequency") && g["frequency"].is_number() ? g["frequency"].get<double>()
                                                                              : 2.0);
  m_amplitude->setValue(g.contains("amplitude") && g["amplitude"].is_number() ? g["amplitude"].get<double>()
                                                                              : 1.0);
  m_seed->setValue(g.contains("seed") && g["seed"].is_number_integer() ? g["seed"].get<int>() : 0);
  m_note->setText(in.contains("data")
                      ? QString("The input comes from the data file %1; changing a value here "
                                "replaces it with a generated signal.")
                            .arg(QString::fromStdString(in["data"].dump()))
                      : QString());
  m_note->setVisible(in.contains("data"));
  m_error->setText(inputError);
  m_error->setVisible(!inputError.isEmpty());
  updateVisibility();  // while m_updating: showing a document is never an edit of it
  m_updating = false;
}

void InputEditor::updateVisibility() {
  const QString k = m_kind->currentText();
  const bool pos = k == "impulse" || k == "step", freq = k == "sine" || k == "chirp";
  m_heightLabel->setVisible(m_dims == 2);
  m_height->setVisible(m_dims == 2);
  m_lengthLabel->setText(m_dims == 2 ? "Width" : "Length");
  m_positionLabel->setVisible(pos);
  m_position->setVisible(pos);
  m_frequencyLabel->setVisible(freq);
  m_frequency->setVisible(freq);
  m_seedLabel->setVisible(k == "noise");
  m_seed->setVisible(k == "noise");
  m_position->setMaximum(std::max(0, m_length->value() - 1));
}

nlohmann::json InputEditor::composed() const {
  nlohmann::json next = m_source.is_object() ? m_source : nlohmann::json::object();
  nlohmann::json in =
      next.contains("input") && next["input"].is_object() ? next["input"] : nlohmann::json::object();
  const bool channelsLast = stringMember(next, "layout", "") == "channels_last";
  bool batch = false;
  const auto old = canonicalShape(in, m_dims, channelsLast, &batch);
  std::vector<int64_t> s = {m_channels->value()};
  if (m_dims == 2) s.push_back(m_height->value());
  s.push_back(m_length->value());
  if (channelsLast) {
    s.push_back(s.front());
    s.erase(s.begin());
  }
  if (batch) s.insert(s.begin(), in["shape"][0].is_number_integer() ? in["shape"][0].get<int64_t>() : 1);
  in["shape"] = s;
  nlohmann::json g =
      in.contains("generator") && in["generator"].is_object() ? in["generator"] : nlohmann::json::object();
  const QString k = m_kind->currentText();
  g["kind"] = k.toStdString();
  for (const char* key : {"position", "frequency", "seed"}) g.erase(key);
  if (k == "impulse" || k == "step") g["position"] = std::min(m_position->value(), m_length->value() - 1);
  if (k == "sine" || k == "chirp") g["frequency"] = m_frequency->value();
  if (k == "noise") g["seed"] = m_seed->value();
  if (m_amplitude->value() != 1.0)
    g["amplitude"] = m_amplitude->value();
  else
    g.erase("amplitude");
  in.erase("data");
  in["generator"] = g;
  next["input"] = in;
  (void)old;
  return next;
}

void InputEditor::onChanged(const QString& what, int mergeKey) {
  if (m_updating) return;
  updateVisibility();
  emit editRequested(composed(), "Input " + what, 0x40000000 + mergeKey);
}

}  // namespace convscope::widgets
