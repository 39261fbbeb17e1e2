//! DF005 `npm-dev-dependencies`: `npm install` keeps dev dependencies in the final image.

use crate::checker::Checker;
use crate::parser::Keyword;
use crate::rules::{insert_after, operands};
use pare_findings::{Edit, Fix, FixAvailability, RuleMeta, Severity};

/// DF005
pub(crate) const META: RuleMeta = RuleMeta {
    code: "DF005",
    name: "npm-dev-dependencies",
    summary: "`npm install`/`npm ci` keeps dev dependencies in the final stage",
    severity: Severity::Medium,
    peers: &[],
    fix: FixAvailability::Sometimes,
    doc: r#"## What it does
Flags `npm install`, `npm i`, `npm ci` and `yarn install` in the final stage
without `--omit=dev` (`--production`, `--only=prod`), unless the stage sets
`NODE_ENV=production` first. Installs of named packages (`npm i -g pm2`) are
not flagged.

## Why is this bad?
Dev dependencies (test runners, bundlers, type checkers) often double
`node_modules` and bring their own vulnerabilities into production.

## Example
```dockerfile
FROM node:20-slim
COPY package*.json ./
RUN npm ci
```

Use instead:
```dockerfile
FROM node:20-slim
COPY package*.json ./
RUN npm ci --omit=dev
```

## Fix safety
Adding `--omit=dev` is safe when nothing later in the stage runs a build
(`npm run`, `npx`, `yarn build`); when something does, no fix is offered:
build in a separate stage instead.

## References
- https://docs.npmjs.com/cli/commands/npm-ci#omit
"#,
};

const PROD: &[&str] = &["--omit", "--production", "--only", "--prod"];

pub(crate) fn check(ch: &mut Checker<'_>, rule: &'static RuleMeta) {
    let Some(fin) = ch.final_stage() else { return };
    let node_env_prod = ch.stage_body(fin).any(|(_, i)| {
        matches!(i.keyword, Keyword::Env | Keyword::Arg)
            && i.args.text.contains("NODE_ENV")
            && i.args.text.contains("production")
    });
    if node_env_prod {
        return;
    }
    let cmds = ch.stage_commands(fin);
    let mut found = Vec::new();
    for (k, (ins, origin, c)) in cmds.iter().enumerate() {
        let prog = c.program();
        let Some((sub, w)) = c.subcommand(&[]) else {
            continue;
        };
        let is_npm = prog == Some("npm") && matches!(w.text.as_str(), "install" | "i" | "ci");
        let is_yarn = prog == Some("yarn") && w.text == "install";
        if !(is_npm || is_yarn) || c.has_option(PROD) || c.has_option(&["-g", "--global"]) {
            continue;
        }
        if !operands(c, sub, &[]).is_empty() {
            continue;
        }
        let later_build = cmds[k + 1..].iter().any(|(_, _, c2)| {
            matches!(c2.program(), Some("npx"))
                || (matches!(c2.program(), Some("npm" | "yarn" | "pnpm"))
                    && c2.subcommand(&[]).is_some_and(|(_, w)| {
                        matches!(w.text.as_str(), "run" | "run-script" | "build")
                    }))
        });
        found.push((
            *ins,
            *origin,
            w.clone(),
            is_npm,
            later_build,
            ch.command_span(*ins, *origin, c),
        ));
    }
    for (ins, origin, w, is_npm, later_build, span) in found {
        let at = insert_after(ch, ins, origin, &w);
        let d = ch.report(
            rule,
            span,
            format!(
                "`{}` keeps dev dependencies in the final image",
                if is_npm {
                    format!("npm {}", w.text)
                } else {
                    "yarn install".into()
                }
            ),
        );
        match (is_npm, later_build, at) {
            (true, false, Some(at)) => {
                d.fix = Some(Fix::safe(
                    "Add `--omit=dev`",
                    vec![Edit::insert(at, " --omit=dev")],
                ));
            }
            _ => {
                d.help = Some(
                    "install dev dependencies in a build stage and copy only the output".into(),
                )
            }
        }
    }
}
