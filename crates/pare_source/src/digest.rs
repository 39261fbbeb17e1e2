//! Content digests (`sha256:<hex>`), parsed once and validated so that a
//! digest can safely become a path (`blobs/sha256/<hex>`).

use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// A digest algorithm pare verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// SHA-256 (all real images).
    Sha256,
    /// SHA-512 (allowed by the OCI spec).
    Sha512,
}

impl Algorithm {
    /// The name used in digests.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }
}

/// A validated digest: algorithm plus lower-case hex of the right length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lower-case hex part.
    #[must_use]
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A digest from an algorithm and raw hash bytes.
    #[must_use]
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Self {
        Self {
            algorithm,
            hex: hex::encode(bytes),
        }
    }

    /// The path of this blob in an OCI layout (`blobs/sha256/<hex>`).
    #[must_use]
    pub fn layout_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm.as_str(), self.hex)
    }

    /// The first 12 hex characters, for tables.
    #[must_use]
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

impl FromStr for Digest {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason| Error::BadDigest {
            digest: s.chars().take(80).collect(),
            reason,
        };
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| bad("expected `algorithm:hex`"))?;
        let (algorithm, len) = match alg {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            _ => return Err(bad("unsupported algorithm (expected sha256 or sha512)")),
        };
        if hex.len() != len
            || !hex
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(bad("hex part has the wrong length or characters"));
        }
        Ok(Self {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let d: Digest = format!("sha256:{}", "a".repeat(64)).parse().unwrap();
        assert_eq!(d.layout_path(), format!("blobs/sha256/{}", "a".repeat(64)));
        assert!("sha256:../../etc/passwd".parse::<Digest>().is_err());
        assert!(format!("sha256:{}", "A".repeat(64))
            .parse::<Digest>()
            .is_err());
        assert!("md5:abc".parse::<Digest>().is_err());
        assert!("nocolon".parse::<Digest>().is_err());
    }
}
