# notion-relay build, test and tooling entry points. `make help` lists them.
# Tools (cargo-lambda + zig, moto_server, SAM CLI) live in .venv, installed by scripts/bootstrap.sh.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
export PATH := $(VENV)/bin:$(PATH)
# One target dir for cargo, cargo lambda and sam build (the rust-cargolambda builder honours it).
CARGO_TARGET_DIR ?= $(ROOT)/target
export CARGO_TARGET_DIR
export SAM_CLI_TELEMETRY := 0
# SAM's translator wants a region even for local work; any will do.
export AWS_DEFAULT_REGION ?= us-east-1

FUNCTIONS := github-webhook scheduled-sync weekly-digest notion-oauth notion-webhook sync-worker
# template.yaml logical ids, in the order of FUNCTIONS.
SAM_FUNCTIONS := GitHubWebhookFunction ScheduledSyncFunction WeeklyDigestFunction NotionOAuthFunction NotionWebhookFunction SyncWorkerFunction
SAM_BUILD_DIR := $(ROOT)/.aws-sam/build
# The same selection `sam build` uses (one --bin per function at the workspace root), so both
# share feature resolution and hence compiled artifacts in $(CARGO_TARGET_DIR).
LAMBDA_BINS := $(addprefix --bin ,$(FUNCTIONS))

step = @printf '\n\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: help bootstrap bootstrap-arm64 test lint fmt-check clippy release-bins cargo-test \
        events-check sam-validate sam-build build bench demo events clean distclean test-long

help:
	@echo "make test     lint, release build, all tests, SAM validate + SAM build check (what CI runs)"
	@echo "make test-long  the seeded concurrency e2e tests with E2E_SEEDS (10) seeds each (~10 min)"
	@echo "make lint     cargo fmt --check + clippy -D warnings"
	@echo "make build    cargo lambda build --release --arm64 -> target/lambda/<fn>/bootstrap"
	@echo "make bench    release build, then the relay-tests bench binary"
	@echo "make demo     release build, then the relay-tests demo binary"
	@echo "make events   regenerate events/ from ../shared/fixtures/github"
	@echo "make clean    cargo clean + .aws-sam (distclean also removes .venv)"

bootstrap:
	@scripts/bootstrap.sh

bootstrap-arm64:
	@scripts/bootstrap.sh --arm64

# ---- CI -----------------------------------------------------------------------------------------
TEST_STEPS := fmt-check clippy events-check sam-validate release-bins cargo-test sam-build

# Each step is its own make run so a failure stops here with its exit code; timings at the end.
test: bootstrap-arm64
	@start=$$(date +%s); times=""; \
	for step in $(TEST_STEPS); do \
	  s=$$(date +%s); \
	  $(MAKE) $$step; \
	  times+="$$(printf '    %-13s %5ss' "$$step" "$$(($$(date +%s) - s))")"$$'\n'; \
	done; \
	printf '\n==> make test passed in %ss\n%s' "$$(($$(date +%s) - start))" "$$times"

lint: bootstrap fmt-check clippy

fmt-check:
	$(call step,cargo fmt --check)
	cargo fmt --all -- --check

clippy:
	$(call step,cargo clippy -D warnings)
	cargo clippy --workspace --all-targets -- -D warnings

events-check:
	$(call step,events/ up to date)
	python3 scripts/gen_events.py --check

sam-validate:
	$(call step,sam validate --lint)
	sam validate --lint --template $(ROOT)/template.yaml

# The e2e tests run these binaries from $(CARGO_TARGET_DIR)/release: build them once, here.
release-bins:
	$(call step,cargo build --release (all binaries))
	cargo build --release --workspace --bins

# The e2e tests spend their time waiting on the emulator's 3 req/s budget and on Lambda
# processes, not on the CPU: 4 at a time on 2 cores takes the suite from ~310 s to ~180 s (every
# test starts its own emulator, moto and functions, so they share nothing).
TEST_THREADS ?= 4

cargo-test:
	$(call step,cargo test (unit + integration + e2e))
	cargo test --workspace -- --test-threads=$(TEST_THREADS)

# The seeded concurrency tests (direct-mode races, two-way order, the queue burst) with at least
# $(E2E_SEEDS) seeds each instead of their defaults: ~10 min on 2 cores for 10 (the burst is
# ~1 min a seed).
E2E_SEEDS ?= 10
LONG_TESTS := webhook_race:: twoway_order:: queue_mode::a_burst

test-long: bootstrap release-bins
	$(call step,seeded e2e tests with $(E2E_SEEDS) seeds each)
	E2E_SEEDS=$(E2E_SEEDS) cargo test -p relay-tests --test e2e -- --test-threads=$(TEST_THREADS) $(LONG_TESTS)

# Compiles every function for aarch64 through the template's rust-cargolambda metadata and
# checks that each artifact is an arm64 ELF named bootstrap.
sam-build:
	$(call step,sam build (rust-cargolambda, arm64))
	@start=$$(date +%s); \
	sam build --build-in-source --template $(ROOT)/template.yaml --build-dir $(SAM_BUILD_DIR); \
	for fn in $(SAM_FUNCTIONS); do \
	  f="$(SAM_BUILD_DIR)/$$fn/bootstrap"; \
	  [ -x "$$f" ] || { echo "sam build: $$f is missing" >&2; exit 1; }; \
	  machine=$$(od -An -tx1 -j18 -N2 "$$f" | tr -d ' '); \
	  [ "$$machine" = b700 ] || { echo "sam build: $$f is not an aarch64 ELF (e_machine $$machine)" >&2; exit 1; }; \
	  echo "ok  $$fn/bootstrap  $$(wc -c < "$$f") bytes"; \
	done; \
	echo "sam build took $$(($$(date +%s) - start))s"

# ---- Deployable artifacts -----------------------------------------------------------------------
build: bootstrap-arm64
	$(call step,cargo lambda build --release --arm64)
	cargo lambda build --release --arm64 $(LAMBDA_BINS)
	@for fn in $(FUNCTIONS); do echo "$(CARGO_TARGET_DIR)/lambda/$$fn/bootstrap  $$(wc -c < $(CARGO_TARGET_DIR)/lambda/$$fn/bootstrap) bytes"; done

# ---- Tools ------------------------------------------------------------------------------------
bench: bootstrap release-bins
	$(call step,bench)
	cargo run --release -p relay-tests --bin bench
	cargo run --release -p relay-tests --bin bench_sync
	cargo run --release -p relay-tests --bin bench_client
	cargo run --release -p relay-tests --bin bench_queue

demo: bootstrap release-bins
	$(call step,demo)
	cargo run --release -p relay-tests --bin demo

events:
	$(call step,regenerate events/)
	python3 scripts/gen_events.py

clean:
	cargo clean
	rm -rf $(ROOT)/.aws-sam

distclean: clean
	rm -rf $(VENV)

# ---- Fuzzing (docs/fuzzing.md) ------------------------------------------------------------------
# cargo-fuzz wants nightly; RUSTC_BOOTSTRAP=1 lets the stable toolchain take its -Z flags. The fuzz
# crate is its own workspace with its own target dir, so the workspace build never sees it.
FUZZ_TARGETS := webhook_request markdown_blocks notion_error github_link notion_signature
FUZZ_TIME ?= 30
FUZZ_RUNS ?= 10000000
CARGO_FUZZ := $(ROOT)/.tools/bin/cargo-fuzz
fuzz_env := cd $(ROOT)/fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(ROOT)/fuzz/target

.PHONY: fuzz fuzz-long fuzz-tools

fuzz-tools:
	@[ -x $(CARGO_FUZZ) ] || cargo install cargo-fuzz --locked --root $(ROOT)/.tools
	python3 $(ROOT)/fuzz/seed_corpus.py

# A short smoke of every target ($(FUZZ_TIME) s each); a finding fails the target.
fuzz: fuzz-tools
	$(call step,fuzz smoke ($(FUZZ_TIME) s per target))
	@for t in $(FUZZ_TARGETS); do \
	  $(fuzz_env) $(CARGO_FUZZ) run -s none $$t corpus/$$t -- \
	    -max_total_time=$(FUZZ_TIME) -max_len=4096 -print_final_stats=1 2>&1 \
	    | grep -E '^(Done|stat::number_of_executed_units|==|SUMMARY|thread)' || exit 1; \
	done

# The documented long run: $(FUZZ_RUNS) executions per target, niced (docs/fuzzing.md).
fuzz-long: fuzz-tools
	$(call step,fuzz $(FUZZ_RUNS) runs per target)
	@for t in $(FUZZ_TARGETS); do \
	  $(fuzz_env) nice -n 19 $(CARGO_FUZZ) run -s none $$t corpus/$$t -- \
	    -runs=$(FUZZ_RUNS) -max_len=4096 -print_final_stats=1 || exit 1; \
	done
