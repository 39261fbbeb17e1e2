//! Shannon entropy, for formats whose secret part is random: a value
//! below a rule's threshold (`xxxxxxxx`, `AAAA…`, a word) is a placeholder,
//! not a key.

/// Bits per byte of `s` (0.0 for an empty slice; at most 8.0).
#[must_use]
pub fn shannon(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[usize::from(b)] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::shannon;

    #[test]
    fn placeholders_are_low_and_keys_high() {
        assert!(shannon(b"") < 0.01);
        assert!(shannon(b"aaaaaaaaaaaaaaaa") < 0.01);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-9);
        assert!(shannon(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") < 1.0);
        // a generated (never real) 40-character AWS-style secret
        assert!(shannon(b"q8Vd2fPareFleetTestOnly0nlyNotReal7xKz3W") > 4.0);
    }
}
