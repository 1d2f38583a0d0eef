// The view list exists once (engine::viewNames); widgets::View and its names follow it.
#include <gtest/gtest.h>

#include "engine/stack/view_spec.h"
#include "widgets/scene/scene_model.h"

namespace convscope {
namespace {

TEST(ViewNames, TheWidgetsViewsAreTheEnginesListInItsOrder) {
  const auto& names = engine::viewNames();
  const auto& views = widgets::concreteViews();
  ASSERT_EQ(views.size(), names.size());
  for (size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(std::string(widgets::viewName(views[i])), names[i]);
    EXPECT_EQ(widgets::viewFromName(QString::fromStdString(names[i])), views[i]);
  }
  EXPECT_EQ(widgets::viewFromName("Zero-Insert"), widgets::View::ZeroInsert);
  EXPECT_EQ(widgets::viewFromName("auto"), widgets::View::Auto);
  EXPECT_FALSE(widgets::viewFromName("nonsense").has_value());
}

}  // namespace
}  // namespace convscope
