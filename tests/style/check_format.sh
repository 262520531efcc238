#!/usr/bin/env bash
# Fails, listing the files, when a tracked C++ file is not laid out as the
# root .clang-format says (clang-format from Debian, installed by
# scripts/install-deps.sh). Fix with:
#   clang-format -i $(git ls-files '*.cpp' '*.hpp')
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed — run scripts/install-deps.sh" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "not formatted as .clang-format says (${#unformatted[@]} files):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  echo "fix with: clang-format -i \$(git ls-files '*.cpp' '*.hpp')" >&2
  exit 1
fi
echo "${#files[@]} files formatted as .clang-format says"
