//! Raw Argon2id verifies per second with the production parameters (`HashPolicy::OWASP`:
//! m = 19,456 KiB, t = 2, p = 1), the ceiling a login can reach (issue 4, item 10).
//!
//! - `argon2_single/reused_buffer`: one thread, the `argon2` crate directly, re-using one 19 MiB
//!   buffer as each hashing thread of the pool does: the per-core figure.
//! - `argon2_single/fresh_buffer`: the same with a buffer allocated per verify (what
//!   `PasswordVerifier` would do), to show what the re-use is worth.
//! - `argon2_pool/…`: `PinHasher` with one thread per core (as `sigillo serve` starts it), kept
//!   busy with N concurrent verifies of a correct PIN: verifies/s of the whole machine.
//!
//! Run: `cargo bench -p sigillo-app --bench argon2` (about 20 s). Criterion reports elements/s;
//! one element is one verify. `SIGILLO_BENCH_HASH_THREADS` (default: one per core) and
//! `SIGILLO_BENCH_IN_FLIGHT` (default: 4 per thread) change the pool bench.
//! `bench/login/run.sh` runs the pool bench in the same run as its HTTP load test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark stops on the first failure")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use sigillo_app::hashing::{HashPolicy, PinHasher};
use tokio::task::JoinSet;

const PIN: &str = "K7Q2M9XA";
const SALT: [u8; 16] = *b"sigillo-bench-16";
/// Jobs the pool may queue per thread, as in `sigillo serve`.
const QUEUE_PER_THREAD: usize = 64;

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).filter(|n| *n > 0)
}

fn policy_params() -> Params {
    let p = HashPolicy::OWASP;
    Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32)).unwrap()
}

fn single_thread(c: &mut Criterion) {
    let params = policy_params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut expected = [0u8; 32];
    argon2.hash_password_into(PIN.as_bytes(), &SALT, &mut expected).unwrap();

    let mut group = c.benchmark_group("argon2_single");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));

    let mut memory = vec![Block::default(); params.block_count()];
    group.bench_function("reused_buffer", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            argon2
                .hash_password_into_with_memory(black_box(PIN.as_bytes()), &SALT, &mut out, memory.as_mut_slice())
                .unwrap();
            assert_eq!(out, expected);
        });
    });
    group.bench_function("fresh_buffer", |b| {
        b.iter(|| {
            let mut out = [0u8; 32];
            argon2.hash_password_into(black_box(PIN.as_bytes()), &SALT, &mut out).unwrap();
            assert_eq!(out, expected);
        });
    });
    group.finish();
}

fn pool(c: &mut Criterion) {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let threads = env_usize("SIGILLO_BENCH_HASH_THREADS").unwrap_or(cores);
    let in_flight = env_usize("SIGILLO_BENCH_IN_FLIGHT").unwrap_or(4 * threads).min(threads * QUEUE_PER_THREAD);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let hasher = PinHasher::start(HashPolicy::OWASP, threads, threads * QUEUE_PER_THREAD).unwrap();
    let phc = runtime.block_on(hasher.hash(PIN)).unwrap();
    assert!(!hasher.needs_rehash(&phc));

    let mut group = c.benchmark_group("argon2_pool");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(1));
    // The pool is kept full: `in_flight` verifies are always submitted, a new one each time one
    // ends, and the clock stops at the `iters`-th answer, so the threads never idle inside the
    // timed window (batches would leave one thread idle while the other finishes the last job).
    group.bench_function(format!("threads_{threads}/in_flight_{in_flight}"), |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let submit = |set: &mut JoinSet<_>| {
                    let hasher = hasher.clone();
                    let phc = phc.clone();
                    set.spawn(async move { hasher.verify(PIN, Some(&phc)).await });
                };
                let check = |done: Option<Result<Result<bool, _>, _>>| {
                    assert!(matches!(done, Some(Ok(Ok(true)))), "a pool verify failed: {done:?}");
                };
                let mut verifies = JoinSet::new();
                let start = Instant::now();
                for _ in 0..in_flight {
                    submit(&mut verifies);
                }
                for _ in 0..iters {
                    check(verifies.join_next().await);
                    submit(&mut verifies);
                }
                let elapsed = start.elapsed();
                while let Some(done) = verifies.join_next().await {
                    check(Some(done));
                }
                elapsed
            })
        });
    });
    group.finish();
}

criterion_group!(benches, single_thread, pool);
criterion_main!(benches);
