#![no_main]
//! Reachability's ELF dynamic-info reader: never panics, and what it
//! extracts survives its own compact encoding.

use libfuzzer_sys::fuzz_target;
use pare_elf::{parse, ElfInfo};

fuzz_target!(|data: &[u8]| {
    if let Some(info) = parse(data) {
        assert_eq!(ElfInfo::decode(&info.encode()).as_ref(), Some(&info));
    }
    let _ = ElfInfo::decode(data);
});
