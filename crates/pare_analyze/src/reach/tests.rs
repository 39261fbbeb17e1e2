//! End-to-end tests of [`super::analyze`] over small synthetic root
//! filesystems.
