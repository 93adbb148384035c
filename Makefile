# Thin wrappers: `make demo` and `make test` do everything on a fresh Debian 12 machine.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all deps build demo test unit-asan corpus clean

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

test: corpus unit-asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) tsafe.db tsafe.sarif
