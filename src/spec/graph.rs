//! The dependency graph of a workflow: ids resolved to dense indices,
//! unknown and duplicate ids, and cycles found with Kahn's algorithm (the
//! cycle's path is printed so the user sees which edge to remove).

use rustc_hash::FxHashMap;

use super::{Problem, task_label};
use crate::proto::TaskSpec;

/// A checked graph in dense-index form.
#[derive(Debug, Default)]
pub struct Graph<'a> {
    /// Task id → index.
    pub index: FxHashMap<&'a str, u32>,
    /// Per task, the tasks it waits for.
    pub dependencies: Vec<Vec<u32>>,
    /// Per task, the tasks that wait for it.
    pub dependents: Vec<Vec<u32>>,
    /// Tasks in an order where each comes after its dependencies.
    pub topological: Vec<u32>,
}

/// Resolves ids and edges and orders the tasks; adds a problem for each
/// duplicate id, unknown or repeated dependency, and each cycle.
pub fn build<'a>(tasks: &'a [TaskSpec], p: &mut Vec<Problem>) -> Graph<'a> {
    let mut g = Graph::default();
    g.index.reserve(tasks.len());
    for (i, t) in tasks.iter().enumerate() {
        if t.id.is_empty() {
            continue;
        }
        if g.index.insert(t.id.as_str(), i as u32).is_some() {
            p.push(Problem::task(
                &t.id,
                "id",
                "duplicate id; every task id must be unique",
            ));
        }
    }
    g.dependencies = vec![Vec::new(); tasks.len()];
    g.dependents = vec![Vec::new(); tasks.len()];
    for (i, t) in tasks.iter().enumerate() {
        let label = task_label(i, &t.id);
        for dep in &t.depends_on {
            match g.index.get(dep.as_str()) {
                None => p.push(Problem::task(
                    &label,
                    "depends_on",
                    format!("unknown task '{dep}'"),
                )),
                Some(&d) if d as usize == i => p.push(Problem::task(
                    &label,
                    "depends_on",
                    "a task cannot depend on itself",
                )),
                Some(&d) if g.dependencies[i].contains(&d) => p.push(Problem::task(
                    &label,
                    "depends_on",
                    format!("'{dep}' is listed twice"),
                )),
                Some(&d) => {
                    g.dependencies[i].push(d);
                    g.dependents[d as usize].push(i as u32);
                }
            }
        }
    }
    g.topological = kahn(&g);
    if g.topological.len() < tasks.len() {
        let cycle = find_cycle(&g, &g.topological, tasks.len());
        let path: Vec<&str> = cycle
            .iter()
            .map(|&i| tasks[i as usize].id.as_str())
            .collect();
        p.push(Problem::task(
            path[0],
            "depends_on",
            format!(
                "dependency cycle: {} (a -> b: a depends on b)",
                path.join(" -> ")
            ),
        ));
    }
    g
}

/// Kahn's algorithm: repeatedly takes tasks whose dependencies are all
/// taken. Tasks left over are on or behind a cycle.
fn kahn(g: &Graph<'_>) -> Vec<u32> {
    let n = g.dependencies.len();
    let mut indegree: Vec<u32> = g.dependencies.iter().map(|d| d.len() as u32).collect();
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&i| indegree[i as usize] == 0)
        .collect();
    let mut head = 0;
    while head < order.len() {
        let t = order[head];
        head += 1;
        for &d in &g.dependents[t as usize] {
            indegree[d as usize] -= 1;
            if indegree[d as usize] == 0 {
                order.push(d);
            }
        }
    }
    order
}

/// Finds one cycle among the tasks Kahn's algorithm could not order. Every
/// such task has a dependency that is also left over, so following those
/// edges must revisit a task; the loop from that task is the cycle.
fn find_cycle(g: &Graph<'_>, ordered: &[u32], n: usize) -> Vec<u32> {
    let mut done = vec![false; n];
    for &i in ordered {
        done[i as usize] = true;
    }
    let start = (0..n).find(|&i| !done[i]).expect("a task is left over") as u32;
    let mut seen_at = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut cur = start;
    while seen_at[cur as usize] == usize::MAX {
        seen_at[cur as usize] = path.len();
        path.push(cur);
        cur = *g.dependencies[cur as usize]
            .iter()
            .find(|&&d| !done[d as usize])
            .expect("a left-over task has a left-over dependency");
    }
    let mut cycle = path.split_off(seen_at[cur as usize]);
    cycle.push(cur);
    cycle
}

/// True when `ancestor` is reachable from `task` through dependencies.
/// `mark` is scratch space of the graph's size, reused across calls.
pub fn is_ancestor(g: &Graph<'_>, task: u32, ancestor: u32, mark: &mut [u32], stamp: u32) -> bool {
    let mut stack = vec![task];
    while let Some(t) = stack.pop() {
        for &d in &g.dependencies[t as usize] {
            if d == ancestor {
                return true;
            }
            if mark[d as usize] != stamp {
                mark[d as usize] = stamp;
                stack.push(d);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tasks(edges: &[(&str, &[&str])]) -> Vec<TaskSpec> {
        edges
            .iter()
            .map(|(id, deps)| TaskSpec {
                id: id.to_string(),
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn cycle_path_is_printed() {
        let mut p = Vec::new();
        build(
            &tasks(&[("a", &["c"]), ("b", &["a"]), ("c", &["b"]), ("d", &[])]),
            &mut p,
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("a -> c -> b -> a"), "{}", p[0]);
    }

    #[test]
    fn unknown_duplicate_and_self_dependencies_are_reported() {
        let mut p = Vec::new();
        build(
            &tasks(&[("a", &["zzz", "a"]), ("b", &["a", "a"]), ("b", &[])]),
            &mut p,
        );
        let text: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|t| t.contains("task 'b': id: duplicate")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("unknown task 'zzz'")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("cannot depend on itself")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("'a' is listed twice")),
            "{text:?}"
        );
    }

    #[test]
    fn topological_order_puts_dependencies_first() {
        let mut p = Vec::new();
        let specs = tasks(&[("c", &["b"]), ("b", &["a"]), ("a", &[])]);
        let g = build(&specs, &mut p);
        assert!(p.is_empty());
        let pos = |i: u32| g.topological.iter().position(|&t| t == i).unwrap();
        assert!(pos(2) < pos(1) && pos(1) < pos(0));
    }
}
