# bench/build-release.sh - sourced by the gp-lint benchmarks: makes sure /usr/bin/time is
# there, builds gpkit in Release (build-bench/) and extracts the seeds once. Sets `data`
# (bench/data) and `tools` (build-bench/tools). Run from the repository root.
data=bench/data
mkdir -p "$data"
command -v /usr/bin/time >/dev/null || {
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq time </dev/null >/dev/null
}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DGP_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" >/dev/null
tools=build-bench/tools
"$tools/gp-extract" --no-positions fixtures/seeds/*.txt >"$data/seeds.jsonl" 2>/dev/null
