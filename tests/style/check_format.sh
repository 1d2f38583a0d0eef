#!/usr/bin/env bash
# source_format: every C++ source under engine/, widgets/, app/ and tests/ is as clang-format-14
# (.clang-format at the top level) would write it. Fix with:
#   git ls-files '*.cpp' '*.h' | xargs clang-format-14 -i
set -euo pipefail
cd "$1"
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files 'engine/*.cpp' 'engine/*.h' 'widgets/*.cpp' 'widgets/*.h' \
                                    'app/*.cpp' 'app/*.h' 'tests/*.cpp' 'tests/*.h')
else
  mapfile -t files < <(find engine widgets app tests -name '*.cpp' -o -name '*.h' | sort)
fi
echo "checking ${#files[@]} files with $(clang-format-14 --version)"
clang-format-14 --dry-run -Werror "${files[@]}"
echo "all formatted"
