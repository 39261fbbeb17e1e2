//! Dockerfile parser, hardening rules and fixes.
