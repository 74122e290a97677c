# callbox — the commands a newcomer needs: make run, make test, make bench.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
APT_PKGS := sip-tester espeak-ng sox libsox-fmt-mp3 chromium chromium-driver nginx swig g++ make libssl-dev python3-dev

.PHONY: run test bench setup apt clean

run: setup
	$(BIN)/callbox demo --data var

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m bench.run

# 10 minutes at 5 calls/s: no failed call, no leak (not part of make test or make bench).
soak: setup
	$(BIN)/python -m bench.soak

setup: apt $(STAMP) sip-engine

# System packages (SIPp, espeak-ng, sox, Chromium); skipped when already there.
apt:
	@missing=""; for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) var .pytest_cache

# The SD-card image: `make image`, `make image-test` (long; not part of `make test`).
include mk/image.mk
include mk/pjsua2.mk
