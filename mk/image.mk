# The appliance image (docs/image.md). Included from the Makefile; not part of `make test`.
#   make image        build image-build/out/callbox.img (+ .img.xz, .img.bmap, SHA256SUMS)
#   make image-test   boot it in qemu-system-aarch64 and check it over the serial console
# Both need root (mmdebstrap, chroot, binfmt) and the Debian archive; a build takes
# about 30 minutes on 2 cores (measured), the boot test about 3.

IMAGE_OUT  ?= image-build/out
IMAGE      := $(IMAGE_OUT)/callbox.img
IMAGE_APT  := mmdebstrap qemu-user-static binfmt-support arch-test qemu-system-arm \
              ipxe-qemu genimage mtools dosfstools e2fsprogs fdisk bmap-tools xz-utils
IMAGE_SRC  := $(shell find appliance web systemd firmware image-build docs/technician.md pyproject.toml \
                -path image-build/out -prune -o -type f ! -name '*.pyc' -print 2>/dev/null)

.PHONY: image image-test image-wheels image-apt image-clean

image: setup image-apt
	bash image-build/build-image.sh $(IMAGE_OUT)

# Only the wheels (app + aarch64 dependencies + pjsua2 if present), for rpi-image-gen.
image-wheels: setup
	bash image-build/build-image.sh --wheels-only $(IMAGE_OUT)

$(IMAGE): $(IMAGE_SRC) | setup image-apt
	bash image-build/build-image.sh $(IMAGE_OUT)

image-test: setup image-apt $(IMAGE)
	CALLBOX_IMAGE=$(abspath $(IMAGE)) $(BIN)/python -m pytest -v -p no:cacheprovider tests/image

# Build tools from Debian (skipped when already there).
image-apt:
	@missing=""; for p in $(IMAGE_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

image-clean:
	rm -rf $(IMAGE_OUT)
