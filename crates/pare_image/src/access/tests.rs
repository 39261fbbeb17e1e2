use super::*;
use flate2::Crc;
use std::io::{Read, Write};

/// Text-like bytes: words from a small vocabulary, chosen by a
/// xorshift generator, so that deflate makes dynamic blocks with
/// back-references.
pub(super) fn text(n: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "usr",
        "lib",
        "x86_64",
        "linux",
        "gnu",
        "python3",
        "site-packages",
        "\n",
        "so",
        "import",
        "def",
        "return",
        "0",
        "1",
        "2",
        "/",
        " ",
        "  ",
        "\x00\x01\x02",
    ];
    let mut s = seed | 1;
    let mut v = Vec::with_capacity(n + 16);
    while v.len() < n {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        if s.is_multiple_of(97) {
            // An incompressible run now and then.
            v.extend((0..64).map(|i| (s >> (i % 56)) as u8));
        } else {
            v.extend_from_slice(WORDS[(s % WORDS.len() as u64) as usize].as_bytes());
        }
    }
    v.truncate(n);
    v
}

fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn index(blob: &[u8], spacing: u64) -> (Vec<u8>, AccessPoints) {
    let rec = Recording::default();
    let mut d = IndexingGz::new(
        io::BufReader::with_capacity(4096, blob),
        spacing,
        rec.clone(),
    );
    let mut out = Vec::new();
    // Odd read sizes, to cross every buffer boundary.
    let mut buf = vec![0u8; 7777];
    loop {
        let n = d.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    (out, rec.take())
}

fn open<'a>(blob: &'a [u8]) -> impl Fn(u64) -> io::Result<Box<dyn Read + Send + 'a>> + Sync + 'a {
    move |at| Ok(Box::new(&blob[usize::try_from(at).unwrap()..]) as Box<dyn Read + Send>)
}

#[test]
fn every_point_resumes_to_the_same_bytes() {
    for (level, seed) in [(1, 3), (6, 5), (9, 7), (0, 11)] {
        let a = text(600_000, seed);
        let b = text(300_000, seed + 1);
        // Two members, as `cat a.gz b.gz`.
        let mut blob = gzip(&a, level);
        blob.extend(gzip(&b, level));
        let whole: Vec<u8> = [a, b].concat();
        let (out, points) = index(&blob, 4096);
        assert_eq!(out, whole, "level {level}: the indexing decoder's output");
        let members = points
            .points()
            .iter()
            .filter(|p| matches!(p.kind, Kind::Member))
            .count();
        assert_eq!(members, 2, "level {level}");
        let blocks = points.points().len() - members;
        // zlib-rs's level 1 (`deflate_quick`) writes blocks of hundreds
        // of KiB; the others a few KiB to tens.
        let fewest = if level == 1 { 1 } else { 5 };
        assert!(
            blocks >= fewest,
            "level {level}: only {blocks} block points"
        );
        assert_eq!(points.end(), whole.len() as u64);
        for (i, p) in points.points().iter().enumerate() {
            let (a, b) = (p.output as usize, points.segment_end(i) as usize);
            let mut c = Crc::new();
            c.update(&whole[a..b]);
            assert_eq!(p.crc, c.sum(), "level {level}: segment {i}'s checksum");
        }
        let open = open(&blob);
        let mut resumed = 0;
        for (i, p) in points.points().iter().enumerate() {
            let Some(mut r) = Resumed::at(&points, i, &open).unwrap() else {
                continue;
            };
            resumed += 1;
            let mut got = Vec::new();
            r.read_to_end(&mut got).unwrap();
            let from = usize::try_from(p.output).unwrap();
            assert!(!got.is_empty());
            assert_eq!(
                got[..],
                whole[from..from + got.len()],
                "level {level}: resumed at {p:?}"
            );
            // To the end of the point's member.
            assert!(from + got.len() == 600_000 || from + got.len() == whole.len());
        }
        assert_eq!(
            resumed,
            points.points().len(),
            "level {level}: every point resumes"
        );
        assert_eq!(
            points.before(0),
            Some(0),
            "the first member's start is a point"
        );
    }
}

#[test]
fn corrupt_and_truncated_streams_are_errors_not_panics() {
    let blob = gzip(&text(100_000, 9), 6);
    let read = |b: &[u8]| {
        let mut d = IndexingGz::new(b, 1024, Recording::default());
        let mut v = Vec::new();
        d.read_to_end(&mut v).map(|_| v)
    };
    for cut in [5, 20, blob.len() / 2, blob.len() - 4] {
        let e = read(&blob[..cut]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}: {e}");
    }
    let mut bad = blob.clone();
    let n = bad.len();
    bad[n - 6] ^= 0xff; // the CRC
    assert!(read(&bad).unwrap_err().to_string().contains("CRC"));
    let mut garbage = blob.clone();
    garbage.extend_from_slice(b"trailing");
    assert!(read(&garbage).unwrap_err().to_string().contains("magic"));
    assert!(read(&[]).unwrap().is_empty());
    // A flipped bit somewhere in the data: an error, whichever.
    for at in [30, 500, 5000] {
        let mut b = blob.clone();
        b[at] ^= 0x10;
        assert!(read(&b).is_err(), "flip at {at}");
    }
}

#[test]
fn a_wrong_probe_refuses_the_point() {
    let data = text(600_000, 13);
    let blob = gzip(&data, 6);
    let (_, points) = index(&blob, 2048);
    let i = points
        .points()
        .iter()
        .position(|p| matches!(p.kind, Kind::Block { .. }))
        .unwrap();
    let mut bad = points.clone();
    if let Kind::Block { probe, .. } = &mut bad.points[i].kind {
        probe[0] ^= 1;
    }
    assert!(Resumed::at(&bad, i, &open(&blob)).unwrap().is_none());
    // A wrong segment checksum: refused at a block point, an error
    // at its end from a member point.
    let mut bad = points.clone();
    bad.points[i].crc ^= 1;
    assert!(Resumed::at(&bad, i, &open(&blob)).unwrap().is_none());
    let mut bad = points.clone();
    bad.points[0].crc ^= 1;
    let mut r = Resumed::at(&bad, 0, &open(&blob)).unwrap().unwrap();
    let e = r.read_to_end(&mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("CRC-32"), "{e}");
}
