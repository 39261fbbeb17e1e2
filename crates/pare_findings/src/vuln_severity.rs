//! The severity of a vulnerability finding: one ladder for the database,
//! the matcher, `scan --severity`, the policy and every renderer.
//!
//! It differs from [`crate::Severity`] (lint and hygiene findings) because
//! advisories have two levels a rule never has: `negligible` (Debian's
//! `unimportant`) and `unknown` (no rating and no CVSS score). `unknown`
//! is a level of its own, as Trivy's `UNKNOWN` is: it is never folded into
//! `low`, so a filter that hides it says so.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How bad a vulnerability is. Ordered: `Unknown < Negligible < Low <
/// Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum VulnSeverity {
    /// No rating and no CVSS score.
    #[default]
    Unknown,
    /// Debian's `unimportant`.
    Negligible,
    /// Low.
    Low,
    /// Medium (`moderate`).
    Medium,
    /// High (`important`).
    High,
    /// Critical.
    Critical,
}

impl VulnSeverity {
    /// Every level, most severe first (the order of summaries).
    pub const ALL: [VulnSeverity; 6] = [
        VulnSeverity::Critical,
        VulnSeverity::High,
        VulnSeverity::Medium,
        VulnSeverity::Low,
        VulnSeverity::Negligible,
        VulnSeverity::Unknown,
    ];

    /// Lower-case name, as printed, stored and accepted.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VulnSeverity::Unknown => "unknown",
            VulnSeverity::Negligible => "negligible",
            VulnSeverity::Low => "low",
            VulnSeverity::Medium => "medium",
            VulnSeverity::High => "high",
            VulnSeverity::Critical => "critical",
        }
    }

    /// An advisory's label in any of the vocabularies pare reads (OSV
    /// `database_specific.severity`, GHSA, Debian's tracker urgencies,
    /// Alpine), or `None` when it names no level (`not yet assigned`
    /// parses as `Unknown`).
    #[must_use]
    pub fn from_label(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "critical" => VulnSeverity::Critical,
            "high" | "important" => VulnSeverity::High,
            "medium" | "moderate" => VulnSeverity::Medium,
            "low" => VulnSeverity::Low,
            "negligible" | "unimportant" => VulnSeverity::Negligible,
            "unknown" | "not yet assigned" => VulnSeverity::Unknown,
            _ => return None,
        })
    }

    /// The CVSS qualitative rating of a base score (CVSS v3.1 §5: 9.0+
    /// critical, 7.0+ high, 4.0+ medium, above 0 low); 0 or less is
    /// `Unknown`, not `None` severity, since a 0.0 score is more often a
    /// placeholder than an assessment.
    #[must_use]
    pub fn from_cvss(score: f64) -> Self {
        match score {
            s if s >= 9.0 => VulnSeverity::Critical,
            s if s >= 7.0 => VulnSeverity::High,
            s if s >= 4.0 => VulnSeverity::Medium,
            s if s > 0.0 => VulnSeverity::Low,
            _ => VulnSeverity::Unknown,
        }
    }

    /// The severity pare reports: the advisory's own label when it names a
    /// level, else the CVSS score's rating, else `Unknown`.
    #[must_use]
    pub fn decide(label: Option<&str>, cvss_score: Option<f64>) -> Self {
        label
            .and_then(Self::from_label)
            .filter(|s| *s != VulnSeverity::Unknown)
            .or_else(|| cvss_score.map(Self::from_cvss))
            .unwrap_or_default()
    }

    /// The SARIF `level`.
    #[must_use]
    pub fn sarif_level(self) -> &'static str {
        match self {
            VulnSeverity::Critical | VulnSeverity::High => "error",
            VulnSeverity::Medium | VulnSeverity::Low => "warning",
            VulnSeverity::Negligible | VulnSeverity::Unknown => "note",
        }
    }

    /// GitHub code scanning's `security-severity` for a finding of this
    /// level with this CVSS score: the score when there is one, else the
    /// middle of the level's CVSS band (GitHub maps > 9.0 to critical,
    /// 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low). `Unknown` is 0.0, which
    /// GitHub shows without a level rather than guessing one.
    #[must_use]
    pub fn security_severity(self, cvss_score: Option<f64>) -> f64 {
        if let Some(s) = cvss_score.filter(|s| *s > 0.0) {
            return s;
        }
        match self {
            VulnSeverity::Critical => 9.5,
            VulnSeverity::High => 8.0,
            VulnSeverity::Medium => 5.5,
            VulnSeverity::Low => 2.0,
            VulnSeverity::Negligible => 0.1,
            VulnSeverity::Unknown => 0.0,
        }
    }
}

impl fmt::Display for VulnSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VulnSeverity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_label(s).ok_or_else(|| {
            format!(
                "unknown severity `{}` (expected critical, high, medium, low, negligible or unknown)",
                s.trim()
            )
        })
    }
}

/// A lint or image finding's severity on the vulnerability ladder (the
/// policy's one scale): `info` is `negligible`.
impl From<crate::Severity> for VulnSeverity {
    fn from(s: crate::Severity) -> Self {
        match s {
            crate::Severity::Critical => Self::Critical,
            crate::Severity::High => Self::High,
            crate::Severity::Medium => Self::Medium,
            crate::Severity::Low => Self::Low,
            crate::Severity::Info => Self::Negligible,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_labels_and_scores() {
        assert!(VulnSeverity::Critical > VulnSeverity::High);
        assert!(VulnSeverity::Negligible > VulnSeverity::Unknown);
        assert_eq!("MODERATE".parse(), Ok(VulnSeverity::Medium));
        assert_eq!("unimportant".parse(), Ok(VulnSeverity::Negligible));
        assert!("critcal".parse::<VulnSeverity>().is_err());
        assert_eq!(VulnSeverity::from_cvss(9.8), VulnSeverity::Critical);
        assert_eq!(VulnSeverity::from_cvss(7.0), VulnSeverity::High);
        assert_eq!(VulnSeverity::from_cvss(0.0), VulnSeverity::Unknown);
        assert_eq!(VulnSeverity::decide(Some("HIGH"), None), VulnSeverity::High);
        assert_eq!(
            VulnSeverity::decide(Some("unknown"), Some(9.8)),
            VulnSeverity::Critical
        );
        assert_eq!(VulnSeverity::decide(None, Some(5.0)), VulnSeverity::Medium);
        assert_eq!(VulnSeverity::decide(None, None), VulnSeverity::Unknown);
        assert_eq!(
            VulnSeverity::decide(Some("bogus"), None),
            VulnSeverity::Unknown
        );
        let names: Vec<&str> = VulnSeverity::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["critical", "high", "medium", "low", "negligible", "unknown"]
        );
        for s in VulnSeverity::ALL {
            assert_eq!(s.as_str().parse(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }

    #[test]
    fn github_security_severity_is_always_a_number_in_band() {
        assert_eq!(VulnSeverity::High.security_severity(Some(7.5)), 7.5);
        assert_eq!(VulnSeverity::Critical.security_severity(None), 9.5);
        assert_eq!(VulnSeverity::Unknown.security_severity(None), 0.0);
        for s in VulnSeverity::ALL {
            let n = s.security_severity(None);
            assert!((0.0..=10.0).contains(&n));
            if s >= VulnSeverity::Low {
                // The band's middle rates back to the same level.
                assert_eq!(VulnSeverity::from_cvss(n), s);
            }
        }
    }
}
