#!/usr/bin/env bash
# The installed package: `cmake --install` into a fresh prefix, then examples/ (a separate CMake project with
# find_package(jointfact) only) configures, builds and, on 2 ranks, gives the singular values of
# `jointfact svd --method exact` within 1e-12 relative and the same U, V up to the sign of each pair.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${JOINTFACT_BUILD_DIR:-$(dirname "$JOINTFACT_BIN")}
PREFIX=$WORK/prefix

if cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1; then
  pass "cmake --install into a fresh prefix"
else
  fail "cmake --install: $(tail -5 "$WORK/install.log")"
fi
for file in lib/libjointfact.a include/jointfact/jointfact.h include/jointfact/svd/truncated_svd.hpp \
  include/jointfact/version.hpp bin/jointfact lib/cmake/jointfact/jointfactConfig.cmake \
  lib/cmake/jointfact/jointfactConfigVersion.cmake lib/cmake/jointfact/jointfactTargets.cmake \
  lib/cmake/jointfact/FindScaLAPACK.cmake; do
  if [ -f "$PREFIX/$file" ]; then pass "installed $file"; else fail "missing $PREFIX/$file"; fi
done
if [ -d "$PREFIX/include/jointfact/app" ]; then
  fail "the application's headers were installed"
else
  pass "no app headers"
fi

# The library defines no MPI entry points (the PMPI byte counter is the application's opt-in piece).
defined=$(nm -C "$PREFIX/lib/libjointfact.a" 2>/dev/null | grep -E ' T P?MPI_' | head -3)
if [ -z "$defined" ]; then pass "library defines no MPI_* symbols"; else fail "library defines: $defined"; fi
# ... and does not need the application's dependencies.
if nm -C "$PREFIX/lib/libjointfact.a" 2>/dev/null | grep -qE 'CLI::|toml::|nlohmann::'; then
  fail "library references CLI11 / toml++ / nlohmann-json"
else
  pass "library free of CLI11, toml++, nlohmann-json"
fi

if cmake -S "$ROOT/examples" -B "$WORK/examples" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
  >"$WORK/examples.log" 2>&1 && cmake --build "$WORK/examples" -j2 >>"$WORK/examples.log" 2>&1; then
  pass "examples configure and build against the installed package"
else
  fail "examples build: $(tail -20 "$WORK/examples.log")"
fi

# A 70 x 45 matrix with distinct singular values, ragged against the examples' 64-blocks on a 2x1 grid.
"$PYTHON" - "$WORK/a.h5" <<'PY'
import sys, h5py, numpy as np
rng = np.random.default_rng(7)
m, n = 70, 45
q1, _ = np.linalg.qr(rng.standard_normal((m, n)))
q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
s = np.geomspace(10.0, 1e-3, n)
with h5py.File(sys.argv[1], "w") as f:
    f["A"] = (q1 * s) @ q2.T
PY

K=12
expect_ok "jointfact svd --method exact" 2 svd --input "$WORK/a.h5:/A" --output "$WORK/ref.h5" --rank $K --method exact
for example in svd_scalapack svd; do
  if timeout 300 "$MPIEXEC" -q --oversubscribe -np 2 "$WORK/examples/$example" "$WORK/a.h5:/A" $K \
    "$WORK/$example.h5" >"$WORK/out" 2>"$WORK/err"; then
    pass "$example runs on 2 ranks"
  else
    fail "$example: $(head -c 400 "$WORK/err")"
    continue
  fi
  if "$PYTHON" - "$WORK/ref.h5" "$WORK/$example.h5" "$WORK/a.h5" <<'PY'; then
import sys, h5py, numpy as np
ref, got = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
s_ref, s = ref["/svd/S"][()], got["/svd/S"][()]
rel = np.max(np.abs(s - s_ref) / s_ref)
print(f"max relative difference of S: {rel:.3e}")
assert s.shape == s_ref.shape and rel <= 1e-12, rel
a = h5py.File(sys.argv[3], "r")["/A"][()]
for name in ("U", "V"):
    x, y = got["/svd/" + name][()], ref["/svd/" + name][()]
    assert x.shape == y.shape, (name, x.shape, y.shape)
    # Same vectors up to the sign of each pair, to the accuracy the gaps between singular values allow.
    diff = np.max(np.abs(np.abs(np.sum(x * y, axis=0)) - 1))
    print(f"max |1 - |<{name}_j, {name}_ref_j>||: {diff:.3e}")
    assert diff <= 1e-10, (name, diff)
u, v = got["/svd/U"][()], got["/svd/V"][()]
res = np.linalg.norm(a @ v - u * s) / np.linalg.norm(a)
print(f"||A V - U S||_F / ||A||_F = {res:.3e}")
assert res <= 1e-12, res
PY
    pass "$example matches jointfact svd --method exact"
  else
    fail "$example differs from jointfact svd --method exact"
  fi
done

finish
