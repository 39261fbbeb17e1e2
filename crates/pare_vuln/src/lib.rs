//! Vulnerability database, version ordering per ecosystem and matchers.
