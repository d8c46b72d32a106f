//! What the command line does on a terminal: the live view of a run
//! redrawn in place and a local run's approvals asked at the prompt
//! (recorded with tmux), and shell completions.

mod common;

use std::process::Command;

use common::cli::*;
use common::server::Server;

#[test]
fn completions_are_scripts_each_shell_reads() {
    for shell in ["bash", "zsh", "fish"] {
        let o = bin().args(["completions", shell]).output().unwrap();
        code(&o, 0);
        let script = out(&o);
        assert!(
            script.contains("workflow") && script.contains("approval"),
            "{shell}"
        );
        assert!(
            ["text", "json", "yaml"].iter().all(|v| script.contains(v)),
            "{shell}: {script}"
        );
    }
    let o = bin().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.bash", &out(&o));
    // bash parses it, and completing `orchestrator exec w` offers watch
    // (bash calls the function with the command, the word and the one before).
    let probe = format!(
        "source {}; COMP_WORDS=(orchestrator exec w); COMP_CWORD=2; _orchestrator orchestrator w exec; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let o = Command::new("bash").args(["-c", &probe]).output().unwrap();
    code(&o, 0);
    assert_eq!(out(&o).trim(), "watch");
    let probe = format!(
        "source {}; COMP_WORDS=(orchestrator workflow list --output ''); COMP_CWORD=4; _orchestrator orchestrator '' --output; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let o = Command::new("bash").args(["-c", &probe]).output().unwrap();
    assert_eq!(out(&o).trim(), "text json yaml");
    let o = bin().args(["completions", "powershell"]).output().unwrap();
    code(&o, 2);
}

/// A tmux server of this test's own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Starts `command` in a detached 120x40 pane.
    fn start(&self, command: &str) {
        let o = self
            .cmd()
            .args([
                "new-session",
                "-d",
                "-s",
                "view",
                "-x",
                "120",
                "-y",
                "40",
                command,
            ])
            .output()
            .unwrap();
        code(&o, 0);
    }

    /// Types `line` and Enter into the pane.
    fn type_line(&self, line: &str) {
        let o = self
            .cmd()
            .args(["send-keys", "-t", "view", "-l", line])
            .output()
            .unwrap();
        code(&o, 0);
        let o = self
            .cmd()
            .args(["send-keys", "-t", "view", "Enter"])
            .output()
            .unwrap();
        code(&o, 0);
    }

    /// What the pane shows now.
    fn screen(&self) -> String {
        let o = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "view"])
            .output()
            .unwrap();
        out(&o)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// False (and says so) where tmux is missing.
fn have_tmux() -> bool {
    let there = Command::new("tmux").arg("-V").output().is_ok();
    if !there {
        eprintln!("skipped: tmux is not installed (scripts/setup.sh installs it)");
    }
    there
}

#[test]
fn on_a_terminal_the_live_view_redraws_the_task_table_in_place() {
    if !have_tmux() {
        return;
    }
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "nap.yaml",
        "name: nap\ntasks:\n  - {id: rest, type: sleep, duration: 2s}\n  - {id: wake, type: echo, depends_on: [rest]}\n",
    );
    code(
        &cli(&s.grpc, &["workflow", "apply", wf.to_str().unwrap()]),
        0,
    );
    let tmux = Tmux {
        socket: format!("orchestrator-test-{}", std::process::id()),
    };
    // The pane stays after the command, showing its exit code.
    let command = format!(
        "{} exec start nap --watch --server {}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_orchestrator"),
        s.grpc
    );
    tmux.start(&command);

    let mut screen = String::new();
    until("the view shows the sleep running", || {
        screen = tmux.screen();
        screen
            .lines()
            .any(|l| l.starts_with("▶ rest") && l.contains("running"))
    });
    assert!(
        screen
            .lines()
            .any(|l| l.trim_start().starts_with("wake") && l.contains("pending")),
        "{screen}"
    );
    assert!(screen.contains("0/2 tasks  1 running"), "{screen}");
    until("the run ends", || {
        screen = tmux.screen();
        screen.contains("EXIT=")
    });
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("✓ rest") && l.contains("succeeded")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with("✓ wake") && l.contains("succeeded")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("[{}] 2/2 tasks", "#".repeat(24))),
        "{screen}"
    );
    // Redrawn in place: one table, not one per update.
    assert_eq!(screen.matches("TASK").count(), 1, "{screen}");
    assert_eq!(screen.matches("nap v1").count(), 1, "{screen}");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "w.yaml",
        "name: quiet\ntasks:\n  - {id: a, type: echo, body: {}}\n",
    );
    code(
        &cli(&s.grpc, &["workflow", "apply", file.to_str().unwrap()]),
        0,
    );
    for _ in 0..40 {
        code(&cli(&s.grpc, &["exec", "start", "quiet"]), 0);
    }
    // Output read by nobody (a reader gone before the first write).
    let probe = format!(
        "{bin} exec list --server {addr} | true; echo \"${{PIPESTATUS[0]}}\"; \
         {bin} completions bash | true; echo \"${{PIPESTATUS[0]}}\"",
        bin = env!("CARGO_BIN_EXE_orchestrator"),
        addr = s.grpc
    );
    let o = Command::new("bash").args(["-c", &probe]).output().unwrap();
    assert_eq!(out(&o), "0\n0\n", "stderr: {}", err(&o));
    assert_eq!(err(&o), "");
}

#[test]
fn a_local_run_asks_for_its_approval_at_the_terminal() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wf = write(
        dir.path(),
        "gate.yaml",
        "name: gate\ntasks:\n  - {id: ask, type: approval, message: 'Block 203.0.113.7?', input: {ticket: {type: string, required: true}, hours: {type: integer}}}\n  - {id: after, type: echo, depends_on: [ask]}\n",
    );
    let tmux = Tmux {
        socket: format!("orchestrator-approve-{}", std::process::id()),
    };
    tmux.start(&format!(
        "{} run --ephemeral {}; echo EXIT=$?; sleep 60",
        env!("CARGO_BIN_EXE_orchestrator"),
        wf.display()
    ));
    // What the pane shows once `what` appears on it (tmux drops the
    // spaces at the ends of lines).
    let shows = |what: &str| {
        let mut screen = String::new();
        until(&format!("{what:?} on the screen"), || {
            screen = tmux.screen();
            screen.contains(what)
        });
        screen
    };
    let screen = shows("approval 'ask' of gate-");
    assert!(screen.contains("Block 203.0.113.7?"), "{screen}");
    shows("approve or reject? [a/r]:");
    // An answer that is neither is asked again.
    tmux.type_line("perhaps");
    tmux.type_line("a");
    shows("reason:");
    tmux.type_line("confirmed with the SOC");
    // The fields come in name order.
    shows("hours (integer):");
    // Not an integer: asked again; then left empty (optional).
    tmux.type_line("soon");
    shows("expected a value of type integer");
    tmux.type_line("");
    shows("ticket (string, required):");
    tmux.type_line("CHG-7");
    let screen = shows("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(screen.contains("approved"), "{screen}");
    assert!(screen.contains("completed gate-"), "{screen}");
}
