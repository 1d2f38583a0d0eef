// shape_words.cpp: shapes in the stack's layout with the convention's axis words (shape_words.h).
#include "engine/stack/shape_words.h"

#include <algorithm>

namespace convscope::engine {
namespace {

// Keras: the channel axis is named by the layer that set its size — a conv's "filters", or the
// input's "input_dim" (2-D: "channels") through layers that keep the channel count.
std::string channelWord(const Stack& st, int producer) {
  if (st.convention != Convention::Keras) return "C";
  for (int i = std::min(producer, int(st.layers.size()) - 1); i >= 0; --i) {
    const Op op = st.layers[size_t(i)].op;
    if (op == Op::Conv || op == Op::ConvTranspose) return "filters";
  }
  return st.dims == 1 ? "input_dim" : "channels";
}

std::vector<std::string> spatialWords(const Stack& st) {
  if (st.convention == Convention::Keras)
    return st.dims == 1 ? std::vector<std::string>{"steps"} : std::vector<std::string>{"height", "width"};
  return st.dims == 1 ? std::vector<std::string>{"L"} : std::vector<std::string>{"H", "W"};
}

}  // namespace

LayoutShape layoutShape(const Stack& stack, const Shape& cf, int producer) {
  LayoutShape r;
  if (cf.empty()) return r;
  std::vector<std::string> sw = spatialWords(stack);
  sw.resize(cf.size() - 1, "?");
  const std::string cw = channelWord(stack, producer);
  if (stack.channelsLast) {
    r.dims.assign(cf.begin() + 1, cf.end());
    r.dims.push_back(cf[0]);
    r.words = sw;
    r.words.push_back(cw);
  } else {
    r.dims = cf;
    r.words.push_back(cw);
    r.words.insert(r.words.end(), sw.begin(), sw.end());
  }
  return r;
}

std::string layoutShapeText(const LayoutShape& s) {
  std::string w;
  for (size_t i = 0; i < s.words.size(); ++i) w += (i ? ", " : "") + s.words[i];
  return shapeToString(s.dims) + " (" + w + ")";
}

std::string layoutShapeText(const Stack& stack, const Shape& cf, int producer) {
  return layoutShapeText(layoutShape(stack, cf, producer));
}

}  // namespace convscope::engine
