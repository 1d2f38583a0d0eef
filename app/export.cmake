# Figures and animations (issue 5): convscope_export — the render/animate sub-commands, the export
# jobs shared with the app's dialogs, and the GIF (giflib) and MP4 (FFmpeg libraries) encoders.
# Included from app/CMakeLists.txt in GUI builds (it needs the scene renderer in convscope_widgets).
find_package(Qt6 REQUIRED COMPONENTS Widgets Svg PrintSupport)
find_package(GIF REQUIRED)                       # Debian: libgif-dev
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libswscale libavutil)
file(GLOB EXPORT_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/export_*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/export_*.h
     ${CMAKE_CURRENT_SOURCE_DIR}/cli_export.* ${CMAKE_CURRENT_SOURCE_DIR}/gif_writer.* ${CMAKE_CURRENT_SOURCE_DIR}/video_writer.*)
add_library(convscope_export STATIC ${EXPORT_SOURCES})
set_target_properties(convscope_export PROPERTIES AUTOMOC ON)
target_include_directories(convscope_export PUBLIC ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(convscope_export PUBLIC convscope_widgets convscope_engine Qt6::Widgets Qt6::Svg Qt6::PrintSupport
                      PRIVATE GIF::GIF PkgConfig::FFMPEG)
target_link_libraries(convscope_app_gui PUBLIC convscope_export)
target_link_libraries(convscope PRIVATE convscope_export)
# `convscope bench --interactive` (issue 7, item 3): the window, canvas and export code timed headless.
target_sources(convscope PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/cli_bench_interactive.cpp ${CMAKE_CURRENT_SOURCE_DIR}/cli_bench_interactive.h)
