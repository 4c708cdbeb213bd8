//! Many files through one set of workers: a folder of one-page faxes goes as fast as one multi-page PDF.
//!
//! The files of a call are kept first (each stored as received and synced before anything reads it), then the
//! pages of all of them are dealt to the same workers in file and page order, and one committer (the calling
//! thread) commits their results in that same order: page by page within a file, each file before the next, as
//! if the files had been taken in one after the other. So two files holding pages of one copy assemble exactly as
//! they would in turn, a file's `next_page` always means "every page before it is done" (a killed intake resumes
//! there), and a file's report is made once its last page is committed.

use super::decode::{self, PageSource};
use super::pipeline::{Intake, KeepError, PageWork, Report};
use crate::store::StoreError;
use crate::store::scans::{ScanRecord, ScanState};
use crate::validation::Context;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Files in one run of the workers at most. Each holds its decoder open (a file descriptor, a PDF's object
/// table) until its last page is committed, so a folder of thousands goes in slices of this many.
pub const FILES_PER_RUN: usize = 64;

/// What the committer keeps for one file of a run.
struct Run {
    record: ScanRecord,
    name: String,
    pages: usize,
    touched: BTreeSet<String>,
    reports: Vec<Report>,
}

/// Reports handed on in the order of the files, whichever finishes first.
struct InOrder<'a> {
    ready: BTreeMap<usize, Vec<Report>>,
    next: usize,
    out: &'a mut dyn FnMut(usize, Vec<Report>),
}

impl InOrder<'_> {
    fn put(&mut self, index: usize, reports: Vec<Report>) {
        self.ready.insert(index, reports);
        while let Some(reports) = self.ready.remove(&self.next) {
            (self.out)(self.next, reports);
            self.next += 1;
        }
    }
}

impl Intake {
    /// Takes in the files at their paths (name for reports, path), all through one set of workers. `done(i,
    /// reports)` is called for every file, in the order given, once its last page is committed. A file that cannot
    /// be read is reported as a [`Report::FileError`] and, not having been read, is not kept.
    pub fn take_in_files(
        &self,
        files: &[(String, PathBuf)],
        progress: &dyn Fn(usize, usize),
        done: &mut dyn FnMut(usize, Vec<Report>),
    ) -> Result<(), StoreError> {
        let mut order = InOrder {
            ready: BTreeMap::new(),
            next: 0,
            out: done,
        };
        for (slice_no, slice) in files.chunks(FILES_PER_RUN).enumerate() {
            let base = slice_no * FILES_PER_RUN;
            let mut kept = Vec::with_capacity(slice.len());
            let mut at = Vec::with_capacity(slice.len());
            for (i, (name, path)) in slice.iter().enumerate() {
                match self.keep_file(path) {
                    Ok(record) => {
                        kept.push((record, name.clone()));
                        at.push(base + i);
                    }
                    Err(KeepError::Store(e)) => return Err(e),
                    Err(e) => order.put(
                        base + i,
                        vec![Report::FileError {
                            source: name.clone(),
                            error: e.to_string(),
                        }],
                    ),
                }
            }
            self.process_batch(kept, progress, &mut |k, reports| order.put(at[k], reports))?;
        }
        Ok(())
    }

    /// Processes scans already kept (see [`Intake::keep_file`]), their pages on one set of workers. `done(k,
    /// reports)` is called for every scan, in the order given, once its last page is committed.
    pub fn process_batch(
        &self,
        kept: Vec<(ScanRecord, String)>,
        progress: &dyn Fn(usize, usize),
        done: &mut dyn FnMut(usize, Vec<Report>),
    ) -> Result<(), StoreError> {
        let mut order = InOrder {
            ready: BTreeMap::new(),
            next: 0,
            out: done,
        };
        let mut runs = Vec::with_capacity(kept.len());
        // What the workers read: each file's decoder and its key in the store.
        let mut sources: Vec<Option<(PageSource, String)>> = Vec::with_capacity(kept.len());
        // Every page still to be read, as (file, page): the order pages are dealt and committed in.
        let mut jobs: Vec<(usize, usize)> = Vec::new();
        let (mut total, mut committed) = (0, 0);
        for (k, (mut record, name)) in kept.into_iter().enumerate() {
            let path = self.store.scans.path(&record.sha256);
            let source = match decode::open(&path, &self.limits) {
                Ok(s) => s,
                Err(e) => {
                    record.state = ScanState::Failed {
                        error: e.to_string(),
                    };
                    self.store.scans.put(&record)?;
                    order.put(
                        k,
                        vec![Report::FileError {
                            source: name.clone(),
                            error: e.to_string(),
                        }],
                    );
                    runs.push(Run::new(record, name, 0));
                    sources.push(None);
                    continue;
                }
            };
            let pages = source.count();
            if let ScanState::Done { .. } = record.state {
                // Taken in before: report what became of it, change nothing.
                order.put(k, self.reports_for_done(&record, &name, pages)?);
                runs.push(Run::new(record, name, pages));
                sources.push(None);
                continue;
            }
            let start = match record.state {
                ScanState::Processing { next_page, .. } => next_page.min(pages),
                _ => 0,
            };
            record.state = ScanState::Processing {
                pages,
                next_page: start,
            };
            self.store.scans.put(&record)?;
            jobs.extend((start..pages).map(|p| (k, p)));
            (total, committed) = (total + pages, committed + start);
            let sha = record.sha256.clone();
            runs.push(Run::new(record, name, pages));
            if start == pages {
                order.put(k, self.finish(&mut runs[k])?);
                sources.push(None);
            } else {
                sources.push(Some((source, sha)));
            }
        }
        if jobs.is_empty() {
            return Ok(());
        }

        let ctx = Context::now();
        let next = AtomicUsize::new(0);
        let (tx, rx) = mpsc::sync_channel::<(usize, Result<PageWork, String>)>(self.workers * 2);
        let (sources, jobs) = (&sources, &jobs);
        std::thread::scope(|scope| -> Result<(), StoreError> {
            for _ in 0..self.workers.min(jobs.len()).max(1) {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || {
                    if self.background {
                        super::background::lower_this_thread();
                    }
                    loop {
                        let j = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(k, page)) = jobs.get(j) else {
                            break;
                        };
                        let work = match &sources[k] {
                            Some((source, sha)) => {
                                // Lent for one page: an upload and the inbox share the readers page by page.
                                let mut readers = self.readers.take();
                                self.work_on(source, sha, page, &mut readers)
                            }
                            None => Err("filen kunde inte öppnas".to_string()),
                        };
                        if tx.send((j, work)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Commit in the order dealt, so that `next_page` always means "everything before is done".
            let mut waiting = BTreeMap::new();
            let mut expected = 0;
            for (j, work) in rx {
                waiting.insert(j, work);
                while let Some(work) = waiting.remove(&expected) {
                    let (k, page) = jobs[expected];
                    let run = &mut runs[k];
                    self.commit(
                        &run.record.sha256,
                        &run.name,
                        page,
                        work,
                        &ctx,
                        &mut run.touched,
                        &mut run.reports,
                        None,
                    )?;
                    expected += 1;
                    committed += 1;
                    run.record.state = ScanState::Processing {
                        pages: run.pages,
                        next_page: page + 1,
                    };
                    self.store.scans.put(&run.record)?;
                    progress(committed, total);
                    if page + 1 == run.pages {
                        order.put(k, self.finish(run)?);
                    }
                }
            }
            Ok(())
        })
    }

    /// A file whose every page is committed: marked done, and its report (unidentified pages as they were
    /// queued, then every document its pages went into, as it stands now).
    fn finish(&self, run: &mut Run) -> Result<Vec<Report>, StoreError> {
        run.record.state = ScanState::Done { pages: run.pages };
        self.store.scans.put(&run.record)?;
        self.store.flush()?;
        let mut reports = std::mem::take(&mut run.reports);
        for key in std::mem::take(&mut run.touched) {
            if let Some(doc) = self.store.documents.get(&key)? {
                reports.push(Report::Document(doc));
            }
        }
        Ok(reports)
    }
}

impl Run {
    fn new(record: ScanRecord, name: String, pages: usize) -> Run {
        Run {
            record,
            name,
            pages,
            touched: BTreeSet::new(),
            reports: Vec::new(),
        }
    }
}
