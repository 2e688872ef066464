//! Runs the built `sigillo` binary against a fresh data folder and database.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sigillo_testkit::db::PgTestDb;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares one `#[tokio::test]` per backend for an `async fn story(env: Env)`.
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        $(
            mod $story {
                #[tokio::test(flavor = "multi_thread")]
                async fn sqlite() {
                    let env = $crate::harness::Env::new($crate::harness::Backend::Sqlite).await.expect("sqlite env");
                    super::$story(env).await;
                }
                #[tokio::test(flavor = "multi_thread")]
                async fn postgres() {
                    if let Some(env) = $crate::harness::Env::new($crate::harness::Backend::Postgres).await {
                        super::$story(env).await;
                    }
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

/// A data folder and a database of the test's own, dropped afterwards.
pub struct Env {
    pub data_dir: TempDir,
    pub database_url: String,
    _pg: Option<PgTestDb>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    /// `None` only for PostgreSQL outside CI when no server answers (the testkit says so loudly).
    pub async fn new(backend: Backend) -> Option<Env> {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", data_dir.path().join("sigillo.db").display()), None),
            Backend::Postgres => {
                let db = sigillo_testkit::db::postgres_store().await?;
                (database_url(&sigillo_testkit::db::pg_url(), db.name()), Some(db))
            }
        };
        Some(Env { data_dir, database_url, _pg: pg })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.data_dir.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sigillo"));
        for (name, _) in std::env::vars() {
            if name.starts_with("SIGILLO_") || name == "RUST_LOG" {
                command.env_remove(name);
            }
        }
        command
            .args(args)
            .env("SIGILLO_DATA_DIR", self.data_dir.path())
            .env("SIGILLO_DATABASE_URL", &self.database_url)
            .env("SIGILLO_DATABASE_MAX_CONNECTIONS", "4");
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command(args), None)
    }

    /// Runs a command with `stdin` as its standard input (e.g. a password).
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.run_with(self.command(args), Some(stdin))
    }

    fn run_with(&self, mut command: Command, stdin: Option<&[u8]>) -> Run {
        command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn sigillo");
        if let Some(bytes) = stdin {
            child.stdin.take().expect("stdin").write_all(bytes).expect("write stdin");
        }
        let Output { status, stdout, stderr } = child.wait_with_output().expect("wait sigillo");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Imports a CSV given as text, returning the run.
    pub fn import(&self, name: &str, csv: impl AsRef<[u8]>) -> Run {
        let path = self.path(name);
        std::fs::write(&path, csv).expect("write csv");
        self.run(&["registry", "import", path.to_str().expect("utf-8 path")])
    }

    /// Starts `sigillo serve` on a free port and waits until it says where it listens.
    pub fn serve(&self, extra_env: &[(&str, &str)]) -> Server {
        let mut command = self.command(&["serve"]);
        command.env("SIGILLO_LISTEN", "127.0.0.1:0").envs(extra_env.iter().copied());
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = command.spawn().expect("spawn sigillo serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            assert!(Instant::now() < deadline, "server did not start");
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_owned();
                    }
                }
                _ => {
                    let status = child.wait().expect("wait");
                    let mut err = String::new();
                    if let Some(mut stderr) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                    }
                    panic!("server exited early ({status}): {err}");
                }
            }
        };
        Server { child, base }
    }
}

pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM and waits for the process to end by itself.
    pub fn terminate(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "server ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server URL with its database name replaced (`postgres://u@h:5432/test?x` → `…/NAME?x`).
fn database_url(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, ""), |(b, q)| (b, q));
    let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
    if query.is_empty() { format!("{root}/{name}") } else { format!("{root}/{name}?{query}") }
}

/// A `sigillo serve` whose standard output and error are drained on threads into one buffer, so
/// a test can scan all the server printed (and a chatty server never blocks on a full pipe).
pub struct CapturedServer {
    pub server: Server,
    pub output: std::sync::Arc<std::sync::Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl CapturedServer {
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Everything printed so far, standard output and error interleaved by line.
    pub fn output(&self) -> String {
        self.output.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// SIGTERM, wait for the exit and for both pipes to be drained; the exit code and all output.
    pub fn terminate(self) -> (i32, String) {
        let CapturedServer { server, output, readers } = self;
        let code = server.terminate();
        for reader in readers {
            let _ = reader.join();
        }
        let text = output.lock().map(|s| s.clone()).unwrap_or_default();
        (code, text)
    }
}

impl Env {
    /// Like [`Env::serve`], but keeps reading the server's standard output and error.
    pub fn serve_captured(&self, extra_env: &[(&str, &str)]) -> CapturedServer {
        use std::sync::{Arc, Mutex, mpsc};
        fn drain(
            pipe: impl std::io::Read + Send + 'static,
            output: Arc<Mutex<String>>,
            listening: Option<mpsc::Sender<String>>,
        ) -> std::thread::JoinHandle<()> {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(pipe);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let text = String::from_utf8_lossy(&line).into_owned();
                            if let (Some(tx), Some(url)) = (&listening, text.trim_end().strip_prefix("listening on ")) {
                                let _ = tx.send(url.trim().to_owned());
                            }
                            if let Ok(mut out) = output.lock() {
                                out.push_str(&text);
                                if !text.ends_with('\n') {
                                    out.push('\n');
                                }
                            }
                        }
                    }
                }
            })
        }
        let mut command = self.command(&["serve"]);
        command.env("SIGILLO_LISTEN", "127.0.0.1:0").envs(extra_env.iter().copied());
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null());
        let mut child = command.spawn().expect("spawn sigillo serve");
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let readers = vec![
            drain(child.stdout.take().expect("stdout"), Arc::clone(&output), Some(tx)),
            drain(child.stderr.take().expect("stderr"), Arc::clone(&output), None),
        ];
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => CapturedServer { server: Server { child, base }, output, readers },
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().expect("wait");
                std::thread::sleep(Duration::from_millis(300));
                let text = output.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("server did not start ({status}): {text}");
            }
        }
    }
}
