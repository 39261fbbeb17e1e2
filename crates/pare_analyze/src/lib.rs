//! Analyzers over the filesystem index: hygiene checks, OS release, efficiency.
