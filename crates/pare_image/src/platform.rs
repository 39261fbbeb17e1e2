//! Platforms (`os/arch[/variant]`) and matching them against an index.

use std::fmt;
use std::str::FromStr;

/// A platform.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Platform {
    /// `linux`, `windows`.
    pub os: String,
    /// `amd64`, `arm64`.
    pub architecture: String,
    /// `v7`, `v8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }
}

impl Platform {
    /// Whether an index entry for `other` serves a request for `self`. A
    /// request without a variant accepts any variant; `arm64` accepts `v8`.
    #[must_use]
    pub fn matches(&self, other: &Platform) -> bool {
        self.os == other.os
            && self.architecture == other.architecture
            && match (&self.variant, &other.variant) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(a), None) => self.architecture == "arm64" && a == "v8",
            }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: (*os).into(),
                architecture: (*arch).into(),
                variant: None,
            }),
            [os, arch, v] if !os.is_empty() && !arch.is_empty() && !v.is_empty() => Ok(Self {
                os: (*os).into(),
                architecture: (*arch).into(),
                variant: Some((*v).into()),
            }),
            _ => Err(format!(
                "invalid platform `{s}` (expected os/arch[/variant], e.g. linux/amd64)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let want: Platform = "linux/arm64".parse().unwrap();
        let have: Platform = "linux/arm64/v8".parse().unwrap();
        assert!(want.matches(&have));
        assert!(!want.matches(&Platform::default()));
        assert!("linux".parse::<Platform>().is_err());
        assert_eq!(have.to_string(), "linux/arm64/v8");
    }
}
