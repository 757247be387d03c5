# FlowTrack's commands. `make run` serves on SQLite with no set-up;
# `make test` checks formatting and vet, runs every test (on PostgreSQL
# too when a server is reachable), fuzzes the decoders and the encoder briefly and runs
# the admin panel's browser tests in Debian's Chromium.

GO ?= go
# The PostgreSQL server that tests create their throwaway databases on.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# Iterations, not seconds: a duration can end mid-input and fail the run
# with "context deadline exceeded".
FUZZTIME ?= 5000x

.PHONY: run build test lint fuzz gobench bench e2e clean

run:
	$(GO) run ./cmd/flowtrack

build:
	CGO_ENABLED=0 $(GO) build -o bin/flowtrack ./cmd/flowtrack

lint:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test: lint
	@if [ -z "$$FLOWTRACK_TEST_POSTGRES" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then \
		export FLOWTRACK_TEST_POSTGRES='$(PG_TEST_URL)'; \
	fi; \
	if [ -n "$$FLOWTRACK_TEST_POSTGRES" ]; then echo "testing on SQLite and PostgreSQL"; \
	else echo "PostgreSQL not reachable: testing on SQLite only (set FLOWTRACK_TEST_POSTGRES to a server URL)"; fi; \
	$(GO) test -count=1 ./...
	$(MAKE) fuzz
	$(MAKE) gobench BENCHTIME=100x
	$(MAKE) e2e

# The admin panel's browser tests: Debian's chromium (installed with apt
# when missing) driven by playwright-core, against a real flowtrack serve.
# Screenshots of each page are left in e2e/screenshots/. With
# FLOWTRACK_TEST_POSTGRES set they run again on PostgreSQL.
e2e:
	e2e/run.sh
	@if [ -n "$$FLOWTRACK_TEST_POSTGRES" ]; then FLOWTRACK_E2E_POSTGRES="$$FLOWTRACK_TEST_POSTGRES" e2e/run.sh; fi

# The load benchmark: FlowTrack against a bare handler, with wrk. BENCH_DB
# is "sqlite" or a PostgreSQL server URL; BENCH_ARGS adds flowbench flags.
BENCH_DB ?= sqlite
BENCH_ARGS ?=
bench: build
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(GO) build -o bin/flowbench ./cmd/flowbench
	bin/flowbench -flowtrack bin/flowtrack -db '$(BENCH_DB)' $(BENCH_ARGS)

# The Go benchmarks of the hot paths (token, decoding, encoding, list SQL).
BENCHTIME ?= 1s
gobench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

fuzz:
	$(GO) test ./api -run '^$$' -fuzz '^FuzzRequestDecoding$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzListQuery$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzAppendJSON$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
