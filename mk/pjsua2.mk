# The SIP engine (docs/image.md, "The pjsua2 wheel"). Included from the Makefile.
#   make pjsua2          build (or take from the cache) the host wheel from the pristine
#                        pjproject source with callbox's config_site.h, into image-build/wheels/
#   make pjsua2-aarch64  the same, cross-compiled for the box's image
# `make setup` installs the raised-limit wheel when the source is reachable, else the
# PyPI wheel (4 SIP calls per process) — and says which in one line.

PJPROJECT_SRC ?= ../shared/vendor/pjproject-2.15.1.tar.gz
export PJPROJECT_SRC

.PHONY: pjsua2 pjsua2-aarch64 sip-engine

pjsua2: $(STAMP)
	bash image-build/pjsua2/build-wheel.sh --python $(BIN)/python

pjsua2-aarch64: $(STAMP)
	bash image-build/pjsua2/build-wheel.sh --arch aarch64 --python $(BIN)/python

sip-engine: $(STAMP)
	@bash image-build/pjsua2/install-engine.sh $(BIN)/python
