//! PIN hashing with Argon2id on a pool of dedicated threads.
//!
//! Argon2id with OWASP's parameters (m = 19,456 KiB, t = 2, p = 1) costs ~15 ms of one core and
//! 19 MiB of memory per hash. Run on tokio's workers it would stall every other request, so hashes
//! go to one thread per core that each keep their 19 MiB buffer for the life of the process, fed
//! by a bounded queue: when the queue is full the caller is told to come back later (503) instead
//! of piling up latency. A semaphore around `spawn_blocking` was measured slower (STACK.md).
//!
//! The cost is a policy value: hashes made under weaker parameters are re-made after the next
//! successful verify (`needs_rehash`).

use std::sync::Arc;
use std::thread;

use argon2::password_hash::phc::{Output, ParamsString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use rand::TryRngCore;
use rand::rngs::OsRng;
use tokio::sync::oneshot;

const SALT_LEN: usize = 16;
const OUTPUT_LEN: usize = 32;

/// Argon2id parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashPolicy {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashPolicy {
    /// OWASP Password Storage Cheat Sheet, first Argon2id option.
    pub const OWASP: HashPolicy = HashPolicy { memory_kib: 19_456, iterations: 2, parallelism: 1 };

    fn params(self) -> Result<Params, HashError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, Some(OUTPUT_LEN)).map_err(|_| HashError::Policy)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing thread is busy and the queue is full: try again shortly.
    #[error("hashing queue full")]
    Overloaded,
    #[error("hashing pool stopped")]
    Stopped,
    #[error("invalid hashing policy")]
    Policy,
    #[error("no randomness available")]
    Entropy,
}

enum Job {
    Hash { pin: String, reply: oneshot::Sender<Result<String, HashError>> },
    Verify { pin: String, phc: String, reply: oneshot::Sender<bool> },
}

/// Cheap to clone; the threads stop when the last clone is dropped.
#[derive(Clone)]
pub struct PinHasher {
    jobs: Sender<Job>,
    policy: HashPolicy,
    threads: usize,
    /// A hash of nothing anyone knows, verified when a fiscal code has no credential, so that an
    /// unknown fiscal code costs the same time as a wrong PIN.
    dummy: Arc<str>,
}

impl PinHasher {
    /// Starts `threads` hashing threads (0: one per core) with a queue of `queue` jobs.
    pub fn start(policy: HashPolicy, threads: usize, queue: usize) -> Result<PinHasher, HashError> {
        let params = policy.params()?;
        let threads = if threads == 0 { thread::available_parallelism().map_or(2, |n| n.get()) } else { threads };
        let (jobs, receiver) = crossbeam_channel::bounded(queue.max(1));
        for index in 0..threads {
            let receiver = receiver.clone();
            let params = params.clone();
            thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&receiver, &params))
                .map_err(|_| HashError::Stopped)?;
        }
        let mut dummy_pin = [0u8; 16];
        OsRng.try_fill_bytes(&mut dummy_pin).map_err(|_| HashError::Entropy)?;
        let dummy = hash_with(&Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()), &dummy_pin, None)?;
        Ok(PinHasher { jobs, policy, threads, dummy: dummy.into() })
    }

    pub fn policy(&self) -> HashPolicy {
        self.policy
    }

    /// How many hashing threads serve this pool.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `pin` with a fresh random salt.
    pub async fn hash(&self, pin: &str) -> Result<String, HashError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash { pin: pin.to_owned(), reply })?;
        answer.await.map_err(|_| HashError::Stopped)?
    }

    /// Whether `pin` matches `phc`; `phc = None` verifies against the dummy hash (always false),
    /// taking the same time.
    pub async fn verify(&self, pin: &str, phc: Option<&str>) -> Result<bool, HashError> {
        let (reply, answer) = oneshot::channel();
        let (phc, real) = match phc {
            Some(phc) => (phc.to_owned(), true),
            None => (self.dummy.to_string(), false),
        };
        self.submit(Job::Verify { pin: pin.to_owned(), phc, reply })?;
        let matched = answer.await.map_err(|_| HashError::Stopped)?;
        Ok(matched && real)
    }

    /// Whether a hash was made under other parameters than today's policy.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(hash) = PasswordHash::new(phc) else { return true };
        let Ok(params) = Params::try_from(&hash) else { return true };
        hash.algorithm.as_str() != "argon2id"
            || params.m_cost() != self.policy.memory_kib
            || params.t_cost() != self.policy.iterations
            || params.p_cost() != self.policy.parallelism
    }

    fn submit(&self, job: Job) -> Result<(), HashError> {
        match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                metrics::counter!("sigillo_hash_overloaded_total").increment(1);
                Err(HashError::Overloaded)
            }
            Err(TrySendError::Disconnected(_)) => Err(HashError::Stopped),
        }
    }
}

/// One hashing thread: owns its Argon2 memory and serves jobs until every sender is gone.
fn work(jobs: &Receiver<Job>, params: &Params) {
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut memory = vec![Block::default(); params.block_count()];
    for job in jobs {
        match job {
            Job::Hash { pin, reply } => {
                let _ = reply.send(hash_with(&argon2, pin.as_bytes(), Some(&mut memory)));
            }
            Job::Verify { pin, phc, reply } => {
                let _ = reply.send(verify_with(pin.as_bytes(), &phc, params, &argon2, &mut memory));
            }
        }
    }
}

fn hash_with(argon2: &Argon2<'_>, pin: &[u8], memory: Option<&mut Vec<Block>>) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_LEN];
    OsRng.try_fill_bytes(&mut salt).map_err(|_| HashError::Entropy)?;
    let mut out = [0u8; OUTPUT_LEN];
    let result = match memory {
        Some(memory) => argon2.hash_password_into_with_memory(pin, &salt, &mut out, memory.as_mut_slice()),
        None => argon2.hash_password_into(pin, &salt, &mut out),
    };
    result.map_err(|_| HashError::Policy)?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|_| HashError::Policy)?,
        salt: Some(Salt::new(&salt).map_err(|_| HashError::Policy)?),
        hash: Some(Output::new(&out).map_err(|_| HashError::Policy)?),
    };
    Ok(hash.to_string())
}

/// Verifies with the thread's own buffer when the hash uses the pool's parameters, else with a
/// fresh Argon2 context (an old hash about to be upgraded).
fn verify_with(pin: &[u8], phc: &str, pool_params: &Params, pool: &Argon2<'_>, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let Ok(params) = Params::try_from(&hash) else { return false };
    let mut out = vec![0u8; expected.len()];
    let computed = if params == *pool_params && expected.len() == OUTPUT_LEN {
        pool.hash_password_into_with_memory(pin, salt.as_ref(), &mut out, memory.as_mut_slice())
    } else {
        let Ok(algorithm) = Algorithm::try_from(hash.algorithm.as_str()) else { return false };
        let Ok(params) = Params::new(params.m_cost(), params.t_cost(), params.p_cost(), Some(expected.len())) else {
            return false;
        };
        Argon2::new(algorithm, Version::V0x13, params).hash_password_into(pin, salt.as_ref(), &mut out)
    };
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: HashPolicy = HashPolicy { memory_kib: 256, iterations: 1, parallelism: 1 };

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = PinHasher::start(FAST, 2, 8).unwrap_or_else(|e| panic!("{e}"));
        let phc = hasher.hash("K7Q2M9XA").await.unwrap_or_else(|e| panic!("{e}"));
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
        assert!(!phc.contains("K7Q2M9XA"));
        assert!(hasher.verify("K7Q2M9XA", Some(&phc)).await.unwrap_or(false));
        assert!(!hasher.verify("K7Q2M9XB", Some(&phc)).await.unwrap_or(true));
        assert!(!hasher.verify("K7Q2M9XA", None).await.unwrap_or(true));
        assert!(!hasher.verify("K7Q2M9XA", Some("garbage")).await.unwrap_or(true));
        assert!(!hasher.needs_rehash(&phc));
    }

    #[tokio::test]
    async fn old_parameters_still_verify_and_ask_for_a_rehash() {
        let old = PinHasher::start(FAST, 1, 8).unwrap_or_else(|e| panic!("{e}"));
        let phc = old.hash("K7Q2M9XA").await.unwrap_or_else(|e| panic!("{e}"));
        let new = PinHasher::start(HashPolicy { memory_kib: 512, ..FAST }, 1, 8).unwrap_or_else(|e| panic!("{e}"));
        assert!(new.verify("K7Q2M9XA", Some(&phc)).await.unwrap_or(false));
        assert!(new.needs_rehash(&phc));
    }

    #[tokio::test]
    async fn a_full_queue_says_so() {
        let hasher = PinHasher::start(HashPolicy { memory_kib: 8192, iterations: 4, parallelism: 1 }, 1, 1)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let hasher = hasher.clone();
            tasks.spawn(async move { hasher.hash("K7Q2M9XA").await });
        }
        let results: Vec<_> = tasks.join_all().await;
        assert!(results.iter().any(|r| matches!(r, Err(HashError::Overloaded))));
        assert!(results.iter().any(Result::is_ok));
    }
}
