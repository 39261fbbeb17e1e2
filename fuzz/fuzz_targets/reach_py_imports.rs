#![no_main]
//! Reachability's script facts: Python import extraction, shell command
//! splitting and `#!` parsing never panic or hang on any bytes.

use libfuzzer_sys::fuzz_target;
use pare_reach::{probe::Script, python, shell};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = python::imports(&text);
    let _ = shell::commands(&text);
    let _ = shell::shebang(data);
    let s = Script::extract("/x.py", data);
    let _ = Script::decode(&s.encode());
    let _ = Script::extract("/bin/x", data);
});
