// Axis roles (onnx_importer.h): every axis of the tensor flowing along the chain is an axis of the
// model input or an inserted unit axis; the first layer that needs (N, C, spatial...) assigns them.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/io/npy.h"
#include "engine/onnx/onnx_importer.h"
#include "engine/resolve/resolve.h"
#include "engine/stack/stack.h"

namespace convscope::engine::onnx_detail {

int64_t Importer::roleSize(int role) const {
  if (role < 0) return 1;
  if (!m_assigned) return m_roleSize[static_cast<size_t>(role)];
  const int k = m_canonOf[static_cast<size_t>(role)];
  return k == 0 ? m_batch : m_cshape[static_cast<size_t>(k - 1)];
}

Shape Importer::actualShape() const {
  Shape s;
  for (int r : m_roles) s.push_back(roleSize(r));
  return s;
}

int Importer::channelPos() const {
  for (size_t i = 0; i < m_roles.size(); ++i)
    if (canonOfRole(m_roles[i]) == 1) return static_cast<int>(i);
  return -1;
}

void Importer::ensureAssigned(const onnx::NodeProto& n) {
  if (m_assigned) return;
  const int r = static_cast<int>(m_roles.size());
  const int inRank = static_cast<int>(m_inputShape.size());
  if (r < 3 || r > 4)
    failNode(n, "works on a rank-" + std::to_string(r) +
                    " tensor; ConvScope imports 1-D (N, C, L) and 2-D (N, C, H, W) layers");
  // every input axis must still be present
  std::set<int> present;
  for (int x : m_roles)
    if (x >= 0) present.insert(x);
  if (static_cast<int>(present.size()) != inRank)
    failNode(
        n,
        "an axis of the model input was removed before the first layer (Squeeze/Reshape of an input axis)");
  // N and C may be unit axes inserted by the graph (an input without batch or channel axis)
  for (int pos = 0; pos < 2; ++pos) {
    if (m_roles[static_cast<size_t>(pos)] >= 0) continue;
    const int id = static_cast<int>(m_roleSize.size());
    m_roleSize.push_back(1);
    m_canonOf.push_back(-1);
    m_roles[static_cast<size_t>(pos)] = id;
    (pos == 0 ? m_virtualN : m_virtualC) = true;
  }
  m_canonOf[static_cast<size_t>(m_roles[0])] = 0;
  m_canonOf[static_cast<size_t>(m_roles[1])] = 1;
  int a = 0;
  for (int pos = 2; pos < r; ++pos)
    if (m_roles[static_cast<size_t>(pos)] >= 0)
      m_canonOf[static_cast<size_t>(m_roles[static_cast<size_t>(pos)])] = 2 + a++;
  m_dims = a;
  if (m_dims < 1 || m_dims > 2)
    failNode(n, "has " + std::to_string(m_dims) + " spatial axes; ConvScope handles 1 or 2");
  // which layout is the model input in?
  std::vector<int> order;
  for (int i = 0; i < inRank; ++i) order.push_back(m_canonOf[static_cast<size_t>(i)]);
  std::vector<int> cf, cl;
  if (!m_virtualN) cf.push_back(0);
  if (!m_virtualC) cf.push_back(1);
  for (int k = 0; k < m_dims; ++k) cf.push_back(2 + k);
  if (!m_virtualN) cl.push_back(0);
  for (int k = 0; k < m_dims; ++k) cl.push_back(2 + k);
  if (!m_virtualC) cl.push_back(1);
  if (order == cf)
    m_layout = "channels_first";
  else if (order == cl)
    m_layout = "channels_last";
  else
    failNode(n,
             "sees the model input's axes in an order that is neither channels-first (N, C, spatial) nor "
             "channels-last (N, spatial, C)");
  m_batch = m_virtualN ? 1 : m_roleSize[static_cast<size_t>(m_roles[0])];
  m_cshape.assign(static_cast<size_t>(m_dims) + 1, 1);
  for (size_t id = 0; id < m_canonOf.size(); ++id)
    if (m_canonOf[id] >= 1) m_cshape[static_cast<size_t>(m_canonOf[id] - 1)] = m_roleSize[id];
  m_assigned = true;
}

std::vector<int> Importer::convAxes(const onnx::NodeProto& n) {
  ensureAssigned(n);
  const int r = static_cast<int>(m_roles.size());
  if (canonOfRole(m_roles[0]) != 0 || canonOfRole(m_roles[1]) != 1)
    failNode(
        n,
        "receives the tensor with its axes in a different order than the model's first layer (batch, channel "
        "first expected); unsupported Transpose arrangement");
  std::vector<int> axes;
  int next = 0;
  for (int pos = 2; pos < r; ++pos) {
    const int k = canonOfRole(m_roles[static_cast<size_t>(pos)]);
    if (m_roles[static_cast<size_t>(pos)] < 0) {
      axes.push_back(-1);
    } else if (k == 2 + next) {
      axes.push_back(next++);
    } else {
      failNode(n,
               "receives the spatial axes in a different order than the model's first layer (unsupported "
               "Transpose)");
    }
  }
  if (next != m_dims) failNode(n, "does not see every spatial axis of the model input");
  return axes;
}

}  // namespace convscope::engine::onnx_detail
