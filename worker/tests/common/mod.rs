//! Test harness: a real S3 server (s3s-fs) per test on its own port and
//! data directory, the real RabbitMQ on 127.0.0.1:5672 with queue and
//! exchange names of the test's own, and the real worker and CLI binaries.
#![allow(dead_code)]

use futures_util::StreamExt;
use lapin::options::*;
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const ACCESS_KEY: &str = "sohoa-test";
pub const SECRET_KEY: &str = "sohoa-test-secret";

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn samples_dir() -> PathBuf {
    repo().join("../shared/samples")
}

pub fn example_batch() -> PathBuf {
    repo().join("examples/sample-batch")
}

/// The `sohoa` CLI, built beside this test binary by `cargo test --workspace`.
pub fn sohoa_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir.join("sohoa");
    assert!(
        bin.exists(),
        "{} not built: run `cargo test --workspace`",
        bin.display()
    );
    bin
}

pub fn worker_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sohoa-worker"))
}

fn s3s_fs_bin() -> PathBuf {
    if let Ok(p) = std::env::var("S3S_FS") {
        return p.into();
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = Path::new(&home).join(".cargo/bin/s3s-fs");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        "s3s-fs".into()
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sohoa-wtest-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// An s3s-fs server on loopback; stopped on drop.
pub struct S3Server {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl S3Server {
    pub fn start(name: &str) -> S3Server {
        let dir = temp_dir(&format!("s3-{name}"));
        let mut s = S3Server {
            port: free_port(),
            dir,
            child: None,
        };
        s.resume();
        s
    }

    /// Start (again) on the same port and data.
    pub fn resume(&mut self) {
        let child = Command::new(s3s_fs_bin())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "s3s-fs is installed (cargo install s3s-fs --version 0.14.1 --features binary)",
            );
        self.child = Some(child);
        assert!(
            wait_for_port(self.port, Duration::from_secs(10)),
            "s3s-fs did not start"
        );
    }

    /// A moto server instead (PyPI `moto[server]`, installed by
    /// scripts/setup.sh): a fake of AWS S3, in Python, that implements
    /// versioning and Object Lock, which s3s-fs does not. Only for what
    /// needs those; everything else runs on s3s-fs.
    pub fn start_moto(name: &str) -> S3Server {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is installed (scripts/setup.sh: pip install 'moto[server]')");
        let s = S3Server {
            port,
            dir: temp_dir(&format!("moto-{name}")),
            child: Some(child),
        };
        assert!(
            wait_for_port(port, Duration::from_secs(60)),
            "moto_server did not start"
        );
        s
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Set the AWS variables for a child process.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env_remove("AWS_PROFILE");
    }
    /// Give this process the variables [`S3Server::env`] gives a command,
    /// for a test that opens the store itself. Call it before the test
    /// starts any thread (a runtime included): the environment is the
    /// process's.
    pub fn env_for_this_process(&self) {
        let mut cmd = Command::new("true");
        self.env(&mut cmd);
        for (k, v) in cmd.get_envs() {
            // SAFETY: the caller has started no other thread.
            match v {
                Some(v) => unsafe { std::env::set_var(k, v) },
                None => unsafe { std::env::remove_var(k) },
            }
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Names of this test's queue and exchange.
#[derive(Clone)]
pub struct Names {
    pub queue: String,
    pub exchange: String,
    pub bucket: String,
}

impl Names {
    pub fn new(test: &str) -> Names {
        let tag = format!("{test}-{}-{}", std::process::id(), free_port());
        Names {
            queue: format!("test.{tag}.batches"),
            exchange: format!("test.{tag}.events"),
            bucket: format!("t-{}", tag.replace('_', "-").to_lowercase()),
        }
    }
    pub fn dead_queue(&self) -> String {
        format!("{}.dead", self.queue)
    }
    pub fn store(&self) -> String {
        format!("s3://{}", self.bucket)
    }
}

/// A running worker; killed on drop.
pub struct Worker {
    pub child: Child,
    pub metrics_port: u16,
    pub log: PathBuf,
}

impl Worker {
    pub fn start(s3: &S3Server, names: &Names, extra: &[&str]) -> Worker {
        Worker::start_with_env(s3, names, extra, &[])
    }

    pub fn start_with_env(
        s3: &S3Server,
        names: &Names,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Worker {
        let metrics_port = free_port();
        let log = temp_dir(&format!("worker-log-{metrics_port}")).join("worker.log");
        let mut cmd = Command::new(worker_bin());
        s3.env(&mut cmd);
        cmd.args([
            "--amqp",
            AMQP,
            "--store",
            &names.store(),
            "--queue",
            &names.queue,
        ])
        .args(["--events-exchange", &names.exchange, "--max-backoff", "2"])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")])
        .args(extra)
        .envs(env.iter().copied())
        .env("SOHOA_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
        let child = cmd.spawn().expect("start sohoa-worker");
        assert!(
            wait_for_port(metrics_port, Duration::from_secs(20)),
            "worker did not start"
        );
        let w = Worker {
            child,
            metrics_port,
            log,
        };
        // Ready when connected: its queues are declared by then.
        let t = Instant::now();
        while w.metric("sohoa_broker_connected") != Some(1.0) {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "worker never connected: {}",
                w.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        w
    }

    /// The value of one metric, if the worker answers.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let mut s = TcpStream::connect(("127.0.0.1", self.metrics_port)).ok()?;
        use std::io::{Read, Write};
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(s, "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
        let mut body = String::new();
        s.read_to_string(&mut body).ok()?;
        body.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    }

    /// Wait (up to a minute) until the worker has taken a batch.
    pub fn wait_for_a_batch_in_hand(&self) {
        self.wait_for_metric("sohoa_batches_in_flight", 1.0);
    }

    /// Wait (up to a minute) until a metric reads `value`.
    pub fn wait_for_metric(&self, name: &str, value: f64) {
        self.wait_for_metric_to(name, value, |v| v == value);
    }

    /// Wait (up to a minute) until a counter reads `value` or more.
    pub fn wait_for_metric_at_least(&self, name: &str, value: f64) {
        self.wait_for_metric_to(name, value, |v| v >= value);
    }

    fn wait_for_metric_to(&self, name: &str, value: f64, reached: impl Fn(f64) -> bool) {
        let t = Instant::now();
        while !self.metric(name).is_some_and(&reached) {
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "{name} never reached {value} (it reads {:?}): {}",
                self.metric(name),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait; returns the exit code.
    pub fn terminate(&mut self, timeout: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t = Instant::now();
        while t.elapsed() < timeout {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `sohoa submit` for a batch; returns the batch id.
pub fn submit(s3: &S3Server, names: &Names, paths: &[&Path], extra: &[&str]) -> String {
    submit_with_env(s3, names, paths, extra, &[])
}

/// [`submit`] with extra environment variables for the CLI.
pub fn submit_with_env(
    s3: &S3Server,
    names: &Names,
    paths: &[&Path],
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let out = submit_output(s3, names, paths, extra, env);
    assert!(
        out.status.success(),
        "submit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// Run `sohoa submit` and return what it did, successful or not.
pub fn submit_output(
    s3: &S3Server,
    names: &Names,
    paths: &[&Path],
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = Command::new(sohoa_bin());
    s3.env(&mut cmd);
    cmd.envs(env.iter().copied())
        .arg("submit")
        .args(paths)
        .args([
            "--amqp",
            AMQP,
            "--queue",
            &names.queue,
            "--store",
            &names.store(),
        ])
        .args(extra);
    cmd.output().unwrap()
}

/// Run a `sohoa` command against the test's S3 store.
pub fn sohoa(s3: &S3Server, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(sohoa_bin());
    s3.env(&mut cmd);
    cmd.args(args).output().unwrap()
}

/// The verify report of the whole store.
pub fn verify(s3: &S3Server, names: &Names) -> (bool, Value) {
    let out = sohoa(s3, &["verify", "--json", "--store", &names.store()]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), report)
}

/// Batch records under `cases/` in the bucket (read from the server's data dir).
pub fn record_files(s3: &S3Server, names: &Names) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let cases = s3.dir.join(&names.bucket).join("cases");
    for case in std::fs::read_dir(cases).into_iter().flatten().flatten() {
        for r in std::fs::read_dir(case.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if r.path().extension().is_some_and(|e| e == "json") {
                out.push(r.path());
            }
        }
    }
    out.sort();
    out
}

/// Listens to the test's events exchange.
pub struct Events {
    conn: Connection,
    consumer: lapin::Consumer,
}

impl Events {
    pub async fn listen(names: &Names) -> Events {
        let conn = Connection::connect(AMQP, ConnectionProperties::default())
            .await
            .expect("RabbitMQ on 127.0.0.1:5672");
        let ch = conn.create_channel().await.unwrap();
        ch.exchange_declare(
            names.exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
        let q = ch
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        ch.queue_bind(
            q.name().clone(),
            names.exchange.as_str().into(),
            "batch.*".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
        let consumer = ch
            .basic_consume(
                q.name().clone(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        Events { conn, consumer }
    }

    /// The next event (routing key, body) within `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<(String, Value)> {
        self.next_with_id(timeout).await.map(|(k, v, _)| (k, v))
    }

    /// The next event (routing key, body, AMQP message id) within `timeout`.
    pub async fn next_with_id(
        &mut self,
        timeout: Duration,
    ) -> Option<(String, Value, Option<String>)> {
        let d = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        let id = d.properties.message_id().as_ref().map(|i| i.to_string());
        Some((
            d.routing_key.to_string(),
            serde_json::from_slice(&d.data).ok()?,
            id,
        ))
    }

    /// Collect events until `n` have arrived or `timeout` passes.
    pub async fn collect(&mut self, n: usize, timeout: Duration) -> Vec<(String, Value)> {
        let all = self.collect_with_ids(n, timeout).await;
        all.into_iter().map(|(k, v, _)| (k, v)).collect()
    }

    /// [`Events::collect`], with each event's AMQP message id.
    pub async fn collect_with_ids(
        &mut self,
        n: usize,
        timeout: Duration,
    ) -> Vec<(String, Value, Option<String>)> {
        let t = Instant::now();
        let mut out = Vec::new();
        while out.len() < n {
            match self.next_with_id(timeout.saturating_sub(t.elapsed())).await {
                Some(e) => out.push(e),
                None => break,
            }
        }
        out
    }

    /// Collect events until one names `batch_id` or `timeout` passes;
    /// every event seen, in order (the one for `batch_id` last, if it came).
    pub async fn until_batch(
        &mut self,
        batch_id: &str,
        timeout: Duration,
    ) -> Vec<(String, Value, Option<String>)> {
        let t = Instant::now();
        let mut out = Vec::new();
        while let Some(e) = self.next_with_id(timeout.saturating_sub(t.elapsed())).await {
            let done = e.1["batch_id"] == batch_id;
            out.push(e);
            if done {
                break;
            }
        }
        out
    }

    pub async fn close(self) {
        let _ = self.conn.close(200, "done".into()).await;
    }
}

/// Delete the test's queues (best effort).
pub async fn cleanup(names: &Names) {
    if let Ok(conn) = Connection::connect(AMQP, ConnectionProperties::default()).await
        && let Ok(ch) = conn.create_channel().await
    {
        for q in [names.queue.clone(), names.dead_queue()] {
            let _ = ch
                .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        let _ = ch
            .exchange_delete(
                names.exchange.as_str().into(),
                ExchangeDeleteOptions::default(),
            )
            .await;
        let _ = conn.close(200, "bye".into()).await;
    }
}

/// The truth's case code when the batch has no receipt (the station must give it).
pub fn station_case(batch: &Path) -> Option<String> {
    let t: Value = serde_json::from_slice(&std::fs::read(batch.join("truth.json")).ok()?).ok()?;
    (t["receipt_position"] == "none")
        .then(|| t["case_code"].as_str().unwrap_or_default().to_string())
}

/// Publish a batch message on the test's queue as a plain AMQP client (or
/// the broker redelivering) would: JSON, persistent, mandatory; the broker
/// must confirm it and route it to the queue.
pub async fn publish_raw(names: &Names, body: &Value) {
    let conn = Connection::connect(AMQP, ConnectionProperties::default())
        .await
        .unwrap();
    let ch = conn.create_channel().await.unwrap();
    ch.confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let confirm = ch
        .basic_publish(
            "".into(),
            names.queue.as_str().into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body.to_string().as_bytes(),
            lapin::BasicProperties::default()
                .with_content_type("application/json".into())
                .with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack(), "the broker refused the message");
    assert!(
        confirm.take_message().is_none(),
        "the message was not routed to {}",
        names.queue
    );
    let _ = conn.close(200, "bye".into()).await;
}

/// An object's bytes, read with a plain S3 client.
pub async fn object_bytes(s3: &S3Server, names: &Names, key: &str) -> Vec<u8> {
    let out = s3_client(s3)
        .get_object()
        .bucket(&names.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// A batch record straight into the store, with the pointer the pipeline
/// writes beside it (`batches/<id>.json`), as `store_record` leaves them;
/// returns the record's key.
pub async fn put_record(
    s3: &S3Server,
    names: &Names,
    record: &sohoa::record::BatchRecord,
) -> String {
    let key = sohoa::keys::record(record.case_code.as_str(), &record.batch_id);
    put(s3, names, &key, serde_json::to_vec(record).unwrap()).await;
    let pointer = serde_json::json!({"batch_id": record.batch_id, "record": key});
    let index = sohoa::keys::batch_index(&record.batch_id);
    put(s3, names, &index, pointer.to_string().into_bytes()).await;
    key
}

/// An object of the test's bucket, as JSON.
pub async fn get_json(s3: &S3Server, names: &Names, key: &str) -> Value {
    serde_json::from_slice(&object_bytes(s3, names, key).await).unwrap()
}

/// Put an object straight into the test's bucket (no sohoa code).
pub async fn put(s3: &S3Server, names: &Names, key: &str, bytes: Vec<u8>) {
    s3_client(s3)
        .put_object()
        .bucket(&names.bucket)
        .key(key)
        .body(bytes.into())
        .send()
        .await
        .unwrap();
}

/// Keys under `prefix` in the test's bucket.
pub async fn keys(s3: &S3Server, names: &Names, prefix: &str) -> Vec<String> {
    let out = s3_client(s3)
        .list_objects_v2()
        .bucket(&names.bucket)
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

/// A plain AWS SDK client for the test's server (no sohoa code).
pub fn s3_client(s3: &S3Server) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(s3.endpoint())
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// A database of its own on the PostgreSQL at 127.0.0.1:5432 (through
/// `psql`), for the search index; dropped on drop.
pub struct SearchDb(String);

impl SearchDb {
    pub fn new(test: &str) -> SearchDb {
        let name = format!("sohoa_test_{}_{test}", std::process::id());
        SearchDb::psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        SearchDb::psql(&format!("CREATE DATABASE {name}"));
        SearchDb(name)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.0)
    }

    fn psql(sql: &str) {
        let out = SearchDb::run_psql(sql).expect("psql (scripts/setup.sh installs PostgreSQL)");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn run_psql(sql: &str) -> std::io::Result<std::process::Output> {
        Command::new("psql")
            .args([
                "-q",
                "postgres://postgres@127.0.0.1:5432/postgres",
                "-c",
                sql,
            ])
            .output()
    }
}

impl Drop for SearchDb {
    /// Best effort: a failing test's database left behind is dropped by
    /// the next run of that test (`new` drops it first); a second panic
    /// here would abort the whole test process.
    fn drop(&mut self) {
        let _ = SearchDb::run_psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
    }
}

/// A running `sohoa serve`; killed on drop.
pub struct Api {
    pub child: Child,
    pub base: String,
    log: std::path::PathBuf,
}

impl Api {
    pub fn start(s3: &S3Server, names: &Names, extra: &[&str]) -> Api {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = temp_dir(&format!("api-log-{port}")).join("api.log");
        let mut cmd = Command::new(sohoa_bin());
        s3.env(&mut cmd);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args([
                "--store",
                &names.store(),
                "--amqp",
                AMQP,
                "--queue",
                &names.queue,
            ])
            // The web page's origin as the tests' browser reaches it.
            .args(["--public-origin", &format!("http://127.0.0.1:{port}")])
            .args(extra)
            .env("SOHOA_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let child = cmd.spawn().expect("start sohoa serve");
        let t = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "sohoa serve did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Api {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sohoa token add`; returns the secret (the last line of stdout).
pub fn token(s3: &S3Server, names: &Names, name: &str, role: &str, unit: Option<&str>) -> String {
    let mut args = vec!["token", "add", "--name", name, "--role", role];
    if let Some(u) = unit {
        args.extend(["--unit", u]);
    }
    let store = names.store();
    args.extend(["--store", &store]);
    let out = sohoa(s3, &args);
    assert!(
        out.status.success(),
        "token add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let secret = stdout
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        secret.starts_with("sohoa_"),
        "token on the last line: {stdout}"
    );
    secret
}

/// The store's access log, as `sohoa access-log --json` prints it.
pub fn access_log(s3: &S3Server, names: &Names, case: Option<&str>) -> Vec<Value> {
    let store = names.store();
    let mut args = vec!["access-log", "--json", "--store", &store];
    if let Some(c) = case {
        args.extend(["--case", c]);
    }
    let out = sohoa(s3, &args);
    assert!(
        out.status.success(),
        "access-log: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
