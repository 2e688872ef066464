#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, DeliveryStatus, MessageKind, OutboxStats, PostalAddress};
use time::macros::datetime;

use super::*;

// ---------------------------------------------------------------------------------------------
// Fixtures

const CF: &str = "RSSMRA80A01H501U";

fn sms(pin_half: &str) -> OutboundMessage {
    OutboundMessage {
        id: Uuid::new_v4(),
        channel: Channel::Sms,
        kind: MessageKind::PinFirstHalf,
        recipient: "+393331234567".to_owned(),
        fiscal_code: FiscalCode::parse(CF).expect("valid CF"),
        subject: None,
        body: format!("INPS: prima parte del PIN {pin_half}"),
        pin_half: Some(pin_half.to_owned()),
        link: None,
        code: None,
        postal_address: None,
        created_at: datetime!(2026-11-23 10:00:00.123456 UTC),
    }
}

fn letter(pin_half: &str) -> OutboundMessage {
    OutboundMessage {
        channel: Channel::Letter,
        kind: MessageKind::PinSecondHalf,
        recipient: "MARIO ROSSI".to_owned(),
        subject: Some("Seconda parte del PIN".to_owned()),
        body: "Seconda parte del PIN".to_owned(),
        postal_address: Some(PostalAddress {
            name: "MARIO ROSSI".to_owned(),
            lines: vec!["VIA DEL CORSO 1".to_owned(), "00186 ROMA (RM)".to_owned()],
        }),
        ..sms(pin_half)
    }
}

fn recovery_email() -> OutboundMessage {
    OutboundMessage {
        channel: Channel::Email,
        kind: MessageKind::RecoveryLink,
        recipient: "mario.rossi@example.it".to_owned(),
        subject: Some("Recupero PIN".to_owned()),
        body: "Apra il link".to_owned(),
        pin_half: None,
        link: Some("http://localhost:8080/recupero-pin/conferma?token=abc123".to_owned()),
        code: Some("482913".to_owned()),
        ..sms("unused")
    }
}

fn read_json(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("message file");
    match serde_json::from_str(&text).expect("JSON") {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn keys(map: &serde_json::Map<String, serde_json::Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

const API_KEYS: [&str; 11] =
    ["body", "channel", "code", "created_at", "fiscal_code", "id", "kind", "link", "pin_half", "subject", "to"];

fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `pdftotext` output, or `None` when poppler is not installed.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().expect("stdin").write_all(pdf).expect("write");
    let out = child.wait_with_output().expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

// ---------------------------------------------------------------------------------------------
// An in-memory outbox that behaves like the real stores: leases, back-off, parking, wiping.

struct Row {
    queued: QueuedMessage,
    holder: Option<String>,
    lease_until: Option<OffsetDateTime>,
    last_error: Option<String>,
}

#[derive(Default)]
struct FakeOutbox {
    rows: Mutex<Vec<Row>>,
    /// The next this many `mark_delivered` calls fail (a crash or a lost connection after delivery).
    lose_acks: AtomicU32,
}

impl FakeOutbox {
    fn with(messages: impl IntoIterator<Item = OutboundMessage>) -> Arc<FakeOutbox> {
        let outbox = FakeOutbox::default();
        {
            let mut rows = outbox.rows.lock().expect("lock");
            for message in messages {
                let next_attempt_at = message.created_at;
                rows.push(Row {
                    queued: QueuedMessage { message, status: DeliveryStatus::Pending, attempts: 0, next_attempt_at },
                    holder: None,
                    lease_until: None,
                    last_error: None,
                });
            }
        }
        Arc::new(outbox)
    }

    fn get(&self, id: Uuid) -> QueuedMessage {
        let rows = self.rows.lock().expect("lock");
        rows.iter().find(|r| r.queued.message.id == id).expect("row").queued.clone()
    }

    fn last_error(&self, id: Uuid) -> Option<String> {
        let rows = self.rows.lock().expect("lock");
        rows.iter().find(|r| r.queued.message.id == id).expect("row").last_error.clone()
    }

    fn pending(&self) -> usize {
        let rows = self.rows.lock().expect("lock");
        rows.iter().filter(|r| r.queued.status == DeliveryStatus::Pending).count()
    }
}

#[async_trait]
impl OutboxStore for FakeOutbox {
    async fn claim_messages(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut rows = self.rows.lock().expect("lock");
        let mut due: Vec<&mut Row> = rows
            .iter_mut()
            .filter(|r| {
                r.queued.status == DeliveryStatus::Pending
                    && r.queued.next_attempt_at <= now
                    && r.lease_until.is_none_or(|until| until <= now)
            })
            .collect();
        due.sort_by_key(|r| r.queued.next_attempt_at);
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|row| {
                row.holder = Some(worker.to_owned());
                row.lease_until = Some(now + lease);
                row.queued.clone()
            })
            .collect())
    }

    async fn mark_delivered(&self, id: Uuid, _at: OffsetDateTime) -> Result<(), StoreError> {
        if self.lose_acks.load(Ordering::SeqCst) > 0 {
            self.lose_acks.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("connection reset".to_owned()));
        }
        let mut rows = self.rows.lock().expect("lock");
        let row = rows.iter_mut().find(|r| r.queued.message.id == id).expect("row");
        row.queued.status = DeliveryStatus::Delivered;
        // A letter keeps its half until printed (the trait's rule).
        if row.queued.message.channel != Channel::Letter {
            row.queued.message.pin_half = None;
        }
        row.queued.message.link = None;
        row.queued.message.code = None;
        row.holder = None;
        row.lease_until = None;
        Ok(())
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        attempts: u32,
        retry_at: Option<OffsetDateTime>,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut rows = self.rows.lock().expect("lock");
        let row = rows.iter_mut().find(|r| r.queued.message.id == id).expect("row");
        row.queued.attempts = attempts;
        match retry_at {
            Some(at) => row.queued.next_attempt_at = at,
            None => row.queued.status = DeliveryStatus::Parked,
        }
        row.last_error = Some(error.to_owned());
        row.holder = None;
        row.lease_until = None;
        Ok(())
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        let rows = self.rows.lock().expect("lock");
        let pending = rows.iter().filter(|r| r.queued.status == DeliveryStatus::Pending);
        Ok(OutboxStats {
            pending: pending.clone().count() as u64,
            parked: rows.iter().filter(|r| r.queued.status == DeliveryStatus::Parked).count() as u64,
            oldest_pending_at: pending.map(|r| r.queued.message.created_at).min(),
        })
    }

    // Print batches are not the worker's business: the fake holds no batch.
    async fn unprinted_letter(&self, _: &FiscalCode) -> Result<Option<OutboundMessage>, StoreError> {
        Ok(None)
    }

    async fn claim_letters_for_print(&self, _: &str, _: OffsetDateTime, _: u32) -> Result<Vec<OutboundMessage>, StoreError> {
        Ok(Vec::new())
    }

    async fn unconfirmed_print_batches(&self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }

    async fn letters_of_batch(&self, _: &str) -> Result<Vec<OutboundMessage>, StoreError> {
        Ok(Vec::new())
    }

    async fn confirm_print_batch(&self, _: &str) -> Result<(), StoreError> {
        Ok(())
    }

    // The worker never calls the administrator's methods.
    async fn parked_messages(&self, _: u32) -> Result<Vec<sigillo_domain::outbox::ParkedMessage>, StoreError> {
        Ok(Vec::new())
    }

    async fn retry_parked(&self, _: Uuid, _: OffsetDateTime) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn discard_parked(&self, _: Uuid, _: &str) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn print_batches(&self, _: u32) -> Result<Vec<sigillo_domain::outbox::PrintBatchSummary>, StoreError> {
        Ok(Vec::new())
    }
}

/// Counts deliveries per message; fails each message's first `fail_first` attempts.
#[derive(Default)]
struct CountingSink {
    calls: Mutex<HashMap<Uuid, u32>>,
    fail_first: u32,
    /// A pause inside each delivery, so that racing workers really overlap.
    pause: Duration,
}

impl CountingSink {
    fn calls(&self, id: Uuid) -> u32 {
        self.calls.lock().expect("lock").get(&id).copied().unwrap_or(0)
    }
}

#[async_trait]
impl Sink for CountingSink {
    async fn deliver(&self, message: &OutboundMessage) -> Result<(), DeliveryError> {
        let call = {
            let mut calls = self.calls.lock().expect("lock");
            let call = calls.entry(message.id).or_insert(0);
            *call += 1;
            *call
        };
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
        if call <= self.fail_first {
            return Err(DeliveryError::Unavailable("gateway answered 503".to_owned()));
        }
        Ok(())
    }
}

fn worker(store: &Arc<FakeOutbox>, sink: Arc<dyn Sink>) -> DeliveryWorker {
    DeliveryWorker::new(store.clone(), sink).with_lease(Duration::from_secs(60)).with_batch(10)
}

// ---------------------------------------------------------------------------------------------
// The files sink

#[tokio::test]
async fn files_sink_writes_the_api_shape() {
    let data = tempfile::tempdir().expect("tempdir");
    let sink = FilesSink::new(data.path());
    assert_eq!(sink.root(), data.path().join("mailbox"));
    let message = sms("7K3M9QXW");
    sink.deliver(&message).await.expect("delivered");

    let dir = data.path().join("mailbox").join("sms");
    assert_eq!(dir_names(&dir), vec![format!("{}.json", message.id)]);
    let json = read_json(&dir.join(format!("{}.json", message.id)));
    assert_eq!(keys(&json), API_KEYS);
    let id = message.id.to_string();
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["channel"], "sms");
    assert_eq!(json["to"], "+393331234567");
    assert_eq!(json["fiscal_code"], CF);
    assert_eq!(json["kind"], "pin_first_half");
    assert_eq!(json["subject"], serde_json::Value::Null);
    assert_eq!(json["body"], "INPS: prima parte del PIN 7K3M9QXW");
    assert_eq!(json["pin_half"], "7K3M9QXW");
    assert_eq!(json["link"], serde_json::Value::Null);
    assert_eq!(json["code"], serde_json::Value::Null);
    assert_eq!(json["created_at"], "2026-11-23T10:00:00Z");

    let email = recovery_email();
    sink.deliver(&email).await.expect("delivered");
    let json = read_json(&data.path().join(format!("mailbox/email/{}.json", email.id)));
    assert_eq!(keys(&json), API_KEYS);
    assert_eq!(json["kind"], "recovery_link");
    assert_eq!(json["to"], "mario.rossi@example.it");
    assert_eq!(json["subject"], "Recupero PIN");
    assert_eq!(json["pin_half"], serde_json::Value::Null);
    assert_eq!(json["link"], "http://localhost:8080/recupero-pin/conferma?token=abc123");
    assert_eq!(json["code"], "482913");
}

#[tokio::test]
async fn a_letter_has_its_address_and_a_pdf_with_the_half() {
    let data = tempfile::tempdir().expect("tempdir");
    let sink = FilesSink::new(data.path());
    let message = letter("Q8RT2WXZ");
    sink.deliver(&message).await.expect("delivered");

    let dir = data.path().join("mailbox/letter");
    assert_eq!(dir_names(&dir), vec![format!("{}.json", message.id), format!("{}.pdf", message.id)]);
    let json = read_json(&dir.join(format!("{}.json", message.id)));
    let mut expected: Vec<&str> = API_KEYS.to_vec();
    expected.push("postal_address");
    expected.sort_unstable();
    assert_eq!(keys(&json), expected);
    assert_eq!(json["channel"], "letter");
    assert_eq!(json["kind"], "pin_second_half");
    assert_eq!(json["to"], "MARIO ROSSI");
    assert_eq!(json["pin_half"], "Q8RT2WXZ");
    assert_eq!(
        json["postal_address"],
        serde_json::json!({"name": "MARIO ROSSI", "lines": ["VIA DEL CORSO 1", "00186 ROMA (RM)"]})
    );

    let pdf = std::fs::read(dir.join(format!("{}.pdf", message.id))).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    match pdftotext(&pdf) {
        Some(text) => {
            assert!(text.contains("Q8RT2WXZ"), "half-PIN not printed:\n{text}");
            assert!(text.contains(CF), "fiscal code not printed");
            assert!(text.contains(&message.id.to_string()), "message id not printed");
        }
        None => assert!(pdf.windows(8).any(|w| w == b"Q8RT2WXZ"), "half-PIN not in the PDF"),
    }
}

#[tokio::test]
async fn writing_the_same_message_twice_leaves_one_identical_file() {
    let data = tempfile::tempdir().expect("tempdir");
    let sink = FilesSink::new(data.path());
    let message = letter("Q8RT2WXZ");
    let dir = data.path().join("mailbox/letter");

    sink.deliver(&message).await.expect("first");
    let json = std::fs::read(dir.join(format!("{}.json", message.id))).expect("json");
    let pdf = std::fs::read(dir.join(format!("{}.pdf", message.id))).expect("pdf");
    sink.deliver(&message).await.expect("second");

    assert_eq!(dir_names(&dir), vec![format!("{}.json", message.id), format!("{}.pdf", message.id)]);
    assert_eq!(std::fs::read(dir.join(format!("{}.json", message.id))).expect("json"), json);
    assert_eq!(std::fs::read(dir.join(format!("{}.pdf", message.id))).expect("pdf"), pdf);
    assert_eq!(sink.list().len(), 1);
}

#[tokio::test]
async fn an_undeliverable_letter_writes_nothing_and_says_why_without_secrets() {
    let data = tempfile::tempdir().expect("tempdir");
    let sink = FilesSink::new(data.path());
    let mut message = letter("Q8RT2WXZ");
    message.postal_address = None;
    let error = sink.deliver(&message).await.expect_err("no address");
    assert!(error.is_permanent());
    assert!(!error.to_string().contains("Q8RT2WXZ"));
    assert!(!data.path().join("mailbox/letter").join(format!("{}.json", message.id)).exists());

    let mut message = letter("Q8RT2WXZ");
    message.pin_half = None;
    assert!(sink.deliver(&message).await.expect_err("no half").is_permanent());
}

#[tokio::test]
async fn the_mailbox_lists_newest_first_and_skips_what_it_cannot_read() {
    let data = tempfile::tempdir().expect("tempdir");
    let sink = FilesSink::new(data.path());
    let mut old = sms("AAAA1111");
    old.created_at = datetime!(2026-11-20 08:00 UTC);
    let mut new = letter("BBBB2222");
    new.created_at = datetime!(2026-11-23 09:00 UTC);
    let mut newest = recovery_email();
    newest.created_at = datetime!(2026-11-23 09:30 UTC);
    for message in [&old, &new, &newest] {
        sink.deliver(message).await.expect("delivered");
    }
    std::fs::write(data.path().join("mailbox/sms/garbage.json"), b"{not json").expect("garbage");
    std::fs::write(data.path().join("mailbox/sms/.x.json.123.tmp"), b"{}").expect("temp");
    std::fs::create_dir_all(data.path().join("mailbox/pec")).expect("pec");

    let entries = list_mailbox(sink.root());
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![newest.id, new.id, old.id]);
    assert_eq!(entries[0].code.as_deref(), Some("482913"));
    assert_eq!(entries[1].pin_half.as_deref(), Some("BBBB2222"));
    assert_eq!(entries[1].pdf, Some(data.path().join(format!("mailbox/letter/{}.pdf", new.id))));
    assert_eq!(entries[1].postal_address.as_ref().map(|a| a.name.as_str()), Some("MARIO ROSSI"));
    assert_eq!(entries[2].pdf, None);
    assert!(!format!("{:?}", entries[1]).contains("BBBB2222"), "Debug shows the half-PIN");

    assert!(list_mailbox(&data.path().join("nowhere")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// The worker

#[tokio::test]
async fn the_worker_delivers_each_message_once_and_wipes_secrets() {
    let data = tempfile::tempdir().expect("tempdir");
    let messages = vec![sms("AAAA1111"), letter("BBBB2222"), recovery_email()];
    let store = FakeOutbox::with(messages.clone());
    let files = Arc::new(FilesSink::new(data.path()));
    let worker = worker(&store, files.clone());
    let now = datetime!(2026-11-23 10:01 UTC);

    assert_eq!(worker.run_once(now).await.expect("run"), 3);
    assert_eq!(worker.run_once(now).await.expect("run"), 0);
    assert_eq!(worker.run_once(now + Duration::from_secs(3600)).await.expect("run"), 0);
    for message in &messages {
        let queued = store.get(message.id);
        assert_eq!(queued.status, DeliveryStatus::Delivered);
        // A letter's half stays for its print batch; everything else is wiped.
        let half = (message.channel == Channel::Letter).then(|| "BBBB2222".to_owned());
        assert_eq!((queued.message.pin_half, queued.message.link, queued.message.code), (half, None, None));
    }
    assert_eq!(files.list().len(), 3);
    assert!(worker.worker_id().starts_with("delivery-"));
    assert_ne!(worker.worker_id(), DeliveryWorker::new(store.clone(), files).worker_id());

    record_outbox_gauges(store.as_ref()).await;
}

#[tokio::test]
async fn a_failing_sink_is_retried_with_back_off_then_parked() {
    let message = sms("AAAA1111");
    let store = FakeOutbox::with([message.clone()]);
    let sink = Arc::new(CountingSink { fail_first: u32::MAX, ..CountingSink::default() });
    let worker = worker(&store, sink.clone());
    let mut now = datetime!(2026-11-23 10:01 UTC);

    for attempt in 1..=MAX_ATTEMPTS {
        assert_eq!(worker.run_once(now).await.expect("run"), 1, "attempt {attempt}");
        let queued = store.get(message.id);
        assert_eq!(queued.attempts, attempt);
        assert_eq!(sink.calls(message.id), attempt);
        if attempt < MAX_ATTEMPTS {
            assert_eq!(queued.status, DeliveryStatus::Pending);
            let wait = queued.next_attempt_at - now;
            let delay = retry_delay(attempt);
            assert!(wait >= delay && wait < delay + Duration::from_secs(5), "attempt {attempt}: waits {wait}");
            // Not due before its time.
            assert_eq!(worker.run_once(queued.next_attempt_at - Duration::from_secs(1)).await.expect("run"), 0);
            now = queued.next_attempt_at;
        } else {
            assert_eq!(queued.status, DeliveryStatus::Parked);
        }
    }
    assert_eq!(store.last_error(message.id).as_deref(), Some("channel unavailable: gateway answered 503"));
    assert_eq!(worker.run_once(now + Duration::from_secs(86_400)).await.expect("run"), 0);
    assert_eq!(sink.calls(message.id), MAX_ATTEMPTS);
    let stats = store.outbox_stats().await.expect("stats");
    assert_eq!((stats.pending, stats.parked), (0, 1));
}

#[tokio::test]
async fn a_transient_failure_is_delivered_on_a_later_attempt() {
    let message = sms("AAAA1111");
    let store = FakeOutbox::with([message.clone()]);
    let sink = Arc::new(CountingSink { fail_first: 2, ..CountingSink::default() });
    let worker = worker(&store, sink.clone());
    let mut now = datetime!(2026-11-23 10:01 UTC);
    while store.get(message.id).status == DeliveryStatus::Pending {
        worker.run_once(now).await.expect("run");
        now = store.get(message.id).next_attempt_at.max(now);
    }
    let queued = store.get(message.id);
    assert_eq!((queued.status, queued.attempts), (DeliveryStatus::Delivered, 2));
    assert_eq!(sink.calls(message.id), 3);
}

#[tokio::test]
async fn an_undeliverable_message_is_parked_at_once() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut message = letter("BBBB2222");
    message.postal_address = None;
    let store = FakeOutbox::with([message.clone()]);
    let worker = worker(&store, Arc::new(FilesSink::new(data.path())));
    assert_eq!(worker.run_once(datetime!(2026-11-23 10:01 UTC)).await.expect("run"), 1);
    let queued = store.get(message.id);
    assert_eq!((queued.status, queued.attempts), (DeliveryStatus::Parked, 1));
    let error = store.last_error(message.id).expect("error");
    assert!(error.contains("postal address") && !error.contains("BBBB2222"), "{error}");
}

#[tokio::test]
async fn a_lost_acknowledgement_redelivers_the_same_file_once_the_lease_runs_out() {
    let data = tempfile::tempdir().expect("tempdir");
    let message = letter("BBBB2222");
    let store = FakeOutbox::with([message.clone()]);
    let files = Arc::new(FilesSink::new(data.path()));
    let worker = worker(&store, files.clone());
    let now = datetime!(2026-11-23 10:01 UTC);
    let json_path = data.path().join(format!("mailbox/letter/{}.json", message.id));

    // Written, but the store never hears of it (a crash or a lost connection).
    store.lose_acks.store(1, Ordering::SeqCst);
    assert!(matches!(worker.run_once(now).await, Err(StoreError::Unavailable(_))));
    let first = std::fs::read(&json_path).expect("written");
    assert_eq!(store.get(message.id).status, DeliveryStatus::Pending);

    // Still leased: nobody takes it yet.
    let other = DeliveryWorker::new(store.clone(), files.clone());
    assert_eq!(other.run_once(now + Duration::from_secs(30)).await.expect("run"), 0);
    // The lease ran out: taken again, delivered again, same single file.
    assert_eq!(other.run_once(now + Duration::from_secs(61)).await.expect("run"), 1);
    assert_eq!(store.get(message.id).status, DeliveryStatus::Delivered);
    assert_eq!(std::fs::read(&json_path).expect("json"), first);
    assert_eq!(dir_names(&data.path().join("mailbox/letter")).len(), 2);
    assert_eq!(files.list().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_workers_deliver_each_message_exactly_once() {
    let data = tempfile::tempdir().expect("tempdir");
    let messages: Vec<OutboundMessage> =
        (0..40).map(|i| if i % 4 == 0 { letter(&format!("L{i:07}")) } else { sms(&format!("S{i:07}")) }).collect();
    let store = FakeOutbox::with(messages.clone());
    let counting = Arc::new(CountingSink { pause: Duration::from_millis(2), ..CountingSink::default() });
    let files = Arc::new(FilesSink::new(data.path()));

    /// Counts, then writes the mailbox.
    struct Both(Arc<CountingSink>, Arc<FilesSink>);
    #[async_trait]
    impl Sink for Both {
        async fn deliver(&self, message: &OutboundMessage) -> Result<(), DeliveryError> {
            self.0.deliver(message).await?;
            self.1.deliver(message).await
        }
    }
    let sink: Arc<dyn Sink> = Arc::new(Both(counting.clone(), files.clone()));

    let now = datetime!(2026-11-23 10:01 UTC);
    let run = |worker: DeliveryWorker, store: Arc<FakeOutbox>| async move {
        let mut handled = 0;
        while store.pending() > 0 {
            handled += worker.run_once(now).await.expect("run");
            tokio::task::yield_now().await;
        }
        handled
    };
    let a = tokio::spawn(run(worker(&store, sink.clone()).with_batch(3), store.clone()));
    let b = tokio::spawn(run(worker(&store, sink.clone()).with_batch(3), store.clone()));
    let (a, b) = (a.await.expect("worker a"), b.await.expect("worker b"));

    assert_eq!(a + b, messages.len());
    assert!(a > 0 && b > 0, "both workers took part: {a} + {b}");
    for message in &messages {
        assert_eq!(counting.calls(message.id), 1, "message delivered more than once");
        assert_eq!(store.get(message.id).status, DeliveryStatus::Delivered);
    }
    assert_eq!(files.list().len(), messages.len());
    assert_eq!(dir_names(&data.path().join("mailbox/letter")).len(), 20);
    assert_eq!(dir_names(&data.path().join("mailbox/sms")).len(), 30);
}

#[tokio::test]
async fn run_delivers_until_shutdown() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut message = sms("AAAA1111");
    message.created_at = now_micros();
    let store = FakeOutbox::with([message.clone()]);
    let files = Arc::new(FilesSink::new(data.path()));
    let worker = worker(&store, files.clone()).with_idle_wait(Duration::from_millis(10));
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(worker.run(shutdown));

    let deadline = Instant::now() + Duration::from_secs(10);
    while store.get(message.id).status != DeliveryStatus::Delivered {
        assert!(Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).expect("send");
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stopped").expect("joined");
    assert_eq!(files.list().len(), 1);

    // A dropped sender stops it too.
    let (stop, shutdown) = watch::channel(false);
    let idle = DeliveryWorker::new(store.clone(), files).with_idle_wait(Duration::from_secs(3600));
    let task = tokio::spawn(idle.run(shutdown));
    drop(stop);
    tokio::time::timeout(Duration::from_secs(5), task).await.expect("stopped").expect("joined");
}

#[test]
fn now_is_truncated_to_microseconds() {
    assert_eq!(now_micros().nanosecond() % 1_000, 0);
    assert_eq!(
        truncate_micros(datetime!(2026-11-23 10:00:00.123456789 UTC)),
        datetime!(2026-11-23 10:00:00.123456 UTC)
    );
}
