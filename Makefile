# pgevents developer tasks. Run `make` (or `make help`) for the list.
# CI runs `make ci` (see .ci/run). Every target that needs PostgreSQL boots its
# own throwaway cluster from /usr/lib/postgresql/*/bin (scripts/pg.sh,
# internal/pgtest), so nothing has to be running beforehand.

SHELL := bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

GO ?= go
SQLC := $(GO) tool -modfile=tools/go.mod sqlc
STATICCHECK := $(GO) tool -modfile=tools/staticcheck/go.mod staticcheck
BIN := bin/pgevents
CI_STEPS := check-generated vet lint test sqltest schema-check cli-check

.PHONY: help build generate check-generated vet lint test sqltest schema-check cli-check example bench bench-cpu bench-consumers ci

help: ## list the targets
	@grep -E '^[a-zA-Z_/-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build the CLI into bin/pgevents
	$(GO) build -o $(BIN) ./cmd/pgevents

generate: ## regenerate the sqlc code from sql/ (sqlc.yaml; sqlc pinned in tools/go.mod)
	$(SQLC) generate

check-generated: ## fail (with a diff) when the committed sqlc output is stale
	$(SQLC) diff

vet: ## go vet every package
	$(GO) vet ./...

lint: ## gofmt -l must print nothing, then go vet and staticcheck (pinned in tools/staticcheck)
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

test: ## go test -race; each test binary boots its own cluster (internal/pgtest)
	$(GO) test -race -count=1 ./...

sqltest: ## plpgsql_check sweep and pgTAP tests (test/sql) on a throwaway cluster
	scripts/sqltest.sh

schema-check: build ## prove migrations/ and sql/schema/ build the same schema (pg_dump diff)
	PGEVENTS_BIN=$(BIN) scripts/schema_check.sh

cli-check: build ## drive bin/pgevents through migrate status/validate/up/sql on a throwaway cluster
	PGEVENTS_BIN=$(BIN) scripts/cli_check.sh

example: ## run examples/basic (against DATABASE_URL when set, else a throwaway cluster)
	scripts/with_pg.sh $(GO) run ./examples/basic

bench: ## run the benchmarks (scripts/bench.sh)
	scripts/bench.sh

bench-consumers: ## consumer groups: append cost of the bucket index and wake-up, throughput, latency (scripts/bench_consumers.sh)
	scripts/bench_consumers.sh

bench-cpu: ## backend CPU per append call, raw INSERT alongside (scripts/bench_cpu.sh; ALT=dir adds sql/functions variants)
	scripts/bench_cpu.sh $(if $(ALT),-alt $(ALT))

ci: ## what CI runs: check-generated vet lint test sqltest schema-check cli-check, each timed; all run, then any failure fails
	@total=$$SECONDS; failed=(); summary=(); for step in $(CI_STEPS); do \
	  start=$$SECONDS; echo "==> make $$step"; \
	  if $(MAKE) --no-print-directory $$step; then result=ok; else result=FAILED; failed+=($$step); fi; \
	  echo "<== make $$step: $$result in $$((SECONDS - start))s"; summary+=("$$(printf '%-16s %-6s %4ss' $$step $$result $$((SECONDS - start)))"); \
	done; echo "== ci summary"; printf '  %s\n' "$${summary[@]}"; \
	if [ $${#failed[@]} -gt 0 ]; then echo "ci: FAILED: $${failed[*]} ($$((SECONDS - total))s)"; exit 1; fi; \
	echo "ci: all steps passed in $$((SECONDS - total))s"
