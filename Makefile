# Top-level wrapper around CMake.  `make demo` and `make check` are the two
# commands a fresh Debian 12 machine needs: both install missing packages.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CORPUS  ?= ../shared/corpus/bounces
PASSES  ?= 20
FUZZ_SECONDS ?= 300

.PHONY: all build release demo check accuracy bench fuzz format clean

all: build

build:
	@scripts/install-deps.sh build
	cmake --preset dev -DNG_TESTS=OFF >/dev/null
	cmake --build build -j $(JOBS)

release:
	@scripts/install-deps.sh build
	cmake --preset release -DNG_TESTS=OFF >/dev/null
	cmake --build build-release -j $(JOBS)

demo: build
	@scripts/install-deps.sh demo
	@scripts/demo.sh build/ndrguard

check:
	@scripts/install-deps.sh check
	cmake --preset release -DNG_TESTS=OFF >/dev/null
	cmake --build build-release -j $(JOBS)
	cmake --preset dev -DNG_TESTS=ON -DNG_RELEASE_BIN=$(CURDIR)/build-release/ndrguard >/dev/null
	cmake --build build -j $(JOBS)
	cd build && ctest --output-on-failure -j $(JOBS)

accuracy: release
	@if [ -d "$(CORPUS)" ]; then \
		python3 scripts/accuracy.py --ndrguard build-release/ndrguard --corpus $(CORPUS); \
	else \
		echo "accuracy: corpus $(CORPUS) not found (set CORPUS=DIR)"; exit 2; \
	fi

bench: release
	@scripts/install-deps.sh bench
	bench/bench-classify.sh build-release/ndrguard $(CORPUS) $(PASSES)
	bench/bench-policyd.sh build-release/ndrguard build-release/policyd_load || [ $$? -eq 77 ]
	bench/bench-postfix.sh build-release/ndrguard || [ $$? -eq 77 ]
	bench/bench-milter.sh build-release/ndrguard || [ $$? -eq 77 ]
	bench/bench-relay.sh build-release/ndrguard || [ $$? -eq 77 ]
	bench/bench-dnsbld.sh build-release/ndrguard || [ $$? -eq 77 ]

fuzz:
	@scripts/install-deps.sh fuzz
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	tests/fuzz/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

format:
	@scripts/install-deps.sh format
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-release build-fuzz
