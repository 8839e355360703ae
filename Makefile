# ssmlab: `make reproduce` runs every paper experiment at the embedded default
# scale (CPU, no downloads) and rebuilds paper/; `make test` runs the tests.
# Optional cgo backends (OpenBLAS, oneDNN) are used when their libraries are
# installed; SSMLAB_PURE_GO=1 forces the pure-Go build.

GO       ?= go
PROFILE  ?= default
TAGS     ?= $(shell ./scripts/cgo-tags.sh)
BIN      := bin/ssmlab
GOFLAGS_TAGS := -tags '$(TAGS)'
FUZZTIME ?= 10000x
FUZZMINTIME ?= 200x

# Results record the commit this binary was built from, taken from its
# build info: go build embeds it (-buildvcs=true) in a git clone. In a git
# worktree, where go build cannot, the commit is linked in (-X) instead.
# git runs only here, for make build, in this checkout; ssmlab never runs it.
GITCOMMIT = $(shell git rev-parse HEAD 2>/dev/null)
GITDIRTY  = $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo true)
VCSFLAGS  = -buildvcs=true -ldflags '-X github.com/ssmlab/ssmlab/experiments.linkedCommit=$(GITCOMMIT) -X github.com/ssmlab/ssmlab/experiments.linkedDirty=$(GITDIRTY)'

.PHONY: all build test test-gpu test-gpu-emu unit fuzz lint reproduce bench figures validate vet fmt clean

all: build

build:
	@echo "ssmlab: building with tags [$(TAGS)]"
	$(GO) build $(GOFLAGS_TAGS) $(VCSFLAGS) -o $(BIN) ./cmd/ssmlab

test: vet unit fuzz

# The GPU tests (models/cuda and the --device cuda commands) on a machine
# with an NVIDIA GPU and driver; a missing GPU fails them here, where
# `make test` skips them.
test-gpu:
	SSMLAB_REQUIRE_GPU=1 $(GO) test $(GOFLAGS_TAGS) -count=1 -v ./models/cuda/
	SSMLAB_REQUIRE_GPU=1 $(GO) test $(GOFLAGS_TAGS) -count=1 -v -run 'DeviceCUDA' ./cmd/ssmlab/

# The same tests on the CPU through tools/cudaemu's stand-ins for the CUDA
# driver, NVRTC and cuBLAS (g++ and python3 needed): the Go glue, cuBLAS
# shapes and the kernels' arithmetic against the CPU models, not a GPU's
# speed or concurrency.
CUDAEMU ?= $(or $(TMPDIR),/tmp)/ssmlab-cudaemu
test-gpu-emu:
	sh tools/cudaemu/build.sh $(CUDAEMU)
	SSMLAB_REQUIRE_GPU=1 SSMLAB_CUDA_LIBS=$(CUDAEMU) SSMLAB_CUDA_CACHE=$(CUDAEMU)/cache $(GO) test $(GOFLAGS_TAGS) -count=1 ./models/cuda/
	SSMLAB_REQUIRE_GPU=1 SSMLAB_CUDA_LIBS=$(CUDAEMU) SSMLAB_CUDA_CACHE=$(CUDAEMU)/cache $(GO) test $(GOFLAGS_TAGS) -count=1 -run 'DeviceCUDA' ./cmd/ssmlab/

vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)
	$(GO) vet $(GOFLAGS_TAGS) ./...

# staticcheck, pinned; fetched through the Go module proxy on first use.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: vet
	$(GO) run $(STATICCHECK) -tags '$(TAGS)' ./...

unit:
	$(GO) test $(GOFLAGS_TAGS) -timeout 20m ./...

# Each fuzz target runs FUZZTIME on the seed corpus plus new inputs. The
# budget is a count of executions (Nx), not a duration: Go 1.26's fuzz
# coordinator can report a spurious "context deadline exceeded" failure when
# a duration runs out while a worker is mid-input (golang/go#75804, fixed in
# Go 1.27), which failed a clean-clone `make test` here once. A duration still works:
# make fuzz FUZZTIME=60s. Each input that finds new coverage is minimized
# for at most FUZZMINTIME executions: Go's default (60s, with quadratic
# passes over kilobyte inputs) spends a short run minimizing instead of
# exploring (the Parquet target ran 8 inputs in 30 s). go test prints each
# target's execs count as it finishes.
fuzz:
	@grep -rl --include='*_test.go' '^func Fuzz' . | while read f; do \
	  d=$$(dirname $$f); for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/func //'); do \
	    echo "fuzz $$d $$fn ($(FUZZTIME))"; \
	    $(GO) test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINTIME) ./$$d || exit 1; \
	  done; done

# Each profile keeps its own results (their configs differ). The default
# profile rebuilds the committed paper/; any other writes its report into
# $(RESULTS)/paper (ignored by git), so a quick run never overwrites paper/.
RESULTS ?= results/$(PROFILE)
PAPER   ?= $(if $(filter default,$(PROFILE)),paper,$(RESULTS)/paper)

reproduce: build
	$(BIN) reproduce --profile $(PROFILE) --results $(RESULTS) --paper $(PAPER)

bench: build
	$(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchtime 2s ./models/...

figures: build
	$(BIN) figures --results $(RESULTS) --paper $(PAPER)

# configs/paper/*.toml name real checkpoints; validate lists the missing
# ones with their download commands but passes (run refuses them).
CONFIGS := $(wildcard configs/*.toml configs/*/*.toml)

validate: build
	$(if $(CONFIGS),$(BIN) validate $(CONFIGS),@echo "validate: no configs/*.toml yet")

fmt:
	gofmt -w .

clean:
	rm -rf bin
