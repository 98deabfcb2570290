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
	@if ! docker info >/dev/null 2>&1; then \
	    missing=$$(for p in $(IMAGE_PACKAGES); do \
	        dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	    done); \
	    if [ -n "$$missing" ]; then \
	        if [ "$$(id -u)" != 0 ]; then \
	            echo "missing packages:" $$missing "(install them, or run make as root)"; exit 1; \
	        fi; \
	        echo "installing:" $$missing; \
	        apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	            apt-get install -y -q --no-install-recommends $$missing; \
	    fi; \
	fi

image-test: deps image-deps
	docker/image-test.sh
