# Container images (docker/), included from the root Makefile.
#   make image-test   build the images from docker/Dockerfile, then run the
#                     migration image and the API flow against Apache started
#                     from the runtime image (PostgreSQL on the host).
# With a Docker engine it uses docker; without one (this machine kind),
# buildah + podman with chroot isolation, the base image made locally by
# debootstrap (docker/base-image.sh).  Takes several minutes on a first run;
# reruns reuse the cached rootfs and image layers.  Not part of `make test`.

IMAGE_PACKAGES := podman buildah debootstrap

.PHONY: image-deps image-test

# Same pattern as `deps`, for the engine-less build tools only.
image-deps:
	@docker info >/dev/null 2>&1 || scripts/ensure-packages.sh $(IMAGE_PACKAGES)

image-test: deps image-deps
	docker/image-test.sh
