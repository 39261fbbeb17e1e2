//! Kubernetes manifest parser, hardening rules and fixes.
