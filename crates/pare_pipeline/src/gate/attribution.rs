//! Which layers came from the base image and which the application's build
//! added, and how that was decided.
//!
//! A vulnerability in a base layer is fixed by bumping the base; one in an
//! app layer by the team's own change. The gate's default policy fails only
//! on the latter, so the decision must be right and explained. In order of
//! trust:
//!
//! 1. **A base image given** (`--base IMAGE`): the base layers are the
//!    longest common prefix of the two images' layer diff_ids.
//! 2. **Annotations** `org.opencontainers.image.base.digest` (and
//!    `.base.name`) on the manifest, the base's manifest read by the caller
//!    (the CLI tries the image's own source, an OCI layout's blob store,
//!    then for registry images `base.name@base.digest` in its registry).
//! 3. **The Dockerfile** (`--dockerfile`): its final stage's `FROM`,
//!    followed through earlier stages; the `RUN`, `COPY` and `ADD`
//!    instructions of that chain made the last layers.
//! 4. **The history**: base images end with a `CMD` or `ENTRYPOINT` that
//!    the app's build then follows with new layers. Without that marker
//!    the split is a **guess** (the largest gap of at least an hour between
//!    layer timestamps, else the first layer alone): it is reported, but
//!    it never demotes a finding: every layer's origin is `unknown`, which
//!    the policy reads as the app's (the safer reading). A squashed image
//!    (one layer) has no split at all.
//!
//! A `--dockerfile` is checked against the layers' `created_by` history:
//! the final stage's `RUN`/`COPY`/`ADD` instructions must be the last
//! layers' steps, in order; a mismatch is an error, never a silent move of
//! app layers into the base.

use pare_findings::time::rfc3339_to_unix;
use pare_findings::LayerClass;
use pare_image::{Digest, History, Image};
use serde::Serialize;

/// The annotation naming the base image's manifest digest.
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";
/// The annotation naming the base image.
pub const BASE_NAME: &str = "org.opencontainers.image.base.name";

/// How the base layers were decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// `--base IMAGE`: common diff_id prefix.
    BaseImage,
    /// OCI base-image annotations.
    Annotation,
    /// The Dockerfile's final stage.
    Dockerfile,
    /// The image history (heuristic).
    History,
    /// No layers to attribute (a rootfs directory).
    None,
}

impl Method {
    /// Name for people and JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::BaseImage => "base-image",
            Method::Annotation => "annotation",
            Method::Dockerfile => "dockerfile",
            Method::History => "history",
            Method::None => "none",
        }
    }
}

/// The split of an image's layers into base and app.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    /// Layers `0..base_layers` are the base's; `None` when unknown.
    pub base_layers: Option<usize>,
    /// Number of layers in the image.
    pub layers: usize,
    /// How it was decided.
    pub method: Method,
    /// Why, for people.
    pub evidence: String,
    /// The base image's name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The split is a guess: no layer is called the base's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub guess: bool,
}

impl Attribution {
    /// Whether layer `index` is the base's or the app's (`Unknown` when
    /// the split or the layer is unknown).
    #[must_use]
    pub fn origin(&self, index: usize) -> LayerClass {
        if self.guess {
            return LayerClass::Unknown;
        }
        match self.base_layers {
            Some(base) if index < self.layers && index < base => LayerClass::Base,
            Some(_) if index < self.layers => LayerClass::App,
            _ => LayerClass::Unknown,
        }
    }

    /// Nothing to attribute (rootfs directories).
    #[must_use]
    pub fn none() -> Self {
        Self {
            base_layers: None,
            layers: 0,
            method: Method::None,
            evidence: "no layers: a directory has no base/app split".into(),
            base: None,
            guess: false,
        }
    }

    /// From a base image's diff_ids: the longest common prefix.
    #[must_use]
    pub fn from_base_image(image: &Image, base_name: &str, base_diff_ids: &[Digest]) -> Self {
        let layers = image.layers.len();
        let common = image
            .layers
            .iter()
            .zip(base_diff_ids)
            .take_while(|(l, b)| l.diff_id.as_ref() == Some(*b))
            .count();
        let evidence = if common == base_diff_ids.len() {
            format!(
                "`{base_name}`'s {} layer(s) are the first {common} of this image's {}",
                base_diff_ids.len(),
                layers
            )
        } else {
            format!(
                "this image shares its first {common} layer(s) with `{base_name}` ({} layers): it is not built on that exact base",
                base_diff_ids.len()
            )
        };
        Self {
            base_layers: Some(common),
            layers,
            method: Method::BaseImage,
            evidence,
            base: Some(base_name.to_string()),
            guess: false,
        }
    }

    /// From the manifest's base-image annotations. `fetch` is given the
    /// base's name and manifest digest and returns its diff_ids and where
    /// they were read (`this image's source`, `its registry`), or why they
    /// could not be. `None` when there is no annotation; `Some(Err(why))`
    /// when there is one but it cannot be used.
    pub fn from_annotations(
        image: &Image,
        fetch: impl FnOnce(&str, &Digest) -> Result<(Vec<Digest>, &'static str), String>,
    ) -> Option<Result<Self, String>> {
        let digest = image.annotations.get(BASE_DIGEST)?;
        let name = image
            .annotations
            .get(BASE_NAME)
            .cloned()
            .unwrap_or_else(|| digest.clone());
        let parsed: Digest = match digest.parse() {
            Ok(d) => d,
            Err(e) => return Some(Err(format!("annotation `{BASE_DIGEST}`: {e}"))),
        };
        Some(match fetch(&name, &parsed) {
            Ok((base_ids, place)) => {
                let mut a = Self::from_base_image(image, &name, &base_ids);
                a.method = Method::Annotation;
                a.evidence = format!(
                    "annotation `{BASE_NAME}` = `{name}`, `{BASE_DIGEST}` = `{digest}` (read from {place}): {}",
                    a.evidence
                );
                Ok(a)
            }
            Err(e) => Err(format!("annotation names base `{name}@{digest}`: {e}")),
        })
    }

    /// From a Dockerfile whose final stage builds on the external image
    /// `base` (written at `origin`, `Dockerfile:3`) and whose chain of
    /// stages has `steps` layer-creating instructions (`RUN`, `COPY`,
    /// `ADD`, as their text), checked against the image's history.
    ///
    /// # Errors
    /// The Dockerfile does not describe this image: more steps than layers,
    /// or a step that is not the matching layer's `created_by`.
    pub fn from_dockerfile(
        image: &Image,
        base: &str,
        steps: &[String],
        origin: &str,
    ) -> Result<Self, String> {
        let layers = image.layers.len();
        let n = steps.len();
        if n > layers {
            return Err(format!(
                "{origin}: the final stage (`FROM {base}`) has {n} RUN/COPY/ADD instructions but the image has only {layers} layers: it was not built from this Dockerfile"
            ));
        }
        let history: Vec<&str> = image.layers[layers - n..]
            .iter()
            .map(|l| l.created_by.as_deref().unwrap_or(""))
            .collect();
        let mut unchecked = 0;
        for (i, (step, by)) in steps.iter().zip(&history).enumerate() {
            if by.trim().is_empty() {
                unchecked += 1;
                continue;
            }
            if !step_matches(step, by) {
                return Err(format!(
                    "{origin}: the Dockerfile does not describe this image: its step {} (`{}`) is not layer {} (`{}`)",
                    i + 1,
                    short(step),
                    layers - n + i,
                    short(by)
                ));
            }
        }
        let mut evidence = format!(
            "{origin}: the final stage builds on `{base}`; its {n} RUN/COPY/ADD instruction(s) made the last {n} layer(s)"
        );
        if unchecked > 0 {
            evidence.push_str(&format!(
                " ({unchecked} of them could not be checked: no history)"
            ));
        } else if n > 0 {
            evidence.push_str(", as their history records");
        }
        Ok(Self {
            base_layers: Some(layers - n),
            layers,
            method: Method::Dockerfile,
            evidence,
            base: Some(base.to_string()),
            guess: false,
        })
    }

    /// The history heuristic.
    #[must_use]
    pub fn from_history(image: &Image) -> Self {
        let layers = image.layers.len();
        let history = image
            .config
            .as_ref()
            .map(|c| c.history.as_slice())
            .unwrap_or_default();
        let (base, evidence, guess) = history_split(history, layers);
        Self {
            base_layers: Some(base),
            layers,
            method: Method::History,
            evidence,
            base: None,
            guess,
        }
    }
}

/// The number of base layers the history suggests, why, and whether that
/// is a guess.
fn history_split(history: &[History], layers: usize) -> (usize, String, bool) {
    let mut seen = 0usize;
    let mut marks = Vec::new();
    let mut times = Vec::new();
    for h in history {
        let by = h.created_by.as_deref().unwrap_or("");
        if h.empty_layer {
            if is_cmd(by) {
                marks.push((seen, by));
            }
        } else {
            times.push((seen, h.created.as_deref().and_then(rfc3339_to_unix)));
            seen += 1;
        }
    }
    if let Some((base, by)) = marks.iter().rev().find(|(n, _)| *n > 0 && *n < layers) {
        return (
            *base,
            format!(
                "the base ends with `{}`, after which the build added {} layer(s)",
                by.trim(),
                layers - base
            ),
            false,
        );
    }
    let mut best: Option<(usize, i64)> = None;
    for w in times.windows(2) {
        if let ((_, Some(a)), (n, Some(b))) = (w[0], w[1]) {
            let gap = b - a;
            if gap >= 3600 && n < layers && best.is_none_or(|(_, g)| gap > g) {
                best = Some((n, gap));
            }
        }
    }
    if let Some((base, gap)) = best {
        return (
            base,
            format!(
                "a guess: layer {base} was created {} h after the one before it, the largest gap; every layer is read as the app's until `--base IMAGE` or `--dockerfile` decides",
                gap / 3600
            ),
            true,
        );
    }
    if layers <= 1 {
        return (
            layers,
            "a single layer (a squashed image): base and app cannot be told apart, so every finding is read as the app's; pass `--base IMAGE` to decide".into(),
            true,
        );
    }
    (
        1,
        "no base boundary recorded (no CMD/ENTRYPOINT before later layers, no time gap): every layer is read as the app's; pass `--base IMAGE` or `--dockerfile` to decide".into(),
        true,
    )
}

/// Whether a Dockerfile step (`RUN pip install x`, `COPY . /app`) is the
/// history entry `by` (`RUN /bin/sh -c pip install x # buildkit`,
/// `/bin/sh -c pip install x`, `/bin/sh -c #(nop) COPY dir:3ab in /app`,
/// `COPY . /app # buildkit`): the same instruction, and for `RUN` the same
/// command (whitespace aside); `COPY`/`ADD` sources are content hashes in
/// classic histories, so only the instruction and destination are
/// compared.
fn step_matches(step: &str, by: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let step = norm(step);
    let by = norm(by.trim_end_matches("# buildkit").trim());
    let (kw, rest) = step.split_once(' ').unwrap_or((step.as_str(), ""));
    let kw = kw.to_ascii_uppercase();
    // Classic builder: `/bin/sh -c #(nop) COPY …` or `/bin/sh -c cmd`.
    let by = by
        .strip_prefix("/bin/sh -c #(nop)")
        .map(str::trim_start)
        .map(str::to_string)
        .unwrap_or_else(|| match by.strip_prefix("/bin/sh -c ") {
            Some(cmd) => format!("RUN {cmd}"),
            None => by.clone(),
        });
    let (hkw, hrest) = by.split_once(' ').unwrap_or((by.as_str(), ""));
    if !hkw.eq_ignore_ascii_case(&kw) {
        return false;
    }
    match kw.as_str() {
        "RUN" => {
            // BuildKit: `RUN |2 A=1 B=2 /bin/sh -c cmd`, `RUN /bin/sh -c cmd`.
            let mut h = hrest;
            if let Some(after) = h.strip_prefix('|') {
                let mut words = after.split(' ');
                let n: usize = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                let skip = 1 + after
                    .split(' ')
                    .take(n + 1)
                    .map(|w| w.len() + 1)
                    .sum::<usize>();
                h = h.get(skip..).unwrap_or("");
            }
            let h = h.strip_prefix("/bin/sh -c ").unwrap_or(h);
            let r = rest
                .trim_start_matches(['[', '"'])
                .trim_end_matches([']', '"']);
            h.contains(rest) || h.contains(r) || rest.contains(h)
        }
        _ => {
            // The destination is the last word of both.
            let dest = |s: &str| {
                s.rsplit(' ')
                    .next()
                    .unwrap_or("")
                    .trim_matches('"')
                    .to_string()
            };
            dest(rest) == dest(hrest)
        }
    }
}

fn short(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 60 {
        s.chars().take(57).collect::<String>() + "..."
    } else {
        s
    }
}

/// Whether a history entry is a `CMD`/`ENTRYPOINT` (classic builder's
/// `/bin/sh -c #(nop)  CMD ["bash"]` or BuildKit's `CMD ["bash"]`).
fn is_cmd(by: &str) -> bool {
    let s = by.trim();
    let s = s
        .strip_prefix("/bin/sh -c #(nop)")
        .map_or(s, str::trim_start);
    s.starts_with("CMD ")
        || s.starts_with("CMD[")
        || s.starts_with("ENTRYPOINT ")
        || s.starts_with("ENTRYPOINT[")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(by: &str, empty: bool, created: &str) -> History {
        History {
            created: Some(created.into()),
            created_by: Some(by.into()),
            comment: None,
            empty_layer: empty,
        }
    }

    #[test]
    fn history_boundaries() {
        let t = "2024-01-01T00:00:00Z";
        let debian = [
            h("ADD rootfs.tar.xz /", false, t),
            h("/bin/sh -c #(nop)  CMD [\"bash\"]", true, t),
        ];
        let mut app = debian.to_vec();
        app.push(h("RUN pip install flask", false, "2024-03-01T10:00:00Z"));
        app.push(h("COPY . /app", false, "2024-03-01T10:00:05Z"));
        app.push(h(
            "CMD [\"python3\", \"app.py\"]",
            true,
            "2024-03-01T10:00:05Z",
        ));
        let (n, why, guess) = history_split(&app, 3);
        assert_eq!((n, guess), (1, false), "{why}");
        assert!(why.contains("CMD"), "{why}");
        // the base's own CMD is the last one followed by layers; a trailing CMD is not
        assert_eq!(history_split(&debian, 1).0, 1);
        // no CMD: the time gap decides
        let gap = [
            h("ADD a /", false, t),
            h("RUN b", false, "2024-01-01T00:10:00Z"),
            h("RUN c", false, "2024-05-01T00:00:00Z"),
            h("COPY d /", false, "2024-05-01T00:00:09Z"),
        ];
        let (n, why, guess) = history_split(&gap, 4);
        assert_eq!((n, guess), (2, true), "{why}");
        // nothing recorded
        let flat = [
            h("ADD a /", false, t),
            h("RUN b", false, t),
            h("RUN c", false, t),
        ];
        let (n, why, guess) = history_split(&flat, 3);
        assert_eq!((n, guess), (1, true));
        assert!(why.contains("read as the app's"), "{why}");
        let (_, why, guess) = history_split(&flat[..1], 1);
        assert!(guess && why.contains("squashed"), "{why}");
    }

    #[test]
    fn dockerfile_steps_match_history_of_both_builders() {
        assert!(step_matches(
            "RUN pip install flask",
            "RUN /bin/sh -c pip install flask # buildkit"
        ));
        assert!(step_matches(
            "RUN pip install  flask",
            "/bin/sh -c pip install flask"
        ));
        assert!(step_matches(
            "RUN apt-get install python3",
            "RUN |1 VERSION=3 /bin/sh -c apt-get install python3 # buildkit"
        ));
        assert!(step_matches(
            "COPY app.py /app/",
            "COPY app.py /app/ # buildkit"
        ));
        assert!(step_matches(
            "COPY . /app",
            "/bin/sh -c #(nop) COPY dir:3abc in /app"
        ));
        assert!(step_matches(
            "ADD https://x/y.tgz /opt",
            "ADD https://x/y.tgz /opt # buildkit"
        ));
        assert!(!step_matches(
            "RUN pip install flask",
            "COPY . /app # buildkit"
        ));
        assert!(!step_matches(
            "RUN make",
            "RUN /bin/sh -c pip install flask"
        ));
        assert!(!step_matches("COPY . /app", "COPY . /srv # buildkit"));
    }

    #[test]
    fn cmd_entries() {
        assert!(is_cmd("/bin/sh -c #(nop)  CMD [\"bash\"]"));
        assert!(is_cmd("CMD [\"python3\"]"));
        assert!(is_cmd("ENTRYPOINT [\"/docker-entrypoint.sh\"]"));
        assert!(!is_cmd("RUN apt-get install -y curl"));
        assert!(!is_cmd("/bin/sh -c #(nop)  ENV PATH=/x"));
    }
}
