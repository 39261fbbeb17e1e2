//! Helpers of the packaging tests (`packaging_*.rs`): the repository, the
//! built binary, tools on `PATH` and the peers' venv.

use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built `pare` binary.
pub fn pare_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pare"))
}

/// Standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A tool on PATH, or a failure naming how to get it.
pub fn tool(name: &str, how: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: {how}"))
}

/// The peers' venv `bin` directory (`PARE_PEERS`, else `/opt/pare-peers/bin`).
pub fn peers() -> PathBuf {
    std::env::var("PARE_PEERS").map_or_else(|_| PathBuf::from("/opt/pare-peers/bin"), PathBuf::from)
}
