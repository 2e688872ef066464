//! An external sort of encoded records by a 16-byte key (the fiscal code), for the registry import.
//!
//! Records are collected in an in-memory run; a full run is sorted and appended to one anonymous
//! temporary file, and the runs are merged at the end. On equal keys the record pushed last wins,
//! so a person listed twice in a file keeps their later row, as a sequence of upserts would.
//! A file that fits in one run never touches the disk.
//!
//! Why: a B-tree fed random fiscal codes touches pages all over its index once the index outgrows
//! the cache, and the import slows to a crawl at national size. Fed in code order, every
//! transaction touches one narrow, contiguous slice of it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

pub type Key = [u8; 16];

/// Bytes read from the temporary file at a time for each run being merged.
const READ_CHUNK: usize = 128 * 1024;
/// Each record on disk: key, payload length (u32, little endian), payload.
const HEADER: usize = 16 + 4;

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Key,
    start: u32,
    len: u32,
}

/// Collects records and hands them back in key order.
pub struct SortedRuns {
    dir: PathBuf,
    run_bytes: usize,
    arena: Vec<u8>,
    entries: Vec<Entry>,
    spill: Option<Spill>,
}

struct Spill {
    file: File,
    /// Byte ranges of the runs in `file`, in the order they were written.
    runs: Vec<(u64, u64)>,
    len: u64,
}

impl SortedRuns {
    /// Runs hold about `run_bytes` of encoded records (at most 4 GiB); a temporary file, only
    /// needed when the records do not fit in one run, is made in `dir` (created if missing).
    pub fn new(dir: PathBuf, run_bytes: usize) -> SortedRuns {
        let run_bytes = run_bytes.clamp(1, u32::MAX as usize / 2);
        SortedRuns { dir, run_bytes, arena: Vec::new(), entries: Vec::new(), spill: None }
    }

    /// Adds a record.
    pub fn push(&mut self, key: Key, record: &[u8]) -> io::Result<()> {
        let (Ok(start), Ok(len)) = (u32::try_from(self.arena.len()), u32::try_from(record.len())) else {
            return Err(io::Error::other("record too large for a run"));
        };
        self.arena.extend_from_slice(record);
        self.entries.push(Entry { key, start, len });
        if self.arena.len() >= self.run_bytes {
            self.spill_run()?;
        }
        Ok(())
    }

    /// Number of runs written to disk so far.
    pub fn spilled_runs(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| s.runs.len())
    }

    /// Sorts the current run and appends it to the temporary file.
    fn spill_run(&mut self) -> io::Result<()> {
        sort_last_wins(&mut self.entries);
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => {
                std::fs::create_dir_all(&self.dir)?;
                // Anonymous: unlinked from the start, so nothing is left behind even by a kill -9.
                let file = tempfile::tempfile_in(&self.dir)?;
                self.spill.insert(Spill { file, runs: Vec::new(), len: 0 })
            }
        };
        let start = spill.len;
        let mut out = BufWriter::with_capacity(1 << 20, &spill.file);
        let mut written = 0u64;
        for entry in &self.entries {
            let payload = &self.arena[entry.start as usize..][..entry.len as usize];
            out.write_all(&entry.key)?;
            out.write_all(&entry.len.to_le_bytes())?;
            out.write_all(payload)?;
            written += (HEADER + payload.len()) as u64;
        }
        out.flush()?;
        drop(out);
        spill.len += written;
        spill.runs.push((start, spill.len));
        self.arena.clear();
        self.entries.clear();
        Ok(())
    }

    /// Ends the input: what comes back yields every key once, in order, with its last record.
    pub fn finish(mut self) -> io::Result<Sorted> {
        if self.spill.is_none() {
            sort_last_wins(&mut self.entries);
            return Ok(Sorted(Source::Memory { arena: self.arena, entries: self.entries.into_iter() }));
        }
        if !self.entries.is_empty() {
            self.spill_run()?;
        }
        let Some(spill) = self.spill.take() else {
            return Err(io::Error::other("spill file vanished"));
        };
        let mut merge = Merge {
            readers: spill.runs.iter().map(|&(start, end)| RunReader::new(start, end)).collect(),
            file: spill.file,
            heap: BinaryHeap::with_capacity(spill.runs.len()),
            current: Vec::new(),
        };
        for index in 0..merge.readers.len() {
            merge.advance(index)?;
        }
        Ok(Sorted(Source::Merge(merge)))
    }
}

/// Stable sort by key, then keeps only the last entry of each key.
fn sort_last_wins(entries: &mut Vec<Entry>) {
    entries.sort_by_key(|e| e.key);
    // `dedup_by` keeps the first of equal neighbours; copying the later one over it keeps the last.
    entries.dedup_by(|later, kept| {
        let same = later.key == kept.key;
        if same {
            *kept = *later;
        }
        same
    });
}

/// The records in key order.
pub struct Sorted(Source);

enum Source {
    Memory { arena: Vec<u8>, entries: std::vec::IntoIter<Entry> },
    Merge(Merge),
}

impl Sorted {
    /// The next record's payload, or `None` at the end.
    pub fn next_record(&mut self) -> io::Result<Option<&[u8]>> {
        match &mut self.0 {
            Source::Memory { arena, entries } => {
                Ok(entries.next().map(|e| &arena[e.start as usize..][..e.len as usize]))
            }
            Source::Merge(merge) => merge.next_record(),
        }
    }
}

/// A k-way merge of the sorted runs in the temporary file.
struct Merge {
    file: File,
    readers: Vec<RunReader>,
    /// The next key of every run that has one; ties pop the earlier run first.
    heap: BinaryHeap<Reverse<(Key, usize)>>,
    current: Vec<u8>,
}

impl Merge {
    fn next_record(&mut self) -> io::Result<Option<&[u8]>> {
        let Some(Reverse((key, mut winner))) = self.heap.pop() else {
            return Ok(None);
        };
        // Later runs hold later lines of the file: the last run with this key wins.
        while let Some(&Reverse((next_key, later))) = self.heap.peek() {
            if next_key != key {
                break;
            }
            self.heap.pop();
            self.advance(winner)?;
            winner = later;
        }
        self.current.clear();
        self.current.extend_from_slice(self.readers[winner].payload());
        self.advance(winner)?;
        Ok(Some(&self.current))
    }

    fn advance(&mut self, index: usize) -> io::Result<()> {
        if let Some(key) = self.readers[index].next(&self.file)? {
            self.heap.push(Reverse((key, index)));
        }
        Ok(())
    }
}

/// Reads one run's records through a small buffer.
struct RunReader {
    /// Next file offset to read, and the run's end.
    at: u64,
    end: u64,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pos: usize,
    /// The current record's payload in `buf`.
    payload: (usize, usize),
}

impl RunReader {
    fn new(start: u64, end: u64) -> RunReader {
        RunReader { at: start, end, buf: Vec::new(), pos: 0, payload: (0, 0) }
    }

    fn payload(&self) -> &[u8] {
        &self.buf[self.payload.0..self.payload.1]
    }

    /// Moves to the next record and returns its key, or `None` at the end of the run.
    fn next(&mut self, file: &File) -> io::Result<Option<Key>> {
        if !self.fill(file, HEADER)? {
            return Ok(None);
        }
        let header = &self.buf[self.pos..self.pos + HEADER];
        let mut key = [0; 16];
        key.copy_from_slice(&header[..16]);
        let mut len = [0; 4];
        len.copy_from_slice(&header[16..]);
        let len = u32::from_le_bytes(len) as usize;
        if !self.fill(file, HEADER + len)? {
            return Err(truncated());
        }
        self.payload = (self.pos + HEADER, self.pos + HEADER + len);
        self.pos += HEADER + len;
        Ok(Some(key))
    }

    /// Makes sure `need` unread bytes are buffered; false if the run ended cleanly first.
    fn fill(&mut self, file: &File, need: usize) -> io::Result<bool> {
        while self.buf.len() - self.pos < need {
            if self.at == self.end {
                return if self.buf.len() == self.pos { Ok(false) } else { Err(truncated()) };
            }
            self.buf.drain(..self.pos);
            self.pos = 0;
            let want = usize::try_from(self.end - self.at).unwrap_or(usize::MAX).min(READ_CHUNK.max(need));
            let filled = self.buf.len();
            self.buf.resize(filled + want, 0);
            file.read_exact_at(&mut self.buf[filled..], self.at)?;
            self.at += want as u64;
        }
        Ok(true)
    }
}

fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "a sorted run in the temporary file is truncated")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> Key {
        let mut key = [b'A'; 16];
        key[..10].copy_from_slice(format!("{n:010}").as_bytes());
        key
    }

    fn drain(mut sorted: Sorted) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(payload) = sorted.next_record().expect("read") {
            out.push(String::from_utf8(payload.to_vec()).expect("utf-8"));
        }
        out
    }

    /// Pushes (key, payload) pairs; returns what comes out and how many runs went to disk.
    fn sort(pairs: &[(u32, String)], run_bytes: usize) -> (Vec<String>, usize) {
        let dir = tempfile::tempdir().expect("dir");
        let mut runs = SortedRuns::new(dir.path().join("spill"), run_bytes);
        for (k, payload) in pairs {
            runs.push(key(*k), payload.as_bytes()).expect("push");
        }
        let spilled = runs.spilled_runs();
        (drain(runs.finish().expect("finish")), spilled)
    }

    /// The reference: a map where later pushes replace earlier ones.
    fn expected(pairs: &[(u32, String)]) -> Vec<String> {
        let map: std::collections::BTreeMap<_, _> = pairs.iter().map(|(k, p)| (key(*k), p.clone())).collect();
        map.into_values().collect()
    }

    fn shuffled_with_duplicates(count: u32) -> Vec<(u32, String)> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        (0..count)
            .map(|i| {
                let k = rng.random_range(0..count / 2);
                // Payloads of varied length, so records straddle the read buffer's edges.
                (k, format!("{i}:{}", "x".repeat(rng.random_range(0..300))))
            })
            .collect()
    }

    #[test]
    fn a_small_input_is_sorted_in_memory_with_the_last_duplicate_kept() {
        let pairs = vec![(3, "c".into()), (1, "a".into()), (3, "c2".into()), (2, "b".into()), (1, "a2".into())];
        let (out, spilled) = sort(&pairs, 1 << 20);
        assert_eq!(spilled, 0);
        assert_eq!(out, ["a2", "b", "c2"]);
    }

    #[test]
    fn many_runs_merge_into_one_order_and_later_runs_win() {
        let pairs = shuffled_with_duplicates(20_000);
        let (out, spilled) = sort(&pairs, 64 * 1024);
        assert!(spilled > 20, "only {spilled} runs: the merge was not exercised");
        assert_eq!(out, expected(&pairs));
    }

    #[test]
    fn a_record_larger_than_the_read_chunk_survives_the_merge() {
        let big = "y".repeat(READ_CHUNK * 2 + 17);
        let pairs = vec![(5, "a".into()), (2, big.clone()), (9, "b".into()), (2, "old".into()), (7, big)];
        // Every record is its own run.
        let (out, spilled) = sort(&pairs, 1);
        assert_eq!(spilled, 5);
        assert_eq!(out, expected(&pairs));
    }

    #[test]
    fn duplicates_within_and_across_runs_keep_the_last_push() {
        // Key 1 appears in the first run twice and in the last run once; key 2 only in the first.
        let mut pairs: Vec<(u32, String)> = vec![(1, "first".into()), (2, "two".into()), (1, "second".into())];
        pairs.extend((10..400).map(|k| (k, format!("{k}"))));
        pairs.push((1, "third".into()));
        let (out, spilled) = sort(&pairs, 256);
        assert!(spilled >= 3);
        assert_eq!(out.first().map(String::as_str), Some("third"));
        assert_eq!(out[1], "two");
        assert_eq!(out, expected(&pairs));
    }

    #[test]
    fn nothing_pushed_yields_nothing() {
        assert!(sort(&[], 1024).0.is_empty());
    }
}
