//! The whole intake of one file: kept as received, then page by page through the stages, each page's result
//! committed before the next, so a kill at any point resumes where it stopped and a file taken in twice changes
//! nothing. Pages are decoded and read on worker threads with readers lent by the [`ReaderPool`] and placed in page
//! order; many files go through the same workers (`batch`).

use super::align::{self, Alignment};
use super::assemble::{self, FLAG_COPIED_BLANK, PlacedPage, Placement};
use super::check;
use super::decode::{self, Limits, PageSource, ScanPage};
use super::identify::{self, Identification, marks};
use super::read::{self, PageReading, Readers};
use super::reader_pool::ReaderPool;
use super::realign;
use crate::formid::{FormId, PageStamp};
use crate::forms::layout::PageLayout;
use crate::forms::page::Rect;
use crate::forms::{Form, Registry};
use crate::store::audit::{Audit, LogKind, Pending};
use crate::store::documents::{Document, PageOutcome, PageRef};
use crate::store::scans::{ScanRecord, ScanState};
use crate::store::{Store, StoreError};
use crate::validation::Context;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

/// What intake tells its caller, one line of `blankett intake` each.
#[derive(Debug, Clone)]
pub enum Report {
    /// A document formed or completed by this intake.
    Document(Document),
    /// A page nobody could identify, kept in the queue.
    Unidentified {
        source: String,
        page: usize,
        reason: String,
    },
    /// A page that could not be decoded (kept, and queued for a person).
    Unreadable {
        source: String,
        page: usize,
        reason: String,
    },
    /// A file that is not a readable scan (kept all the same).
    FileError { source: String, error: String },
}

/// Why a file could not be kept. Only [`KeepError::Store`] is a failure of the data folder; the others are about
/// the file, which stays where it was.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("kan inte läsa filen: {0}")]
    Read(std::io::Error),
    #[error("är ingen vanlig fil")]
    NotAFile,
    #[error("filen är för stor ({0} byte, högst {1})")]
    TooLarge(u64, u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a queued page could not be placed by hand. The page stays in the queue.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("ogiltigt blankett-id ”{id}”: {reason}")]
    Id { id: String, reason: String },
    #[error("blankett-id {0} hör inte till någon känd blankett")]
    UnknownForm(String),
    #[error("blanketten {id} har {pages} sidor: sida {page} finns inte")]
    NoSuchPage { id: String, page: u32, pages: u32 },
    #[error("sida {page} i skanningen finns inte i kön över oidentifierade sidor")]
    NotQueued { page: usize },
    #[error("den sparade skanningen kunde inte läsas: {0}")]
    Decode(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of stages 1–4 for one page, made on a worker thread.
pub(super) enum PageWork {
    Read {
        stamp: PageStamp,
        orientation: u16,
        alignment: Alignment,
        reading: Box<PageReading>,
    },
    Unidentified(String),
    Skipped,
}

pub struct Intake {
    pub store: Store,
    pub registry: &'static Registry,
    pub limits: Limits,
    pub workers: usize,
    /// Read behind a web server: the workers run at a lower CPU priority ([`super::background`]).
    pub background: bool,
    /// One commit at a time: the inbox and a person placing a page by hand may both add to one document.
    commits: Mutex<()>,
    /// The readers of every worker of every intake through this value, made once each (`workers` sets).
    pub(super) readers: ReaderPool,
    /// The document log, where every page placed is entered; None when it could not be opened (said once).
    audit: Option<Audit>,
}

impl Intake {
    pub fn new(store: Store) -> Intake {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 8);
        let audit = Audit::open(&store)
            .inspect_err(|e| eprintln!("blankett: dokumentloggen kunde inte öppnas: {e}"))
            .ok();
        Intake {
            audit,
            store,
            registry: Registry::embedded(),
            limits: Limits::default(),
            workers,
            background: false,
            commits: Mutex::new(()),
            readers: ReaderPool::new(workers),
        }
    }

    /// A person's answer for a page in the unidentified queue: it is page `page` of the copy `form_id`. The page is
    /// aligned and read as that page (the orientation from whatever the page still shows: a QR code, the larger
    /// top-left mark, else the quarter turn whose corner marks fit) and placed like any page; it leaves the queue
    /// in the same commit. When it cannot be aligned it stays queued with the reason, reported as
    /// [`Report::Unidentified`].
    pub fn place_unidentified(
        &self,
        scan: &str,
        index: usize,
        form_id: &str,
        page: u32,
        by: &str,
    ) -> Result<Report, PlaceError> {
        let id = FormId::parse(form_id.trim()).map_err(|e| PlaceError::Id {
            id: form_id.chars().take(40).collect(),
            reason: e.to_string(),
        })?;
        let main = self
            .registry
            .by_code(&id.form)
            .filter(|f| f.kind() == crate::forms::definition::FormKind::Main)
            .ok_or_else(|| PlaceError::UnknownForm(id.to_string()))?;
        if self.store.documents.queued(scan, index)?.is_none() {
            return Err(PlaceError::NotQueued { page: index + 1 });
        }
        let parts = self.composition(&id, main);
        let stamp =
            identify::text::stamp_in(&parts, id, page).ok_or_else(|| PlaceError::NoSuchPage {
                id: id.to_string(),
                page,
                pages: parts.iter().map(|f| f.page_count() as u32).sum(),
            })?;
        let name = self
            .store
            .scans
            .get(scan)?
            .map_or_else(|| scan.to_string(), |r| r.name);
        let source = decode::open(&self.store.scans.path(scan), &self.limits)
            .map_err(|e| PlaceError::Decode(e.to_string()))?;
        let image = source
            .page(index)
            .map_err(|e| PlaceError::Decode(e.to_string()))?;
        drop(source);
        let mut readers = self.readers.take();
        let boxes: Vec<_> = self
            .registry
            .by_code(&stamp.template)
            .and_then(|t| t.layout.pages.get(stamp.template_page as usize - 1))
            .map(|l| l.fields.iter().flat_map(|f| f.boxes()).collect())
            .unwrap_or_default();
        let work = match align_without_identity(&image, &boxes) {
            Ok((orientation, alignment)) => {
                self.read_as(&image, stamp, orientation, alignment, &mut readers)
            }
            Err(reason) => PageWork::Unidentified(reason),
        };
        let work = match work {
            PageWork::Unidentified(reason) => {
                PageWork::Unidentified(format!("placering för hand misslyckades: {reason}"))
            }
            other => other,
        };
        let mut touched = BTreeSet::new();
        let mut reports = Vec::new();
        let ctx = Context::now();
        self.commit(
            scan,
            &name,
            index,
            Ok(work),
            &ctx,
            &mut touched,
            &mut reports,
            Some(by),
        )?;
        self.store.flush()?;
        if let Some(PageOutcome::Placed { document, .. }) =
            self.store.documents.outcome(scan, index)?
            && let Some(doc) = self.store.documents.get(&document)?
        {
            return Ok(Report::Document(doc));
        }
        Ok(reports.pop().unwrap_or(Report::Unidentified {
            source: name,
            page: index + 1,
            reason: "sidan kunde inte placeras".into(),
        }))
    }

    /// The forms of a copy in page order: the main form, then the supplements printed with it, as the register of
    /// issued IDs records them, or as pages of the copy already taken in show them; else the main form alone.
    fn composition(&self, id: &FormId, main: &'static Form) -> Vec<&'static Form> {
        if let Ok(Some(record)) = self.store.issued.get(id) {
            let mut parts = vec![main];
            for (name, version) in &record.supplements {
                match self.registry.get(name, Some(*version)) {
                    Ok(f) => parts.push(f.as_ref()),
                    Err(_) => return vec![main],
                }
            }
            return parts;
        }
        let docs = self
            .store
            .documents
            .with_id(&id.compact())
            .unwrap_or_default();
        for doc in &docs {
            let parts = self.parts_of(doc, main);
            let total: u32 = parts.iter().map(|f| f.page_count() as u32).sum();
            if parts.len() > 1 && total == doc.pages_total {
                return parts;
            }
        }
        vec![main]
    }

    /// Keeps `bytes` as received, then processes them. `name` is the file's name for reports.
    pub fn take_in(
        &self,
        name: &str,
        bytes: &[u8],
        progress: &dyn Fn(usize, usize),
    ) -> Result<Vec<Report>, StoreError> {
        let (record, _new) = self.store.scans.receive(name, bytes)?;
        self.process(record, name, progress)
    }

    /// Keeps the file at `path` as received and processes it, like [`Intake::take_in`], without holding the file
    /// in memory: a 500-page scanner PDF is a few hundred megabytes. A file that cannot be read (or is over the
    /// size limit) is reported as a [`Report::FileError`] and, not having been read, is not kept.
    pub fn take_in_file(
        &self,
        name: &str,
        path: &Path,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Vec<Report>, StoreError> {
        match self.keep_file(path) {
            Ok(record) => self.take_in_kept(record, name, progress),
            Err(KeepError::Store(e)) => Err(e),
            Err(e) => Ok(vec![Report::FileError {
                source: name.to_string(),
                error: e.to_string(),
            }]),
        }
    }

    /// Processes a scan already kept (see [`Intake::keep_file`]).
    pub fn take_in_kept(
        &self,
        record: ScanRecord,
        name: &str,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Vec<Report>, StoreError> {
        self.process(record, name, progress)
    }

    /// Copies the file into the store under its SHA-256, hashing as it copies (one read, and the name always
    /// matches the bytes kept, even if the file changes meanwhile), synced before the record says it exists.
    /// Once this returns, the file is safe: a kill before it is processed is resumed by [`Intake::resume`].
    pub fn keep_file(&self, path: &Path) -> Result<ScanRecord, KeepError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.keep_file_as(path, &name)
    }

    /// As [`Intake::keep_file`], with the name the file came under (an upload streamed to a temporary file).
    pub fn keep_file_as(&self, path: &Path, name: &str) -> Result<ScanRecord, KeepError> {
        use sha2::{Digest, Sha256};
        use std::io::{Read, Write};
        let meta = std::fs::metadata(path).map_err(KeepError::Read)?;
        if !meta.is_file() {
            return Err(KeepError::NotAFile);
        }
        let max = self.limits.max_file_bytes;
        if meta.len() > max {
            return Err(KeepError::TooLarge(meta.len(), max));
        }
        let mut from = std::fs::File::open(path).map_err(KeepError::Read)?;
        let kept = self.store.scans.path("");
        std::fs::create_dir_all(&kept).map_err(StoreError::Io)?;
        // Named after the file taken in, so that a copy cut short by a kill is overwritten by the next try
        // rather than left behind. One process holds the data folder (sled's lock) and takes files one at a time.
        let part = PartFile(kept.join(format!(
            ".receiving-{}.part",
            &hex::encode(Sha256::digest(path.to_string_lossy().as_bytes()))[..16]
        )));
        let mut to =
            std::io::BufWriter::new(std::fs::File::create(&part.0).map_err(StoreError::Io)?);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut bytes = 0u64;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(KeepError::Read(e)),
            };
            bytes += n as u64;
            if bytes > max {
                return Err(KeepError::TooLarge(bytes, max));
            }
            hasher.update(&buf[..n]);
            to.write_all(&buf[..n]).map_err(StoreError::Io)?;
        }
        let sha = hex::encode(hasher.finalize());
        if let Some(existing) = self.store.scans.get(&sha)? {
            return Ok(existing);
        }
        to.into_inner()
            .map_err(|e| StoreError::Io(e.into_error()))?
            .sync_all()
            .map_err(StoreError::Io)?;
        std::fs::rename(&part.0, self.store.scans.path(&sha)).map_err(StoreError::Io)?;
        if let Ok(d) = std::fs::File::open(&kept) {
            let _ = d.sync_all();
        }
        let record = ScanRecord {
            sha256: sha,
            name: name.to_string(),
            bytes,
            received_at: crate::store::now_rfc3339(),
            state: ScanState::Received,
        };
        self.store.scans.put(&record)?;
        self.store.flush()?;
        Ok(record)
    }

    /// Finishes every scan whose processing was interrupted, their pages on one set of workers.
    pub fn resume(&self) -> Result<Vec<Report>, StoreError> {
        let mut reports = Vec::new();
        let unfinished = self.store.scans.unfinished()?;
        let mut unfinished = unfinished.into_iter().peekable();
        while unfinished.peek().is_some() {
            let slice: Vec<_> = unfinished
                .by_ref()
                .take(super::batch::FILES_PER_RUN)
                .map(|r| {
                    let name = r.name.clone();
                    (r, name)
                })
                .collect();
            self.process_batch(slice, &|_, _| {}, &mut |_, r| reports.extend(r))?;
        }
        Ok(reports)
    }

    /// One scan, kept: its pages read on the workers and committed in page order.
    fn process(
        &self,
        record: ScanRecord,
        name: &str,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Vec<Report>, StoreError> {
        let mut reports = Vec::new();
        self.process_batch(vec![(record, name.to_string())], progress, &mut |_, r| {
            reports = r
        })?;
        Ok(reports)
    }

    /// Stages 1–4 for one page, on a worker thread.
    pub(super) fn work_on(
        &self,
        source: &PageSource,
        scan: &str,
        index: usize,
        readers: &mut Readers,
    ) -> Result<PageWork, String> {
        if self
            .store
            .documents
            .outcome(scan, index)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Ok(PageWork::Skipped);
        }
        let page = source.page(index).map_err(|e| e.to_string())?;
        let composition = |id: &FormId, main: &'static Form| self.composition(id, main);
        let ctx = identify::Context {
            registry: self.registry,
            composition: &composition,
        };
        match identify::locate(&page, &ctx, readers) {
            Ok(l) => Ok(self.read_as(&page, l.stamp, l.orientation, l.alignment, readers)),
            Err(reason) => Ok(PageWork::Unidentified(reason)),
        }
    }

    /// Stage 4 for a page whose identity and place are known.
    fn read_as(
        &self,
        page: &ScanPage,
        stamp: PageStamp,
        orientation: u16,
        alignment: Alignment,
        readers: &mut Readers,
    ) -> PageWork {
        let Some(template) = self.registry.by_code(&stamp.template) else {
            return PageWork::Unidentified(format!("okänd blankett {}", stamp.template));
        };
        let Some(layout) = (stamp.template_page as usize)
            .checked_sub(1)
            .and_then(|i| template.layout.pages.get(i))
        else {
            return PageWork::Unidentified(format!(
                "{} har ingen sida {}",
                template.name(),
                stamp.template_page
            ));
        };
        let reading = Box::new(match &alignment.homography {
            // A photo at an angle: read from the page straightened, the crops pointed back at the photo.
            Some(h) => {
                let (straight, upright) = align::straighten(page, &alignment, h);
                let mut reading = self.read_aligned(&straight, layout, &upright, readers);
                for field in &mut reading.fields {
                    field.crop =
                        align::unstraighten(field.crop, h, upright.transform.a, &page.image);
                }
                reading
            }
            None => self.read_aligned(page, layout, &alignment, readers),
        });
        PageWork::Read {
            stamp,
            orientation,
            alignment,
            reading,
        }
    }

    /// Reads an aligned page: its data QR code if it has one, else, when a corner mark was missing, after placing
    /// the page again by its printed box outlines, its marks and writing.
    fn read_aligned(
        &self,
        page: &ScanPage,
        layout: &PageLayout,
        al: &Alignment,
        readers: &mut Readers,
    ) -> PageReading {
        let data = read::read_data_qr(page, al, self.registry);
        if data.is_none() && al.marks_found < crate::forms::page::CORNER_MARKS.len() {
            let realigned = realign::by_boxes(&page.image, al, layout);
            return read::read_page(page, layout, &realigned, None, readers);
        }
        read::read_page(page, layout, al, data, readers)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn commit(
        &self,
        scan: &str,
        name: &str,
        index: usize,
        work: Result<PageWork, String>,
        ctx: &Context<'_>,
        touched: &mut BTreeSet<String>,
        reports: &mut Vec<Report>,
        by_hand: Option<&str>,
    ) -> Result<(), StoreError> {
        let _one_at_a_time = self.commits.lock().unwrap_or_else(|e| e.into_inner());
        let work = match work {
            Ok(work) => work,
            Err(e) => {
                // Kept for a person like any unidentified page, and reported as unreadable.
                let reason = format!("sidan kunde inte avkodas: {e}");
                return self.queue_page(scan, name, index, reason, true, reports);
            }
        };
        let (stamp, orientation, alignment, reading) = match work {
            PageWork::Skipped => return Ok(()),
            PageWork::Unidentified(reason) => {
                return self.queue_page(scan, name, index, reason, false, reports);
            }
            PageWork::Read {
                stamp,
                orientation,
                alignment,
                reading,
            } => (stamp, orientation, alignment, reading),
        };
        let (Some(main), Some(template)) = (
            self.registry.by_code(&stamp.id.form),
            self.registry.by_code(&stamp.template),
        ) else {
            let reason = format!("okänd blankett i id {}", stamp.id);
            return self.queue_page(scan, name, index, reason, false, reports);
        };
        let region = self.store.issued.get(&stamp.id)?.map(|r| r.region);
        let existing = self.store.documents.with_id(&stamp.id.compact())?;
        let ink = reading.ink.clone();
        let features = reading.features.clone();
        let shared_id = !existing.is_empty();
        let placed = PlacedPage {
            stamp,
            form: template,
            source: PageRef {
                scan: scan.to_string(),
                index,
            },
            residual_mm: alignment
                .residual_mm
                .is_finite()
                .then_some(alignment.residual_mm),
            orientation,
            reading: *reading,
            ink,
            features,
        };
        let (mut doc, rescan) = match assemble::place(existing.clone(), placed, main, region) {
            Placement::Into(doc) => (doc, false),
            Placement::Rescan(doc) => (doc, true),
        };
        let parts = self.parts_of(&doc, main);
        check::check_document(&mut doc, &parts, ctx);
        // The scan's hash, never its file name: a name may hold a patient's name or personnummer, and this log
        // cannot be erased; the name stays with the scan's record, erased with it.
        let mut detail = format!(
            "sida {} av {} från skanning {}",
            stamp.page,
            stamp.pages,
            scan.get(..12).unwrap_or(scan)
        );
        if rescan {
            detail.push_str("; samma blad skannat igen");
        }
        if by_hand.is_some() {
            detail.push_str("; placerad för hand");
        }
        let placed_detail = format!("{scan}:{index}: sida {} av {}", stamp.page, stamp.id);
        let at = crate::store::now_rfc3339();
        let mut entries = vec![Pending {
            kind: LogKind::Document,
            at: &at,
            actor: "intake",
            action: "taken_in",
            document: Some(&doc.key),
            region: doc.region.as_deref(),
            detail: &detail,
        }];
        if let Some(person) = by_hand {
            entries.push(Pending {
                kind: LogKind::Document,
                at: &at,
                actor: person,
                action: "page_placed",
                document: Some(&doc.key),
                region: doc.region.as_deref(),
                detail: &placed_detail,
            });
        }
        // The page and its log entries in one transaction: a kill or a failed log write leaves neither, and the
        // page is read again when the scan's intake resumes.
        let audit = self.audit()?;
        self.store
            .documents
            .place(&doc, scan, index, stamp.page, audit, &entries)?;
        if doc.flags.iter().any(|f| f == FLAG_COPIED_BLANK) {
            for mut sibling in existing.into_iter().filter(|d| d.key != doc.key) {
                if !sibling.flags.iter().any(|f| f == FLAG_COPIED_BLANK) {
                    sibling.flags.push(FLAG_COPIED_BLANK.to_string());
                    self.store.documents.put(&sibling)?;
                    touched.insert(sibling.key.clone());
                }
            }
        }
        touched.insert(doc.key);
        if shared_id && !rescan {
            self.pair_sheets(&stamp.id.compact(), main, ctx, touched)?;
        }
        Ok(())
    }

    /// Weighs again which pages of the sheets on one form ID belong together, now that another has come: moves
    /// pages between sheets nobody works on yet when another pairing is better, and flags every sheet on the ID
    /// when no pairing is clearly the best (`intake::pairing`). A sheet being worked on keeps its pages.
    fn pair_sheets(
        &self,
        compact: &str,
        main: &'static Form,
        ctx: &Context<'_>,
        touched: &mut BTreeSet<String>,
    ) -> Result<(), StoreError> {
        use super::pairing::{self, CLEAR_MARGIN, FLAG_UNSURE_PAIRING, Scorer};
        let mut docs = self.store.documents.with_id(compact)?;
        if docs.len() < 2 {
            return Ok(());
        }
        let movable = docs
            .iter()
            .map(|d| self.store.documents.worked_on(&d.key).map(|w| !w))
            .collect::<Result<Vec<bool>, _>>()?;
        let mut parts: Vec<&'static Form> = Vec::new();
        for doc in &docs {
            for f in self.parts_of(doc, main) {
                if !parts.iter().any(|p| std::ptr::eq(*p, f)) {
                    parts.push(f);
                }
            }
        }
        let scorer = Scorer { parts, ctx };
        let free = pairing::weigh(&docs, &vec![true; docs.len()], &scorer);
        let allowed = if movable.iter().all(|m| *m) {
            free.clone()
        } else {
            pairing::weigh(&docs, &movable, &scorer)
        };
        // Unsure: no pairing clearly the best, or the best needs a sheet someone works on to change.
        let unsure = match (&free, &allowed) {
            (Some(f), Some(a)) => {
                f.margin < CLEAR_MARGIN
                    || pairing::partition_key(&f.best) != pairing::partition_key(&a.best)
            }
            _ => true,
        };
        let mut changed: BTreeSet<usize> = BTreeSet::new();
        let mut moved: BTreeSet<usize> = BTreeSet::new();
        if let Some(a) = allowed.as_ref().filter(|a| a.changed) {
            moved.extend(pairing::rearrange(&mut docs, &a.best));
            changed.extend(moved.iter().copied());
        }
        for (d, doc) in docs.iter_mut().enumerate() {
            // Cleared only on a sheet nobody works on: clearing it raises the confidence of values a person may
            // be looking at.
            let on = unsure || (!movable[d] && doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING));
            if pairing::set_flag(doc, FLAG_UNSURE_PAIRING, on) {
                changed.insert(d);
            }
        }
        if changed.is_empty() {
            return Ok(());
        }
        for &d in &changed {
            let doc = &mut docs[d];
            let parts = self.parts_of(doc, main);
            check::check_document(doc, &parts, ctx);
            doc.status = if doc.missing_pages().is_empty() {
                crate::store::documents::DocumentStatus::Pending
            } else {
                crate::store::documents::DocumentStatus::Incomplete
            };
            doc.updated_at = crate::store::now_rfc3339();
        }
        // What each changed sheet's log entry says, known before the write so that entry and change commit
        // together.
        let details: Vec<(usize, &'static str, String)> = changed
            .iter()
            .map(|&d| {
                let (action, detail) = regroup_entry(&docs[d], moved.contains(&d));
                (d, action, detail)
            })
            .collect();
        let write: Vec<&Document> = changed.iter().map(|&d| &docs[d]).collect();
        let untouched: Vec<&str> = moved.iter().map(|&d| docs[d].key.as_str()).collect();
        let audit = self.audit()?;
        let at = crate::store::now_rfc3339();
        let entries: Vec<Pending<'_>> = details
            .iter()
            .map(|(d, action, detail)| Pending {
                kind: LogKind::Document,
                at: &at,
                actor: "intake",
                action,
                document: Some(&docs[*d].key),
                region: docs[*d].region.as_deref(),
                detail,
            })
            .collect();
        if self
            .store
            .documents
            .regroup(&write, &untouched, audit, &entries)?
        {
            touched.extend(write.iter().map(|d| d.key.clone()));
            return Ok(());
        }
        // Someone opened a case on one of them meanwhile: leave the pages, flag the sheets instead.
        let mut flagged = Vec::new();
        for mut doc in self.store.documents.with_id(compact)? {
            if pairing::set_flag(&mut doc, FLAG_UNSURE_PAIRING, true) {
                let parts = self.parts_of(&doc, main);
                check::check_document(&mut doc, &parts, ctx);
                flagged.push(doc);
            }
        }
        let entries: Vec<Pending<'_>> = flagged
            .iter()
            .map(|doc| Pending {
                kind: LogKind::Document,
                at: &at,
                actor: "intake",
                action: "pairing_flagged",
                document: Some(&doc.key),
                region: doc.region.as_deref(),
                detail: "osäkert vilka sidor som hör ihop: ett exemplar öppnades medan sidorna vägdes",
            })
            .collect();
        let write: Vec<&Document> = flagged.iter().collect();
        self.store.documents.regroup(&write, &[], audit, &entries)?;
        touched.extend(flagged.iter().map(|d| d.key.clone()));
        Ok(())
    }

    /// A page nothing places (or that cannot be decoded): kept in the queue for a person, and reported.
    fn queue_page(
        &self,
        scan: &str,
        name: &str,
        index: usize,
        reason: String,
        unreadable: bool,
        reports: &mut Vec<Report>,
    ) -> Result<(), StoreError> {
        self.store
            .documents
            .queue_unidentified(scan, index, &reason)?;
        let (source, page) = (name.to_string(), index + 1);
        reports.push(if unreadable {
            Report::Unreadable {
                source,
                page,
                reason,
            }
        } else {
            Report::Unidentified {
                source,
                page,
                reason,
            }
        });
        Ok(())
    }

    /// The document log: a change of documents is not written without its entry.
    fn audit(&self) -> Result<&Audit, StoreError> {
        self.audit.as_ref().ok_or_else(|| {
            StoreError::Corrupt(
                "dokumentloggen kunde inte öppnas: inget ändras utan sin loggpost".into(),
            )
        })
    }

    /// The forms of a copy: the main form and the supplements its pages were printed from.
    fn parts_of(&self, doc: &Document, main: &'static Form) -> Vec<&'static Form> {
        let mut parts = vec![main];
        for page in doc.pages.values() {
            let code = page.template.split('.').next().unwrap_or_default();
            if let Some(form) = self.registry.all().find(|f| f.code.to_string() == code)
                && !parts.iter().any(|p| std::ptr::eq(*p, form.as_ref()))
            {
                parts.push(form.as_ref());
            }
        }
        parts
    }

    pub(super) fn reports_for_done(
        &self,
        record: &ScanRecord,
        name: &str,
        pages: usize,
    ) -> Result<Vec<Report>, StoreError> {
        let mut keys = BTreeSet::new();
        let mut reports = Vec::new();
        for index in 0..pages {
            match self.store.documents.outcome(&record.sha256, index)? {
                Some(PageOutcome::Placed { document, .. }) => {
                    keys.insert(document);
                }
                Some(PageOutcome::Unidentified { reason }) => reports.push(Report::Unidentified {
                    source: name.to_string(),
                    page: index + 1,
                    reason,
                }),
                None => {}
            }
        }
        for key in keys {
            if let Some(doc) = self.store.documents.get(&key)? {
                reports.push(Report::Document(doc));
            }
        }
        Ok(reports)
    }
}

/// Where a page without a known identity lies: from its QR codes if one still reads, else from its corner marks
/// (the larger top-left one gives the way up), else by trying each quarter turn against the outlines of `boxes`.
fn align_without_identity(page: &ScanPage, boxes: &[Rect]) -> Result<(u16, Alignment), String> {
    if let Identification::Identified(id) = identify::identify(page)
        && let Ok(a) = align::align(page, &id.qr_pairs())
    {
        return Ok((id.orientation, a));
    }
    if let Some(placed) = marks::place_by_marks(page) {
        let a = marks::alignment(page, placed);
        return Ok((align::orientation(&a.transform), a));
    }
    let a = align::align_unguided(page, boxes)?;
    Ok((align::orientation(&a.transform), a))
}

/// A file being received: removed unless it was renamed to its hash (a failed copy leaves nothing behind).
struct PartFile(std::path::PathBuf);

impl Drop for PartFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The log entry of a sheet whose pages moved or whose pairing flag changed: its action and detail.
fn regroup_entry(doc: &Document, moved: bool) -> (&'static str, String) {
    use super::pairing::FLAG_UNSURE_PAIRING;
    let flagged = doc.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING);
    let sure = if flagged {
        "osäkert vilka sidor som hör ihop"
    } else {
        "sidorna hör säkert ihop"
    };
    if !moved {
        let action = if flagged {
            "pairing_flagged"
        } else {
            "pairing_cleared"
        };
        return (action, sure.to_string());
    }
    let pages: Vec<String> = doc
        .pages
        .values()
        .map(|p| {
            format!(
                "sida {} från skanning {} sida {}",
                p.page,
                p.source.scan.get(..12).unwrap_or(&p.source.scan),
                p.source.index + 1
            )
        })
        .collect();
    (
        "pages_regrouped",
        format!("sidorna parades om: {}; {sure}", pages.join(", ")),
    )
}
