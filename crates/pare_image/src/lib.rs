//! OCI semantics over a source: manifests, config, platform selection, verifying layer readers.
