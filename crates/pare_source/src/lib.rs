//! Where image bytes come from: docker-archive, OCI layout and archive, rootfs dir.
