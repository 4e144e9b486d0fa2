# Short commands on top of CMake. `make run` and `make test` work on a fresh
# machine: they install what they need first.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all build build-asan run test test-unit test-sanitize test-install deps peers clean

all: build

# Debian packages the tests need (MPFR for the high-precision reference).
deps:
	@sh tools/install_deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The bundled demo: softmax regression on the UCI digits with xent's fused loss
# and gradient, then `xent eval` on the held-out outputs (plots in
# $(BUILD)/demo/plots).
run: build
	./$(BUILD)/examples/demo --out $(BUILD)/demo

# Every kernel variant this CPU has is tested: XENT_ISA caps the dispatcher.
ISAS ?= avx512 avx2 scalar

test-unit: deps build
	@for isa in $(ISAS); do echo "== XENT_ISA=$$isa"; \
	  XENT_ISA=$$isa ./$(BUILD)/tests/xent_tests || exit 1; done

# Everything built with AddressSanitizer + UndefinedBehaviorSanitizer.
build-asan: deps
	cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DXENT_SANITIZE=ON \
	  -DXENT_BUILD_EXAMPLES=OFF > /dev/null
	cmake --build $(BUILD)-asan -j $(JOBS)

# The C tests under the sanitizers.
test-sanitize: build-asan
	./$(BUILD)-asan/tests/xent_tests

# Install into a temporary prefix and build a small program against it with
# pkg-config and with CMake's find_package.
test-install: build
	sh tests/install/check_install.sh $(BUILD)

# Everything, ending with one line "total: N passed, N failed": the C suite
# per x86 variant and under the sanitizers, the NEON variant under qemu, the
# install check, and the Python binding against the peers.
test: deps build build-asan peers neon-build
	@BUILD=$(BUILD) BUILD_AARCH64=$(BUILD_AARCH64) bash tools/run_tests.sh

# The peers' Python environment for the live comparison (cached).
peers:
	bash tools/peers_env.sh

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD_AARCH64)

# The Python binding (python/), tested live against the real NumPy,
# scikit-learn, PyTorch and TensorFlow/Keras in the project-local .peers-venv
# (tools/peers_env.sh creates it once, about a minute, then reuses it).
PEERS_PY ?= .peers-venv/bin/python
.PHONY: test-python
test-python: deps build peers
	PYTHONPATH=$(abspath $(BUILD))/python $(PEERS_PY) -m pytest -q -p no:cacheprovider python/tests

# Exact ROC AUC on 1e6 and 1e7 scores: xent against scikit-learn on the same
# data (bench/bench_auc.py; needs the peers' environment for scikit-learn).
.PHONY: bench-auc
bench-auc: build peers
	$(PEERS_PY) bench/bench_auc.py --build $(BUILD)

# xent against PyTorch, oneDNN, NumPy/SciPy and scikit-learn, measured side by
# side: one table per dtype and the bar (docs/performance.md); raw outputs and
# report.md go to $(BUILD)/bench-results. BENCH_QUICK=1: the four smaller shapes
# only. bench/bench_deps.sh installs the bench-only Debian packages (libdnnl-dev,
# libjemalloc2) here, so that `make test` does not pay for them.
.PHONY: bench bench-deps
bench-deps:
	@sh bench/bench_deps.sh

# bench_onednn times xent too, in turns with oneDNN, on oneDNN's OpenMP threads.
$(BUILD)/bench/bench_onednn: bench/bench_onednn.c include/xent.h $(BUILD)/libxent.a
	@mkdir -p $(@D)
	@if [ -f /usr/include/oneapi/dnnl/dnnl.h ]; then \
	  echo "cc -o $@"; \
	  $(CC) -std=c11 -O2 -fopenmp -Wall -Wextra -Wshadow -Wstrict-prototypes -Iinclude \
	    -o $@ $< $(BUILD)/libxent.a -ldnnl -lm -lpthread; \
	else echo "bench_onednn not built: libdnnl-dev is not installed"; fi

bench: deps bench-deps build peers
	@$(MAKE) --no-print-directory $(BUILD)/bench/bench_onednn
	python3 bench/report.py --build $(BUILD) --python $(PEERS_PY) $(if $(BENCH_QUICK),--quick)

# The NEON kernels, on an x86-64 machine: the library and the C test suite
# cross-compiled for AArch64 with Debian's gcc-aarch64-linux-gnu
# (cmake/aarch64-linux-gnu.cmake), linked statically into $(BUILD_AARCH64)/,
# and run under qemu-aarch64 twice: XENT_ISA unset (the NEON kernels; the run
# fails if they were not the ones used) and XENT_ISA=scalar. Installs
# gcc-aarch64-linux-gnu and qemu-user first if missing (needs root). There is
# no MPFR for arm64 here, so the tests against MPFR are left out of this build
# (XT_HAVE_MPFR); the Python binding and the examples are not built. About a
# minute and a half from scratch (packages, build, two runs) on 2 shared cores;
# not part of `make test`.
BUILD_AARCH64 ?= build-aarch64
.PHONY: test-neon neon-deps neon-build
neon-deps:
	@need=""; for pkg in gcc-aarch64-linux-gnu qemu-user; do \
	  dpkg -s $$pkg >/dev/null 2>&1 || need="$$need $$pkg"; done; \
	[ -z "$$need" ] && exit 0; \
	echo "installing Debian packages:$$need"; \
	if [ "$$(id -u)" != 0 ]; then echo "error: need root to install:$$need" >&2; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need

neon-build: neon-deps
	@[ -f $(BUILD_AARCH64)/CMakeCache.txt ] || cmake -S . -B $(BUILD_AARCH64) \
	  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_EXE_LINKER_FLAGS=-static -DXENT_BUILD_PYTHON=OFF -DXENT_BUILD_EXAMPLES=OFF
	cmake --build $(BUILD_AARCH64) -j $(JOBS) --target xent_tests

test-neon: neon-build
	@log=$(BUILD_AARCH64)/test-neon.log; \
	echo "== qemu-aarch64, XENT_ISA unset (neon)"; \
	env -u XENT_ISA qemu-aarch64 ./$(BUILD_AARCH64)/tests/xent_tests > $$log 2>&1; rc=$$?; \
	cat $$log; [ $$rc = 0 ] || exit 1; \
	grep -q '^  kernels neon:' $$log || { echo "error: the NEON kernels were not used" >&2; exit 1; }; \
	echo "== qemu-aarch64, XENT_ISA=scalar"; \
	XENT_ISA=scalar qemu-aarch64 ./$(BUILD_AARCH64)/tests/xent_tests
