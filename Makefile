# The commands people type. `make dev` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 3000
STAGE ?= dev

.PHONY: install dev test test-fast lint bench deploy localstack clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

dev: install  ## run the whole product on the embedded local cloud (Ctrl-C stops it)
	$(BIN)/python -m infra.local up --port $(PORT)

test: install  ## template lint + unit + integration + e2e + tenant isolation
	$(BIN)/cfn-lint template.yaml
	$(BIN)/pytest -q

test-fast: install  ## everything but e2e
	$(BIN)/pytest -q tests/unit tests/integration

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy shared/leadpilot functions infra

bench: install
	$(BIN)/python -m bench

deploy: install  ## AWS: needs credentials, the SAM CLI and JWT_SECRET
	@command -v sam >/dev/null || $(BIN)/pip install -q aws-sam-cli
	sam build --template template.yaml
	sam deploy --stack-name leadpilot-$(STAGE) --capabilities CAPABILITY_IAM --resolve-s3 \
	  --parameter-overrides Stage=$(STAGE) JwtSecret=$${JWT_SECRET:?set JWT_SECRET to 32+ random characters}

localstack: install  ## deploy the same template to a running LocalStack (needs Docker + LocalStack)
	@command -v samlocal >/dev/null || $(BIN)/pip install -q aws-sam-cli-local
	samlocal build --template template.yaml
	samlocal deploy --stack-name leadpilot-$(STAGE) --capabilities CAPABILITY_IAM --resolve-s3 \
	  --parameter-overrides Stage=$(STAGE) JwtSecret=$${JWT_SECRET:-local-localstack-secret-0123456789abcdef}

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
