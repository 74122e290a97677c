# The appliance image (docs/image.md). Included from the Makefile; not part of `make test`.
#   make image        build image-build/out/callbox.img (+ .img.xz, .img.bmap, SHA256SUMS)
#   make image-test   boot it in qemu-system-aarch64 and check it over the serial console
# Both need root (mmdebstrap, chroot, binfmt, ip netns) and the Debian archive; a build
# takes about 30 minutes on 2 cores (measured), the boot test about 3. `make image` first
# cross-compiles the box's pjsua2 wheel (mk/pjsua2.mk; cached after the first time).

IMAGE_OUT  ?= image-build/out
IMAGE      := $(IMAGE_OUT)/callbox.img
IMAGE_APT  := mmdebstrap qemu-user-static binfmt-support arch-test qemu-system-arm \
              ipxe-qemu genimage mtools dosfstools e2fsprogs fdisk bmap-tools xz-utils iproute2 sip-tester
IMAGE_SRC  := $(shell find appliance web systemd firmware image-build docs/technician.md pyproject.toml \
                -path image-build/out -prune -o -type f ! -name '*.pyc' -print 2>/dev/null)

.PHONY: image image-test image-wheels image-apt image-clean

image: setup image-apt pjsua2-aarch64
	bash image-build/build-image.sh $(IMAGE_OUT)

# Only the wheels (app + aarch64 dependencies + pjsua2 if present), for rpi-image-gen.
image-wheels: setup pjsua2-aarch64
	bash image-build/build-image.sh --wheels-only $(IMAGE_OUT)

$(IMAGE): $(IMAGE_SRC) | setup image-apt pjsua2-aarch64
	bash image-build/build-image.sh $(IMAGE_OUT)

# The boot test runs in an empty network namespace: the VM may then call the test's SIPp
# phone on this host (QEMU's 10.0.2.2) and cannot reach anything else.
IMAGE_NETNS := callbox-image-test
image-test: setup image-apt $(IMAGE)
	ip netns delete $(IMAGE_NETNS) 2>/dev/null || true
	ip netns add $(IMAGE_NETNS) && ip netns exec $(IMAGE_NETNS) ip link set lo up
	CALLBOX_IMAGE=$(abspath $(IMAGE)) ip netns exec $(IMAGE_NETNS) \
	  $(BIN)/python -m pytest -v -p no:cacheprovider tests/image; \
	  status=$$?; ip netns delete $(IMAGE_NETNS); exit $$status

# Build tools from Debian (skipped when already there).
image-apt:
	@missing=""; for p in $(IMAGE_APT); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

image-clean:
	rm -rf $(IMAGE_OUT)
