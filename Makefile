# Thin wrappers: `make demo` and `make test` do everything on a fresh Debian 12 machine.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
JOBS       ?= $(shell nproc)

.PHONY: all deps build demo test unit-asan unit-tsan corpus clean

all: build

deps:
	@bash scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The corpus is its own CMake project so that its compile_commands.json holds only it.
corpus: build
	@cmake -S corpus -B $(BUILD)/corpus >/dev/null
	@cmake --build $(BUILD)/corpus -j $(JOBS) >/dev/null

demo: corpus
	@rm -f tsafe.db tsafe.sarif
	@./$(BUILD)/tsafe scan -p $(BUILD)/corpus --db tsafe.db; test $$? -le 1
	@./$(BUILD)/tsafe report --db tsafe.db --format sarif -o tsafe.sarif
	@echo "demo: findings stored in tsafe.db, SARIF written to tsafe.sarif"

unit-asan: deps
	@cmake -S . -B $(BUILD_ASAN) -DTSAFE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(BUILD_ASAN) -j $(JOBS)
	@cd $(BUILD_ASAN) && ctest -L unit --output-on-failure

# tsafe's own threads (the scan's pool, the runtime's lock-free table) under ThreadSanitizer.
unit-tsan: corpus
	@cmake -S . -B $(BUILD_TSAN) -DTSAFE_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD_TSAN) -j $(JOBS) --target tsafe test_rt_table_tsan
	@cd $(BUILD_TSAN) && TSAFE_CORPUS_BUILD=$(abspath $(BUILD))/corpus ctest -L tsan --output-on-failure

test: corpus unit-asan unit-tsan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) tsafe.db tsafe.sarif
