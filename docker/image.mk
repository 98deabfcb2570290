# Container images (docker/), included from the root Makefile.
#   make image-test   build the images from docker/Dockerfile, then run the
#                     migration image and the API flow against Apache started
#                     from the runtime image (PostgreSQL on the host).
# With a Docker engine it uses docker; without one (this machine kind),
# buildah + podman with chroot isolation, the base image made locally by
# debootstrap (docker/base-image.sh).  Takes several minutes on a first run;
# reruns reuse the cached rootfs and image layers.  Not part of `make test`.
#
# One version: the images are tagged with VERSION (the module inside is
# compiled from the same file by the Makefile's module rule, which the
# Dockerfile runs), e.g. localhost/mod_invoice:0.2.0; IMAGE_TAG overrides.

IMAGE_PACKAGES := podman buildah debootstrap
IMAGE_TAG ?= $(VERSION)

.PHONY: image-deps image-test

# Same pattern as `deps`, for the engine-less build tools only.
image-deps:
	@docker info >/dev/null 2>&1 || scripts/ensure-packages.sh $(IMAGE_PACKAGES)

image-test: deps image-deps
	IMAGE=localhost/mod_invoice:$(IMAGE_TAG) MIGRATE_IMAGE=localhost/mod_invoice-migrate:$(IMAGE_TAG) \
	    docker/image-test.sh
