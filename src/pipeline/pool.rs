//! The page pool: threads that each own a pair of Tesseract engines (text,
//! and orientation started on first use) for their whole life and turn pages into
//! [`PageOut`]s, one [`page::read`] at a time.

use super::page::{self, PageOut};
use super::{Options, PipelineError};
use crate::ingest::{IngestError, Original};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

struct Job {
    original: Arc<Original>,
    index: usize,
    slot: usize,
    reply: mpsc::Sender<(usize, Result<PageOut, PipelineError>)>,
}

/// Threads that turn pages into [`PageOut`]s, each with its own Tesseract
/// engines (text and orientation), created once.
pub struct PagePool {
    jobs: Option<mpsc::Sender<Job>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    opts: Options,
}

impl PagePool {
    /// Start `opts.threads` page threads; fails if Tesseract cannot load the languages.
    pub fn new(opts: &Options) -> Result<PagePool, PipelineError> {
        crate::pix::quiet();
        keep_page_buffers();
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let mut threads = Vec::new();
        let (ready_tx, ready_rx) = mpsc::channel();
        for n in 0..opts.threads.max(1) {
            let (rx, ready, o) = (rx.clone(), ready_tx.clone(), opts.clone());
            let handle = std::thread::Builder::new()
                .name(format!("sohoa-page-{n}"))
                .spawn(move || page_thread(&rx, &ready, &o))
                .map_err(|_| PipelineError::PoolGone)?;
            threads.push(handle);
        }
        drop(ready_tx);
        for _ in 0..threads.len() {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(PipelineError::OcrInit(e)),
                Err(_) => return Err(PipelineError::PoolGone),
            }
        }
        Ok(PagePool {
            jobs: Some(tx),
            threads,
            opts: opts.clone(),
        })
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Process every page of the originals, in order. `progress(done, total)`
    /// is called as pages finish. Blocks: call from a blocking context.
    pub fn run(
        &self,
        originals: &[Arc<Original>],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Vec<PageOut>, PipelineError> {
        let jobs = self.jobs.as_ref().ok_or(PipelineError::PoolGone)?;
        let (tx, rx) = mpsc::channel();
        let order = costliest_first(originals);
        let total = order.len();
        for (slot, o, index) in order {
            jobs.send(Job {
                original: originals[o].clone(),
                index,
                slot,
                reply: tx.clone(),
            })
            .map_err(|_| PipelineError::PoolGone)?;
        }
        drop(tx);
        let mut slots: Vec<Option<PageOut>> = (0..total).map(|_| None).collect();
        let mut first_err: Option<(usize, PipelineError)> = None;
        for done in 1..=total {
            let (slot, out) = rx.recv().map_err(|_| PipelineError::PoolGone)?;
            progress(done, total);
            match out {
                Ok(p) => slots[slot] = Some(p),
                // Report the earliest failing page in scan order.
                Err(e) if first_err.as_ref().is_none_or(|(s, _)| slot < *s) => {
                    first_err = Some((slot, e))
                }
                Err(_) => {}
            }
        }
        if let Some((_, e)) = first_err {
            return Err(e);
        }
        slots
            .into_iter()
            .map(|s| s.ok_or(PipelineError::PoolGone))
            .collect()
    }
}

/// Let the C allocator keep the large buffers a page is read with.
///
/// Tesseract and Leptonica allocate and free buffers of megabytes for every
/// page (page images, their binarised and scaled copies, the recogniser's
/// arrays). glibc serves such sizes with `mmap` and gives them back with
/// `munmap` at once, so every page pays its page faults again, and with
/// several page threads in one process each `munmap` also interrupts the
/// other cores to flush their address caches: measured on the samples'
/// batch_004 with two threads, 0.59 s of 4.88 s in the kernel, against
/// about 0.33 s once buffers up to 16 MiB (a gray A4 page at 300 dpi is
/// 8.7 MB) come from the heap and up to 32 MiB of freed heap stays mapped.
/// (glibc refuses an mmap threshold over 32 MiB; a trim threshold of 128
/// MiB gained nothing more and kept more memory: a worker's peak on a PDF
/// object-stream bomb 226 MiB against 146.) A single `tesseract` process
/// per page never pays the cross-core part. Set once per process, before
/// the first page thread starts; a setting glibc refuses is logged.
fn keep_page_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // glibc's <malloc.h>: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3.
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        ONCE.call_once(|| {
            for (param, name, value) in [(-3, "mmap", 16 << 20), (-1, "trim", 32 << 20)] {
                if unsafe { mallopt(param, value) } != 1 {
                    tracing::warn!(threshold = name, value, "glibc refused a malloc threshold");
                }
            }
        });
    }
}

/// Every page as (place in scan order, original, page index), costliest first by its encoded
/// bytes. Results go back to their place in scan order, so the order only
/// decides when each page starts: the long pages start early and the short
/// ones fill in at the end, instead of one long last page keeping a batch
/// waiting on a single thread while the others idle.
fn costliest_first(originals: &[Arc<Original>]) -> Vec<(usize, usize, usize)> {
    let mut order: Vec<(usize, usize, usize)> = originals
        .iter()
        .enumerate()
        .flat_map(|(o, orig)| (0..orig.pages.len()).map(move |i| (o, i)))
        .enumerate()
        .map(|(slot, (o, i))| (slot, o, i))
        .collect();
    // Stable: pages of equal size keep scan order.
    order.sort_by_key(|&(_, o, i)| std::cmp::Reverse(originals[o].encoded_bytes(i)));
    order
}

/// One page thread: make the engines, say whether that worked, then read
/// pages until the pool is dropped.
fn page_thread(
    rx: &Mutex<mpsc::Receiver<Job>>,
    ready: &mpsc::Sender<Result<(), crate::ocr::OcrError>>,
    o: &Options,
) {
    let mut engines = match page::Engines::new(&o.lang) {
        Ok(e) => {
            let _ = ready.send(Ok(()));
            e
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    loop {
        let job = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let _span =
            tracing::debug_span!("page", file = %job.original.name, page = job.index + 1).entered();
        // A panic on one page (a decoder's assertion on a hostile file)
        // fails that batch as unreadable; the thread lives on.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            page::read(&mut engines, &job.original, job.index, o)
        }))
        .unwrap_or_else(|panic| {
            Err(PipelineError::Ingest(IngestError::Corrupt {
                file: job.original.name.clone(),
                page: job.index as u32 + 1,
                reason: format!(
                    "the page crashed the decoder (damaged or hostile data; panic: {})",
                    crate::panic_message(panic.as_ref())
                ),
            }))
        });
        if let Ok(page) = &out {
            tracing::debug!(
                kind = ?page.kind,
                ocr_seconds = page.ocr_seconds,
                rotated_deg = page.prep.rotated_deg,
                osd = page.prep.orientation_conf.is_some(),
                "page read"
            );
        }
        let _ = job.reply.send((job.slot, out));
    }
}

impl Drop for PagePool {
    fn drop(&mut self) {
        self.jobs.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_start_costliest_first_and_keep_their_place_in_scan_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/samples/batch_003");
        let originals: Vec<Arc<Original>> =
            crate::ingest::open_all(&[dir.into()], &Default::default())
                .expect("readable samples")
                .into_iter()
                .map(Arc::new)
                .collect();
        let order = costliest_first(&originals);
        let cost = |&(_, o, i): &(usize, usize, usize)| originals[o].encoded_bytes(i);
        assert!(order.windows(2).all(|w| cost(&w[0]) >= cost(&w[1])));
        assert!(order.iter().all(|p| cost(p) > 0), "every page has a size");
        // Each place in scan order once, and it names the page it stands for.
        let mut slots: Vec<usize> = order.iter().map(|p| p.0).collect();
        slots.sort();
        assert_eq!(slots, (0..order.len()).collect::<Vec<_>>());
        let mut scan = order.clone();
        scan.sort();
        let flat: Vec<(usize, usize)> = scan.iter().map(|p| (p.1, p.2)).collect();
        assert!(flat.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(
            order, scan,
            "the sample's pages are not already costliest first"
        );
    }
}
