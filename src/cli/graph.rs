//! `orchestrator graph FILE`: the DAG as Mermaid or Graphviz DOT text.

use std::fmt::Write as _;
use std::path::Path;

use super::read_file;
use crate::config::Config;
use crate::proto::WorkflowSpec;
use crate::spec::{self, Format, Limits};

/// Output syntax of `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// The DAG of a definition file as text, or the problems that stop it.
pub fn graph(path: &Path, format: GraphFormat, config: &Config) -> Result<String, Vec<String>> {
    let text = read_file(path).map_err(|m| vec![m])?;
    let display = path.display();
    let (spec, problems) = spec::parse(&text, Format::from_path(path), &Limits::from(config))
        .map_err(|e| {
            e.problems
                .iter()
                .map(|p| format!("{display}: {p}"))
                .collect::<Vec<_>>()
        })?;
    if !problems.is_empty() {
        return Err(problems.iter().map(|p| format!("{display}: {p}")).collect());
    }
    Ok(match format {
        GraphFormat::Mermaid => mermaid(&spec),
        GraphFormat::Dot => dot(&spec),
    })
}

fn mermaid(spec: &WorkflowSpec) -> String {
    let mut out = String::from("flowchart TD\n");
    for t in &spec.tasks {
        let mut label = format!("{} ({})", t.id, t.r#type);
        if !t.condition.is_empty() {
            label.push_str(&format!("<br/>if {}", t.condition));
        }
        let _ = writeln!(
            out,
            "  {}[\"{}\"]",
            node(&t.id),
            label.replace('"', "#quot;")
        );
    }
    for t in &spec.tasks {
        for d in &t.depends_on {
            let _ = writeln!(out, "  {} --> {}", node(d), node(&t.id));
        }
    }
    out
}

fn node(id: &str) -> String {
    // Mermaid ids may not contain every character task ids allow.
    format!("t_{}", id.replace('-', "_2d_"))
}

fn dot(spec: &WorkflowSpec) -> String {
    let q = |s: &str| {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        format!("\"{escaped}\"")
    };
    let mut out = format!("digraph {} {{\n  rankdir=TB;\n", q(&spec.name));
    for t in &spec.tasks {
        let _ = writeln!(
            out,
            "  {} [label={}];",
            q(&t.id),
            q(&format!("{}\n({})", t.id, t.r#type))
        );
    }
    for t in &spec.tasks {
        for d in &t.depends_on {
            let _ = writeln!(out, "  {} -> {};", q(d), q(&t.id));
        }
    }
    out.push_str("}\n");
    out
}
