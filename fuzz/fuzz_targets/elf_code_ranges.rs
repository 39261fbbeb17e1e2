#![no_main]
//! The program-header reader behind the index pass's sparse read of big
//! ELF files: never panics, and the ranges it skips are sorted, disjoint,
//! inside the file and clear of the bytes it had to read to decide.

use libfuzzer_sys::fuzz_target;
use pare_fsindex::elf_code_ranges;

fuzz_target!(|input: (u64, &[u8])| {
    let (size, prefix) = input;
    let ranges = elf_code_ranges(prefix, size);
    let mut last_end = prefix.len() as u64;
    for &(start, end) in &ranges {
        assert!(start >= last_end, "{ranges:?}");
        assert!(start < end && end <= size, "{ranges:?}");
        last_end = end;
    }
});
