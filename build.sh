#!/usr/bin/env bash
# ConvScope set-up for a Debian 12 machine: installs what is missing (apt-get), builds, then
#   ./build.sh app [ARGS...]   opens the app (default lesson unless ARGS say otherwise)
#   ./build.sh test            runs every test (CTest, 2 jobs)
#   ./build.sh build           only installs and builds
# Environment: BUILD_DIR (default ./build), JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-build}
[[ $# -gt 0 ]] && shift
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# Debian packages: build tools, libraries, and what the tests run (torch, onnx, xvfb, Mesa).
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  qt6-base-dev libqt6opengl6-dev libqt6svg6-dev libgl-dev libimgui-dev libfreetype-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  libonnx-dev libprotobuf-dev protobuf-compiler libsndfile1-dev
  python3 python3-numpy python3-torch python3-onnx
  xvfb xauth libgl1-mesa-dri
  libgif-dev libavcodec-dev libavformat-dev libswscale-dev libavutil-dev
  texlive-latex-base texlive-pictures poppler-utils ffmpeg
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$JOBS"

case "$mode" in
  build) ;;
  app)
    if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
      echo "No display found; starting the app under xvfb-run (add --screenshot FILE.png to capture it)."
      exec xvfb-run -a "$BUILD_DIR/app/convscope" "$@"
    fi
    exec "$BUILD_DIR/app/convscope" "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
    cd "$BUILD_DIR"
    exec ctest --output-on-failure -j 2 --timeout 1800
    ;;
  *) echo "usage: ./build.sh [build|app [ARGS...]|test]" >&2; exit 2 ;;
esac
