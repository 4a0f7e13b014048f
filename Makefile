# TumorTrace — the two commands users need: `make demo` and `make test`.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.tumortrace-installed
AOT     := $(VENV)/.tumortrace-kernels
DATA    ?= ../shared/data
DEMO_OUT ?= runs/demo
PYTEST_ARGS ?=

.PHONY: install test demo bench-speed clean check-no-cuda

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

# Installs the package with the tested pins; never pulls CUDA wheels (torch==2.13.0 CPU is pinned).
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	$(MAKE) --no-print-directory check-no-cuda
	touch $(STAMP)

# Ahead-of-time compiled feature kernels (fast cold start). Rebuilt when a kernel source
# changes; without a C compiler the build fails, a warning is printed and Numba's JIT is used.
$(AOT): $(STAMP) $(wildcard features/_kernels/*.py)
	@$(BIN)/tumortrace build-kernels --quiet || echo "warning: AOT kernels not built; the features use Numba's JIT"
	@$(BIN)/tumortrace build-kernels --status
	@touch $(AOT)

install: $(STAMP) $(AOT)

check-no-cuda:
	@if $(BIN)/python -m pip list 2>/dev/null | grep -i '^nvidia-'; then \
		echo "error: CUDA packages were installed into $(VENV)"; exit 1; fi

test: install
	TUMORTRACE_DATA=$${TUMORTRACE_DATA:-$(DATA)} $(BIN)/python -m pytest $(PYTEST_ARGS)

demo: install
	$(BIN)/tumortrace bench quick --out $(DEMO_OUT)

bench-speed: install
	$(BIN)/tumortrace bench speed --out runs/speed

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
