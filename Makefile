# One entry point. Every target installs what it needs (Debian, as root).
SHELL := /bin/bash
LAB_HOSTS ?= 3
export LAB_HOSTS

.PHONY: help setup lint test unit sanity integration molecule lab lab-down demo build bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup:  ## virtualenv with the pinned toolchain; links this repo as pacs.orthanc
	@scripts/setup.sh

lint: setup  ## ansible-lint (production), yamllint, ruff, vermin (plugins/ on Python 3.9)
	@scripts/lint.sh

test:  ## everything: lint, sanity, unit, integration and molecule tests (installs and starts all it needs)
	@scripts/test.sh all

unit:  ## unit tests only (no root, apt or Docker needed)
	@scripts/test.sh unit

sanity:  ## ansible-test sanity and units on a copy of the collection (no containers)
	@scripts/test.sh sanity

integration:  ## integration tests only (real Orthanc, PostgreSQL, Docker)
	@scripts/test.sh integration

molecule:  ## molecule scenarios only
	@scripts/test.sh molecule

lab: setup  ## start LAB_HOSTS (default 3) systemd hosts with nested Docker Engines
	@scripts/lab.sh up

lab-down:  ## remove the lab hosts and their volumes
	@scripts/lab.sh down

demo: lab  ## lab, then the PACS stack on every lab host
	@scripts/demo.sh

build: setup  ## build the collection archive (pacs-orthanc-*.tar.gz)
	@.venv/bin/ansible-galaxy collection build --force

clean: lab-down  ## lab-down and remove the virtualenv and build output
	rm -rf .venv .collections pacs-orthanc-*.tar.gz
